"""MISP galaxy cluster files (threat actors, Microsoft activity groups, surveillance vendors, sectors).

One Document per cluster value. The meta fields that matter to a diplomat (suspected sponsor, victims,
targeted sectors, attribution confidence) become readable lines of text and normalised entities, so
"which Iranian groups target energy?" finds them by filter and by words.

>>> from pathlib import Path
>>> data = b'{"name": "Threat Actor", "type": "threat-actor", "uuid": "u", "values": [{"value": "APT28",'
>>> data += b' "uuid": "v", "meta": {"cfr-suspected-state-sponsor": "Russian Federation"}}]}'
>>> doc = load_misp(SourceFile(Path("/in/ta.json"), "ta.json", data), IngestOptions()).documents[0]
>>> doc.entities.sponsors, doc.text
(('Russia',), 'Suspected state sponsor: Russia')
"""

from __future__ import annotations

import json
from typing import Any

from guardrails.markings import TLP
from retrieval.documents import Document, Entities
from retrieval.gazetteer import countries_in, normalize_country, normalize_sector
from retrieval.loaders.base import IngestOptions, LoadResult, SourceFile, apply_options

_ACTOR_GALAXIES = {"threat-actor", "microsoft-activity-group"}
# Meta keys whose values are links or cross-references, not statements worth reading.
_NOT_RENDERED = {"refs", "official-refs", "references", "sources", "name-attribution", "synonyms", "sector"}
_LABELS = {
    "cfr-suspected-state-sponsor": "Suspected state sponsor",
    "cfr-suspected-victims": "Suspected victims",
    "suspected-victims": "Suspected victims",
    "cfr-target-category": "Target categories",
    "targeted-sector": "Targeted sectors",
    "country": "Country of origin",
    "microsoft-origin-threat": "Origin or threat type (Microsoft)",
    "cfr-type-of-incident": "Type of incident",
    "attribution-confidence": "Attribution confidence",
    "threat-actor-classification": "Classification",
    "since": "Active since",
    "NACE_CODE": "NACE code",
}
_COUNTRY_KEYS = ("cfr-suspected-state-sponsor", "cfr-suspected-victims", "suspected-victims", "country")


def load_misp(
    source: SourceFile, options: IngestOptions, *, parsed: dict[str, Any] | None = None
) -> LoadResult:
    """Load a galaxy cluster file; `parsed` skips re-parsing when format detection already read the JSON."""
    galaxy = parsed if parsed is not None else json.loads(source.data)
    notes: list[str] = []
    documents: list[Document] = []
    skipped = 0
    for index, value in enumerate(galaxy.get("values") or []):
        name = str(value.get("value") or "").strip() if isinstance(value, dict) else ""
        if not name:
            skipped += 1
            notes.append(f"values[{index}] has no name ('value'); skipped")
            continue
        doc = _document(value, name, galaxy, str(source.path))
        documents.append(apply_options(doc, options))
    return LoadResult(format="misp-galaxy", documents=documents, skipped=skipped, notes=notes)


def _as_list(value: Any) -> list[str]:
    """Meta fields are a string in one record and a list in another: both become a clean list."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def _victim_countries(victims: list[str]) -> list[str]:
    """A victim that is a state, or names one ("Bangladesh Bank", "U.S. government/defense sector websites")."""
    found: list[str] = []
    for victim in victims:
        country = normalize_country(victim)
        found.extend([country] if country else countries_in(victim))
    return found


def _shown(key: str, items: list[str]) -> list[str]:
    """Values as a reader should see them: state names normalised, other victims ("NATO") as written."""
    if key in _COUNTRY_KEYS:
        return list(_unique([normalize_country(item) or item for item in items]))
    return items


def _document(value: dict[str, Any], name: str, galaxy: dict[str, Any], origin: str) -> Document:
    galaxy_type = str(galaxy.get("type") or "misp-cluster")
    meta: dict[str, Any] = value.get("meta") or {}
    synonyms = [s for s in _as_list(meta.get("synonyms")) if s.casefold() != name.casefold()]
    victims = _as_list(meta.get("cfr-suspected-victims")) + _as_list(meta.get("suspected-victims"))
    sectors = _as_list(meta.get("cfr-target-category")) + _as_list(meta.get("targeted-sector"))
    sponsors = [normalize_country(s) or "" for s in _as_list(meta.get("cfr-suspected-state-sponsor"))]
    origin_countries = [normalize_country(c) or "" for c in _as_list(meta.get("country"))]
    if galaxy_type == "sector":
        sectors.append(name)

    lines = [str(value.get("description") or "").strip()]
    if synonyms:
        lines.append("Also known as: " + ", ".join(synonyms))
    for key, raw in meta.items():
        if key in _NOT_RENDERED or key.startswith("origin:"):
            continue
        items = _shown(key, _as_list(raw))
        if items:
            label = _LABELS.get(key) or (key if key.isupper() else key.replace("-", " ").capitalize())
            lines.append(f"{label}: {', '.join(items)}")
    text = "\n".join(line for line in lines if line) or name

    confidence = _as_list(meta.get("attribution-confidence"))
    refs = _as_list(meta.get("refs"))
    is_actor = galaxy_type in _ACTOR_GALAXIES or galaxy.get("category") == "actor"
    return Document(
        doc_id=str(value.get("uuid") or f"{galaxy.get('uuid') or galaxy_type}:{name}"),
        title=name,
        text=text,
        doc_type="threat-actor" if galaxy_type in _ACTOR_GALAXIES else galaxy_type,
        source=f"MISP galaxy: {galaxy.get('name') or galaxy_type}",
        url=refs[0] if refs else None,
        tlp=TLP.CLEAR,
        confidence=_confidence(confidence[0]) if confidence else None,
        entities=Entities(
            actors=(name,) if is_actor else (),
            aliases=tuple(synonyms) if is_actor else (),
            sponsors=_unique(sponsors),
            countries=_unique(_victim_countries(victims) + origin_countries),
            sectors=_unique([normalize_sector(s) or "" for s in sectors]),
        ),
        subject=(name, *synonyms),
        origin=origin,
    )


def _confidence(value: str) -> int | None:
    try:
        number = int(float(value))
    except ValueError:
        return None
    return number if 0 <= number <= 100 else None
