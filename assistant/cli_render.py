"""Terminal rendering for the CLI (rich). Presentation only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from guardrails.markings import TLP
from retrieval.documents import Passage
from retrieval.ingest import IngestReport


def ingest_summary(console: Console, report: IngestReport) -> None:
    table = Table(title="Ingest summary", show_header=False)
    table.add_row("files", f"{report.files} ({report.unchanged_files} unchanged)")
    table.add_row("documents indexed", str(report.documents))
    table.add_row("documents unchanged", str(report.unchanged_documents))
    table.add_row("documents removed", str(report.removed_documents))
    table.add_row("chunks", str(report.chunks))
    table.add_row("skipped", str(report.skipped))
    table.add_row("failed", str(len(report.failed)))
    table.add_row("time", f"{report.seconds:.1f} s (embedding {report.embed_seconds:.1f} s)")
    console.print(table)
    for path, reason in report.failed:
        console.print(f"[red]failed[/red] {path}: {reason}")


def search_results(console: Console, query: str, passages: list[Passage], *, clearance: TLP) -> None:
    if not passages:
        console.print(f"No passages found for {query!r} within {clearance.label}.")
        return
    for p in passages:
        console.print(
            f"[bold]{p.rank}. {p.title}[/bold]  [dim]{p.tlp.label} · {p.source} · {p.published or 'undated'} · "
            f"{p.admiralty} · score {p.score:.4f}[/dim]"
        )
        if p.url:
            console.print(f"   [link={p.url}]{p.url}[/link]")
        snippet = " ".join(p.text.split())
        console.print(f"   {snippet[:300]}{'…' if len(snippet) > 300 else ''}\n")


def stats(console: Console, data: dict[str, Any]) -> None:
    table = Table(title=f"Knowledge base at {data['home']}", show_header=False)
    table.add_row("documents", str(data["documents"]))
    table.add_row("chunks", str(data["chunks_in_store"]))
    table.add_row("files", str(data["files"]))
    table.add_row("store size", f"{data['store_bytes'] / 1e6:.1f} MB")
    last = data.get("last_ingest")
    table.add_row(
        "last ingest", datetime.fromtimestamp(last).isoformat(timespec="seconds") if last else "never"
    )
    for key in ("by_tlp", "by_source", "by_type"):
        table.add_row(key.replace("_", " "), ", ".join(f"{k}: {v}" for k, v in list(data[key].items())[:12]))
    console.print(table)
