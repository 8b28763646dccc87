"""One description of "which passages may be returned", compiled for Chroma and for the lexical index.

Clearance is always part of the filter, so both retrievers enforce it inside the query: a GREEN search
never sees an AMBER passage and still gets k results when enough cleared passages exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from guardrails.markings import TLP
from retrieval.errors import RetrievalError

# Scalar metadata fields that can be matched exactly, and list fields matched by membership.
SCALAR_FIELDS = ("doc_id", "source", "doc_type")
LIST_FIELDS = ("ents", "places", "sectors", "sponsors")

# `--filter KEY=VALUE` keys accepted from users, and the field each one targets.
USER_KEYS = {
    "doc_id": "doc_id",
    "source": "source",
    "type": "doc_type",
    "doc_type": "doc_type",
    "actor": "ents",
    "malware": "ents",
    "cve": "ents",
    "attack_id": "ents",
    "entity": "ents",
    "country": "places",
    "sector": "sectors",
    "sponsor": "sponsors",
    "since": "since",
    "until": "until",
}


@dataclass(frozen=True)
class Filter:
    """All conditions are ANDed; the values given for one field are ORed."""

    clearance: TLP = TLP.CLEAR
    scalars: tuple[tuple[str, tuple[str, ...]], ...] = ()
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    since: int | None = None  # YYYYMMDD, inclusive
    until: int | None = None

    def with_list(self, name: str, values: tuple[str, ...]) -> Filter:
        if not values:
            return self
        return replace(self, lists=(*self.lists, (name, values)))

    def with_dates(self, since: int | None, until: int | None) -> Filter:
        return replace(self, since=since if since is not None else self.since, until=until or self.until)

    @property
    def has_conditions(self) -> bool:
        """True when the filter narrows beyond clearance."""
        return bool(self.scalars or self.lists or self.since or self.until)

    def to_chroma(self, *, clearance: bool = True) -> dict[str, Any] | None:
        """The Chroma `where`; `clearance=False` leaves the TLP clause out for a store that keeps each TLP
        level in its own collection and enforces clearance by choosing which collections to query."""
        clauses: list[dict[str, Any]] = [{"tlp": {"$lte": int(self.clearance)}}] if clearance else []
        for name, values in self.scalars:
            clauses.append({name: {"$in": list(values)}})
        for name, values in self.lists:
            options = [{name: {"$contains": v}} for v in values]
            clauses.append(options[0] if len(options) == 1 else {"$or": options})
        if self.since:
            clauses.append({"published_ts": {"$gte": self.since}})
        if self.until:
            clauses.append({"published_ts": {"$lte": self.until}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def parse_user_filters(pairs: list[str], *, clearance: TLP, normalise: dict[str, Any]) -> Filter:
    """Turn `KEY=VALUE` strings into a Filter. `normalise` maps a field to a callable for its values."""
    scalars: dict[str, list[str]] = {}
    lists: dict[str, list[str]] = {}
    since = until = None
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value or key not in USER_KEYS:
            raise RetrievalError(
                f"Bad filter {pair!r}: use KEY=VALUE with KEY one of {', '.join(sorted(USER_KEYS))}."
            )
        target = USER_KEYS[key]
        if target in ("since", "until"):
            day = date_key(value)
            if day is None:
                raise RetrievalError(f"Bad date in filter {pair!r}: use YYYY, YYYY-MM or YYYY-MM-DD.")
            if target == "since":
                since = day
            else:
                until = date_key(value, end=True)
            continue
        fix = normalise.get(target)
        values = fix(value) if fix else [value]
        if not values:
            raise RetrievalError(f"Unknown {key} {value!r} in filter {pair!r}.")
        (lists if target in LIST_FIELDS else scalars).setdefault(target, []).extend(values)
    return Filter(
        clearance=clearance,
        scalars=tuple((k, tuple(v)) for k, v in scalars.items()),
        lists=tuple((k, tuple(v)) for k, v in lists.items()),
        since=since,
        until=until,
    )


def date_key(value: str | None, *, end: bool = False) -> int | None:
    """'2024', '2024-03' or '2024-03-05' (or a longer ISO timestamp) as YYYYMMDD; `end` picks the last day."""
    if not value:
        return None
    digits = value.strip()[:10].replace("-", "")
    if not digits.isdigit() or len(digits) not in (4, 6, 8):
        return None
    if len(digits) == 4:
        digits += "1231" if end else "0101"
    elif len(digits) == 6:
        digits += "31" if end else "01"
    return int(digits)
