"""The CISA Known Exploited Vulnerabilities catalogue: one Document per CVE.

KEV is the authoritative list of vulnerabilities exploited in the wild, so its entries carry reliability A
(unless the person ingesting says otherwise) and state the US federal due date and ransomware use plainly.

>>> from pathlib import Path
>>> data = b'{"vulnerabilities": [{"cveID": "CVE-2021-44228", "vulnerabilityName": "Log4Shell"}]}'
>>> doc = load_kev(SourceFile(Path("/in/kev.json"), "kev.json", data), IngestOptions()).documents[0]
>>> doc.title, doc.url, doc.reliability
('CVE-2021-44228: Log4Shell', 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228', 'A')
"""

from __future__ import annotations

import json
import re
from typing import Any

from retrieval.documents import Document, Entities
from retrieval.loaders.base import IngestOptions, LoadResult, SourceFile, apply_options

NVD_URL = "https://nvd.nist.gov/vuln/detail/{}"
MAX_NOTE_LINKS = 3  # KEV notes can hold a dozen vendor links; a few are enough to follow up

_URL = re.compile(r"https?://[^\s;,)]+")


def load_kev(
    source: SourceFile, options: IngestOptions, *, parsed: dict[str, Any] | None = None
) -> LoadResult:
    """Load a KEV catalogue; `parsed` skips re-parsing when format detection already read the JSON."""
    catalogue = parsed if parsed is not None else json.loads(source.data)
    documents: list[Document] = []
    notes: list[str] = []
    skipped = 0
    for index, entry in enumerate(catalogue.get("vulnerabilities") or []):
        cve = str(entry.get("cveID") or "").strip().upper() if isinstance(entry, dict) else ""
        if not cve:
            skipped += 1
            notes.append(f"vulnerabilities[{index}] has no cveID; skipped")
            continue
        doc = _document(entry, cve, reliability=options.reliability or "A", origin=str(source.path))
        documents.append(apply_options(doc, options))
    return LoadResult(format="cisa-kev", documents=documents, skipped=skipped, notes=notes)


def _get(entry: dict[str, Any], key: str) -> str:
    return str(entry.get(key) or "").strip()


def _notes(notes: str, cve: str) -> str:
    """The notes' prose with at most a few links; the NVD link is dropped because it is the document's url."""
    nvd = NVD_URL.format(cve).casefold()
    kept = 0
    dropped = 0

    def keep_or_drop(match: re.Match[str]) -> str:
        nonlocal kept, dropped
        if match.group(0).rstrip("/").casefold() == nvd:
            return ""
        if kept < MAX_NOTE_LINKS:
            kept += 1
            return match.group(0)
        dropped += 1
        return ""

    text = _URL.sub(keep_or_drop, notes)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"(\s*;\s*)+", "; ", text)
    text = re.sub(r"\s+", " ", text).strip(" ;")
    if dropped:
        text += f" (and {dropped} more link{'s' if dropped > 1 else ''} in the KEV entry)"
    return text


def _document(entry: dict[str, Any], cve: str, *, reliability: str, origin: str) -> Document:
    name = _get(entry, "vulnerabilityName")
    ransomware = _get(entry, "knownRansomwareCampaignUse") or "Unknown"
    cwes = [str(c).strip() for c in entry.get("cwes") or [] if str(c).strip()]
    notes = _notes(_get(entry, "notes"), cve)
    groups = [
        [
            f"Vendor: {_get(entry, 'vendorProject')}" if _get(entry, "vendorProject") else "",
            f"Product: {_get(entry, 'product')}" if _get(entry, "product") else "",
            f"Vulnerability: {name}" if name else "",
            f"Added to the CISA KEV catalogue: {_get(entry, 'dateAdded')}"
            if _get(entry, "dateAdded")
            else "",
        ],
        [_get(entry, "shortDescription")],
        [
            f"Required action: {_get(entry, 'requiredAction')}" if _get(entry, "requiredAction") else "",
            f"Due date for US federal agencies: {_get(entry, 'dueDate')}" if _get(entry, "dueDate") else "",
            f"Known use in ransomware campaigns: {ransomware}",
            f"Weaknesses: {', '.join(cwes)}" if cwes else "",
            f"Notes: {notes}" if notes else "",
        ],
    ]
    text = "\n\n".join("\n".join(line for line in group if line) for group in groups if any(group))
    return Document(
        doc_id=cve,
        title=f"{cve}: {name}" if name else cve,
        text=text,
        doc_type="kev",
        source="CISA KEV",
        url=NVD_URL.format(cve),
        published=_get(entry, "dateAdded")[:10] or None,
        reliability=reliability,
        entities=Entities(cves=(cve,)),
        subject=(cve,),
        origin=origin,
    )
