"""Consistency across a document: a value detected once is redacted everywhere it appears.

"source CORMORANT" gives the context that marks CORMORANT as a code name; the next paragraph says only
"CORMORANT heard ...". Likewise "Elif Demir" is found once and "Demir said" later. Spans are therefore
propagated to every other occurrence of the same value, in the same text and, at ingest, across all the
chunks analysed together. Single-word PERSON guesses at the start of a heading or sentence ("Incident",
"Require") are dropped unless they are part of a name found elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from guardrails.spans import Span

# Types worth propagating: values that are sensitive wherever they occur.
PROPAGATED = frozenset(
    {
        "PERSON",
        "SOURCE_CODENAME",
        "HANDLE",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "INTERNAL_HOST",
        "CASE_NUMBER",
        "CREDENTIAL",
        "API_KEY",
        "CANARY",
        "IP_ADDRESS",
    }
)
_LINE_START = re.compile(r"(?:^|\n)[ \t]*(?:#{1,6}|[-*+>]|\d{1,3}[.)])?[ \t]*$")
_SENTENCE_START = re.compile(r"(?:[.!?:;][\"'”’)]?\s+|\|\s*)$")
_NAMED_THING = re.compile(r"\b(?:Operation|Campaign|Project|Program|Programme|Exercise)\s+$")


def known_values(spans: Iterable[Span]) -> dict[str, str]:
    """value -> type for the spans worth propagating; a multi-word person also lends their surname."""
    values: dict[str, str] = {}
    for span in spans:
        if span.entity_type not in PROPAGATED or len(span.text.strip()) < 3:
            continue
        if span.entity_type == "PERSON":
            words = span.text.split()
            if len(words) < 2:
                continue
            surname = words[-1].strip(".,'’")
            if len(surname) >= 3 and surname[:1].isupper():
                values.setdefault(surname, "PERSON")
        values.setdefault(span.text, span.entity_type)
    return values


def plausible_people(spans: Sequence[Span], text: str, *, names: Iterable[str] = ()) -> list[Span]:
    """Drop one-word PERSON guesses that are acronyms or open a heading or sentence, unless already a name."""
    tokens = {
        w for s in spans if s.entity_type == "PERSON" for w in s.text.split() if len(s.text.split()) > 1
    }
    tokens.update(w for n in names for w in n.split())
    out = []
    for span in spans:
        if span.entity_type == "PERSON":
            before = text[max(0, span.start - 80) : span.start]
            if _NAMED_THING.search(before):  # Operation Clandestine Wolf
                continue
            if (
                " " not in span.text.strip()
                and span.text not in tokens
                and (span.text.isupper() or _LINE_START.search(before) or _SENTENCE_START.search(before))
            ):
                continue
        out.append(span)
    return out


def propagate(spans: Sequence[Span], text: str, *, values: Mapping[str, str] | None = None) -> list[Span]:
    """Add a span for every other occurrence of a known value (case-sensitive, whole word)."""
    values = dict(values) if values is not None else known_values(spans)
    if not values:
        return list(spans)
    out = list(spans)
    covered = [(s.start, s.end) for s in spans if s.entity_type in PROPAGATED]
    for value, entity_type in sorted(values.items(), key=lambda kv: -len(kv[0])):
        pattern = r"(?<![\w@.\-])" + re.escape(value).replace(r"\ ", r"\s+") + r"(?![\w\-]|\.\w)"
        for m in re.finditer(pattern, text):
            if any(s < m.end() and m.start() < e for s, e in covered):
                continue
            out.append(Span(entity_type, m.start(), m.end(), 0.8, m.group()))
            covered.append(m.span())
    return sorted(out, key=lambda s: (s.start, s.end))
