"""The `detente` command line. Commands parse, call one library function, and render."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

import assistant  # noqa: F401 - offline start-up before anything heavy
from assistant import cli_render
from assistant.config import get_settings
from evals.cli import eval_app
from guardrails.errors import GuardrailError
from guardrails.markings import PAP, TLP, parse_reliability
from retrieval.errors import RetrievalError

app = typer.Typer(
    help="detente: plain-language cyber threat intelligence for diplomats.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")
console = Console()
err = Console(stderr=True)
log = logging.getLogger("detente")


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@app.callback()
def _fresh_settings() -> None:
    """Each invocation reads its configuration anew (matters when commands run in one process, as in tests)."""
    get_settings.cache_clear()


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders to ingest.")] = None,
    tlp: Annotated[
        str | None, typer.Option(help="Marking for documents that carry none (never lowers one).")
    ] = None,
    pap: Annotated[str | None, typer.Option(help="PAP for documents that carry none.")] = None,
    source: Annotated[str | None, typer.Option(help="Source name to record for these documents.")] = None,
    reliability: Annotated[str | None, typer.Option(help="Admiralty source reliability, A-F.")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="Ingest the bundled sample corpus.")] = False,
) -> None:
    """Ingest STIX 2.1, MISP galaxy, CISA KEV, Markdown, text and PDF files into the knowledge base."""
    from assistant.ingest_service import run_ingest
    from assistant.services import sample_corpus_paths
    from retrieval.loaders.base import IngestOptions

    targets = list(paths or [])
    if sample:
        targets += sample_corpus_paths()
    if not targets:
        raise _fail("Give files or folders to ingest, or --sample for the bundled sample corpus.")
    try:
        options = IngestOptions(
            tlp=TLP.parse(tlp) if tlp else None,
            pap=PAP.parse(pap) if pap else None,
            source=source,
            reliability=parse_reliability(reliability),
        )
        report = run_ingest(targets, options=options, console=console)
    except (RetrievalError, GuardrailError) as exc:
        raise _fail(str(exc)) from None
    cli_render.ingest_summary(console, report)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="A plain-English question.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many passages.")] = 10,
    clearance: Annotated[str, typer.Option(help="Highest TLP the reader may see.")] = "CLEAR",
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="KEY=VALUE, e.g. country=Iran, sector=energy, since=2023."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    batch: Annotated[
        Path | None, typer.Option(help="JSON Lines or one query a line; writes JSON lines.")
    ] = None,
) -> None:
    """Hybrid search of the knowledge base, within a clearance."""
    from assistant.search_service import Searcher

    try:
        searcher = Searcher.open()
        if batch is not None:
            for line in searcher.batch(batch, default_k=k, default_clearance=clearance):
                sys.stdout.write(json.dumps(line) + "\n")
            return
        if not query:
            raise _fail("Give a question, or --batch FILE.")
        passages = searcher.search(query, k=k, clearance=clearance, filters=filter_ or [])
    except (RetrievalError, GuardrailError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps([p.citation() for p in passages], indent=2) + "\n")
    else:
        cli_render.search_results(console, query, passages, clearance=TLP.parse(clearance))


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="A plain-English question.")] = None,
    audience: Annotated[str, typer.Option(help="diplomat, public or analyst.")] = "diplomat",
    clearance: Annotated[str, typer.Option(help="Highest TLP the reader may see.")] = "CLEAR",
    drafter: Annotated[
        str | None, typer.Option(help="composer (default) or llm (needs DETENTE_LLM).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the brief as JSON.")] = False,
    batch: Annotated[Path | None, typer.Option(help="JSON Lines of {question, audience, clearance}.")] = None,
) -> None:
    """Draft a jargon-free risk brief (or public lines) from the knowledge base."""
    from assistant.ask_service import answer_batch, open_pipeline
    from assistant.brief_render import render_brief

    try:
        pipeline = open_pipeline(drafter)
        if batch is not None:
            for line in answer_batch(pipeline, batch):
                sys.stdout.write(json.dumps(line) + "\n")
            return
        if not question:
            raise _fail("Give a question, or --batch FILE.")
        brief = pipeline.answer(question, audience=audience, clearance=clearance)
    except (RetrievalError, GuardrailError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(brief.model_dump_json(indent=2) + "\n")
    else:
        render_brief(console, brief)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Documents, chunks, by source, by TLP, store size."""
    from assistant.search_service import store_stats

    data = store_stats(get_settings())
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        cli_render.stats(console, data)


@app.command()
def slack(
    socket: Annotated[
        bool, typer.Option("--socket", help="Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN).")
    ] = False,
    http: Annotated[
        bool,
        typer.Option("--http", help="HTTP mode (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN) at /slack/events."),
    ] = False,
    port: Annotated[int, typer.Option(min=0, max=65535, help="HTTP mode: port to listen on.")] = 3000,
    host: Annotated[str, typer.Option(help="HTTP mode: address to listen on.")] = "0.0.0.0",
    pipelines: Annotated[
        int, typer.Option(min=1, max=8, help="Drafting threads (each loads the models).")
    ] = 1,
    warm: Annotated[bool, typer.Option(help="Answer a warm-up question before serving.")] = True,
) -> None:
    """Run detente as a Slack app (see docs/slack.md). Tokens come from the environment only."""
    from assistant.slack.errors import SlackConfigError
    from assistant.slack.run import run

    if socket == http:
        raise _fail("Choose one mode: --socket (Socket Mode) or --http --port N (HTTP mode).")
    logging.getLogger().setLevel(logging.INFO)
    try:
        run("socket" if socket else "http", host=host, port=port, pipelines=pipelines, warm=warm)
    except (SlackConfigError, GuardrailError, RetrievalError) as exc:
        raise _fail(str(exc)) from None


@app.command()
def audit(
    since: Annotated[str | None, typer.Option(help="Only entries since: 7d, 24h, 30m or 2026-11-01.")] = None,
    export: Annotated[
        Path | None, typer.Option(help="Write all matching entries to FILE.jsonl or FILE.csv.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many entries to list (not for --export).")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List or export the Slack audit log: who asked what, where, sources and TLP, checks, feedback."""
    from assistant.slack.audit import AuditLog, iter_lines, parse_since
    from assistant.slack.audit import export as export_rows

    settings = get_settings()
    if not (settings.home / "audit.sqlite").is_file():
        raise _fail(f"No audit log at {settings.home / 'audit.sqlite'}: it is written by `detente slack`.", 1)
    try:
        cutoff = parse_since(since)
        log_ = AuditLog.open(settings.home)
        rows = log_.rows(since=cutoff, limit=None if export else limit)
        log_.close()
        if export is not None:
            count = export_rows(rows, export)
            console.print(f"Exported {count} entries to {export}")
            return
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    for line in iter_lines(rows):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    if not rows:
        console.print("No entries.")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
