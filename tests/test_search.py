"""Hybrid search over a knowledge base with deterministic fake embeddings."""

from __future__ import annotations

import itertools

import pytest

from guardrails.markings import TLP
from retrieval.documents import Entities
from retrieval.search import search
from tests.helpers import add, fake_kb, make_doc

LEVELS = list(TLP)


@pytest.fixture
def kb(tmp_path):
    kb = fake_kb(tmp_path / "kb")
    docs = []
    for level, i in itertools.product(LEVELS, range(6)):
        docs.append(
            make_doc(
                f"{level.name}-{i}",
                f"Report {i} on phishing against the energy ministry, marked {level.label}. "
                f"Unique detail {level.name.lower()}{i}.",
                tlp=level,
                title=f"Energy phishing {level.name} {i}",
            )
        )
    docs.append(
        make_doc(
            "apt28-attack",
            "APT28 uses spearphishing links.",
            subject=("APT28", "Fancy Bear", "STRONTIUM"),
            entities=Entities(actors=("APT28",), aliases=("Fancy Bear", "STRONTIUM")),
            doc_type="intrusion-set",
        )
    )
    docs.append(
        make_doc(
            "sofacy-misp",
            "Sofacy is a cyber espionage group believed to have ties to a government.",
            subject=("Sofacy", "Forest Blizzard", "STRONTIUM"),
            entities=Entities(
                actors=("Sofacy",), aliases=("Forest Blizzard", "STRONTIUM"), sponsors=("Russia",)
            ),
            doc_type="threat-actor",
        )
    )
    docs.append(
        make_doc(
            "CVE-2023-4966",
            "Citrix NetScaler information disclosure, known as Citrix Bleed.",
            entities=Entities(cves=("CVE-2023-4966",)),
            doc_type="kev",
        )
    )
    add(kb, docs)
    yield kb
    kb.close()


@pytest.mark.parametrize("clearance", LEVELS)
def test_clearance_is_enforced_inside_retrieval_and_k_is_still_met(kb, clearance):
    results = search(kb, query="phishing against the energy ministry", clearance=clearance, k=5)
    assert len(results) == 5, "enough cleared passages exist, so k must be returned"
    assert all(p.tlp <= clearance for p in results)


@pytest.mark.parametrize("clearance", LEVELS)
def test_no_query_ever_returns_a_passage_above_clearance(kb, clearance):
    for query in ("unique detail red0", "amber_strict3", "marked TLP:RED", "report", "APT28"):
        for p in search(kb, query=query, clearance=clearance, k=20):
            assert p.tlp <= clearance, (query, p.doc_id)


def test_an_exact_identifier_finds_its_document(kb):
    results = search(kb, query="Is CVE-2023-4966 being exploited?", clearance=TLP.CLEAR, k=3)
    assert results[0].doc_id == "CVE-2023-4966"


def test_any_alias_finds_every_document_of_the_entity(kb):
    for alias in ("Fancy Bear", "Forest Blizzard", "STRONTIUM"):
        ids = [p.doc_id for p in search(kb, query=f"What has {alias} been doing?", clearance=TLP.CLEAR, k=5)]
        assert {"apt28-attack", "sofacy-misp"} <= set(ids[:3]), (alias, ids)


def test_results_carry_citation_fields_and_ranks(kb):
    results = search(kb, query="energy phishing", clearance=TLP.AMBER, k=4)
    assert [p.rank for p in results] == [1, 2, 3, 4]
    cite = results[0].citation()
    assert {"rank", "doc_id", "title", "source", "url", "tlp", "score", "text"} <= set(cite)
    assert cite["tlp"].startswith("TLP:")


def test_near_duplicates_are_collapsed(tmp_path):
    kb = fake_kb(tmp_path / "dups")
    text = "LockBit ransomware affiliates exploit Citrix Bleed to reach hospital networks. " * 3
    add(
        kb,
        [
            make_doc("copy-a", text),
            make_doc("copy-b", text + " "),
            make_doc("other", "Unrelated water report."),
        ],
    )
    ids = [p.doc_id for p in search(kb, query="LockBit Citrix Bleed hospital", clearance=TLP.CLEAR, k=3)]
    assert len({"copy-a", "copy-b"} & set(ids)) == 1
    kb.close()


def test_reingesting_adds_nothing_and_a_changed_document_replaces_its_chunks(tmp_path):
    kb = fake_kb(tmp_path / "idem")
    doc = make_doc("d", "First version of the report about water utilities.")
    add(kb, [doc])
    assert kb.store.count() == 1
    add(kb, [doc])
    assert kb.store.count() == 1
    add(kb, [make_doc("d", "Second version, now about hospitals.")])
    assert kb.store.count() == 1
    [passage] = search(kb, query="hospitals", clearance=TLP.CLEAR, k=1)
    assert "Second version" in passage.text
    kb.close()


def test_a_document_whose_marking_is_raised_disappears_from_lower_clearances(tmp_path):
    kb = fake_kb(tmp_path / "remark")
    text = "Hidden access in the water utility control network."
    add(kb, [make_doc("w", text, tlp=TLP.CLEAR)])
    assert [p.doc_id for p in search(kb, query="water utility", clearance=TLP.CLEAR, k=3)] == ["w"]
    add(kb, [make_doc("w", text, tlp=TLP.AMBER)])
    assert search(kb, query="water utility", clearance=TLP.GREEN, k=3) == []
    assert [p.tlp for p in search(kb, query="water utility", clearance=TLP.AMBER, k=3)] == [TLP.AMBER]
    assert kb.store.count() == 1
    kb.close()


def test_an_empty_store_refreshes_and_searches_without_error(tmp_path):
    kb = fake_kb(tmp_path / "empty")
    kb.refresh()
    assert search(kb, query="anything", clearance=TLP.RED, k=5) == []
    add(kb, [make_doc("only", "A single report about ports.")])
    from retrieval.ingest import Ingester

    Ingester(kb).forget(["only"])
    kb.refresh()
    assert search(kb, query="ports", clearance=TLP.RED, k=5) == []
    kb.close()
