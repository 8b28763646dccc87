"""Shared presentation helpers for the Markdown and HTML reports."""

from __future__ import annotations

from evals.registry import spec
from evals.results import RunReport, SuiteRun

HEADLINE = (
    "cases.pass_rate",
    "retrieval.recall_at_k",
    "retrieval.mrr",
    "facts.recall",
    "citations.precision",
    "citations.unsupported_rate",
    "leakage.violations",
    "proportionality.max_rung",
    "proportionality.wording",
    "plain_language.grade",
    "plain_language.jargon",
    "latency.p95_ms",
)


def value(name: str, number: float | None) -> str:
    if number is None:
        return "–"
    unit = spec(name).unit
    if unit == "ms":
        return f"{number:,.0f} ms"
    if unit == "count":
        return f"{number:g}"
    if unit:
        return f"{number:.1f}"
    return f"{number:.3f}"


def headline(runs: tuple[SuiteRun, ...] | list[SuiteRun]) -> list[str]:
    """The headline metrics any of these runs measured, in a fixed order."""
    present = {name for run in runs for name in run.metrics}
    return [name for name in HEADLINE if name in present]


def metric_names(runs: list[SuiteRun]) -> list[str]:
    """All metrics, deterministic checks first, model-graded ones last."""
    names = sorted({n for run in runs for n in run.metrics})
    return [n for n in names if not n.startswith("judge.")] + [n for n in names if n.startswith("judge.")]


def corpora_line(report: RunReport) -> str:
    """The corpora built, identical kinds grouped: 'sample (minilm, 160 chunks); 21 fixture stores (21 chunks)'."""
    groups: dict[tuple[str, str], list[int]] = {}
    for corpus in report.corpora:
        kind = "fixture store" if "fixture" in corpus.label and "sample" not in corpus.label else corpus.label
        groups.setdefault((kind, corpus.embedder), []).append(corpus.chunks)
    parts = []
    for (kind, embedder), chunks in groups.items():
        name = f"{len(chunks)} {kind}s" if len(chunks) > 1 else kind
        parts.append(f"{name} ({embedder}, {sum(chunks)} chunks)")
    return "; ".join(parts) or "–"


def by_suite(report: RunReport) -> dict[str, list[SuiteRun]]:
    out: dict[str, list[SuiteRun]] = {}
    for run in report.suites:
        out.setdefault(run.suite, []).append(run)
    return out


def verdict(report: RunReport) -> str:
    if report.passed:
        return "PASS"
    reasons = []
    if not report.thresholds_passed:
        reasons.append("threshold failure")
    if report.regressions:
        reasons.append(f"{len(report.regressions)} regression(s)")
    return "FAIL (" + ", ".join(reasons) + ")"
