"""Baseline diff: metrics that got worse, cases that newly fail, and what must never count as a regression."""

from __future__ import annotations

import pytest

from evals.baseline import diff, load_baseline
from evals.errors import BaselineError
from evals.report import write_baseline
from evals.results import aggregate, apply_thresholds
from evals.suite import Bound
from tests.evals_helpers import bad, case_result, ok, report, suite_run


def test_newly_failing_cases_and_worse_metrics_are_regressions(tmp_path):
    before = report(
        suite_run(
            [case_result("a", ok("facts.recall", 1.0)), case_result("b", bad("facts.recall", score=0.5))]
        )
    )
    after = report(
        suite_run(
            [
                case_result("a", bad("facts.recall", "missing: APT28", 0.5)),
                case_result("b", bad("facts.recall", score=0.5)),
            ]
        )
    )
    worse, better = diff(after, before)
    kinds = {(r.kind, r.name) for r in worse}
    assert (
        ("case", "a") in kinds
        and ("metric", "facts.recall") in kinds
        and ("metric", "cases.pass_rate") in kinds
    )
    case = next(r for r in worse if r.kind == "case")
    assert (case.before, case.after) == ("pass", "fail") and "missing: APT28" in case.detail
    assert better == ()
    # and the other way round, the same changes are improvements
    worse, better = diff(before, after)
    assert worse == () and {r.name for r in better} >= {"a", "facts.recall"}


def test_lower_is_better_metrics_regress_upwards():
    before = report(suite_run([case_result("a", ok("citations.unsupported_rate", 0.1))]))
    after = report(suite_run([case_result("a", ok("citations.unsupported_rate", 0.3))]))
    worse, _ = diff(after, before)
    assert [(r.name, r.before, r.after) for r in worse] == [("citations.unsupported_rate", 0.1, 0.3)]


def test_timings_and_partial_runs_are_never_regressions():
    before = report(
        suite_run(
            [
                case_result("a", ok("latency.ms", 100.0, gating=False)),
                case_result("b", ok("facts.recall", 1.0)),
            ]
        )
    )
    slower = report(
        suite_run(
            [
                case_result("a", ok("latency.ms", 900.0, gating=False)),
                case_result("b", ok("facts.recall", 1.0)),
            ]
        )
    )
    assert diff(slower, before) == ((), ())
    only_a = report(
        suite_run([case_result("a", ok("latency.ms", 900.0, gating=False))])
    )  # --only: fewer cases
    assert diff(only_a, before) == ((), ())


def test_a_metric_no_longer_measured_is_flagged_and_other_drafters_are_not_compared():
    before = report(suite_run([case_result("a", ok("facts.recall", 1.0), ok("retrieval.recall_at_k", 1.0))]))
    after = report(suite_run([case_result("a", ok("facts.recall", 1.0))]))
    worse, _ = diff(after, before)
    assert [(r.kind, r.name) for r in worse] == [("missing", "retrieval.recall_at_k")]
    other = report(suite_run([case_result("a", bad("facts.recall"))], drafter="llm"))
    assert diff(other, before) == ((), ())


def test_saved_baseline_round_trips_without_briefs_or_timings(tmp_path):
    run = suite_run(
        [
            case_result(
                "a", ok("facts.recall", 1.0), ok("latency.ms", 5.0, gating=False), brief={"latency_ms": 5.0}
            )
        ],
        bounds={"facts.recall": Bound(min=0.5)},
    )
    path = write_baseline(report(run), tmp_path / "baseline.json")
    loaded = load_baseline(path)
    case = loaded.suites[0].cases[0]
    assert case.brief is None and [c.name for c in case.checks] == ["facts.recall"]
    assert "latency.ms" not in loaded.suites[0].metrics and loaded.started == ""
    assert diff(report(run), loaded) == ((), ())


def test_baseline_errors_say_what_to_do(tmp_path):
    with pytest.raises(BaselineError, match="--save-baseline"):
        load_baseline(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"suites": 3}')
    with pytest.raises(BaselineError, match="not a detente eval JSON report"):
        load_baseline(tmp_path / "bad.json")


def test_thresholds_and_aggregates():
    cases = [
        case_result("a", ok("facts.recall", 1.0), ok("latency.ms", 10.0, gating=False)),
        case_result(
            "b", bad("facts.recall", score=0.5), bad("leakage.never"), ok("latency.ms", 30.0, gating=False)
        ),
    ]
    metrics = aggregate(cases)
    assert metrics["cases.pass_rate"] == 0.5 and metrics["facts.recall"] == 0.75
    assert metrics["leakage.violations"] == 1 and metrics["latency.p95_ms"] == 30.0
    results = {
        t.metric: t
        for t in apply_thresholds(
            metrics,
            {
                "facts.recall": Bound(min=0.8),
                "leakage.violations": Bound(max=0),
                "retrieval.mrr": Bound(min=0.1),
            },
        )
    }
    assert not results["facts.recall"].passed and "needs at least 0.8" in results["facts.recall"].describe()
    assert not results["leakage.violations"].passed
    assert not results["retrieval.mrr"].passed and "not measured" in results["retrieval.mrr"].describe()
    subset = {t.metric: t for t in apply_thresholds(metrics, {"retrieval.mrr": Bound(min=0.1)}, partial=True)}
    assert subset["retrieval.mrr"].passed  # `--only` ran no case that measures it
