"""`detente eval`: run suites, write JSON/JUnit/Markdown/HTML reports, diff a baseline, exit non-zero on failure.

Exit codes: 0 every threshold met and no regression; 1 a threshold failed or a regression was found;
2 the run could not be judged (a bad suite file, a missing corpus or baseline).

    detente eval run accuracy proportionality leakage plain_language --baseline evals/baseline.json
    python -m evals.cli run evals/suites/leakage.yaml --only injection --report-dir /tmp/eval
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import assistant  # noqa: F401 - offline start-up before anything heavy
from assistant.config import get_settings
from evals.baseline import diff, load_baseline
from evals.errors import EvalError
from evals.report import write_baseline, write_reports
from evals.report.format import headline, value, verdict
from evals.results import RunReport
from evals.runner import Runner, RunOptions
from evals.suite import BUNDLED, load_suite

eval_app = typer.Typer(
    help="Evaluate drafts: accuracy, proportionality, leakage, plain language.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)
log = logging.getLogger("detente.eval")


class BarProgress:
    """A rich progress bar on stderr (the runner's `Progress` interface); corpus builds print above it."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task = bar.add_task("", total=0)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def note(self, message: str) -> None:
        self.bar.console.print(f"[dim]{message}[/dim]")

    def advance(self, label: str) -> None:
        self.bar.update(self.task, advance=1, description=label[:48])


@eval_app.command("run")
def run(
    suites: Annotated[
        list[str], typer.Argument(help="Suite files, or bundled suite names (see `detente eval list`).")
    ],
    drafter: Annotated[
        list[str] | None,
        typer.Option("--drafter", help="Drafter to evaluate; repeat to compare side by side."),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="A previous JSON report; regressions fail the run.")
    ] = None,
    report_dir: Annotated[
        Path | None, typer.Option(help="Where to write report.json, junit.xml, summary.md, report.html.")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only cases with this tag (or id); repeatable.")
    ] = None,
    save_baseline: Annotated[
        Path | None, typer.Option(help="Also write the slim, stable report to keep as the next baseline.")
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(help="A judge model for optional model-graded metrics, e.g. 'openai:gpt-4o-mini'."),
    ] = None,
    shared: Annotated[
        Path | None, typer.Option(help="Real CTI data folder (default ../shared/data/cti).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Run suites through the same pipeline users drive and judge every brief."""
    # imported here so that `detente --help` and the other commands do not pay for the pipeline
    from evals.suite import load_suite

    try:
        loaded = [load_suite(name) for name in suites]
        old = load_baseline(baseline) if baseline else None
        scorer = None
        if judge:
            from evals.metrics.judge import judge_from_name

            scorer = judge_from_name(judge, get_settings().llm_base_url)
        folder = report_dir or get_settings().home / "eval-reports"
        columns = (
            TextColumn("[bold]eval"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
        )
        with Progress(*columns, console=err, transient=True, disable=not progress) as bar:
            options = RunOptions(
                drafters=tuple(drafter or ("composer",)),
                only=tuple(only or ()),
                judge=scorer,
                judge_name=judge,
                progress=BarProgress(bar),  # type: ignore[arg-type]
                **({"shared_root": shared} if shared else {}),
            )
            with Runner(options) as runner:
                report = runner.run(loaded)
    except EvalError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if old is not None:
        worse, better = diff(report, old)
        report = report.model_copy(
            update={"baseline": str(baseline), "regressions": worse, "improvements": better}
        )
    paths = write_reports(report, folder)
    if save_baseline:
        write_baseline(report, save_baseline)
    _summary(report)
    console.print(f"Reports: {paths['html']} (also report.json, junit.xml, summary.md in {folder})")
    if not report.passed:
        raise typer.Exit(1)


@eval_app.command("list")
def list_suites() -> None:
    """The bundled suites and how many cases each holds."""

    table = Table("suite", "cases", "corpus", "metrics")
    for path in sorted(BUNDLED.glob("*.yaml")):
        loaded = load_suite(path)
        own = {c.corpus.key(loaded.suite.embedder) for c in loaded.cases if c.corpus != loaded.suite.corpus}
        label = loaded.suite.corpus.label() + (f" + {len(own)} case store(s)" if own else "")
        table.add_row(
            loaded.name,
            str(len(loaded.cases)),
            f"{label} ({loaded.suite.embedder})",
            ", ".join(loaded.suite.metrics),
        )
    console.print(table)


def _summary(report: RunReport) -> None:
    from evals.report.format import corpora_line

    table = Table(title=f"detente eval: {verdict(report)}", show_lines=True)
    for column in ("suite", "drafter", "cases", "passed", "headline metrics", "thresholds"):
        table.add_column(column, overflow="fold")
    for run in report.suites:
        names = [n for n in headline([run]) if n != "cases.pass_rate"]
        metrics = "\n".join(f"{n} {value(n, run.metrics.get(n))}" for n in names)
        status = "pass" if run.passed else "[red]FAIL[/red]"
        rate = value("cases.pass_rate", run.metrics.get("cases.pass_rate"))
        table.add_row(run.suite, run.drafter, str(len(run.cases)), rate, metrics, status)
    console.print(table)
    console.print(f"{report.seconds:.0f} s; corpora: {corpora_line(report)}", highlight=False)
    for run in report.suites:
        for threshold in run.thresholds:
            if not threshold.passed:
                console.print(
                    f"[red]threshold[/red] {run.suite} [{run.drafter}]: {threshold.describe()}",
                    highlight=False,
                )
    for r in report.regressions:
        console.print(
            f"[red]regression[/red] {r.suite} [{r.drafter}] {r.kind} {r.name}: {r.before} -> {r.after} {r.detail}",
            highlight=False,
        )
    if report.improvements:
        console.print(f"{len(report.improvements)} improvement(s) over the baseline.")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    eval_app()
