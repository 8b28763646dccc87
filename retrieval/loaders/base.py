"""The contract every loader follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guardrails.markings import PAP, TLP
from retrieval.documents import Document


@dataclass(frozen=True)
class IngestOptions:
    """What the person ingesting says about the files (`detente ingest --tlp --source --reliability`).

    A stated TLP never lowers a marking the document carries: the effective marking is the higher of the two,
    so an administrator can raise a feed to AMBER but a RED report stays RED.
    """

    tlp: TLP | None = None
    pap: PAP | None = None
    source: str | None = None
    reliability: str | None = None


@dataclass(frozen=True)
class SourceFile:
    """A file's bytes (already decompressed if it was gzip) and where it came from."""

    path: Path  # absolute path, for error messages
    rel_path: str  # path relative to the ingest argument, POSIX style: the default doc_id of a report file
    data: bytes


@dataclass
class LoadResult:
    """What a loader produced from one file.

    `documents` are ready to chunk. STIX files also return their raw objects in `stix_objects`
    (as parsed JSON dicts, relationships included): relationships may point at objects of another file or
    of an earlier ingest, so STIX documents are rendered later from the STIX graph, not by the loader.
    `skipped` counts objects deliberately left out (revoked, deprecated, unsupported types).
    """

    format: str
    documents: list[Document] = field(default_factory=list)
    stix_objects: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


def apply_options(doc: Document, options: IngestOptions) -> Document:
    """Apply the ingest options to a loaded document (never lowering its marking)."""
    update: dict[str, Any] = {}
    if options.tlp is not None and options.tlp > doc.tlp:
        update["tlp"] = options.tlp
    if options.pap is not None and options.pap > doc.pap:
        update["pap"] = options.pap
    if options.source:
        update["source"] = options.source
    if options.reliability and not doc.reliability:
        update["reliability"] = options.reliability
    return doc.model_copy(update=update) if update else doc
