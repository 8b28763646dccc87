"""CI gate: every bundled evaluation suite meets its thresholds and does not regress against the baseline
recorded in evals/baseline.json. Loads the real embedding model and Presidio; the corpora (the sample corpus
and slices of ../shared/data/cti) are built once for the whole module, in a temp folder."""

from __future__ import annotations

import pytest

from evals.corpora import SHARED_CTI
from evals.runner import Runner, RunOptions
from evals.suite import load_suite
from evals.testing import bundled_suites, run_suite_for_pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def eval_runner():
    with Runner(RunOptions()) as runner:
        yield runner


@pytest.mark.parametrize("name", bundled_suites())
def test_bundled_suite_meets_thresholds_and_baseline(name, eval_runner):
    if any(case.corpus.shared for case in load_suite(name).cases) and not SHARED_CTI.is_dir():
        pytest.skip(f"shared CTI data not found at {SHARED_CTI} (expected ../shared beside the repository)")
    run = run_suite_for_pytest(name, runner=eval_runner)
    assert run.cases and run.passed
