"""Ingest from files: formats, bad input that loses nothing, idempotence, crash safety."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guardrails.markings import TLP
from retrieval.embeddings import HashEmbeddings
from retrieval.ingest import Ingester
from retrieval.kb import KnowledgeBase
from retrieval.loaders.base import IngestOptions
from tests.helpers import fake_kb

REPORT = """---
id: rep-{n}
title: Report {n}
date: 2026-03-0{n}
tlp: {tlp}
source: Test CERT
---
# Report {n}

## Summary

Phishing against the energy ministry, wave {n}.
"""


def _write_reports(folder: Path, count: int, tlp: str = "GREEN") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, count + 1):
        (folder / f"rep-{n}.md").write_text(REPORT.format(n=n, tlp=tlp), encoding="utf-8")


def _snapshot(kb: KnowledgeBase) -> tuple[set[str], int]:
    ids = {c.chunk_id for c in kb.store.scan()}
    return ids, kb.catalog.counts()["documents"]


def test_a_broken_file_does_not_stop_the_others(tmp_path):
    feed = tmp_path / "feed"
    _write_reports(feed, 5)
    (feed / "truncated.json").write_text(
        '{"type": "bundle", "objects": [{"type": "malware"', encoding="utf-8"
    )
    (feed / "wrong.json").write_text(json.dumps({"hello": "world"}), encoding="utf-8")
    (feed / "empty.md").write_text("", encoding="utf-8")
    (feed / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (feed / "latin1.txt").write_bytes(
        "Rapport sur la campagne d'hameçonnage visant le ministère.".encode("cp1252")
    )
    with open(feed / "huge.dat", "wb") as fh:  # a 50 MB binary file
        fh.write(os.urandom(1024 * 1024) * 50)
    kb = fake_kb(tmp_path / "kb")
    report = Ingester(kb).run([feed])
    failed = {Path(p).name: reason for p, reason in report.failed}
    assert set(failed) == {"truncated.json", "wrong.json", "empty.md", "binary.bin", "huge.dat"}
    assert "line" in failed["truncated.json"] and "column" in failed["truncated.json"]
    assert "empty" in failed["empty.md"]
    assert "binary" in failed["binary.bin"]
    assert not report.ok
    # the five good reports and the non-UTF-8 one are all in
    assert report.documents == 6
    assert kb.catalog.doc("rep-3") is not None
    kb.close()


def test_size_limit_names_the_setting(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "big.md").write_text("# Big\n\n" + "word " * 300_000, encoding="utf-8")
    kb = fake_kb(tmp_path / "kb")
    report = Ingester(kb, max_file_mb=1).run([feed])
    [(path, reason)] = report.failed
    assert path.endswith("big.md") and "DETENTE_MAX_FILE_MB" in reason
    kb.close()


def test_reingest_adds_nothing_and_a_changed_file_replaces_its_chunks(tmp_path):
    feed = tmp_path / "feed"
    _write_reports(feed, 3)
    kb = fake_kb(tmp_path / "kb")
    first = Ingester(kb).run([feed])
    assert first.documents == 3
    before = _snapshot(kb)
    again = Ingester(kb).run([feed])
    assert again.documents == 0 and again.unchanged_files == 3
    assert _snapshot(kb) == before
    (feed / "rep-2.md").write_text(
        REPORT.format(n=2, tlp="GREEN").replace("Phishing", "Ransomware"), encoding="utf-8"
    )
    changed = Ingester(kb).run([feed])
    assert changed.documents == 1
    ids, docs = _snapshot(kb)
    assert docs == 3 and len(ids) == len(before[0])
    texts = " ".join(c.text for c in kb.store.scan())
    assert "Ransomware" in texts and "wave 2" in texts
    kb.close()


def test_stated_tlp_raises_but_never_lowers_a_marking(tmp_path):
    feed = tmp_path / "feed"
    _write_reports(feed, 1, tlp="RED")
    (feed / "clear.md").write_text(REPORT.format(n=2, tlp="CLEAR"), encoding="utf-8")
    kb = fake_kb(tmp_path / "kb")
    Ingester(kb, options=IngestOptions(tlp=TLP.AMBER)).run([feed])
    assert kb.catalog.doc("rep-1").tlp == TLP.RED
    assert kb.catalog.doc("rep-2").tlp == TLP.AMBER
    kb.close()


class _ExplodingEmbeddings(HashEmbeddings):
    """Fails on the n-th batch, as a process killed mid-ingest would stop."""

    def __init__(self, fail_on_call: int) -> None:
        super().__init__()
        self.calls = 0
        self.fail_on_call = fail_on_call

    def encode(self, texts):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise KeyboardInterrupt("simulated kill")
        return super().encode(texts)


@pytest.fixture(scope="module")
def attack_subset(tmp_path_factory):
    """A slice of real ATT&CK split like the original: objects in one file, relationships in a gzipped other."""
    from tests.conftest import SHARED_CTI

    if not SHARED_CTI.is_dir():
        pytest.skip(f"shared CTI data not found at {SHARED_CTI}")
    core = json.loads((SHARED_CTI / "mitre-attack" / "enterprise-attack-18.1-core.json").read_text())
    rels = json.loads(
        gzip.decompress(
            (SHARED_CTI / "mitre-attack" / "enterprise-attack-18.1-relationships.json.gz").read_bytes()
        )
    )
    by_type: dict[str, list[dict]] = {}
    for obj in core["objects"]:
        by_type.setdefault(obj["type"], []).append(obj)
    keep = by_type["intrusion-set"][:40] + by_type["attack-pattern"][:250] + by_type["course-of-action"][:40]
    keep += by_type["identity"] + by_type["marking-definition"] + by_type["x-mitre-tactic"]
    ids = {o["id"] for o in keep}
    links = [r for r in rels["objects"] if r.get("source_ref") in ids and r.get("target_ref") in ids]
    folder = tmp_path_factory.mktemp("attack")
    (folder / "core.json").write_text(json.dumps({"type": "bundle", "id": core["id"], "objects": keep}))
    (folder / "relationships.json.gz").write_bytes(
        gzip.compress(json.dumps({"type": "bundle", "id": rels["id"], "objects": links}).encode())
    )
    return folder


def test_a_run_interrupted_mid_ingest_is_completed_by_a_rerun(tmp_path, attack_subset):
    feed = tmp_path / "feed"
    _write_reports(feed, 4)
    clean = fake_kb(tmp_path / "clean")
    Ingester(clean).run([feed, attack_subset])
    expected = _snapshot(clean)
    assert expected[1] > 200
    clean.close()

    for fail_on in (1, 2, 3):
        home = tmp_path / f"crash{fail_on}"
        kb = KnowledgeBase(home=home, embedder=_ExplodingEmbeddings(fail_on))
        with pytest.raises(KeyboardInterrupt):
            Ingester(kb).run([feed, attack_subset])
        kb.close()
        kb = fake_kb(home)
        Ingester(kb).run([feed, attack_subset])
        assert _snapshot(kb) == expected, f"store differs after a crash at embedding call {fail_on}"
        kb.close()


def _documents_in(catalog: Path) -> int:
    try:
        with sqlite3.connect(catalog, timeout=0.2) as db:
            return db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.integration
def test_a_killed_process_leaves_a_store_that_a_rerun_completes(tmp_path, shared_cti):
    """SIGKILL once the first documents are stored, then re-run: the store equals a clean ingest's."""
    home = tmp_path / "home"
    env = {**os.environ, "DETENTE_HOME": str(home), "DETENTE_EMBEDDINGS": "hash"}
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", str(shared_cti / "mitre-attack")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _documents_in(home / "catalog.sqlite") == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored_when_killed = _documents_in(home / "catalog.sqlite")
    assert 0 < stored_when_killed < 1743, "the kill should land mid-ingest"
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    clean_env = {**env, "DETENTE_HOME": str(tmp_path / "clean")}
    subprocess.run(cmd, env=clean_env, capture_output=True, text=True, timeout=600, check=True)
    killed = KnowledgeBase(home=home, embedder=HashEmbeddings())
    clean = KnowledgeBase(home=tmp_path / "clean", embedder=HashEmbeddings())
    assert _snapshot(killed) == _snapshot(clean)
    killed.close()
    clean.close()
