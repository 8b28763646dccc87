"""Markdown and plain-text reports, with optional YAML front matter.

A report says what it is in a front-matter header (`title`, `date`, `tlp`, `pap`, `source`, `reliability`,
`credibility`, `id`, `url`, `type`, `confidence` and lists of `actors`, `aliases`, `malware`, `countries`,
`sectors`, `sponsors`, `cves`, `attack_ids`). Without one, title, date and TLP are inferred from the file name and the first lines,
as the WA SOC advisories need (`20240710003-<slug>.md`, "# <title> - 20240710003").

>>> from pathlib import Path
>>> source = SourceFile(Path("/in/r.md"), "r.md", b"---\\ntlp: amber\\n---\\n# APT40 report - 20240710003")
>>> result = load_text(source, IngestOptions())
>>> result.documents[0].title, result.documents[0].tlp.label
('APT40 report', 'TLP:AMBER')
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any, TypeVar

import yaml

from guardrails.errors import MarkingError
from guardrails.markings import PAP, TLP, parse_credibility, parse_reliability
from retrieval.documents import Document, Entities
from retrieval.errors import LoadError
from retrieval.gazetteer import countries_in, normalize_country, normalize_sector, sectors_in
from retrieval.loaders.base import IngestOptions, LoadResult, SourceFile, apply_options

_T = TypeVar("_T")

HEADER_LINES = 15  # markings and dates are looked for in this many lines at the top of the body
TITLE_LIMIT = 120

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.S | re.M)
_LIST_FIELDS = ("actors", "aliases", "malware", "countries", "sectors", "sponsors", "cves", "attack_ids")
_KNOWN_FIELDS = {
    *_LIST_FIELDS,
    *(
        "title",
        "date",
        "tlp",
        "pap",
        "source",
        "reliability",
        "credibility",
        "id",
        "url",
        "type",
        "confidence",
    ),
    *("author", "created_by", "modified"),
}
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
_ADVISORY_NUMBER = re.compile(r"\s*(?:[-\u2013\u2014]+\s*|\s)\d{8,}(?:-\d+)?\s*$")
_MARKING = re.compile(r"\b(TLP|PAP)\s*:\s*(CLEAR|WHITE|GREEN|AMBER\s*\+\s*STRICT|AMBER|RED)\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_FILE_DATE = re.compile(r"^(\d{8})")
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.I)
_TECHNIQUE = re.compile(r"\bT\d{4}(?:\.\d{3})?\b")
_ATTACK_URL = re.compile(
    r"attack\.mitre\.org/(?:versions/v[\d.]+/)?(?:groups|software|campaigns|mitigations|techniques)/"
    r"([GSCMT]\d{4})(?:/(\d{3}))?",
    re.I,
)
_ATTACK_CONTEXT = re.compile(r"ATT&CK|MITRE", re.I)
_OTHER_ATTACK_ID = re.compile(r"\b[GSCM]\d{4}\b")
_CODE_BLOCK = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_URL = re.compile(r"https?://\S+")


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode without losing a character: UTF-8 (BOM or not), UTF-16 with a BOM, else cp1252 with a note."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        bad = exc.start
    try:
        text, encoding = data.decode("cp1252"), "Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "Latin-1"
    return text, [f"not valid UTF-8 (first bad byte at offset {bad}); decoded as {encoding}"]


def load_text(
    source: SourceFile, options: IngestOptions, *, text: str | None = None, notes: list[str] | None = None
) -> LoadResult:
    """Load one Markdown or text report; `text` skips decoding when the caller already decoded the bytes."""
    notes = list(notes or [])
    if text is None:
        text, decode_notes = decode_text(source.data)
        notes.extend(decode_notes)
    doc = build_document(source, text, notes=notes)
    suffix = source.path.suffix.lower()
    markdown = (
        suffix in {".md", ".markdown"} or text.lstrip().startswith(("---", "#")) or bool(_H1.search(text))
    )
    return LoadResult(
        format="markdown" if markdown else "text", documents=[apply_options(doc, options)], notes=notes
    )


def build_document(
    source: SourceFile,
    text: str,
    *,
    notes: list[str],
    title: str | None = None,
    published: str | None = None,
) -> Document:
    """The Document for a report's text; `title` and `published` are fallbacks (e.g. from PDF metadata)."""
    path = str(source.path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body = _split_front_matter(path, text)
    unknown = sorted(set(meta) - _KNOWN_FIELDS)
    if unknown:
        notes.append(f"front matter fields not used: {', '.join(unknown)}")
    # Markings are read before comments are removed: `<!-- TLP:RED -->` still marks the report.
    tlp, pap = _header_markings(body.strip("\n").split("\n")[:HEADER_LINES])
    body = _HTML_COMMENT.sub("", body).strip("\n")
    header = body.split("\n")[:HEADER_LINES]
    if "tlp" in meta:
        tlp = max(tlp, _field(path, "tlp", lambda: TLP.parse(_str(meta["tlp"]))))
    if "pap" in meta:
        pap = max(pap, _field(path, "pap", lambda: PAP.parse(_str(meta["pap"]))))

    entities = _text_entities(body).merged(_front_matter_entities(meta, notes))
    if meta.get("date"):
        published = _field(path, "date", lambda: _iso_date(meta["date"]))
    else:
        published = _infer_date(source.path.name, header) or published
    return Document(
        doc_id=str(meta.get("id") or source.rel_path),
        title=_str(meta.get("title")) or _infer_title(body, fallback=title, file_name=source.path.name),
        text=body,
        doc_type=_str(meta.get("type")) or "report",
        source=_str(meta.get("source")) or _default_source(source.rel_path),
        url=_str(meta.get("url")),
        published=published,
        modified=_field(path, "modified", lambda: _iso_date(meta["modified"]))
        if meta.get("modified")
        else None,
        tlp=tlp,
        pap=pap,
        reliability=_field(path, "reliability", lambda: parse_reliability(_str(meta.get("reliability")))),
        credibility=_field(path, "credibility", lambda: parse_credibility(_str(meta.get("credibility")))),
        confidence=_field(path, "confidence", lambda: _confidence(meta.get("confidence"))),
        created_by=_str(meta.get("created_by") or meta.get("author")),
        entities=entities,
        origin=path,
    )


def _split_front_matter(path: str, text: str) -> tuple[dict[str, Any], str]:
    """Front matter is YAML between `---` lines at the very start; an unclosed block is an error, not prose,
    because reading a `tlp: red` header as body text would silently publish the report as CLEAR."""
    if not re.match(r"---[ \t]*\n", text):
        return {}, text
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise LoadError(
            path, "front matter opened with '---' on line 1 is never closed: add a '---' line after it"
        )
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise LoadError(path, f"invalid YAML front matter{where}: {problem}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise LoadError(path, "front matter must be a YAML mapping of fields (title: ..., tlp: ...)")
    return {str(k).strip().lower(): v for k, v in meta.items()}, text[match.end() :]


def _field(path: str, name: str, parse: Callable[[], _T]) -> _T:
    """Run a field parser, turning a bad value into a LoadError that names the field."""
    try:
        return parse()
    except (MarkingError, ValueError, TypeError) as exc:
        raise LoadError(path, f"front matter field '{name}': {exc}") from None


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _confidence(value: Any) -> int | None:
    if value is None or value == "":
        return None
    number = int(value)
    if not 0 <= number <= 100:
        raise ValueError(f"confidence {value!r} must be between 0 and 100 (STIX scale)")
    return number


def _iso_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value).strip()[:10]).isoformat()


def _header_markings(header: list[str]) -> tuple[TLP, PAP]:
    """The highest TLP and PAP stated in the header region: a report marked twice keeps the stricter one."""
    tlp, pap = TLP.CLEAR, PAP.CLEAR
    for line in header:
        for kind, level in _MARKING.findall(line):
            level = re.sub(r"\s+", "", level)
            if kind.upper() == "TLP":
                tlp = max(tlp, TLP.parse(level))
            elif "STRICT" not in level.upper():  # PAP has no AMBER+STRICT
                pap = max(pap, PAP.parse(level))
    return tlp, pap


def _clean_title(line: str) -> str:
    title = re.sub(r"^#+\s*", "", line.strip()).rstrip("# ").strip()
    title = _ADVISORY_NUMBER.sub("", title).strip() or title
    if len(title) > TITLE_LIMIT:
        title = title[:TITLE_LIMIT].rsplit(" ", 1)[0] + "\u2026"
    return title


def _infer_title(body: str, *, fallback: str | None, file_name: str) -> str:
    heading = _H1.search(_CODE_BLOCK.sub("", body))  # a shell comment in a code block is no heading
    if heading:
        return _clean_title(heading.group(1))
    if fallback and fallback.strip():
        return _clean_title(fallback)
    for line in body.split("\n"):
        if line.strip() and not _MARKING.fullmatch(line.strip().strip("*_ ")):
            return _clean_title(line)
    return file_name


def _infer_date(file_name: str, header: list[str]) -> str | None:
    candidates = [m.group(1) for m in [_FILE_DATE.match(file_name)] if m]
    candidates = [f"{c[:4]}-{c[4:6]}-{c[6:]}" for c in candidates]
    candidates += [m.group(1) for line in header for m in _ISO_DATE.finditer(line)]
    for candidate in candidates:
        try:
            return date.fromisoformat(candidate).isoformat()
        except ValueError:
            continue
    return None


def _default_source(rel_path: str) -> str:
    parts = PurePosixPath(rel_path).parts
    return parts[0] if len(parts) > 1 else "local file"


def _attack_ids(text: str) -> list[str]:
    """Technique ids anywhere; group, software, campaign and mitigation ids only where ATT&CK is evidently
    meant (an attack.mitre.org link, or a line naming ATT&CK or MITRE): "S0154" alone could be a part number."""
    ids = [m.group(0) for m in _TECHNIQUE.finditer(text)]
    for match in _ATTACK_URL.finditer(text):
        ident = match.group(1).upper()
        ids.append(f"{ident}.{match.group(2)}" if match.group(2) and ident.startswith("T") else ident)
    for line in text.split("\n"):
        if _ATTACK_CONTEXT.search(line):
            ids.extend(m.group(0) for m in _OTHER_ATTACK_ID.finditer(line))
    return list(dict.fromkeys(ids))


def _text_entities(body: str) -> Entities:
    """Entities the text states outright; places and sectors are read from prose, not from code or links."""
    prose = _URL.sub(" ", _CODE_BLOCK.sub(" ", body))
    return Entities(
        cves=tuple(dict.fromkeys(m.group(0).upper() for m in _CVE.finditer(body))),
        attack_ids=tuple(_attack_ids(body)),
        countries=tuple(countries_in(prose)),
        sectors=tuple(sectors_in(prose)),
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def _front_matter_entities(meta: dict[str, Any], notes: list[str]) -> Entities:
    """The lists a report states about itself; places and sectors normalised, unknown names kept as written
    (a fictional exercise state is legitimate) and listed in one note, so a typo ("Rusia") is visible."""
    fields = {name: _as_list(meta.get(name)) for name in _LIST_FIELDS}
    fields["cves"] = [item.upper() for item in fields["cves"]]
    fields["attack_ids"] = [item.upper() for item in fields["attack_ids"]]
    unknown: list[str] = []
    normalizers = {"countries": normalize_country, "sponsors": normalize_country, "sectors": normalize_sector}
    for name, normalize in normalizers.items():
        for index, item in enumerate(fields[name]):
            known = normalize(item)
            if known is None:
                unknown.append(f"{name} {item!r}")
            fields[name][index] = known or item
    if unknown:
        notes.append(f"front matter names not in the gazetteer, kept as written: {', '.join(unknown)}")
    return Entities(**{name: tuple(values) for name, values in fields.items()})
