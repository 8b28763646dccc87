"""Ingest bookkeeping in SQLite: which files were ingested, which documents and chunks they produced.

The catalog is what makes ingest idempotent and crash-safe. A document's row is written only after its
chunks are in the vector store, and a file's row only after all its documents are; a run killed in between
leaves rows that a re-run recognises as stale and completes.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, format TEXT NOT NULL, doc_ids TEXT NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, chunk_ids TEXT NOT NULL, title TEXT NOT NULL,
    source TEXT NOT NULL, doc_type TEXT NOT NULL, tlp INTEGER NOT NULL, published TEXT, origin TEXT,
    subject TEXT NOT NULL DEFAULT '[]', entities TEXT NOT NULL DEFAULT '{}', ingested_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class DocRow:
    doc_id: str
    content_hash: str
    chunk_ids: tuple[str, ...]
    title: str
    source: str
    doc_type: str
    tlp: int
    published: str | None
    subject: tuple[str, ...]
    entities: dict[str, list[str]]


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path))
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    # --- files --------------------------------------------------------------------------------
    def file_hash(self, path: str) -> str | None:
        row = self._db.execute("SELECT sha256 FROM files WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def file_doc_ids(self, path: str) -> set[str]:
        row = self._db.execute("SELECT doc_ids FROM files WHERE path = ?", (path,)).fetchone()
        return set(json.loads(row[0])) if row else set()

    def record_file(self, *, path: str, sha256: str, fmt: str, doc_ids: Iterable[str]) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                (path, sha256, fmt, json.dumps(sorted(doc_ids)), time.time()),
            )

    # --- documents ----------------------------------------------------------------------------
    def doc(self, doc_id: str) -> DocRow | None:
        row = self._db.execute(
            "SELECT doc_id, content_hash, chunk_ids, title, source, doc_type, tlp, published, subject, entities"
            " FROM docs WHERE doc_id = ?",
            (doc_id,),
        ).fetchone()
        return _doc_row(row) if row else None

    def doc_hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        ids = list(doc_ids)
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            out.update(
                self._db.execute(f"SELECT doc_id, content_hash FROM docs WHERE doc_id IN ({marks})", part)
            )
        return out

    def record_docs(self, rows: Iterable[DocRow], *, origin: dict[str, str]) -> None:
        now = time.time()
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.doc_id,
                        r.content_hash,
                        json.dumps(list(r.chunk_ids)),
                        r.title,
                        r.source,
                        r.doc_type,
                        r.tlp,
                        r.published,
                        origin.get(r.doc_id, ""),
                        json.dumps(list(r.subject)),
                        json.dumps(r.entities),
                        now,
                    )
                    for r in rows
                ],
            )

    def forget_docs(self, doc_ids: Iterable[str]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM docs WHERE doc_id = ?", [(d,) for d in doc_ids])

    def subjects(self) -> Iterator[tuple[str, str, list[str]]]:
        """(doc_id, doc_type, names) for documents that describe an entity with aliases."""
        for doc_id, doc_type, subject in self._db.execute(
            "SELECT doc_id, doc_type, subject FROM docs WHERE subject != '[]'"
        ):
            yield doc_id, doc_type, json.loads(subject)

    def entity_names(self) -> set[str]:
        """Every entity name any document states (actors, aliases, malware, ids, countries, sectors)."""
        names: set[str] = set()
        for (entities,) in self._db.execute("SELECT entities FROM docs"):
            for values in json.loads(entities).values():
                names.update(values)
        return names

    # --- statistics ---------------------------------------------------------------------------
    def counts(self) -> dict[str, object]:
        def grouped(column: str) -> dict[str, int]:
            rows = self._db.execute(f"SELECT {column}, COUNT(*) FROM docs GROUP BY {column} ORDER BY 2 DESC")
            return {str(k): int(v) for k, v in rows}

        chunks = sum(len(json.loads(c)) for (c,) in self._db.execute("SELECT chunk_ids FROM docs"))
        last = self._db.execute("SELECT MAX(ingested_at) FROM files").fetchone()[0]
        return {
            "documents": self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0],
            "chunks": chunks,
            "files": self._db.execute("SELECT COUNT(*) FROM files").fetchone()[0],
            "by_source": grouped("source"),
            "by_tlp": grouped("tlp"),
            "by_type": grouped("doc_type"),
            "last_ingest": last,
        }


def read_documents(path: Path) -> tuple[list[tuple[str, str, int, str | None, dict]], float | None]:
    """(doc_id, doc_type, tlp, published, entities) for every document, and the last ingest time.

    Opens its own read-only connection, so any thread (a Slack worker, the App Home) may call it, and it
    never creates a catalog where there is none.
    """
    if not path.is_file():
        return [], None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT doc_id, doc_type, tlp, published, entities FROM docs").fetchall()
        last = db.execute("SELECT MAX(ingested_at) FROM files").fetchone()[0]
    finally:
        db.close()
    return [(d, t, int(tlp), p, json.loads(e or "{}")) for d, t, tlp, p, e in rows], last


def _doc_row(row: tuple) -> DocRow:
    return DocRow(
        doc_id=row[0],
        content_hash=row[1],
        chunk_ids=tuple(json.loads(row[2])),
        title=row[3],
        source=row[4],
        doc_type=row[5],
        tlp=int(row[6]),
        published=row[7],
        subject=tuple(json.loads(row[8])),
        entities=json.loads(row[9]),
    )
