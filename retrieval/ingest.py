"""Ingest files and folders into the knowledge base: load, chunk, embed, store, and keep books.

Idempotent and crash-safe by construction: chunk ids derive from content; a document's catalog row is
written only after its chunks are stored (stale chunks removed); a file's row only after all its documents.
STIX objects go through the STIX graph, which keeps a list of documents waiting to be rendered, so a run
killed after the graph was updated still renders them on the next run.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.catalog import DocRow
from retrieval.chunking import Chunk, chunk_document
from retrieval.documents import Document
from retrieval.errors import LoadError
from retrieval.kb import KnowledgeBase
from retrieval.loaders.base import IngestOptions
from retrieval.loaders.detect import load_file, read_source
from retrieval.records import chunk_metadata, content_hash
from retrieval.stix_graph import StixGraph
from retrieval.store import StoredChunk

# Annotates chunk texts at ingest (e.g. sensitive-identifier spans); returns one JSON string (or None) each.
Annotator = Callable[[Sequence[str], Sequence[Document]], list[str | None]]
Progress = Callable[[str], None]

_NOT_INTELLIGENCE = ("license", "licence", "copying", "notice", "readme")
_BATCH_CHUNKS = 512


@dataclass
class IngestReport:
    files: int = 0
    unchanged_files: int = 0
    documents: int = 0  # documents (re)indexed in this run
    unchanged_documents: int = 0
    removed_documents: int = 0
    chunks: int = 0
    skipped: int = 0  # objects or files deliberately left out (revoked, deprecated, licences, ...)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, root) pairs: folders are walked in sorted order, hidden entries ignored."""
    for path in paths:
        path = path.expanduser().resolve()
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(path)
                if file.is_file() and not any(part.startswith(".") for part in rel.parts):
                    yield file, path
        else:
            yield path, path


def _is_not_intelligence(path: Path) -> bool:
    stem = path.name.lower()
    return stem.startswith(_NOT_INTELLIGENCE) or stem.endswith("schema.json")


class Ingester:
    """One ingest run against an open knowledge base."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        options: IngestOptions | None = None,
        annotate: Annotator | None = None,
        max_file_mb: float = 100.0,
        progress: Progress | None = None,
    ) -> None:
        self.kb = kb
        self.options = options or IngestOptions()
        self.annotate = annotate
        self.max_bytes = int(max_file_mb * 1024 * 1024)
        self.progress = progress or (lambda _msg: None)
        self.graph = StixGraph(kb.home / "stix_graph.sqlite")
        self.report = IngestReport()
        self._pending: list[Document] = []
        self._pending_chunks = 0

    def run(self, paths: Sequence[Path]) -> IngestReport:
        started = time.perf_counter()
        try:
            for file, root in iter_files(paths):
                self.report.files += 1
                self._ingest_file(file, root)
                self.progress(str(file))
            self._flush()
            self._render_stix()
            if self.report.documents or self.report.removed_documents:
                self.kb.refresh()
        finally:
            self.graph.close()
            self.report.seconds = time.perf_counter() - started
        return self.report

    def add_documents(self, docs: Iterable[Document]) -> IngestReport:
        """Index documents built in code (tests, eval fixtures) through the same path as files."""
        try:
            for doc in docs:
                self._queue(doc)
            self._flush()
            if self.report.documents:
                self.kb.refresh()
        finally:
            self.graph.close()
        return self.report

    # --- files --------------------------------------------------------------------------------
    def _ingest_file(self, file: Path, root: Path) -> None:
        key = str(file)
        if not file.exists():
            self.report.failed.append((key, "no such file or folder; check the path"))
            return
        if _is_not_intelligence(file):
            self.report.skipped += 1
            self.report.notes.append(f"{key}: skipped (licence, read-me or schema file, not intelligence)")
            return
        size = file.stat().st_size
        if size > self.max_bytes:
            self.report.failed.append(
                (
                    key,
                    f"{size / 1e6:.0f} MB is over the {self.max_bytes / 1e6:.0f} MB limit; "
                    "split the file or raise DETENTE_MAX_FILE_MB",
                )
            )
            return
        try:
            raw = file.read_bytes()
        except OSError as exc:
            self.report.failed.append((key, f"cannot read: {exc.strerror or exc}"))
            return
        sha = hashlib.sha256(raw).hexdigest()
        if self.kb.catalog.file_hash(key) == sha:
            self.report.unchanged_files += 1
            return
        try:
            source = read_source(file, root, data=raw)
            result = load_file(source, self.options)
        except LoadError as exc:
            self.report.failed.append((key, exc.reason))
            return
        except Exception as exc:  # a loader bug must not stop the other files
            self.report.failed.append((key, f"unexpected {type(exc).__name__}: {exc}"))
            return
        self.report.skipped += result.skipped
        self.report.notes.extend(f"{key}: {note}" for note in result.notes)
        if result.stix_objects:
            self.graph.add(result.stix_objects, options=self.options, origin=source.rel_path)
            doc_ids: set[str] = set()
        else:
            doc_ids = {d.doc_id for d in result.documents}
            for doc in result.documents:
                self._queue(doc)
            self._flush()  # the file's documents are stored before the file is recorded
            gone = self.kb.catalog.file_doc_ids(key) - doc_ids
            if gone:
                self.forget(gone)
        self.kb.catalog.record_file(path=key, sha256=sha, fmt=result.format, doc_ids=doc_ids)

    def _render_stix(self) -> None:
        pending = sorted(self.graph.pending())
        for start in range(0, len(pending), 500):
            ids = set(pending[start : start + 500])
            for doc in self.graph.render(ids):
                self._queue(doc)
            self._flush()
            withdrawn = {d for d in self.graph.withdrawn(ids) if self.kb.catalog.doc(d)}
            if withdrawn:  # revoked or deprecated since it was indexed
                self.forget(withdrawn)
            self.graph.mark_rendered(ids)

    # --- documents ----------------------------------------------------------------------------
    def _queue(self, doc: Document) -> None:
        self._pending.append(doc)
        self._pending_chunks += max(1, len(doc.text) // 800)
        if self._pending_chunks >= _BATCH_CHUNKS:
            self._flush()

    def _flush(self) -> None:
        docs, self._pending, self._pending_chunks = self._pending, [], 0
        if not docs:
            return
        docs = list({d.doc_id: d for d in docs}.values())  # the last version of a document wins
        known = self.kb.catalog.doc_hashes(d.doc_id for d in docs)
        hashes = {d.doc_id: content_hash(d) for d in docs}
        changed = [d for d in docs if known.get(d.doc_id) != hashes[d.doc_id]]
        self.report.unchanged_documents += len(docs) - len(changed)
        if not changed:
            return
        chunked: list[tuple[Document, Chunk]] = [(d, c) for d in changed for c in chunk_document(d)]
        texts = [c.embedding_text(d.title) for d, c in chunked]
        annotations = (
            self.annotate([c.text for _, c in chunked], [d for d, _ in chunked])
            if self.annotate
            else [None] * len(chunked)
        )
        started = time.perf_counter()
        vectors = self.kb.embedder.encode(texts)
        self.report.embed_seconds += time.perf_counter() - started
        stored = [
            StoredChunk(c.chunk_id, c.text, chunk_metadata(d, c, annotations=a))
            for (d, c), a in zip(chunked, annotations, strict=True)
        ]
        self.kb.store.upsert(stored, vectors)
        new_ids: dict[str, list[str]] = {}
        for d, c in chunked:
            new_ids.setdefault(d.doc_id, []).append(c.chunk_id)
        stale = [
            old
            for d in changed
            if (row := self.kb.catalog.doc(d.doc_id))
            for old in row.chunk_ids
            if old not in set(new_ids[d.doc_id])
        ]
        self.kb.store.delete(stale)
        self.kb.catalog.record_docs(
            [
                DocRow(
                    doc_id=d.doc_id,
                    content_hash=hashes[d.doc_id],
                    chunk_ids=tuple(new_ids[d.doc_id]),
                    title=d.title,
                    source=d.source,
                    doc_type=d.doc_type,
                    tlp=int(d.tlp),
                    published=d.published,
                    subject=d.subject,
                    entities={k: list(v) for k, v in d.entities.model_dump().items() if v},
                )
                for d in changed
            ],
            origin={d.doc_id: d.origin for d in changed},
        )
        self.report.documents += len(changed)
        self.report.chunks += len(chunked)

    def forget(self, doc_ids: Iterable[str]) -> None:
        """Remove documents that their file no longer contains."""
        ids = list(doc_ids)
        chunk_ids = [c for d in ids if (row := self.kb.catalog.doc(d)) for c in row.chunk_ids]
        self.kb.store.delete(chunk_ids)
        self.kb.catalog.forget_docs(ids)
        self.report.removed_documents += len(ids)


def ingest(kb: KnowledgeBase, paths: Sequence[Path], **kwargs: object) -> IngestReport:
    """Convenience wrapper: `ingest(kb, [Path("feeds/")], options=IngestOptions(tlp=TLP.AMBER))`."""
    return Ingester(kb, **kwargs).run(paths)  # type: ignore[arg-type]
