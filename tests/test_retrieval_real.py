"""Retrieval on real CTI with the real embedding model: aliases across sources, exact ids, facets."""

from __future__ import annotations

import gzip
import json

import pytest

from guardrails.markings import TLP
from retrieval.embeddings import MiniLMEmbeddings
from retrieval.ingest import Ingester
from retrieval.kb import KnowledgeBase
from retrieval.search import search

pytestmark = pytest.mark.integration

APT28 = "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c"
GROUPS = (
    "APT28",
    "APT33",
    "OilRig",
    "Magic Hound",
    "Lazarus Group",
    "Volt Typhoon",
    "APT40",
    "Sandworm Team",
)
MISP_ACTORS = (
    "APT28",
    "APT33",
    "OilRig",
    "Charming Kitten",
    "Lazarus Group",
    "Volt Typhoon",
    "APT40",
    "Sandworm",
)
CVES = ("CVE-2023-4966", "CVE-2024-21887", "CVE-2023-46805", "CVE-2021-44228", "CVE-2023-34362")
ADVISORIES = ("APT40", "Living-off-the-Land", "LockBit", "Snake", "CitrixBleed")


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    from tests.conftest import SHARED_CTI

    if not SHARED_CTI.is_dir():
        pytest.skip(f"shared CTI data not found at {SHARED_CTI}")
    folder = tmp_path_factory.mktemp("real")
    core = json.loads((SHARED_CTI / "mitre-attack/enterprise-attack-18.1-core.json").read_text())
    groups = [o for o in core["objects"] if o["type"] == "intrusion-set" and o["name"] in GROUPS]
    support = [o for o in core["objects"] if o["type"] in ("identity", "marking-definition")]
    (folder / "groups.json").write_text(
        json.dumps({"type": "bundle", "id": core["id"], "objects": groups + support})
    )
    misp = json.loads((SHARED_CTI / "misp-galaxy/clusters/threat-actor.json").read_text())
    misp["values"] = [v for v in misp["values"] if v["value"] in MISP_ACTORS]
    (folder / "actors.json").write_text(json.dumps(misp))
    kev = json.loads((SHARED_CTI / "cisa-kev/known_exploited_vulnerabilities.json").read_text())
    kev["vulnerabilities"] = [v for v in kev["vulnerabilities"] if v["cveID"] in CVES]
    (folder / "kev.json").write_text(json.dumps(kev))
    advisories = folder / "advisories"
    advisories.mkdir()
    for path in sorted((SHARED_CTI / "wa-soc-advisories/advisories").glob("*.md")):
        if any(word.lower() in path.name.lower() for word in ADVISORIES):
            (advisories / path.name).write_bytes(path.read_bytes())
    home = tmp_path_factory.mktemp("real-home")
    kb = KnowledgeBase(home=home, embedder=MiniLMEmbeddings())
    report = Ingester(kb).run([folder])
    assert report.ok, report.failed
    # the relationships arrive in a later ingest: the group documents must gain their techniques
    rels = json.loads(
        gzip.decompress(
            (SHARED_CTI / "mitre-attack/enterprise-attack-18.1-relationships.json.gz").read_bytes()
        )
    )
    (folder / "later").mkdir()
    ids = {o["id"] for o in core["objects"]}
    kept = [
        r
        for r in rels["objects"]
        if r.get("source_ref") in {g["id"] for g in groups} and r.get("target_ref") in ids
    ]
    techniques = [o for o in core["objects"] if o["id"] in {r["target_ref"] for r in kept}][:400]
    (folder / "later" / "uses.json").write_text(
        json.dumps({"type": "bundle", "id": rels["id"], "objects": kept + techniques})
    )
    assert Ingester(kb).run([folder / "later"]).ok
    yield kb
    kb.close()


@pytest.mark.parametrize("alias", ["Fancy Bear", "STRONTIUM", "Forest Blizzard", "Sofacy", "APT 28"])
def test_any_alias_finds_the_actor_in_attack_and_misp(kb, alias):
    results = search(kb, query=f"What has {alias} been doing lately?", clearance=TLP.CLEAR, k=10)
    ids = {p.doc_id for p in results}
    misp_apt28 = {p.doc_id for p in results if p.doc_type == "threat-actor" and "APT28" in p.title}
    assert APT28 in ids, (alias, [p.title for p in results])
    assert misp_apt28, (alias, [p.title for p in results])


def test_relationships_from_a_later_ingest_are_searchable_facts(kb):
    stored = " ".join(c.text for c in kb.store.get(kb.catalog.doc(APT28).chunk_ids))
    assert "## Techniques used" in stored and "T1566" in stored
    results = search(kb, query="Does APT28 use spearphishing links?", clearance=TLP.CLEAR, k=10)
    assert any(p.doc_id == APT28 and "Spearphishing Link" in p.text for p in results), [
        p.heading for p in results
    ]


@pytest.mark.parametrize("cve", ["CVE-2023-4966", "CVE-2024-21887"])
def test_exact_cve_finds_its_kev_entry_and_only_documents_that_name_it(kb, cve):
    results = search(kb, query=f"Should we worry about {cve}?", clearance=TLP.CLEAR, k=5)
    assert cve in [p.doc_id for p in results[:3]]
    assert all(cve in p.entities.cves or cve in p.text for p in results[:2])


def test_sponsor_and_sector_question_returns_the_sponsored_groups(kb):
    results = search(kb, query="Which Iranian-sponsored groups target energy?", clearance=TLP.CLEAR, k=10)
    titles = " ".join(p.title for p in results)
    assert sum(name in titles for name in ("APT33", "OilRig", "Charming Kitten", "Magic Hound")) >= 2, titles
    assert "Lazarus" not in titles


def test_advisory_topic_question(kb):
    results = search(kb, query="How does Volt Typhoon live off the land?", clearance=TLP.CLEAR, k=5)
    assert any("Living-off-the-Land" in p.doc_id or "Volt" in p.title for p in results)
