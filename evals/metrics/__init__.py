"""Evaluators, one small module per metric family, each returning named checks with reasons.

>>> [e.family for e in evaluators()]
['retrieval', 'facts', 'citations', 'leakage', 'proportionality', 'plain_language', 'latency']
"""

from __future__ import annotations

from collections.abc import Iterable

from evals.metrics.base import CaseInput, Check, Evaluator
from evals.metrics.citations import CitationsEvaluator
from evals.metrics.facts import FactsEvaluator
from evals.metrics.latency import LatencyEvaluator
from evals.metrics.leakage import LeakageEvaluator
from evals.metrics.plain_language import PlainLanguageEvaluator
from evals.metrics.proportionality import ProportionalityEvaluator
from evals.metrics.retrieval import RetrievalEvaluator
from evals.registry import FAMILIES


def evaluators(families: Iterable[str] = FAMILIES) -> list[Evaluator]:
    wanted = set(families)
    every: list[Evaluator] = [
        RetrievalEvaluator(),
        FactsEvaluator(),
        CitationsEvaluator(),
        LeakageEvaluator(),
        ProportionalityEvaluator(),
        PlainLanguageEvaluator(),
        LatencyEvaluator(),
    ]
    return [e for e in every if e.family in wanted]


def evaluate_case(item: CaseInput, families: Iterable[str] = FAMILIES) -> list[Check]:
    return [check for evaluator in evaluators(families) for check in evaluator.evaluate(item)]


__all__ = ["CaseInput", "Check", "Evaluator", "evaluate_case", "evaluators"]
