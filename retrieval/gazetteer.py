"""Country and sector names: one normalised name for each, whatever form a source or a question uses.

MISP writes "Iran (Islamic Republic of)" and `country: "IR"`, ATT&CK writes "Iranian-sponsored", a diplomat
asks about "Iran": filters and entity matching only work if all three become "Iran". The names live in
hand-checked YAML (`retrieval/data/countries.yaml`, `sectors.yaml`); patterns are compiled once.

>>> normalize_country("Korea (Democratic People's Republic of)")
'North Korea'
>>> countries_in("which Iranian-sponsored groups target energy?"), sectors_in("power grid and hospitals")
(['Iran'], ['Energy', 'Healthcare'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_DATA = Path(__file__).parent / "data"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class _Term:
    text: str
    value: str | None  # None: a phrase to recognise and drop ("South America", "defense evasion")
    case_sensitive: bool = False
    plural: bool = False  # also match with a trailing "s" ("Iranians", "banks")


@dataclass(frozen=True)
class _Gazetteer:
    """Exact lookups for field values, and one compiled pattern for finding mentions in free text."""

    names: tuple[str, ...]
    exact: dict[str, str]  # folded form -> name
    exact_case: dict[str, str]  # as written (ISO codes, abbreviations) -> name
    found: dict[str, str | None]  # folded matched text -> name, or None for a dropped phrase
    patterns: tuple[re.Pattern[str], ...]  # case-insensitive terms, then terms matched only as written

    def normalize(self, text: str | None) -> str | None:
        if text is None:
            return None
        clean = _SPACES.sub(" ", str(text).translate(_APOSTROPHES)).strip()
        if clean in self.exact_case:
            return self.exact_case[clean]
        key = _fold(clean)
        if key in self.exact:
            return self.exact[key]
        if key.startswith("the ") and key[4:] in self.exact:
            return self.exact[key[4:]]
        return None

    def find(self, text: str | None) -> list[str]:
        if not text:
            return []
        text = text.translate(_APOSTROPHES)
        spans = sorted(
            (match.span() for pattern in self.patterns for match in pattern.finditer(text)),
            key=lambda span: (span[0], -span[1]),
        )
        result: dict[str, None] = {}
        end = 0
        for start, stop in spans:
            if start < end:  # overlaps a longer mention found first ("North Korean" vs "Korean")
                continue
            end = stop
            key = _fold(text[start:stop])
            value = self.found[key] if key in self.found else self.found.get(key[:-1])
            if value:
                result.setdefault(value)
        return list(result)


def _fold(text: str) -> str:
    """Case, spacing and hyphens do not matter: "water-utility" is "water utility"."""
    return _SPACES.sub(" ", text.replace("-", " ")).strip().casefold()


_SEPARATOR = r"[\s-]+"


def _tokens(term: _Term) -> list[str]:
    """Characters of the term, with each run of spaces or hyphens as one separator token."""
    words = re.split(r"[\s-]+", term.text.strip())
    tokens: list[str] = []
    for index, word in enumerate(words):
        if index:
            tokens.append(_SEPARATOR)
        tokens.extend(word if term.case_sensitive else word.casefold())
    return tokens


def _trie_regex(words: list[list[str]]) -> str:
    """A regex with shared prefixes factored out ("Guinea(?:-Bissau)?"): Python's `re` tries every branch
    of a flat alternation at every position, which made scanning a report 40 times slower."""
    trie: dict[str, Any] = {}
    for tokens in words:
        node = trie
        for token in tokens:
            node = node.setdefault(token, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [
            (token if token == _SEPARATOR else re.escape(token)) + render(child)
            for token, child in sorted(node.items())
            if token
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            body = f"(?:{body})?"
        return body

    return render(trie)


def _compile(terms: list[_Term]) -> tuple[re.Pattern[str], ...]:
    """Two patterns (case-insensitive terms, and terms matched only as written); longest match wins."""
    patterns = []
    for case_sensitive in (False, True):
        words = [_tokens(t) for t in terms if t.case_sensitive == case_sensitive]
        words += [[*_tokens(t), "s"] for t in terms if t.case_sensitive == case_sensitive and t.plural]
        if words:
            flags = 0 if case_sensitive else re.IGNORECASE
            patterns.append(re.compile(rf"(?<![\w&])(?:{_trie_regex(words)})(?![\w&])", flags))
    return tuple(patterns)


def _build(
    names: list[str], terms: list[_Term], exact: dict[str, str], exact_case: dict[str, str]
) -> _Gazetteer:
    found: dict[str, str | None] = {}
    for term in terms:
        found.setdefault(_fold(term.text), term.value)
    return _Gazetteer(tuple(names), exact, exact_case, found, _compile(terms))


def _load(name: str) -> dict[str, Any]:
    with (_DATA / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def _countries() -> _Gazetteer:
    data = _load("countries.yaml")
    data["countries"] = data["countries"] + _load("exercise_states.yaml")["countries"]
    names: list[str] = []
    terms: list[_Term] = []
    exact: dict[str, str] = {}
    exact_case: dict[str, str] = {}
    for entry in data["countries"]:
        name = entry["name"]
        names.append(name)
        exact_case[entry["iso"]] = name
        case_words = set(entry.get("exact_case", []))
        for alias in [name, *entry.get("aliases", [])]:
            exact[_fold(alias)] = name
            terms.append(_Term(alias, name, case_sensitive=alias in case_words))
        for adjective in entry.get("adjectives", []):
            exact[_fold(adjective)] = name
            terms.append(_Term(adjective, name, case_sensitive=adjective in case_words, plural=True))
        for abbreviation in entry.get("abbreviations", []):
            exact_case[abbreviation] = name
            terms.append(_Term(abbreviation, name, case_sensitive=True))
    terms.extend(_Term(phrase, None) for phrase in data.get("not_countries", []))
    return _build(names, terms, exact, exact_case)


@cache
def _sectors() -> _Gazetteer:
    data = _load("sectors.yaml")
    names: list[str] = []
    terms: list[_Term] = []
    exact: dict[str, str] = {}
    exact_case: dict[str, str] = {}
    for name, entry in data["sectors"].items():
        names.append(name)
        exact[_fold(name)] = name  # the name itself is a label: "Research" alone is no evidence in prose
        for term in entry.get("terms", []):
            exact[_fold(term)] = name
            exact[_fold(term) + "s"] = name
            terms.append(_Term(term, name, plural=True))
        for label in entry.get("labels", []):
            exact[_fold(label)] = name
        for abbreviation in entry.get("abbreviations", []):
            exact_case[abbreviation] = name
            terms.append(_Term(abbreviation, name, case_sensitive=True))
    terms.extend(_Term(phrase, None) for phrase in data.get("not_sectors", []))
    return _build(names, terms, exact, exact_case)


def normalize_country(text: str | None) -> str | None:
    """The common English name of a state named in a field ("Russian Federation", "RU", "Iranian"), else None.

    Only whole values are recognised: "NATO" or "World Anti-Doping Agency" give None, and so does "us".
    """
    return _countries().normalize(text)


def normalize_sector(text: str | None) -> str | None:
    """The canonical sector for a field value ("Government, Administration" -> "Government"), else None.

    A value that is not a known label but names exactly one sector ("U.S. satellite and aerospace sector")
    gives that sector; "Private sector" gives None.
    """
    gazetteer = _sectors()
    name = gazetteer.normalize(text)
    if name is None and text:
        found = gazetteer.find(str(text))
        name = found[0] if len(found) == 1 else None
    return name


def countries_in(text: str | None) -> list[str]:
    """States mentioned in free text, by name, adjective or abbreviation, in order of first mention."""
    return _countries().find(text)


def sectors_in(text: str | None) -> list[str]:
    """Sectors mentioned in free text ("power grid" -> Energy), in order of first mention."""
    return _sectors().find(text)


def country_names() -> tuple[str, ...]:
    """Every normalised country name, for validating filters and front matter."""
    return _countries().names


def sector_names() -> tuple[str, ...]:
    """The canonical sectors."""
    return _sectors().names
