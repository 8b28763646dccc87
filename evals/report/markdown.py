"""A Markdown summary for a CI job page or a pull request: verdict, headline table, thresholds,
regressions and the failed cases with their reasons."""

from __future__ import annotations

from pathlib import Path

from evals.report.format import by_suite, corpora_line, headline, metric_names, value, verdict
from evals.results import RunReport

MAX_FAILED = 25


def markdown_summary(report: RunReport) -> str:
    out = [f"# detente eval: {verdict(report)}", ""]
    corpora = corpora_line(report)
    out += [
        f"{len(report.suites)} suite run(s), drafters: {', '.join(report.drafters)}; "
        f"{report.seconds:.0f} s; started {report.started}.",
        f"Corpora: {corpora}." + (f" Baseline: `{report.baseline}`." if report.baseline else ""),
        "",
    ]
    names = headline(list(report.suites))
    out.append("| suite | drafter | cases | " + " | ".join(f"`{n}`" for n in names) + " | thresholds |")
    out.append("|---" * (len(names) + 4) + "|")
    for run in report.suites:
        cells = [value(n, run.metrics.get(n)) for n in names]
        status = "pass" if run.passed else "**FAIL**"
        out.append(
            f"| {run.suite} | {run.drafter} | {len(run.cases)} | " + " | ".join(cells) + f" | {status} |"
        )
    out.append("")
    failed = [(run, t) for run in report.suites for t in run.thresholds if not t.passed]
    if failed:
        out += ["## Threshold failures", ""]
        out += [f"- {run.suite} [{run.drafter}]: {t.describe()}" for run, t in failed]
        out.append("")
    if report.regressions:
        out += ["## Regressions against the baseline", ""]
        for r in report.regressions:
            change = f"{r.before} → {r.after}" if r.after is not None else f"{r.before} → not measured"
            detail = f": {r.detail}" if r.detail else ""
            out.append(f"- {r.suite} [{r.drafter}] {r.kind} `{r.name}` {change}{detail}")
        out.append("")
    if report.improvements:
        out += [f"{len(report.improvements)} improvement(s) over the baseline.", ""]
    for suite, runs in by_suite(report).items():
        out += [f"## {suite}", "", "| metric | " + " | ".join(r.drafter for r in runs) + " |"]
        out.append("|---" * (len(runs) + 1) + "|")
        names = metric_names(runs)
        for name in (n for n in names if not n.startswith("judge.")):
            out.append(f"| `{name}` | " + " | ".join(value(name, r.metrics.get(name)) for r in runs) + " |")
        out.append("")
        judged = [n for n in names if n.startswith("judge.")]
        if judged:
            out += [f"Model-graded, not gating (judge: {report.judge}):", ""]
            out.append("| metric | " + " | ".join(r.drafter for r in runs) + " |")
            out.append("|---" * (len(runs) + 1) + "|")
            for name in judged:
                out.append(
                    f"| `{name}` | " + " | ".join(value(name, r.metrics.get(name)) for r in runs) + " |"
                )
            out.append("")
        for run in runs:
            failures = [c for c in run.cases if not c.passed]
            if not failures:
                continue
            out.append(f"Failed cases ({run.drafter}, {len(failures)}):")
            out.append("")
            for case in failures[:MAX_FAILED]:
                reasons = case.error or "; ".join(f"{c.name}: {c.reason}" for c in case.failures())
                out.append(f"- `{case.id}` {reasons}")
            if len(failures) > MAX_FAILED:
                out.append(f"- … and {len(failures) - MAX_FAILED} more (see the HTML or JSON report)")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_markdown(report: RunReport, path: Path) -> Path:
    path.write_text(markdown_summary(report), encoding="utf-8")
    return path
