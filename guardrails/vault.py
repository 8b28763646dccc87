"""The pseudonym vault of one conversation: `<PERSON_1>` stays the same person across turns.

Values live only in this object's memory. It cannot be pickled, copied or printed with its values, so it
cannot end up in a log, a cache or a Slack message by accident; `reveal` is for in-process use (an
analyst's own tooling), never for text that is posted.

Example::

    vault = Vault()
    vault.pseudonym("PERSON", "Jane Citizen")   # '<PERSON_1>'
    vault.pseudonym("PERSON", "JANE  CITIZEN")  # '<PERSON_1>' again
    vault.pseudonym("PERSON", "Citizen")        # '<PERSON_1>': a surname alone is the same person
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from guardrails.errors import VaultError

# Short placeholder labels for entity types; unknown types use their own name.
LABELS = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "SOURCE_CODENAME": "SOURCE",
    "INTERNAL_HOST": "HOST",
    "CASE_NUMBER": "CASE",
    "CLASSIFICATION_MARKING": "MARKING",
    "IP_ADDRESS": "IP",
    "ORGANIZATION": "ORG",
    "FILE_HASH": "HASH",
}
PSEUDONYM = re.compile(r"<([A-Z][A-Z_]*)_(\d+)>")


@dataclass(frozen=True, slots=True)
class Entry:
    pseudonym: str
    entity_type: str
    value: str

    def __repr__(self) -> str:
        return f"Entry({self.pseudonym}, {self.entity_type})"


class Vault:
    """In-memory, per-conversation mapping between values and stable pseudonyms."""

    def __init__(self) -> None:
        self._by_key: dict[str, Entry] = {}
        self._by_pseudonym: dict[str, Entry] = {}
        self._counters: Counter[str] = Counter()
        self._lock = threading.Lock()

    def pseudonym(self, entity_type: str, value: str) -> str:
        """The placeholder for `value`; the same (normalised) value always gets the same one."""
        key = _key(entity_type, value)
        with self._lock:
            entry = self._by_key.get(key) or self._same_person(entity_type, value)
            if entry is None:
                label = LABELS.get(entity_type, entity_type)
                self._counters[label] += 1
                entry = Entry(f"<{label}_{self._counters[label]}>", entity_type, value)
                self._by_pseudonym[entry.pseudonym] = entry
            self._by_key[key] = entry
            return entry.pseudonym

    def reveal(self, pseudonym: str) -> str | None:
        """The original value, for in-process use only; never post the result."""
        entry = self._by_pseudonym.get(pseudonym)
        return entry.value if entry else None

    def restore(self, text: str) -> str:
        """Put original values back into `text` (in-process use only)."""
        return PSEUDONYM.sub(lambda m: self.reveal(m.group(0)) or m.group(0), text)

    def values(self) -> frozenset[str]:
        """Every value the vault holds (all spellings seen), for leak checks."""
        with self._lock:
            return frozenset(e.value for e in self._by_key.values())

    def entries(self) -> tuple[Entry, ...]:
        """(pseudonym, type, value) for every spelling seen; in-process use only."""
        with self._lock:
            return tuple(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_pseudonym)

    def __contains__(self, pseudonym: object) -> bool:
        return pseudonym in self._by_pseudonym

    def __iter__(self) -> Iterator[str]:  # pseudonyms only
        return iter(tuple(self._by_pseudonym))

    def __repr__(self) -> str:
        return f"<Vault: {len(self)} pseudonyms>"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise VaultError("A Vault never leaves the process: it cannot be pickled, copied or serialised.")

    def __getstate__(self) -> object:
        raise VaultError("A Vault never leaves the process: it cannot be pickled, copied or serialised.")

    def _same_person(self, entity_type: str, value: str) -> Entry | None:
        """'Citizen' after 'Jane Citizen': reuse the one earlier person whose name contains every word."""
        if entity_type != "PERSON":
            return None
        words = set(_words(value))
        if not words or any(len(w) < 2 for w in words):
            return None
        matches = {
            e.pseudonym: e
            for e in self._by_pseudonym.values()
            if e.entity_type == "PERSON" and words < set(_words(e.value))
        }
        return next(iter(matches.values())) if len(matches) == 1 else None


def _key(entity_type: str, value: str) -> str:
    text = unicodedata.normalize("NFKC", value).casefold()
    if entity_type == "PHONE_NUMBER":
        return "phone:" + re.sub(r"\D", "", text)
    return " ".join(text.split())


def _words(value: str) -> list[str]:
    return [
        w.strip(".,'’") for w in unicodedata.normalize("NFKC", value).casefold().split() if w.strip(".,'’")
    ]
