"""Suite files: typed cases, defaults, and errors that name the file, the line and the offending key."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.errors import SuiteError
from evals.suite import BUNDLED, CorpusSpec, load_suite

MINIMAL = """\
suite: tiny
corpus: sample
cases:
  - id: one
    question: What happened?
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (MINIMAL + "colour: blue\n", 6, "unknown key 'colour'"),
        (MINIMAL + "    expect: {mx_rung: 2}\n", 6, "unknown key 'mx_rung' (allowed:"),
        (MINIMAL + "    qestion: typo\n", 6, "unknown key 'qestion'"),
        (
            MINIMAL + "    fixtures:\n      - {id: f, title: t, text: x, tlpp: RED}\n",
            7,
            "unknown key 'tlpp' (allowed: actors,",
        ),
        (
            "suite: s\ncorpus:\n  shared:\n    - path: a.json\n      selct: {type: [x]}\ncases:\n  - {id: a, question: q}\n",
            5,
            "unknown key 'selct' (allowed:",
        ),
        (MINIMAL + "thresholds:\n  facts.recal: 0.5\n", 6, "unknown metric 'facts.recal'"),
        (MINIMAL + "    expect: {max_rung: 7}\n", 6, "less than or equal to 4"),
        (MINIMAL + "    clearance: PURPLE\n", 6, "Unknown TLP level"),
        (MINIMAL + "  - id: one\n    question: again\n", 6, "duplicate case id 'one' (first at line 4)"),
        (MINIMAL + "    expect: {severity: [3, 1]}\n", 6, "severity is a level 0-4"),
        ("suite: s\ncases: []\n", 2, "at least 1 item"),
    ],
)
def test_errors_name_the_line_and_the_key(tmp_path, text, line, fragment):
    path = write(tmp_path, text)
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    message = str(caught.value)
    assert f"{path}:{line}:" in message, message
    assert fragment in message, message


def test_duplicate_yaml_keys_are_errors_with_their_line(tmp_path):
    path = write(tmp_path, "suite: a\nsuite: b\ncases: []\n")
    with pytest.raises(SuiteError, match=r"suite\.yaml:2: duplicate key 'suite'"):
        load_suite(path)


def test_bad_yaml_names_the_line(tmp_path):
    path = write(tmp_path, MINIMAL + "    expect: {facts: [a, b}\n")
    with pytest.raises(SuiteError, match=r"suite\.yaml:6: not valid YAML"):
        load_suite(path)


def test_unknown_suite_name_lists_the_bundled_ones():
    with pytest.raises(SuiteError, match="accuracy"):
        load_suite("no-such-suite")


def test_defaults_merge_under_each_case_and_suite_values_fill_gaps(tmp_path):
    path = write(
        tmp_path,
        """\
suite: merged
corpus: sample
clearance: green
audience: public
defaults: {planted: true, traps: [act of war], max_rung: 2}
cases:
  - id: a
    question: q?
    expect: {max_rung: 1}
  - id: b
    question: q?
    audience: analyst
    clearance: AMBER+STRICT
    expect: {facts: [2023-07-04, 29155, [x, 7]]}
""",
    )
    loaded = load_suite(path)
    a, b = loaded.cases
    assert (a.audience, a.clearance) == ("public", "TLP:GREEN")
    assert a.expect.max_rung == 1 and a.expect.planted and a.expect.traps == ("act of war",)
    assert (b.audience, b.clearance) == ("analyst", "TLP:AMBER+STRICT")
    assert b.expect.max_rung == 2
    assert b.expect.facts == ("2023-07-04", "29155", ("x", "7"))  # YAML dates and numbers read as text
    assert a.line == 7 and b.line == 10


def test_case_fixtures_make_a_throw_away_store_of_their_own(tmp_path):
    path = write(
        tmp_path,
        MINIMAL
        + """\
  - id: two
    question: q?
    fixtures:
      - {id: f1, title: T, text: body, date: 2026-01-02, planted: [secret-1]}
  - id: three
    question: q?
    corpus: {sample: true}
    fixtures:
      - {id: f2, title: T, text: body}
""",
    )
    one, two, three = load_suite(path).cases
    assert one.corpus == CorpusSpec(sample=True)
    assert not two.corpus.sample and two.corpus.fixtures[0].date == "2026-01-02"
    assert three.corpus.sample and [f.id for f in three.corpus.fixtures] == ["f2"]
    assert one.corpus.key("hash") != one.corpus.key("minilm") != two.corpus.key("minilm")


def test_bare_thresholds_follow_the_metric_direction(tmp_path):
    path = write(
        tmp_path,
        MINIMAL
        + "thresholds:\n  facts.recall: 0.8\n  leakage.violations: 0\n  plain_language.grade: {max: 9}\n",
    )
    bounds = load_suite(path).suite.bounds()
    assert (bounds["facts.recall"].min, bounds["facts.recall"].max) == (0.8, None)
    assert (bounds["leakage.violations"].min, bounds["leakage.violations"].max) == (None, 0)
    assert bounds["plain_language.grade"].max == 9


@pytest.mark.parametrize(
    ("name", "minimum"), [("accuracy", 40), ("proportionality", 20), ("leakage", 30), ("plain_language", 15)]
)
def test_bundled_suites_load_and_hold_enough_cases(name, minimum):
    loaded = load_suite(name)
    assert loaded.path == BUNDLED / f"{name}.yaml"
    assert len(loaded.cases) >= minimum
    assert loaded.suite.thresholds, "every bundled suite gates on thresholds"


def test_accuracy_suite_spans_the_real_and_the_sample_corpus():
    cases = load_suite("accuracy").cases
    assert sum(c.corpus.sample for c in cases) >= 10
    assert sum(bool(c.corpus.shared) for c in cases) >= 25
    tags = {t for c in cases for t in c.tags}
    assert {"who", "what-they-use", "targets", "patch"} <= tags


def test_proportionality_scenarios_each_have_a_ceiling_and_span_severities():
    cases = load_suite("proportionality").cases
    assert all(c.expect.max_rung is not None for c in cases)
    assert {c.expect.max_rung for c in cases} >= {1, 2, 3, 4}
    assert all(c.expect.traps for c in cases)
