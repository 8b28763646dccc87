"""Entity resolution: every alias of an actor, in ATT&CK, MISP or a report, leads to one entity.

Documents that describe an actor state its names (`Document.subject`). Names that share a normalised form
link their documents, so "Fancy Bear", "STRONTIUM" and "Forest Blizzard" resolve to one entity whose
names are all searched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_TOKEN = re.compile(r"[\w][\w.\-']*", re.UNICODE)
MAX_NGRAM = 5
# Names too generic to link two documents or to be recognised in a question.
_GENERIC = {
    "group",
    "team",
    "unknown",
    "apt",
    "actor",
    "threat",
    "hackers",
    "ransomware",
    "malware",
    "spider",
    "panda",
    "bear",
    "kitten",
    "chollima",
    "typhoon",
    "blizzard",
    "sandstorm",
    "sleet",
    "tempest",
    "operation",
    "campaign",
    "the",
    "none",
    "other",
    "lead",
    "dust",
    "equation",
    "inception",
    "cloud",
    "shadow",
    "storm",
    "china",
    "russia",
    "iran",
    "korea",
    "ukraine",
    "israel",
    "india",
    "government",
}


def name_key(name: str) -> str:
    """'APT 28', 'apt-28' and 'APT28' share one key."""
    return _NON_WORD.sub("", name.casefold())


def usable(name: str) -> bool:
    key = name_key(name)
    return len(key) >= 3 and key not in _GENERIC and not key.isdigit()


@dataclass(frozen=True)
class Entity:
    key: str  # name_key of the display name
    name: str  # display name: the first name of the first document that described it
    names: tuple[str, ...]
    doc_ids: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name_key(n) for n in self.names if usable(n)))


class EntityRegistry:
    """Union-find over the alias sets of documents, then a lookup from name keys to entities."""

    def __init__(self, subjects: Iterable[tuple[str, str, list[str]]]) -> None:
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        display: dict[str, str] = {}
        docs_of: dict[str, list[str]] = {}
        for doc_id, _doc_type, names in subjects:
            keys = [name_key(n) for n in names if usable(n)]
            for name in names:
                if usable(name):
                    display.setdefault(name_key(name), name)
            if not keys:
                continue
            docs_of.setdefault(keys[0], []).append(doc_id)
            first = find(keys[0])
            for key in keys[1:]:
                root = find(key)
                if root != first:
                    parent[root] = first
        groups: dict[str, list[str]] = {}
        for key in parent:
            groups.setdefault(find(key), []).append(key)
        self._by_key: dict[str, Entity] = {}
        for root, keys in groups.items():
            doc_ids = sorted({d for k in keys for d in docs_of.get(k, [])})
            entity = Entity(
                key=root,
                name=display.get(root, root),
                names=tuple(sorted({display[k] for k in keys if k in display}, key=str.casefold)),
                doc_ids=tuple(doc_ids),
            )
            for key in keys:
                self._by_key[key] = entity

    def __len__(self) -> int:
        return len({e.key for e in self._by_key.values()})

    def lookup(self, name: str) -> Entity | None:
        return self._by_key.get(name_key(name))

    def find_in(self, text: str) -> list[Entity]:
        """Entities named in free text, longest match first; single short words must be capitalised."""
        tokens = _TOKEN.findall(text)
        found: dict[str, Entity] = {}
        i = 0
        while i < len(tokens):
            for size in range(min(MAX_NGRAM, len(tokens) - i), 0, -1):
                words = tokens[i : i + size]
                phrase = " ".join(words).strip(".-'")
                entity = self._by_key.get(name_key(phrase))
                if entity and _plausible_mention(words):
                    found.setdefault(entity.key, entity)
                    i += size - 1
                    break
            i += 1
        return list(found.values())


def _plausible_mention(words: list[str]) -> bool:
    """Guard against common words that happen to be aliases ('turbine', 'lazarus'? keep capitalised)."""
    if len(words) > 1:
        return True
    word = words[0]
    return any(ch.isdigit() for ch in word) or word[:1].isupper()
