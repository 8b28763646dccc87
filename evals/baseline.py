"""Compare a run with a previous JSON report: metrics that got worse and cases that newly fail.

Only like is compared with like: a suite run by the same drafter, metrics only when the same cases ran
(so `--only` never reports a partial run as a regression), and never timings or model-graded scores.

>>> regressions, improvements = diff(current, load_baseline(Path("evals/baseline.json")))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from evals.errors import BaselineError
from evals.registry import spec
from evals.results import Regression, RunReport, SuiteRun

BASELINE = Path(__file__).parent / "baseline.json"
TOLERANCE = 1e-6  # scores are rounded to 4 places; anything past that is a real change


def load_baseline(path: Path) -> RunReport:
    if not path.is_file():
        raise BaselineError(
            f"No baseline at {path}. Write one with `detente eval run ... --save-baseline {path}`."
        )
    try:
        return RunReport.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise BaselineError(f"{path} is not a detente eval JSON report: {exc.errors()[0]['msg']}") from None


def diff(
    current: RunReport, baseline: RunReport, *, tolerance: float = TOLERANCE
) -> tuple[tuple[Regression, ...], tuple[Regression, ...]]:
    """(regressions, improvements) of `current` against `baseline`."""
    before = {(s.suite, s.drafter): s for s in baseline.suites}
    worse: list[Regression] = []
    better: list[Regression] = []
    for run in current.suites:
        old = before.get((run.suite, run.drafter))
        if old is None:
            continue
        _cases(run, old, worse, better)
        if {c.id for c in run.cases} == {c.id for c in old.cases}:
            _metrics(run, old, worse, better, tolerance)
    return tuple(worse), tuple(better)


def _cases(run: SuiteRun, old: SuiteRun, worse: list[Regression], better: list[Regression]) -> None:
    previous = {c.id: c for c in old.cases}
    for case in run.cases:
        was = previous.get(case.id)
        if was is None or was.passed == case.passed:
            continue
        target = better if case.passed else worse
        failed = case.failures() if not case.passed else was.failures()
        detail = "; ".join(f"{c.name}: {c.reason}" for c in failed) or (case.error or "")
        target.append(
            Regression(
                suite=run.suite,
                drafter=run.drafter,
                kind="case",
                name=case.id,
                before="pass" if was.passed else "fail",
                after="pass" if case.passed else "fail",
                detail=detail,
            )
        )


def _metrics(
    run: SuiteRun, old: SuiteRun, worse: list[Regression], better: list[Regression], tolerance: float
) -> None:
    for name, was in old.metrics.items():
        metric = spec(name)
        if metric.volatile:
            continue
        now = run.metrics.get(name)
        if now is None:
            worse.append(
                Regression(
                    suite=run.suite,
                    drafter=run.drafter,
                    kind="missing",
                    name=name,
                    before=was,
                    detail="measured in the baseline, not in this run",
                )
            )
            continue
        delta = (now - was) if metric.higher_is_better else (was - now)
        if abs(delta) <= tolerance:
            continue
        entry = Regression(
            suite=run.suite, drafter=run.drafter, kind="metric", name=name, before=was, after=now
        )
        (better if delta > 0 else worse).append(entry)
