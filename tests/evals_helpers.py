"""Hand-built eval reports for the baseline and report-writer tests (no pipeline, no model)."""

from __future__ import annotations

from evals.metrics.base import Check
from evals.results import CaseResult, RunReport, SuiteRun, aggregate, apply_thresholds, case_passed
from evals.suite import Bound


def case_result(case_id: str, *checks: Check, question: str = "What happened?", **kw: object) -> CaseResult:
    brief = kw.pop("brief", None)
    return CaseResult(
        id=case_id,
        question=question,
        audience="diplomat",
        clearance="TLP:GREEN",
        passed=case_passed(checks),
        checks=checks,
        brief=brief,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def suite_run(
    cases: list[CaseResult],
    *,
    suite: str = "demo",
    drafter: str = "composer",
    bounds: dict[str, Bound] | None = None,
) -> SuiteRun:
    metrics = aggregate(cases)
    return SuiteRun(
        suite=suite,
        drafter=drafter,
        path=f"evals/suites/{suite}.yaml",
        cases=tuple(cases),
        metrics=metrics,
        thresholds=apply_thresholds(metrics, bounds or {}),
    )


def report(*runs: SuiteRun) -> RunReport:
    return RunReport(
        drafters=tuple(dict.fromkeys(r.drafter for r in runs)),
        suites=runs,
        started="2026-01-01T00:00:00+00:00",
    )


def ok(name: str, score: float | None = None, **kw: object) -> Check:
    return Check(name=name, passed=True, score=score, reason="fine", **kw)  # type: ignore[arg-type]


def bad(name: str, reason: str = "broken", score: float | None = None) -> Check:
    return Check(name=name, passed=False, score=score, reason=reason)
