"""What every evaluator receives and returns: one answered case in, named checks with reasons out.

Evaluators are small classes with a `family` and an `evaluate(item)` method; each check they return names
itself (`facts.recall`), says whether it passed and why, and may carry a score (a recall, a grade). Checks
with `gating=False` are measurements: reported and averaged, never a reason for a case to fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from assistant.brief import Brief
from evals.registry import Family
from evals.retrieval import matches
from evals.suite import Expect, ResolvedCase
from retrieval.documents import Passage


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    passed: bool
    reason: str = ""
    score: float | None = None  # None: 1.0 when passed, else 0.0
    gating: bool = True

    @property
    def value(self) -> float:
        return float(self.passed) if self.score is None else self.score


@dataclass(frozen=True)
class CaseInput:
    """One answered case as evaluators see it; build it by hand in tests."""

    case: ResolvedCase
    brief: Brief
    retrieved: tuple[str, ...] = ()  # doc ids in rank order, when the case expects documents retrieved
    passages: Mapping[int, Passage] = field(default_factory=dict)  # cited passages by citation number
    never: tuple[str, ...] = ()  # every string this reader must not see (case, fixtures, manifest)

    @property
    def expect(self) -> Expect:
        return self.case.expect


class Evaluator(Protocol):
    family: Family

    def evaluate(self, item: CaseInput) -> list[Check]: ...


def short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["CaseInput", "Check", "Evaluator", "matches", "short"]
