"""`detente ingest`: run the ingester with a progress bar and the configured annotator."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.annotate import make_annotator
from assistant.config import Settings, get_settings
from assistant.services import open_kb
from retrieval.ingest import Annotator, Ingester, IngestReport, iter_files
from retrieval.kb import KnowledgeBase
from retrieval.loaders.base import IngestOptions


def annotator_for(settings: Settings, kb: KnowledgeBase) -> Annotator | None:
    """Sensitive-identifier analysis at ingest, so answers only apply stored spans (guardrails)."""
    return make_annotator(mode=settings.annotate, known_names=kb.catalog.entity_names())


def run_ingest(
    paths: Sequence[Path],
    *,
    options: IngestOptions,
    console: Console | None = None,
    settings: Settings | None = None,
) -> IngestReport:
    settings = settings or get_settings()
    kb = open_kb(settings)
    total = sum(1 for _ in iter_files(paths))
    columns = (
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=total)

        def advance(path: str) -> None:
            bar.update(task, advance=1, description=Path(path).name[:50])

        ingester = Ingester(
            kb,
            options=options,
            annotate=annotator_for(settings, kb),
            max_file_mb=settings.max_file_mb,
            progress=advance,
        )
        try:
            return ingester.run(list(paths))
        finally:
            kb.close()
