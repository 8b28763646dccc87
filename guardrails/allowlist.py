"""CTI-aware allow-list: threat-actor, malware and tool names are not personal data.

Out of the box spaCy tags "Fancy Bear" or "Mimikatz" as PERSON and "Mandiant" as ORGANIZATION. Redacting
them would make briefs useless and, worse, train readers to ignore the placeholders. The knowledge base
feeds its entity names here; built-in entries cover vendors, agencies and id formats (CVE, ATT&CK).
Only name-like types are ever allowed: credentials, keys, canaries and markings are always redacted.

Example::

    allow = AllowList(["APT28", "Fancy Bear", "Mimikatz"])
    "fancy bear's" in allow   # True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import yaml

from guardrails.deobfuscate import deobfuscate
from guardrails.errors import RecognizerConfigError
from guardrails.spans import Span

DEFAULT_PATH = Path(__file__).with_name("data") / "allowlist.yaml"
# Types a name can be allowed for. Secrets (CREDENTIAL, API_KEY, CANARY) and markings are never here.
ALLOWABLE_TYPES = frozenset(
    {"PERSON", "ORGANIZATION", "LOCATION", "NRP", "SOURCE_CODENAME", "HANDLE", "INTERNAL_HOST"}
)
_RESIDUAL_TYPES = frozenset({"PERSON", "ORGANIZATION"})
_TOKEN = re.compile(r"[^\s,;:()\[\]{}\"“”]+")
_EDGE = "'’\".,;:!?()[]{}<>“”‘`*_"
_NAME_PREFIXES = ("Mc", "Mac", "De", "Di", "Da", "Du", "Le", "La", "Van", "Von", "St")
_MAX_NGRAM = 6


def normalise(text: str) -> str:
    """Comparison key: case, accents, possessives, a leading 'the' and punctuation do not matter."""
    text = unicodedata.normalize("NFKC", text).casefold().strip().strip(_EDGE)
    text = re.sub(r"(?:'|’)s$", "", text)
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"[\W_]+", "", text)


class AllowList:
    """Names that are not personal data, plus built-in id patterns and not-a-person words."""

    def __init__(self, names: Iterable[str] = (), *, builtin: bool = True) -> None:
        base_names, patterns, words, generic = _builtin() if builtin else ((), (), frozenset(), frozenset())
        self._keys = frozenset(k for k in (normalise(n) for n in (*base_names, *names)) if len(k) >= 2)
        self._patterns = patterns
        self._not_person = words
        self._generic = generic  # "Ministry", "Hospital": allowed as a whole span only

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        key = normalise(text)
        if key in self._keys or key in self._generic:
            return True
        stripped = text.strip().strip(_EDGE)
        return any(p.match(stripped) for p in self._patterns)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"AllowList({len(self._keys)} names)"

    def with_names(self, names: Iterable[str]) -> AllowList:
        """A new allow-list with more names (the knowledge base grows between ingests)."""
        new = AllowList(builtin=False)
        new._keys = self._keys | {k for k in (normalise(n) for n in names) if len(k) >= 2}
        new._patterns, new._not_person, new._generic = self._patterns, self._not_person, self._generic
        return new

    def filter(self, spans: Iterable[Span], text: str) -> list[Span]:
        """Drop allowed names from name-like spans; trim "APT28 operator Ivan Petrov" to "Ivan Petrov".

        Spans are judged on the de-obfuscated shadow of `text` ("J0lanta D0brev" as "Jolanta Dobrev", so a
        leetspeak name is kept as a person and "C0balt Str1ke" is allowed), and returned as written in `text`.
        """
        shadow = deobfuscate(text, keep=self.__contains__)
        out: list[Span] = []
        for original in spans:
            if original.entity_type not in ALLOWABLE_TYPES:
                out.append(original)
                continue
            span = _in_shadow(original, text, shadow)
            if span.text in self or self._inside_allowed(span, shadow) or self._common_phrase(span):
                continue
            if span.entity_type in _RESIDUAL_TYPES:
                pieces = self._residual(span, shadow)
                out.extend(
                    original if piece is span else _in_shadow(piece, shadow, text)
                    for piece in pieces
                    if piece.entity_type != "PERSON" or self.looks_like_person(piece.text)
                )
            else:
                out.append(original)
        return out

    def _common_phrase(self, span: Span) -> bool:
        """An ORGANIZATION span made only of common words ("Ransomware", "the cyber incident") names no one."""
        if span.entity_type != "ORGANIZATION":
            return False
        words = [w.strip(_EDGE) for w in _TOKEN.findall(span.text)]
        words = [w for w in words if w and w.casefold() not in ("the", "a", "an", "of", "and")]
        return bool(words) and all(
            w.islower() or w.casefold() in self._not_person or normalise(w) in self._generic for w in words
        )

    def looks_like_person(self, text: str) -> bool:
        """Cheap CTI-aware sanity check on a PERSON span: no digits, code-like tokens or product words."""
        if not any(c.isupper() for c in text) or re.search(r"[\d/\\@_=<>#|()\[\]{}*]", text):
            return False
        for token in _TOKEN.findall(text):
            word = token.strip(_EDGE)
            if word.casefold() in self._not_person:
                return False
            if re.search(r"\.[a-z]{2,}$", word) and not word.endswith("."):  # svchost.exe, Dr.Web
                return False
            inner = re.match(r"^([A-Z][a-z]+)[A-Z]", word)
            if inner and inner.group(1) not in _NAME_PREFIXES:  # BlackEnergy, PowerShell, but McDonald
                return False
            if re.match(r"^[a-z]+[A-Z]", word):  # macOS, iPhone
                return False
        return True

    def _inside_allowed(self, span: Span, text: str) -> bool:
        """spaCy tagged part of an allowed name: "Saint" of "Saint Bear", "Ember" of "[Ember Bear](...)"."""
        lo, hi = max(0, span.start - 60), min(len(text), span.end + 60)
        tokens = [
            (lo + m.start(), lo + m.end(), m.group().strip(_EDGE)) for m in _TOKEN.finditer(text[lo:hi])
        ]
        tokens = [t for t in tokens if t[2]]
        for i, (t_start, _, _) in enumerate(tokens):
            if t_start > span.start:
                break
            for n in range(1, min(_MAX_NGRAM, len(tokens) - i) + 1):
                end = tokens[i + n - 1][1]
                if end < span.end:
                    continue
                if normalise(" ".join(t[2] for t in tokens[i : i + n])) in self._keys:
                    return True
        return False

    def _residual(self, span: Span, text: str) -> list[Span]:
        tokens = [(m.start(), m.end(), m.group().strip(_EDGE)) for m in _TOKEN.finditer(span.text)]
        tokens = [t for t in tokens if t[2]]
        allowed = [False] * len(tokens)
        weak_hits: list[int] = []
        i = 0
        while i < len(tokens):
            for n in range(min(_MAX_NGRAM, len(tokens) - i), 0, -1):
                phrase = " ".join(t[2] for t in tokens[i : i + n])
                if normalise(phrase) in self._keys:
                    allowed[i : i + n] = [True] * n
                    if n == 1 and _is_weak(tokens[i][2]):
                        weak_hits.append(i)
                    i += n
                    break
            else:
                i += 1
        if not any(allowed):
            return [span]
        # "Kevin Marsh": Kevin is also a malware name, but next to another capitalised word it is a first name.
        for i in weak_hits:
            if any(
                0 <= j < len(tokens) and not allowed[j] and _capitalised(tokens[j][2]) for j in (i - 1, i + 1)
            ):
                return [span]
        runs: list[list[int]] = [[]]
        for i, is_allowed in enumerate(allowed):
            if is_allowed:
                runs.append([])
            else:
                runs[-1].append(i)
        out = []
        for run in runs:
            while run and not _capitalised(tokens[run[0]][2]):
                run = run[1:]
            while run and not _capitalised(tokens[run[-1]][2]):
                run = run[:-1]
            if not run:
                continue
            start = span.start + tokens[run[0]][0]
            end = span.start + tokens[run[-1]][1]
            while end > start and text[end - 1] in _EDGE:
                end -= 1
            if end > start and text[start:end] not in self:
                out.append(Span(span.entity_type, start, end, span.score, text[start:end]))
        return out


def _in_shadow(span: Span, text: str, other: str) -> Span:
    """`span` (of `text`) with its value read from `other`, a same-length variant of `text`."""
    if other is text or span.text != text[span.start : span.end] or other[span.start : span.end] == span.text:
        return span
    return Span(span.entity_type, span.start, span.end, span.score, other[span.start : span.end])


def _is_weak(word: str) -> bool:
    """A single plain word ("Kevin", "Elise") may be a first name even when it is also a malware name."""
    return word.isalpha() and (word.istitle() or word.islower())


def _capitalised(word: str) -> bool:
    return bool(word) and word[0].isupper() and any(c.isalpha() for c in word)


@cache
def _builtin(
    path: str = str(DEFAULT_PATH),
) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...], frozenset[str], frozenset[str]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        names = tuple(str(n) for n in data.get("names") or ())
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in data.get("patterns") or ())
        words = frozenset(str(w).casefold() for w in data.get("not_person_words") or ())
        generic = frozenset(normalise(str(w)) for w in data.get("generic_words") or ())
    except (OSError, yaml.YAMLError, re.error) as exc:
        raise RecognizerConfigError(f"Cannot read the built-in allow-list {path}: {exc}") from None
    return names, patterns, words, generic


def names_in(text: str, names: Sequence[str]) -> list[str]:
    """The names (from `names`) that occur in `text` as whole words, case-insensitively."""
    found = []
    folded = text.casefold()
    for name in names:
        if name and re.search(r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)", folded):
            found.append(name)
    return found
