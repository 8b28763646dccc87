"""What a run produces: per-case checks, per-suite metrics and threshold verdicts, and regressions.

The JSON report is `RunReport.model_dump_json()`; the baseline diff, the JUnit, Markdown and HTML writers
all read this one model. `stable()` drops what varies between identical runs (timings, dates).
"""

from __future__ import annotations

import statistics
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from evals.metrics.base import Check
from evals.registry import spec
from evals.suite import Bound

REPORT_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class CaseResult(_Model):
    id: str
    question: str
    audience: str
    clearance: str
    tags: tuple[str, ...] = ()
    corpus: str = ""
    passed: bool
    checks: tuple[Check, ...] = ()
    judged: tuple[Check, ...] = ()  # model-graded, reported apart, never gating
    retrieved: tuple[str, ...] = ()
    brief: dict[str, Any] | None = None
    error: str | None = None
    line: int = 0

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.gating and not c.passed]


class ThresholdResult(_Model):
    metric: str
    min: float | None = None
    max: float | None = None
    value: float | None
    passed: bool

    def describe(self) -> str:
        bound = " and ".join(
            f"{word} {limit:g}"
            for word, limit in (("at least", self.min), ("at most", self.max))
            if limit is not None
        )
        shown = "not measured" if self.value is None else f"{self.value:.3g}"
        return f"{self.metric} = {shown} (needs {bound})"


class SuiteRun(_Model):
    suite: str
    drafter: str
    path: str
    description: str = ""
    embedder: str = ""
    cases: tuple[CaseResult, ...]
    metrics: dict[str, float]
    thresholds: tuple[ThresholdResult, ...] = ()
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.thresholds)


class Regression(_Model):
    suite: str
    drafter: str
    kind: Literal["metric", "case", "missing"]
    name: str
    before: float | str | None = None
    after: float | str | None = None
    detail: str = ""


class CorpusInfo(_Model):
    label: str
    embedder: str
    documents: int
    chunks: int
    seconds: float


class RunReport(_Model):
    version: int = REPORT_VERSION
    tool: str = "detente eval"
    started: str = ""
    seconds: float = 0.0
    drafters: tuple[str, ...] = ()
    judge: str | None = None
    corpora: tuple[CorpusInfo, ...] = ()
    suites: tuple[SuiteRun, ...] = ()
    baseline: str | None = None
    regressions: tuple[Regression, ...] = ()
    improvements: tuple[Regression, ...] = ()  # same shape: what got better than the baseline

    @property
    def thresholds_passed(self) -> bool:
        return all(s.passed for s in self.suites)

    @property
    def passed(self) -> bool:
        return self.thresholds_passed and not self.regressions

    def slim(self) -> RunReport:
        """The report without briefs and timings: what a baseline kept in the repository needs."""
        suites = []
        for run in self.suites:
            cases = tuple(
                c.model_copy(
                    update={"brief": None, "checks": tuple(k for k in c.checks if not spec(k.name).volatile)}
                )
                for c in run.cases
            )
            metrics = {k: v for k, v in run.metrics.items() if not spec(k).volatile}
            thresholds = tuple(t for t in run.thresholds if not spec(t.metric).volatile)
            update = {"cases": cases, "metrics": metrics, "thresholds": thresholds, "seconds": 0.0}
            suites.append(run.model_copy(update=update))
        return self.model_copy(
            update={"suites": tuple(suites), "regressions": (), "improvements": (), "baseline": None}
        )

    def stable(self) -> dict[str, Any]:
        """The report without what varies between identical runs: dates, timings, latency metrics."""
        data = self.model_dump(mode="json", exclude={"started", "seconds", "corpora"})
        for suite in data["suites"]:
            suite.pop("seconds", None)
            suite["metrics"] = {k: v for k, v in suite["metrics"].items() if not spec(k).volatile}
            suite["thresholds"] = [t for t in suite["thresholds"] if not spec(t["metric"]).volatile]
            for case in suite["cases"]:
                case["checks"] = [c for c in case["checks"] if not spec(c["name"]).volatile]
                if case["brief"]:
                    case["brief"].pop("latency_ms", None)
        return data


def aggregate(cases: tuple[CaseResult, ...] | list[CaseResult]) -> dict[str, float]:
    """Suite metrics: the pass rate, each check's mean score, leakage violations and latency p95."""
    metrics: dict[str, float] = {}
    if not cases:
        return metrics
    metrics["cases.pass_rate"] = sum(c.passed for c in cases) / len(cases)
    values: dict[str, list[float]] = {}
    for case in cases:
        for check in case.checks:
            values.setdefault(check.name, []).append(check.value)
    for name in sorted(values):
        metrics[name] = statistics.fmean(values[name])
    metrics["leakage.violations"] = float(
        sum(1 for c in cases for k in c.checks if k.name.startswith("leakage.") and k.gating and not k.passed)
    )
    if values.get("latency.ms"):
        ordered = sorted(values["latency.ms"])
        metrics["latency.p95_ms"] = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    judged: dict[str, list[float]] = {}
    for case in cases:
        for check in case.judged:
            judged.setdefault(check.name, []).append(check.value)
    for name in sorted(judged):
        metrics[name] = statistics.fmean(judged[name])
    return {k: round(v, 4) for k, v in metrics.items()}


def apply_thresholds(
    metrics: dict[str, float], bounds: dict[str, Bound], *, partial: bool = False
) -> tuple[ThresholdResult, ...]:
    """Each bound against its metric; a metric nobody measured fails, unless only some cases ran (`--only`)."""
    out = []
    for name, bound in bounds.items():
        value = metrics.get(name)
        if value is None and partial:
            out.append(ThresholdResult(metric=name, min=bound.min, max=bound.max, value=None, passed=True))
            continue
        ok = value is not None
        if ok and bound.min is not None:
            ok = value >= bound.min  # type: ignore[operator]
        if ok and bound.max is not None:
            ok = value <= bound.max  # type: ignore[operator]
        out.append(ThresholdResult(metric=name, min=bound.min, max=bound.max, value=value, passed=ok))
    return tuple(out)


def case_passed(checks: list[Check] | tuple[Check, ...], error: str | None = None) -> bool:
    return error is None and all(c.passed for c in checks if c.gating)


__all__ = [
    "CaseResult",
    "CorpusInfo",
    "Regression",
    "RunReport",
    "SuiteRun",
    "ThresholdResult",
    "aggregate",
    "apply_thresholds",
    "case_passed",
]
