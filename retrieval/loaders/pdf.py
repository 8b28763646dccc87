"""PDF reports: the text of every page, then read like a text report.

A page whose text cannot be extracted is noted and skipped rather than failing the whole report; a PDF that
cannot be opened at all (encrypted, corrupt, only scanned images) is a LoadError that says what to do.
"""

from __future__ import annotations

import io
from datetime import datetime

from pypdf import PdfReader

from retrieval.errors import LoadError
from retrieval.loaders.base import IngestOptions, LoadResult, SourceFile, apply_options
from retrieval.loaders.text import build_document


def load_pdf(source: SourceFile, options: IngestOptions) -> LoadResult:
    """Load one PDF; pages are separated by blank lines, the title comes from the metadata or the first line."""
    path = str(source.path)
    reader = _open(source)
    notes: list[str] = []
    pages: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # pypdf raises many kinds of error on damaged content streams
            notes.append(f"page {number}: text could not be extracted ({type(exc).__name__}: {exc}); skipped")
            continue
        if text.strip():
            pages.append(text.strip())
        else:  # pypdf logs, rather than raises, on many damaged streams; a scanned page has no text either
            notes.append(f"page {number}: no text extracted (an image, or a damaged page)")
    if not pages:
        raise LoadError(
            path,
            "PDF has no extractable text (scanned pages?): run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`)",
        )
    title, created = _metadata(reader, notes)
    doc = build_document(source, "\n\n".join(pages), notes=notes, title=title, published=created)
    return LoadResult(format="pdf", documents=[apply_options(doc, options)], notes=notes)


def _open(source: SourceFile) -> PdfReader:
    path = str(source.path)
    try:
        reader = PdfReader(io.BytesIO(source.data))
        encrypted = reader.is_encrypted
        if encrypted and not reader.decrypt(""):
            raise LoadError(
                path, "encrypted PDF that needs a password: save an unencrypted copy and ingest that"
            )
        len(reader.pages)  # reading the page tree is where most corrupt files fail
    except LoadError:
        raise
    except Exception as exc:  # corrupt files fail in pypdf with PdfReadError, ValueError, KeyError, ...
        reason = "encrypted PDF that cannot be decrypted" if "encrypt" in str(exc).lower() else "corrupt PDF"
        raise LoadError(
            path, f"{reason} ({type(exc).__name__}: {exc}); re-export or repair the file"
        ) from None
    return reader


def _metadata(reader: PdfReader, notes: list[str]) -> tuple[str | None, str | None]:
    """Title and creation date from the document information; unreadable metadata is only a note."""
    try:
        info = reader.metadata
        if info is None:
            return None, None
        title = str(info.title).strip() if info.title else None
        created: datetime | None = info.creation_date
    except Exception as exc:  # malformed dates and strings raise from inside pypdf
        notes.append(f"PDF metadata could not be read ({type(exc).__name__}); title taken from the text")
        return None, None
    return title or None, created.date().isoformat() if created else None
