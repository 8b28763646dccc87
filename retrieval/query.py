"""Read a plain-English question for the things it names: actors, ids, places, sectors and dates.

These become metadata filters (one extra retrieval channel) and lexical expansions (every alias of a named
actor), so "which Iranian-sponsored groups target energy?" reaches every such group's documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval import gazetteer
from retrieval.entities import Entity, EntityRegistry, name_key

_IDS = re.compile(r"\bCVE-\d{4}-\d{4,7}\b|\bT\d{4}(?:\.\d{3})?\b|\b[GSCM]\d{4}\b|\bTA\d{4}\b", re.IGNORECASE)
_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1
    )
}
_YEAR = r"(19\d{2}|20\d{2})"
_MONTH_YEAR = rf"(?:({'|'.join(_MONTHS)})\s+)?{_YEAR}"


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    entities: tuple[Entity, ...] = ()
    ids: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    since: int | None = None
    until: int | None = None

    @property
    def entity_keys(self) -> tuple[str, ...]:
        keys = [k for e in self.entities for k in e.keys] + [name_key(i) for i in self.ids]
        return tuple(dict.fromkeys(keys))[:40]

    def lexical_text(self) -> str:
        """The question plus every alias of the actors it names."""
        aliases = [n for e in self.entities for n in e.names]
        return " ".join([self.text, *aliases])


def parse_query(text: str, registry: EntityRegistry | None) -> ParsedQuery:
    since, until = _dates(text)
    return ParsedQuery(
        text=text,
        entities=tuple(registry.find_in(text)) if registry else (),
        ids=tuple(dict.fromkeys(m.upper() for m in _IDS.findall(text))),
        places=tuple(gazetteer.countries_in(text)),
        sectors=tuple(gazetteer.sectors_in(text)),
        since=since,
        until=until,
    )


def _day(month: str | None, year: str, *, end: bool) -> int:
    if month:
        m = _MONTHS[month.lower()]
        return int(year) * 10000 + m * 100 + (31 if end else 1)
    return int(year) * 10000 + (1231 if end else 101)


def _dates(text: str) -> tuple[int | None, int | None]:
    t = text.lower()
    if match := re.search(rf"\bbetween\s+{_MONTH_YEAR}\s+and\s+{_MONTH_YEAR}", t):
        return _day(match[1], match[2], end=False), _day(match[3], match[4], end=True)
    if match := re.search(rf"\b(?:since|after|from)\s+{_MONTH_YEAR}", t):
        return _day(match[1], match[2], end=False), None
    if match := re.search(rf"\b(?:before|until|prior to)\s+{_MONTH_YEAR}", t):
        return None, _day(match[1], match[2], end=False) - 1  # YYYYMM00 sorts before the 1st
    if match := re.search(rf"\b(?:in|during)\s+{_MONTH_YEAR}\b", t):
        return _day(match[1], match[2], end=False), _day(match[1], match[2], end=True)
    return None, None
