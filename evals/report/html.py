"""A self-contained HTML report: inline CSS bar charts per metric (drafters side by side, thresholds
marked) and a drill-down per case (question, draft, sources, failed checks). No script, no CDN: it opens
from a CI artefact or an air-gapped laptop alike."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from evals.registry import spec
from evals.report.format import by_suite, corpora_line, metric_names, value, verdict
from evals.results import CaseResult, RunReport, SuiteRun

COLOURS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#c53030")
SECTIONS = (
    ("bottom_line", "Bottom line"),
    ("what_happened", "What happened"),
    ("who_is_affected", "Who is affected"),
    ("what_is_at_stake", "What is at stake"),
    ("how_sure", "How sure we are"),
    ("timeline", "Likely timeline"),
)
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;color:#1a202c;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top}
.pass{color:#276749}.fail{color:#c53030;font-weight:600}.muted{color:#718096}
.chart{display:grid;grid-template-columns:260px 1fr 90px;gap:2px 8px;align-items:center;margin:1em 0}
.track{position:relative;background:#f7fafc;border:1px solid #edf2f7;height:14px}
.bar{height:100%}.mark{position:absolute;top:-3px;bottom:-3px;border-left:2px dashed #1a202c}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
details{border:1px solid #e2e8f0;margin:4px 0;padding:4px 8px;border-radius:4px}
details[open]{background:#fcfcfd}summary{cursor:pointer}
.draft p{margin:.2em 0}.tag{background:#edf2f7;border-radius:3px;padding:0 4px;margin-right:4px;font-size:.85em}
code{font-size:.9em}
"""


def html_report(report: RunReport) -> str:
    drafters = list(report.drafters) or sorted({r.drafter for r in report.suites})
    colour = {d: COLOURS[i % len(COLOURS)] for i, d in enumerate(drafters)}
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>detente eval: {escape(verdict(report))}</title><style>{CSS}</style></head><body>",
        f"<h1>detente eval: <span class='{'pass' if report.passed else 'fail'}'>{escape(verdict(report))}</span></h1>",
        f"<p class='muted'>Started {escape(report.started)}; {report.seconds:.0f} s; drafters "
        f"{escape(', '.join(drafters))}"
        + (f"; baseline <code>{escape(report.baseline)}</code>" if report.baseline else "")
        + "</p>",
        "<p class='legend'>"
        + "".join(f"<span style='background:{colour[d]}'></span>{escape(d)}" for d in drafters),
        "</p>",
        _overview(report),
        _regressions(report),
    ]
    for suite, runs in by_suite(report).items():
        parts.append(_suite(suite, runs, colour))
    parts.append("</body></html>")
    return "\n".join(parts)


def _overview(report: RunReport) -> str:
    rows = []
    for run in report.suites:
        failed = sum(not c.passed for c in run.cases)
        status = "<span class='pass'>pass</span>" if run.passed else "<span class='fail'>FAIL</span>"
        rows.append(
            f"<tr><td><a href='#{escape(run.suite)}'>{escape(run.suite)}</a></td><td>{escape(run.drafter)}</td>"
            f"<td>{len(run.cases)}</td><td>{failed}</td>"
            f"<td>{value('cases.pass_rate', run.metrics.get('cases.pass_rate'))}</td><td>{status}</td></tr>"
        )
    corpora = f"<li>Corpora: {escape(corpora_line(report))}</li>" if report.corpora else ""
    return (
        "<table><tr><th>suite</th><th>drafter</th><th>cases</th><th>failed</th><th>pass rate</th>"
        "<th>thresholds</th></tr>"
        + "".join(rows)
        + "</table>"
        + (f"<ul class='muted'>{corpora}</ul>" if corpora else "")
    )


def _regressions(report: RunReport) -> str:
    if not report.regressions and not report.improvements:
        return ""
    items = []
    for title, entries, css in (
        ("Regressions", report.regressions, "fail"),
        ("Improvements", report.improvements, "pass"),
    ):
        if not entries:
            continue
        items.append(f"<h2 class='{css}'>{title} against the baseline</h2><ul>")
        for r in entries:
            items.append(
                f"<li>{escape(r.suite)} [{escape(r.drafter)}] {r.kind} <code>{escape(r.name)}</code>: "
                f"{escape(str(r.before))} → {escape(str(r.after))} <span class='muted'>{escape(r.detail)}</span></li>"
            )
        items.append("</ul>")
    return "".join(items)


def _suite(name: str, runs: list[SuiteRun], colour: dict[str, str]) -> str:
    parts = [f"<h2 id='{escape(name)}'>{escape(name)}</h2>"]
    if runs[0].description:
        parts.append(f"<p>{escape(runs[0].description)}</p>")
    parts.append(_chart(runs, colour))
    failed = [(r, t) for r in runs for t in r.thresholds if not t.passed]
    if failed:
        parts.append(
            "<ul>"
            + "".join(f"<li class='fail'>{escape(r.drafter)}: {escape(t.describe())}</li>" for r, t in failed)
            + "</ul>"
        )
    parts.append(_matrix(name, runs))
    for run in runs:
        parts.append(f"<h3>Cases: {escape(run.drafter)}</h3>")
        parts += [_case(name, run.drafter, case) for case in run.cases]
    return "\n".join(parts)


def _chart(runs: list[SuiteRun], colour: dict[str, str]) -> str:
    """One row per metric, one bar per drafter; rates on a 0-1 scale, other units scaled to the largest."""
    cells = []
    thresholds = {t.metric: t for r in runs for t in r.thresholds}
    for metric in metric_names(runs):
        numbers = [r.metrics.get(metric) for r in runs]
        unit = spec(metric).unit
        threshold = thresholds.get(metric)
        limit = threshold and (threshold.min if threshold.min is not None else threshold.max)
        scale = 1.0 if not unit else max([n or 0 for n in numbers] + [limit or 0, 1e-9])
        bars = []
        for run, number in zip(runs, numbers, strict=True):
            width = 0 if number is None else max(0.0, min(1.0, number / scale)) * 100
            bars.append(
                f"<div class='track' title='{escape(run.drafter)}: {escape(value(metric, number))}'>"
                f"<div class='bar' style='width:{width:.1f}%;background:{colour.get(run.drafter, '#555')}'></div>"
                + (
                    f"<div class='mark' style='left:{min(1.0, limit / scale) * 100:.1f}%'></div>"
                    if limit is not None
                    else ""
                )
                + "</div>"
            )
        shown = " / ".join(value(metric, n) for n in numbers)
        tip = escape(spec(metric).description)
        cells.append(
            f"<div title='{tip}'><code>{escape(metric)}</code></div><div>{''.join(bars)}</div><div>{escape(shown)}</div>"
        )
    return "<div class='chart'>" + "".join(cells) + "</div>"


def _matrix(suite: str, runs: list[SuiteRun]) -> str:
    if len(runs) < 2:
        return ""
    ids = list(dict.fromkeys(c.id for r in runs for c in r.cases))
    status = {(r.drafter, c.id): c.passed for r in runs for c in r.cases}
    head = "".join(f"<th>{escape(r.drafter)}</th>" for r in runs)
    rows = []
    for case_id in ids:
        cells = []
        for run in runs:
            ok = status.get((run.drafter, case_id))
            mark = "–" if ok is None else ("✔" if ok else "✘")
            css = "muted" if ok is None else ("pass" if ok else "fail")
            cells.append(
                f"<td class='{css}'><a href='#{escape(_anchor(suite, run.drafter, case_id))}'>{mark}</a></td>"
            )
        rows.append(f"<tr><td>{escape(case_id)}</td>{''.join(cells)}</tr>")
    return f"<table><tr><th>case</th>{head}</tr>{''.join(rows)}</table>"


def _anchor(suite: str, drafter: str, case_id: str) -> str:
    return f"{suite}--{drafter}--{case_id}"


def _case(suite: str, drafter: str, case: CaseResult) -> str:
    mark = "<span class='pass'>✔</span>" if case.passed else "<span class='fail'>✘</span>"
    tags = "".join(f"<span class='tag'>{escape(t)}</span>" for t in case.tags)
    body = [
        f"<p><b>Question:</b> {escape(case.question)}<br><span class='muted'>{escape(case.audience)}, "
        f"{escape(case.clearance)}, corpus {escape(case.corpus)}; suite line {case.line}</span></p>"
    ]
    if case.error:
        body.append(f"<p class='fail'>Error: {escape(case.error)}</p>")
    failed = case.failures()
    if failed:
        body.append(
            "<p><b>Failed checks</b></p><ul>"
            + "".join(
                f"<li class='fail'><code>{escape(c.name)}</code>: {escape(c.reason)}</li>" for c in failed
            )
            + "</ul>"
        )
    if case.brief:
        body.append(_draft(case.brief))
    if case.retrieved:
        body.append(
            "<p><b>Retrieved</b> (top k): "
            + ", ".join(f"<code>{escape(d)}</code>" for d in case.retrieved)
            + "</p>"
        )
    rows = "".join(
        f"<tr><td><code>{escape(c.name)}</code></td><td class='{'pass' if c.passed else ('fail' if c.gating else 'muted')}'>"
        f"{'pass' if c.passed else 'fail'}{'' if c.gating else ' (info)'}</td><td>{c.value:.3g}</td><td>{escape(c.reason)}</td></tr>"
        for c in case.checks
    )
    body.append(f"<details><summary>All checks ({len(case.checks)})</summary><table>{rows}</table></details>")
    if case.judged:
        judged = "".join(
            f"<li><code>{escape(c.name)}</code> {c.value:.2f}: {escape(c.reason)}</li>" for c in case.judged
        )
        body.append(f"<p><b>Model-graded</b> (not gating)</p><ul>{judged}</ul>")
    anchor = escape(_anchor(suite, drafter, case.id))
    return (
        f"<details id='{anchor}'{'' if case.passed else ' open'}><summary>{mark} <code>{escape(case.id)}</code> {tags}"
        f"{escape(case.question)}</summary>{''.join(body)}</details>"
    )


def _draft(brief: dict[str, Any]) -> str:
    out = ["<div class='draft'>"]
    if brief.get("refused"):
        out.append(f"<p><b>Refused:</b> {escape(brief.get('refusal_reason') or '')}</p>")
    for key, title in SECTIONS:
        statements = brief.get(key) or []
        if statements:
            text = " ".join(f"{escape(s['text'])}{_cites(s)}" for s in statements)
            out.append(f"<p><b>{title}.</b> {text}</p>")
    public = brief.get("public")
    if public:
        out.append(f"<p><b>Headline:</b> {escape(public['headline'])}</p>")
        for key, title in (("key_messages", "Key messages"), ("talking_points", "Talking points")):
            items = "".join(f"<li>{escape(s['text'])}{_cites(s)}</li>" for s in public.get(key) or [])
            out.append(f"<p><b>{title}</b></p><ul>{items}</ul>")
    if brief.get("options"):
        items = "".join(
            f"<li>[{escape(o['kind'])}, rung {o['rung']}] <b>{escape(o['title'])}</b>: {escape(o['action'])}</li>"
            for o in brief["options"]
        )
        out.append(f"<p><b>Options</b></p><ul>{items}</ul>")
    assessment = brief.get("assessment")
    if assessment:
        out.append(
            f"<p class='muted'>Severity {assessment['severity']}, ceiling rung {assessment['ceiling_rung']}, "
            f"attribution {escape(str(assessment.get('attribution')))} ({escape(str(assessment.get('attribution_confidence')))})</p>"
        )
    if brief.get("citations"):
        items = "".join(
            f"<li>[{c['n']}] {escape(c['title'])}: {escape(c['source'])}, {escape(c['tlp'])}, {escape(c['reliability'])} "
            f"<code class='muted'>{escape(c['doc_id'])}</code></li>"
            for c in brief["citations"]
        )
        out.append(
            f"<p><b>Sources</b> (marking {escape(brief.get('marking', ''))})</p><ol style='list-style:none'>{items}</ol>"
        )
    if brief.get("warnings"):
        out.append("<p class='muted'>Warnings: " + escape("; ".join(brief["warnings"])) + "</p>")
    out.append("</div>")
    return "".join(out)


def _cites(statement: dict[str, Any]) -> str:
    cites = statement.get("cites") or []
    return f" <sup>[{', '.join(str(n) for n in cites)}]</sup>" if cites else ""


def write_html(report: RunReport, path: Path) -> Path:
    path.write_text(html_report(report), encoding="utf-8")
    return path
