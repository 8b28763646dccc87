"""How sure we are: an ICD 203 likelihood word and a confidence level, never stronger than the sources.

The level comes from what the sources say about themselves (STIX `confidence`, the Admiralty code) and
from how they agree, then is capped: sources that are all unreliable (reliability D-F or credibility 4-6)
give at most low confidence; a single, uncorroborated source gives at most moderate. The likelihood word
is the one the sources themselves use, weakened when the confidence level cannot carry it.

>>> from retrieval.documents import Passage
>>> p = Passage(chunk_id="c", doc_id="d", text="It is almost certain ...", title="t", source="CERT",
...             doc_type="report", reliability="B", credibility="2", confidence=75)
>>> c = judge_confidence(passages=[p], assessment=Assessment(severity=2, ceiling_rung=2))
>>> c.level, c.likelihood
('moderate', 'very likely')
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from assistant.brief import Assessment, Confidence, ConfidenceLevel
from guardrails.markings import CREDIBILITY, CREDIBILITY_TO_CONFIDENCE, RELIABILITY, confidence_words
from retrieval.documents import Passage

LEVELS: tuple[ConfidenceLevel, ...] = ("low", "moderate", "high")
# ICD 203 likelihood words, weakest claim in the middle (roughly even chance) and strongest at the ends.
LIKELIHOOD: tuple[str, ...] = (
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
)
_EVEN = LIKELIHOOD.index("roughly even chance")
# How far from "roughly even chance" a judgement may go at each confidence level.
_MAX_STRENGTH = {"low": 1, "moderate": 2, "high": 3}
_DEFAULT_LIKELIHOOD = {"low": "roughly even chance", "moderate": "likely", "high": "likely"}
_SYNONYMS = {
    "almost certainly": "almost certain",
    "highly likely": "very likely",
    "highly unlikely": "very unlikely",
    "probably": "likely",
    "even chance": "roughly even chance",
}
_LIKELIHOOD_RE = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(w) for w in sorted({*LIKELIHOOD, *_SYNONYMS}, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)
_LEVEL_WORD = r"(low|moderate|medium|high)"
_STATED_RE = re.compile(
    rf"\b{_LEVEL_WORD}(?:\s*(?:to|-)\s*{_LEVEL_WORD})?\s+confidence\b"
    rf"|\bconfidence\s+(?:is|was|remains|of|:)\s*{_LEVEL_WORD}\b",
    re.IGNORECASE,
)
UNRELIABLE_SOURCES = frozenset("DEF")
DOUBTFUL_INFORMATION = frozenset("456")


def weakest(levels: Iterable[ConfidenceLevel]) -> ConfidenceLevel | None:
    found = list(levels)
    return min(found, key=LEVELS.index) if found else None


def strongest(levels: Iterable[ConfidenceLevel]) -> ConfidenceLevel | None:
    found = list(levels)
    return max(found, key=LEVELS.index) if found else None


def plain_text(text: str) -> str:
    """Markdown emphasis and code marks removed, so '**moderate confidence**' reads as words."""
    return re.sub(r"[*_`]{1,3}", "", text)


def sentences(text: str) -> list[str]:
    """Sentences of a passage, with bullets and headings kept apart and wrapped lines joined."""
    blocks: list[str] = []
    current: list[str] = []
    for line in plain_text(text).splitlines():
        stripped = line.strip()
        starts_block = not stripped or re.match(r"^(?:[-*+>#]|\d+[.)])\s*", stripped)
        if starts_block and current:
            blocks.append(" ".join(current))
            current = []
        if stripped:
            current.append(re.sub(r"^(?:[-*+>#]+|\d+[.)])\s*", "", stripped))
    if current:
        blocks.append(" ".join(current))
    out: list[str] = []
    for block in blocks:
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(])", block) if s.strip()]
    return out


def stated_levels(text: str) -> list[ConfidenceLevel]:
    """Confidence levels a sentence states ('with moderate confidence', 'confidence is low')."""
    levels: list[ConfidenceLevel] = []
    for match in _STATED_RE.finditer(plain_text(text)):
        words = [w.lower() for w in match.groups() if w]
        levels += ["moderate" if w == "medium" else w for w in words]  # type: ignore[misc]
    return levels


def is_unreliable(passage: Passage) -> bool:
    """Admiralty reliability D-F or credibility 4-6: not to be trusted on its own."""
    return (passage.reliability or "") in UNRELIABLE_SOURCES or (
        passage.credibility or ""
    ) in DOUBTFUL_INFORMATION


def source_level(passage: Passage) -> ConfidenceLevel | None:
    """What a passage's own grading supports: the weaker of STIX confidence and Admiralty credibility."""
    levels: list[ConfidenceLevel] = []
    if passage.confidence is not None:
        word = confidence_words(passage.confidence)
        levels.append("low" if word in ("none", "low") else word)  # type: ignore[arg-type]
    if passage.credibility in CREDIBILITY_TO_CONFIDENCE:
        levels.append(confidence_words(CREDIBILITY_TO_CONFIDENCE[passage.credibility]))  # type: ignore[arg-type]
    if is_unreliable(passage):
        levels.append("low")
    return weakest(levels)


def corroborated(passages: Sequence[Passage]) -> bool:
    """Two independent reliable sources agree, or a source grades its information as confirmed (1)."""
    reliable = [p for p in passages if not is_unreliable(p)]
    if any(p.credibility == "1" for p in reliable):
        return True
    return len({p.source.strip().casefold() for p in reliable}) >= 2


def source_cap(passages: Sequence[Passage]) -> tuple[ConfidenceLevel, str]:
    """The strongest level the set of sources can carry, and why, in plain words."""
    if not passages:
        return "low", "No sources were available."
    if all(is_unreliable(p) for p in passages):
        codes = ", ".join(sorted({p.admiralty for p in passages}))
        return (
            "low",
            f"The only sources are graded unreliable or doubtful ({codes}), so confidence stays low.",
        )
    if not corroborated(passages):
        return "moderate", "Only one source reports this, so confidence can be at most moderate."
    return "high", "Independent sources agree."


def likelihood_words(text: str) -> list[str]:
    """ICD 203 likelihood words a text uses, in order, normalised ('probably' -> 'likely')."""
    found = [m.group(1).lower() for m in _LIKELIHOOD_RE.finditer(plain_text(text))]
    return [_SYNONYMS.get(w, w) for w in found]


def cap_likelihood(word: str, level: ConfidenceLevel) -> str:
    """Move a likelihood word towards 'roughly even chance' until the confidence level can carry it."""
    index = LIKELIHOOD.index(word)
    limit = _MAX_STRENGTH[level]
    if abs(index - _EVEN) <= limit:
        return word
    return LIKELIHOOD[_EVEN + limit if index > _EVEN else _EVEN - limit]


def judge_confidence(*, passages: Sequence[Passage], assessment: Assessment) -> Confidence:
    """Confidence level and likelihood for a brief, no stronger than the sources.

    The level is the best source's own grading, capped by agreement and reliability; the likelihood word
    is the one the sources use most about the attributed actor (about anything when no actor is named),
    else the plain word for the level, and is capped by the level.
    """
    graded = [lvl for lvl in (source_level(p) for p in passages if not is_unreliable(p)) if lvl]
    if not graded:
        graded = [lvl for lvl in (source_level(p) for p in passages) if lvl]
    base = strongest(graded) or "low"
    cap, cap_reason = source_cap(passages)
    level = weakest([base, cap]) or "low"
    likelihood = cap_likelihood(_source_likelihood(passages, assessment) or _DEFAULT_LIKELIHOOD[level], level)
    return Confidence(
        level=level, likelihood=likelihood, basis=_basis(passages, assessment, base, cap_reason)
    )


def _source_likelihood(passages: Sequence[Passage], assessment: Assessment) -> str | None:
    """The likelihood word the sources use most about the named actor (about anything, if none is named)."""
    names = [n.casefold() for n in (assessment.attribution, assessment.sponsor) if n]
    words: list[str] = []
    for passage in passages:
        for sentence in sentences(passage.text):
            if not names or any(n in sentence.casefold() for n in names):
                words += likelihood_words(sentence)
    if not words:
        return None
    counts = Counter(words)
    # Most used; on a tie, the weaker claim (closer to even chance), then the first used.
    return min(counts, key=lambda w: (-counts[w], abs(LIKELIHOOD.index(w) - _EVEN), words.index(w)))


def _basis(
    passages: Sequence[Passage], assessment: Assessment, base: ConfidenceLevel, cap_reason: str
) -> str:
    if not passages:
        return "No sources were available, so confidence is low."
    sources = sorted({p.source for p in passages})
    best = min(passages, key=lambda p: (is_unreliable(p), p.reliability or "F", p.credibility or "6"))
    codes = sorted({p.admiralty for p in passages})
    parts = [
        f"Based on {len(passages)} passage{'s' if len(passages) != 1 else ''} from "
        f"{len(sources)} source{'s' if len(sources) != 1 else ''} ({', '.join(sources[:4])}"
        f"{', and others' if len(sources) > 4 else ''}).",
        f"Source grades: {', '.join(codes)}; the best is {_grade_words(best)}.",
        f"The sources' own grading supports {base} confidence. {cap_reason}",
    ]
    if assessment.attribution:
        who = assessment.attribution + (
            f" (suspected sponsor: {assessment.sponsor})" if assessment.sponsor else ""
        )
        parts.append(f"Attribution to {who}: {assessment.attribution_confidence or 'low'} confidence.")
    return " ".join(parts)


def _grade_words(passage: Passage) -> str:
    reliability = RELIABILITY.get(passage.reliability or "F", "reliability cannot be judged")
    credibility = CREDIBILITY.get(passage.credibility or "6", "truth cannot be judged")
    return f"{passage.admiralty}: a source that is {reliability}, information {credibility}"
