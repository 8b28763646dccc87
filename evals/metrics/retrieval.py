"""Retrieval: recall@k and reciprocal rank of the expected documents, with the dev set's own scoring."""

from __future__ import annotations

from evals.metrics.base import CaseInput, Check
from evals.retrieval import score_ranking


class RetrievalEvaluator:
    family = "retrieval"

    def evaluate(self, item: CaseInput) -> list[Check]:
        expect = item.expect
        if not expect.retrieved:
            return []
        score = score_ranking(item.retrieved[: expect.k], expect.retrieved)
        missing = f"missing from the top {expect.k}: {', '.join(score.missing)}" if score.missing else ""
        return [
            Check(
                name="retrieval.recall_at_k",
                passed=score.recall >= expect.min_recall,
                score=score.recall,
                reason=missing or f"all {len(score.found)} expected document(s) in the top {expect.k}",
            ),
            Check(
                name="retrieval.mrr",
                passed=score.reciprocal_rank > 0,
                score=score.reciprocal_rank,
                gating=False,
                reason=f"first expected document at rank {round(1 / score.reciprocal_rank)}"
                if score.reciprocal_rank
                else "no expected document retrieved",
            ),
        ]
