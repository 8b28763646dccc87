"""Retrieval quality on a dev set: recall@k and MRR, for hybrid and for each channel alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guardrails.markings import TLP
from retrieval.documents import Passage
from retrieval.kb import KnowledgeBase
from retrieval.search import SearchOptions, search

DEVSET = Path(__file__).parent / "devsets" / "retrieval.jsonl"
MODES = {
    "hybrid": SearchOptions(),
    "dense-only": SearchOptions(lexical=False, focus=False),
    "lexical-only": SearchOptions(dense=False, focus=False),
    "dense+lexical": SearchOptions(focus=False),
}


@dataclass(frozen=True)
class DevCase:
    id: str
    query: str
    relevant: tuple[str, ...]
    clearance: TLP
    corpus: str
    forbidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class DevScore:
    mode: str
    cases: int
    recall_at_k: float
    mrr: float
    violations: int  # forbidden (above-clearance) documents returned
    misses: tuple[str, ...]  # case ids with no relevant document in the top k


def load_devset(path: Path = DEVSET, *, corpus: str | None = None) -> list[DevCase]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        if corpus and raw.get("corpus", "shared") != corpus:
            continue
        cases.append(
            DevCase(
                id=raw["id"],
                query=raw["query"],
                relevant=tuple(raw["relevant"]),
                clearance=TLP.parse(raw.get("clearance", "CLEAR")),
                corpus=raw.get("corpus", "shared"),
                forbidden=tuple(raw.get("forbidden", ())),
            )
        )
    return cases


def matches(doc_id: str, expected: str) -> bool:
    """Exact doc id, or a path suffix (`20230419001-....md` matches `wa-soc-advisories/advisories/...`)."""
    return doc_id == expected or doc_id.endswith("/" + expected)


@dataclass(frozen=True)
class RankScore:
    recall: float  # share of the relevant documents in the ranking
    reciprocal_rank: float  # 1 / rank of the first relevant document (0 when none)
    found: tuple[str, ...]
    missing: tuple[str, ...]
    violations: int  # forbidden documents in the ranking


def score_ranking(ranked: Sequence[str], relevant: Sequence[str], forbidden: Sequence[str] = ()) -> RankScore:
    """recall@k and reciprocal rank of one ranking of doc ids (already cut to k, best first)."""
    found = tuple(r for r in relevant if any(matches(d, r) for d in ranked))
    first = next((i for i, d in enumerate(ranked, 1) if any(matches(d, r) for r in relevant)), None)
    return RankScore(
        recall=len(found) / len(relevant) if relevant else 1.0,
        reciprocal_rank=1.0 / first if first else 0.0,
        found=found,
        missing=tuple(r for r in relevant if r not in found),
        violations=sum(1 for d in ranked if any(matches(d, f) for f in forbidden)),
    )


def ranked_doc_ids(passages: Sequence[Passage]) -> list[str]:
    """Distinct doc ids in rank order (a document with several passages counts once, at its best rank)."""
    return list(dict.fromkeys(p.doc_id for p in passages))


def evaluate(kb: KnowledgeBase, cases: list[DevCase], *, mode: str = "hybrid", k: int = 10) -> DevScore:
    options = MODES[mode]
    recalls, reciprocal, violations, misses = [], [], 0, []
    for case in cases:
        passages = search(kb, query=case.query, clearance=case.clearance, k=k, options=options)
        score = score_ranking(ranked_doc_ids(passages), case.relevant, case.forbidden)
        recalls.append(score.recall)
        reciprocal.append(score.reciprocal_rank)
        violations += score.violations
        if not score.found:
            misses.append(case.id)
    n = max(len(cases), 1)
    return DevScore(
        mode=mode,
        cases=len(cases),
        recall_at_k=sum(recalls) / n,
        mrr=sum(reciprocal) / n,
        violations=violations,
        misses=tuple(misses),
    )
