"""Consistency across a document: a value detected once is redacted everywhere it appears.

"source CORMORANT" gives the context that marks CORMORANT as a code name; the next paragraph says only
"CORMORANT heard ...". Likewise "Elif Demir" is found once and "Demir said" later. Spans are therefore
propagated to every other occurrence of the same value, in the same text and, at ingest, across all the
chunks analysed together, and to leetspeak spellings of it ("D0brev" for "Dobrev"). Single-word PERSON
guesses at the start of a heading or sentence ("Incident", "Require") are dropped unless they are part of a
name found elsewhere.

Place names are not people either: spaCy tags "Harwick" in "the City of Harwick's tourism website" and
"Selden" in "the Selden shipping office" as PERSON. A PERSON span in a place context (after "City of",
"Port of"..., before "City Council", "Port Authority", "Harbour"..., or "the X shipping office") is dropped,
and so is any other one-word PERSON guess with the same text in the document, unless that word is part of a
multi-word name found elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from guardrails.deobfuscate import deobfuscate
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

# Place and public-body contexts (case-insensitive). "City of Harwick", "Port of Selden", "County of Kent".
_PLACE_KINDS = (
    r"(?:City|Town|Port|County|Municipality|Province|District|Region|Borough|Village|Shire|Township)"
)
_PLACE_BEFORE = re.compile(r"\b" + _PLACE_KINDS + r"[ \t]+of[ \t]+(?:the[ \t]+)?$", re.IGNORECASE)
_PLACE_HEAD = re.compile(r"^(?:the\s+)?" + _PLACE_KINDS + r"\s+of\s", re.IGNORECASE)
# "Harwick City Council", "Selden Port Authority", "Kessbridge Water Authority", "Selden Harbour", "Selden port".
_PLACE_SUFFIX = (
    r"(?:(?:City|Town|County|Borough|District|Regional|Municipal|Parish|Shire)[ \t]+Council|Council|"
    r"Municipality|(?:Port|Water|Harbour|Harbor|Airport|Transit|Transport|Housing)[ \t]+Authority|"
    r"Harbou?r(?:[ \t]+Master)?|Port|Airport|City[ \t]+Hall|Town[ \t]+Hall)"
)
_PLACE_AFTER = re.compile(r"^(?:['’]s)?[ \t]+" + _PLACE_SUFFIX + r"\b", re.IGNORECASE)
# A span ending in a place word ("Selden Harbour"); not "Port", which is also a surname.
_PLACE_TAIL = re.compile(
    r"\s(?:Council|Municipality|Authority|Harbou?r|Airport|City|Township|Borough|County|Shire)$",
    re.IGNORECASE,
)
# "the Selden shipping office", "the Harwick defacement": a one-word name used attributively before a
# lower-case place, body or event noun is a place. People are rarely written "the Dobrev port".
_PLACE_NOUNS = (
    r"(?:ports?|harbou?rs?|docks?|terminals?|shipping|ferry|ferries|airport|council|municipality|city|town|"
    r"county|district|region|province|borough|village|tourism|tourist|website|site|defacement|waterworks|"
    r"water|utility|hospital|police|government|administration|mayor|residents|area|municipal|regional|"
    r"refinery|plant|station|port-authority)"
)
_THE_BEFORE = re.compile(r"\bthe[ \t]+$", re.IGNORECASE)
_PLACE_NOUN_AFTER = re.compile(r"^(?:['’]s)?[ \t]+" + _PLACE_NOUNS + r"\b")
# A capitalised name, not a capitalised function word ("The Port of ..."); a possessive is stripped afterwards.
_NAME = (
    r"(?!(?:The|This|That|These|Those|Our|Their|Its|His|Her|Your|My|An|And|Of|In|At|On|For|From|To|By|With)\b)"
    r"[A-Z][a-z][\w'’\-]*"
)
# The same contexts found in the raw text, to learn place names spaCy did not tag there.
_PLACE_IN_TEXT = (
    re.compile(
        r"(?i:\b" + _PLACE_KINDS + r"[ \t]+of[ \t]+(?:the[ \t]+)?)(" + _NAME + r"(?:[ \t]+" + _NAME + r")?)"
    ),
    re.compile(r"\b(" + _NAME + r")(?:['’]s)?[ \t]+(?i:" + _PLACE_SUFFIX + r")\b"),
    re.compile(r"(?i:\bthe)[ \t]+(" + _NAME + r")(?:['’]s)?[ \t]+" + _PLACE_NOUNS + r"\b"),
)


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


def plausible_people(
    spans: Sequence[Span], text: str, *, names: Iterable[str] = (), places: Iterable[str] = ()
) -> list[Span]:
    """Drop PERSON guesses that are places, acronyms or one word opening a heading or sentence.

    `names` are known person names (their words are never dropped); `places` are place names learnt from
    other chunks of the same document (see `place_names`).
    """
    spans = [s for s in spans if s.entity_type != "PERSON" or not in_place_context(s, text)]
    tokens = {
        w for s in spans if s.entity_type == "PERSON" for w in s.text.split() if len(s.text.split()) > 1
    }
    tokens.update(w for n in names for w in n.split())
    known_places = place_names(text) | set(places)
    out = []
    for span in spans:
        if span.entity_type == "PERSON":
            before = text[max(0, span.start - 80) : span.start]
            if _NAMED_THING.search(before):  # Operation Clandestine Wolf
                continue
            if span.text in known_places and span.text not in tokens:  # "Selden" after "Port of Selden"
                continue
            if (
                " " not in span.text.strip()
                and span.text not in tokens
                and (span.text.isupper() or _LINE_START.search(before) or _SENTENCE_START.search(before))
            ):
                continue
        out.append(span)
    return out


def in_place_context(span: Span, text: str) -> bool:
    """Whether a PERSON span names a place or public body by its context ("City of Harwick", "Selden port")."""
    value = span.text.strip()
    before = text[max(0, span.start - 40) : span.start]
    after = text[span.end : span.end + 40]
    if _PLACE_BEFORE.search(before) or _PLACE_AFTER.match(after):
        return True
    if _PLACE_HEAD.match(value) or _PLACE_TAIL.search(value):
        return True
    return " " not in value and bool(_THE_BEFORE.search(before) and _PLACE_NOUN_AFTER.match(after))


def place_names(text: str) -> set[str]:
    """Capitalised names that `text` uses as places: "Harwick" in "City of Harwick", "Selden" in "Selden port"."""
    found: set[str] = set()
    for pattern in _PLACE_IN_TEXT:
        for m in pattern.finditer(text):
            words = [re.sub(r"['’]s$", "", w) for w in m.group(1).split()]
            found.update(" ".join(words[:n]) for n in range(1, len(words) + 1))
    return found


def propagate(spans: Sequence[Span], text: str, *, values: Mapping[str, str] | None = None) -> list[Span]:
    """Add a span for every other occurrence of a known value (case-sensitive, whole word).

    A person's name is also looked for in the de-obfuscated shadow of `text`, de-obfuscated too, so
    "Jolanta Dobrev" found once also marks "J0lanta D0brev" (and the reverse). The shadow has the same
    offsets as `text`, so a hit there is a span of `text`.
    """
    values = dict(values) if values is not None else known_values(spans)
    if not values:
        return list(spans)
    shadow = deobfuscate(text)
    haystacks = [text] if shadow is text else [text, shadow]
    out = list(spans)
    covered = [(s.start, s.end) for s in spans if s.entity_type in PROPAGATED]
    for value, entity_type in sorted(values.items(), key=lambda kv: -len(kv[0])):
        spellings = entity_type == "PERSON" and shadow is not text  # secrets are matched as written
        variants = {value, deobfuscate(value)} if spellings else {value}
        for haystack in haystacks if spellings else [text]:
            for variant in variants:
                pattern = r"(?<![\w@.\-])" + re.escape(variant).replace(r"\ ", r"\s+") + r"(?![\w\-]|\.\w)"
                for m in re.finditer(pattern, haystack):
                    if any(s < m.end() and m.start() < e for s, e in covered):
                        continue
                    out.append(Span(entity_type, m.start(), m.end(), 0.8, text[m.start() : m.end()]))
                    covered.append(m.span())
    return sorted(out, key=lambda s: (s.start, s.end))
