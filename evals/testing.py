"""A pytest entry point: run a suite and fail the test, with reasons, on a threshold miss or a regression.

    # tests/test_eval_suites.py
    @pytest.mark.parametrize("name", bundled_suites())
    def test_suite(name, eval_runner):
        run_suite_for_pytest(name, runner=eval_runner)

Share one `Runner` across the tests of a session so each corpus is built once.
"""

from __future__ import annotations

from pathlib import Path

from evals.baseline import BASELINE, diff, load_baseline
from evals.results import SuiteRun
from evals.runner import Runner
from evals.suite import BUNDLED, load_suite

MAX_LISTED = 15


class SuiteFailed(AssertionError):
    """A suite missed a threshold or regressed against the baseline; the message lists why."""


def bundled_suites() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.yaml"))


def run_suite_for_pytest(
    name: str | Path,
    *,
    runner: Runner | None = None,
    drafter: str = "composer",
    baseline: Path | None = BASELINE,
) -> SuiteRun:
    """Run one suite with one drafter; raise SuiteFailed on a threshold failure or a baseline regression."""
    loaded = load_suite(name)
    own = runner is None
    runner = runner or Runner()
    try:
        run = runner.run_suite(loaded, drafter)
    finally:
        if own:
            runner.close()
    problems = [f"threshold: {t.describe()}" for t in run.thresholds if not t.passed]
    if baseline is not None and baseline.is_file():
        from evals.results import RunReport

        worse, _ = diff(RunReport(drafters=(drafter,), suites=(run,)), load_baseline(baseline))
        problems += [
            f"regression: {r.kind} {r.name}: {r.before} -> {r.after} {r.detail}".rstrip() for r in worse
        ]
    if problems:
        failed = [
            f"  {c.id}: " + "; ".join(f"{k.name}: {k.reason}" for k in c.failures())
            for c in run.cases
            if not c.passed
        ]
        shown = failed[:MAX_LISTED] + (
            [f"  ... and {len(failed) - MAX_LISTED} more"] if len(failed) > MAX_LISTED else []
        )
        raise SuiteFailed(
            f"suite {loaded.name} [{drafter}]:\n"
            + "\n".join(problems)
            + "\nfailed cases:\n"
            + "\n".join(shown)
        )
    return run
