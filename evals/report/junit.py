"""JUnit XML for CI: a testsuite per suite and drafter, a testcase per case, per threshold, per regression."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from evals.results import RunReport, SuiteRun


def junit_xml(report: RunReport) -> ET.Element:
    root = ET.Element("testsuites", name="detente eval", time=f"{report.seconds:.1f}")
    total = failures = 0
    for run in report.suites:
        suite = _suite(run, report)
        root.append(suite)
        total += int(suite.get("tests", "0"))
        failures += int(suite.get("failures", "0"))
    root.set("tests", str(total))
    root.set("failures", str(failures))
    return root


def _suite(run: SuiteRun, report: RunReport) -> ET.Element:
    name = f"{run.suite}[{run.drafter}]"
    element = ET.Element("testsuite", name=name, time=f"{run.seconds:.1f}")
    properties = ET.SubElement(element, "properties")
    for metric, value in run.metrics.items():
        ET.SubElement(properties, "property", name=metric, value=f"{value:g}")
    tests = failures = 0
    for case in run.cases:
        seconds = ((case.brief or {}).get("latency_ms") or 0) / 1000
        testcase = ET.SubElement(element, "testcase", classname=name, name=case.id, time=f"{seconds:.3f}")
        tests += 1
        failed = case.failures()
        if case.error or failed:
            failures += 1
            message = case.error or "; ".join(c.name for c in failed)
            failure = ET.SubElement(testcase, "failure", message=message, type="EvalFailure")
            failure.text = "\n".join(
                [f"question: {case.question}", *(f"{c.name}: {c.reason}" for c in failed)]
            )
    for threshold in run.thresholds:
        testcase = ET.SubElement(element, "testcase", classname=f"{name}.thresholds", name=threshold.metric)
        tests += 1
        if not threshold.passed:
            failures += 1
            ET.SubElement(testcase, "failure", message=threshold.describe(), type="ThresholdFailure")
    for regression in report.regressions:
        if (regression.suite, regression.drafter) != (run.suite, run.drafter):
            continue
        testcase = ET.SubElement(
            element, "testcase", classname=f"{name}.regressions", name=f"{regression.kind}:{regression.name}"
        )
        tests += 1
        failures += 1
        message = f"{regression.name}: {regression.before} -> {regression.after}"
        failure = ET.SubElement(testcase, "failure", message=message, type="Regression")
        failure.text = regression.detail
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    return element


def write_junit(report: RunReport, path: Path) -> Path:
    tree = ET.ElementTree(junit_xml(report))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
