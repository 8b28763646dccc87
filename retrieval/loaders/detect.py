"""Read a file and choose its loader from the content, not the extension.

Feeds arrive renamed, gzipped or with no extension at all, so the bytes decide: `%PDF` is a PDF, JSON is
dispatched on its shape (STIX bundle, MISP galaxy, CISA KEV), anything else that decodes as text is a report.
Every refusal is a LoadError that names the file and says which formats are accepted.

>>> from pathlib import Path
>>> source = SourceFile(Path("/in/note.md"), "note.md", b"# Volt Typhoon and water utilities")
>>> load_file(source, IngestOptions()).documents[0].entities.sectors
('Water',)
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

from retrieval.errors import LoadError
from retrieval.loaders.base import IngestOptions, LoadResult, SourceFile
from retrieval.loaders.kev import load_kev
from retrieval.loaders.misp import load_misp
from retrieval.loaders.pdf import load_pdf
from retrieval.loaders.text import decode_text, load_text

FORMATS = "STIX 2.1 JSON, MISP galaxy JSON, CISA KEV JSON, Markdown, text or PDF"
SNIFF_BYTES = 8192
_TEXT_CONTROLS = set(b"\t\n\r\f\v\b\x1b")
_JSON_AFTER_OPEN = set('{["-0123456789tfn}]"')


def read_source(path: Path, root: Path, *, data: bytes | None = None) -> SourceFile:
    """Read a file (gunzipping it if its bytes say gzip) and name it relative to the ingest argument `root`.

    `data` is the file's bytes when the caller has already read them (the ingester hashes them first).
    """
    path, root = path.absolute(), root.absolute()
    try:
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        raise LoadError(
            str(path), f"cannot read the file ({exc.strerror or exc}); check that it exists and is readable"
        ) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise LoadError(str(path), f"corrupt gzip file ({exc}); download it again") from None
    try:
        rel_path = path.relative_to(root).as_posix() if path != root else path.name
    except ValueError:
        rel_path = path.name
    return SourceFile(path=path, rel_path=rel_path or path.name, data=data)


def load_file(source: SourceFile, options: IngestOptions) -> LoadResult:
    """Load any supported file; raises LoadError with the reason when the content is not a supported format."""
    data = source.data
    path = str(source.path)
    if data[:1024].lstrip()[:5] == b"%PDF-":
        return load_pdf(source, options)
    if not data.strip():
        raise LoadError(path, "empty file")
    if _is_binary(data):
        raise LoadError(path, f"binary file, not a supported format ({FORMATS})")
    text, notes = decode_text(data)
    if not text.strip():
        raise LoadError(path, "empty file")
    if _looks_like_json(text):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoadError(
                path, f"truncated or malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
        result = _load_json(source, options, parsed)
        result.notes[:0] = notes
        return result
    return load_text(source, options, text=text, notes=notes)


def _is_binary(data: bytes) -> bool:
    """NUL bytes, or many control bytes, in the first few KB: text files have neither (UTF-16 has a BOM)."""
    head = data[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if (byte < 0x20 and byte not in _TEXT_CONTROLS) or byte == 0x7F)
    return controls > len(head) * 0.05


def _looks_like_json(text: str) -> bool:
    """Starts like JSON: `{` or `[` followed by a JSON token, so a Markdown file opening with `[link](...)`
    or `[TOC]` is still read as text."""
    stripped = text.lstrip()
    if stripped[:1] == "{":
        return True
    if stripped[:1] == "[":
        rest = stripped[1:].lstrip()
        return not rest or rest[0] in _JSON_AFTER_OPEN
    return False


def _load_json(source: SourceFile, options: IngestOptions, parsed: Any) -> LoadResult:
    if isinstance(parsed, dict) and parsed.get("type") == "bundle":
        from retrieval.loaders.stix import load_stix  # written separately; imported only when needed

        return load_stix(source, options)
    if _is_misp_galaxy(parsed):
        return load_misp(source, options, parsed=parsed)
    if _is_kev(parsed):
        return load_kev(source, options, parsed=parsed)
    raise LoadError(
        str(source.path),
        'JSON, but not a supported format: expected a STIX 2.1 bundle ("type": "bundle"; wrap single STIX '
        'objects in one), a MISP galaxy cluster file ("values" entries with "value") or a CISA KEV catalogue '
        f'("vulnerabilities" entries with "cveID"). Accepted formats: {FORMATS}',
    )


def _is_misp_galaxy(parsed: Any) -> bool:
    if not isinstance(parsed, dict) or not isinstance(parsed.get("values"), list):
        return False
    values = parsed["values"]
    has_header = any(key in parsed for key in ("uuid", "type", "name"))
    return has_header and all(isinstance(v, dict) and "value" in v for v in values)


def _is_kev(parsed: Any) -> bool:
    if not isinstance(parsed, dict) or not isinstance(parsed.get("vulnerabilities"), list):
        return False
    entries = parsed["vulnerabilities"]
    if not entries:
        return "catalogVersion" in parsed
    return all(isinstance(e, dict) and "cveID" in e for e in entries)
