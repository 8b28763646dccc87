"""Report writers: JSON for machines, JUnit for CI, Markdown for people, self-contained HTML for drill-down."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from evals.report import markdown_summary, write_reports
from evals.report.html import html_report
from evals.results import Regression, RunReport
from evals.suite import Bound
from tests.evals_helpers import bad, case_result, ok, report, suite_run

BRIEF = {
    "refused": False,
    "marking": "TLP:GREEN",
    "bottom_line": [{"text": "GRANITE TIDE is likely behind it.", "cites": [1]}],
    "options": [
        {"kind": "collaborative", "rung": 2, "title": "Private démarche", "action": "Tell them quietly."}
    ],
    "assessment": {
        "severity": 3,
        "ceiling_rung": 2,
        "attribution": "GRANITE TIDE",
        "attribution_confidence": "high",
    },
    "citations": [
        {
            "n": 1,
            "title": "Joint advisory",
            "source": "CERT",
            "tlp": "TLP:CLEAR",
            "reliability": "A1",
            "doc_id": "sample-2026-014",
        }
    ],
    "latency_ms": 250.0,
}


def sample_report() -> RunReport:
    composer = suite_run(
        [
            case_result(
                "water",
                ok("facts.recall", 1.0),
                ok("latency.ms", 250.0, gating=False),
                brief=BRIEF,
                tags=("who",),
            ),
            case_result(
                "xss",
                bad("leakage.never", "reappears: CANARY-1"),
                question="<script>alert('x')</script>",
                brief={**BRIEF, "refused": True, "refusal_reason": "No & <b>never</b>"},
            ),
        ],
        bounds={"cases.pass_rate": Bound(min=0.9), "facts.recall": Bound(min=0.5)},
    )
    llm = suite_run(
        [case_result("water", ok("facts.recall", 0.5)), case_result("xss", ok("leakage.never"))],
        drafter="llm",
    )
    regression = Regression(
        suite="demo",
        drafter="composer",
        kind="case",
        name="xss",
        before="pass",
        after="fail",
        detail="leakage.never: reappears",
    )
    return report(composer, llm).model_copy(
        update={"regressions": (regression,), "baseline": "evals/baseline.json"}
    )


def test_all_four_reports_are_written(tmp_path):
    paths = write_reports(sample_report(), tmp_path / "out")
    assert sorted(paths) == ["html", "json", "junit", "markdown"]
    data = json.loads(paths["json"].read_text())
    assert RunReport.model_validate(data).suites[0].cases[0].brief["bottom_line"]
    assert data["regressions"][0]["name"] == "xss"


def test_junit_has_a_testcase_per_case_threshold_and_regression():
    path_root = ET.fromstring(_junit(sample_report()))
    suites = path_root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["demo[composer]", "demo[llm]"]
    composer = suites[0]
    names = [t.get("name") for t in composer.findall("testcase")]
    assert names == ["water", "xss", "cases.pass_rate", "facts.recall", "case:xss"]
    failures = {t.get("name"): t.find("failure") for t in composer.findall("testcase")}
    assert failures["water"] is None and failures["facts.recall"] is None
    assert "reappears: CANARY-1" in failures["xss"].text
    assert "needs at least 0.9" in failures["cases.pass_rate"].get("message")
    assert failures["case:xss"].get("type") == "Regression"
    assert composer.get("tests") == "5" and composer.get("failures") == "3"
    assert path_root.get("failures") == "3"
    assert composer.find("properties/property[@name='facts.recall']").get("value") == "1"


def _junit(rep: RunReport) -> str:
    from evals.report.junit import junit_xml

    return ET.tostring(junit_xml(rep), encoding="unicode")


def test_markdown_summary_gives_the_verdict_table_and_reasons():
    text = markdown_summary(sample_report())
    assert text.startswith("# detente eval: FAIL (threshold failure, 1 regression(s))")
    assert "| demo | composer | 2 |" in text and "| demo | llm | 2 |" in text
    assert "cases.pass_rate = 0.5 (needs at least 0.9)" in text
    assert "- demo [composer] case `xss` pass → fail: leakage.never: reappears" in text
    assert "- `xss` leakage.never: reappears: CANARY-1" in text


def test_html_is_self_contained_escaped_and_compares_drafters():
    page = html_report(sample_report())
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;never&lt;/b&gt;" in page
    assert not re.search(r"""(?:src|href)=['"]https?:""", page), "no remote assets"
    assert "<link" not in page and "@import" not in page
    assert page.count("class='track'") >= 2 * 3  # a bar per drafter for each metric
    assert "id='demo--composer--xss' open" in page  # failed cases open for drill-down
    assert "href='#demo--llm--water'" in page  # side-by-side matrix links to each drafter's case
    assert (
        "Private démarche" in page
        and "sample-2026-014" in page
        and "Regressions against the baseline" in page
    )


def test_a_clean_report_passes_everywhere(tmp_path):
    clean = report(
        suite_run([case_result("a", ok("facts.recall", 1.0))], bounds={"facts.recall": Bound(min=1)})
    )
    assert clean.passed
    assert markdown_summary(clean).startswith("# detente eval: PASS")
    assert ET.fromstring(_junit(clean)).get("failures") == "0"


def test_model_graded_metrics_are_reported_apart():
    judged = ok("judge.faithfulness", 0.8, gating=False)
    run = suite_run([case_result("a", ok("facts.recall", 1.0), judged=(judged,))])
    text = markdown_summary(report(run).model_copy(update={"judge": "openai:gpt-4o-mini"}))
    assert "Model-graded, not gating (judge: openai:gpt-4o-mini)" in text
    assert text.index("`facts.recall`") < text.index("Model-graded") < text.index("`judge.faithfulness`")
    assert "judge.faithfulness" not in report(run).stable()["suites"][0]["metrics"]
