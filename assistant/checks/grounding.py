"""Grounding: every sentence rests on the passage it cites, and no figure or name comes from nowhere.

A statement passes when it cites at least one passage, every number and capitalised name in it appears in
the cited passages (their text, metadata, or the glossary's plain rewrite of them), and enough of its
content words are found there (containment over crude stems). Words the drafters use to frame a judgement
("likely", "confidence", "we assess") carry no facts and are not counted.

>>> from retrieval.documents import Passage
>>> from assistant.brief import Brief, Statement
>>> p = Passage(chunk_id="c1", doc_id="d1", title="Advisory", source="CERT", doc_type="report",
...             text="The attackers sent about 60 emails to officials.")
>>> brief = Brief(question="q", audience="diplomat", clearance="TLP:CLEAR", marking="TLP:CLEAR",
...               what_happened=(Statement(text="The attackers sent 600 emails.", cites=(1,)),))
>>> [r.passed for r in check_grounding(brief=brief, passages_by_citation={1: p})]
[True, False]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from assistant.brief import Brief, CheckResult, Statement
from assistant.glossary import explain, local_definitions
from assistant.plain import STOPWORDS, stem, wordset
from assistant.plain import content_words as plain_content_words
from guardrails.markings import CREDIBILITY, RELIABILITY
from retrieval.documents import Passage

DEFAULT_THRESHOLD = 0.6

# Words that frame a judgement or point at sources; they state no fact that a passage must contain.
FRAMING = wordset(
    """
    likely unlikely likelihood almost certain certainly probably probable possible possibly roughly even
    chance very confidence confident moderate high low assess assessed assesses assessment judge judged
    judgement judgment evidence sources source reporting reports report rated rate rates rating reliable
    reliability usually fairly completely cannot judgment information true doubtful improbable confirmed
    suggest suggests indicate indicates believe behind responsible activity threat incident overall
    picture key finding findings main earliest latest recent dated hold holds held we our say says said
    according name names named link links linked suspect suspected point points show shows state stated
    states ongoing still negligible serious critical severe sector sectors mention mentions
    """
)
_PRONOUNS = wordset("i we it our they this the a an us you")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NUMBER = re.compile(r"\d[\d,.:/-]*\d|\d")
_CITE_MARK = re.compile(r"\s*\[\d+(?:\s*[,\-–]\s*\d+)*\]")
# Redaction pseudonyms (<PERSON_2>) stand for values the leak checks guard; they are not claims to ground.
_PSEUDONYM = re.compile(r"<[A-Z][A-Z_]*_\d+>")
_NAME = re.compile(r"(?<![\w-])[A-Z][\w&'’-]*")


def content_words(text: str) -> list[str]:
    """Content words that carry facts: stopwords and framing words removed."""
    return [w for w in plain_content_words(_CITE_MARK.sub("", text)) if w.casefold() not in FRAMING]


def _normalise_number(token: str) -> str:
    return token.replace(",", "").rstrip(".:/-")


@lru_cache(maxsize=1024)
def _evidence(chunk_id: str, text: str, meta: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """Folded evidence text, its stems and its numbers: the passage, its metadata and its plain rewrites."""
    defined = local_definitions(text)
    rewrites = [explain(text, audience=a, defined=defined) for a in ("diplomat", "public")]
    combined = "\n".join([text, meta, *rewrites])
    folded = combined.casefold()
    stems = frozenset(stem(w) for w in _WORD.findall(combined))
    numbers = frozenset(_normalise_number(n) for n in _NUMBER.findall(combined))
    return folded, stems, numbers


def passage_evidence(passage: Passage) -> tuple[str, frozenset[str], frozenset[str]]:
    ents = passage.entities
    names = [
        *ents.actors,
        *ents.aliases,
        *ents.malware,
        *ents.cves,
        *ents.countries,
        *ents.sectors,
        *ents.sponsors,
    ]
    meta = " ".join(
        [
            passage.title,
            passage.source,
            passage.published or "",
            passage.heading,
            RELIABILITY.get(passage.reliability or "", ""),
            CREDIBILITY.get(passage.credibility or "", ""),
            " ".join(names),
        ]
    )
    return _evidence(passage.chunk_id, passage.text, meta)


def _merged(passages: Iterable[Passage]) -> tuple[str, set[str], set[str]]:
    folded: list[str] = []
    stems: set[str] = set()
    numbers: set[str] = set()
    for passage in passages:
        text, s, n = passage_evidence(passage)
        folded.append(text)
        stems |= s
        numbers |= n
    return "\n".join(folded), stems, numbers


def unsupported_figures(text: str, passages: Iterable[Passage]) -> list[str]:
    """Numbers and capitalised names in `text` that none of `passages` contains."""
    folded, _, numbers = _merged(passages)
    return _missing(text, folded, numbers)


def _missing(text: str, folded: str, numbers: set[str]) -> list[str]:
    text = _PSEUDONYM.sub("", _CITE_MARK.sub("", text))
    missing: list[str] = []
    for token in _NUMBER.findall(text):
        if _normalise_number(token) not in numbers:
            missing.append(token)
    for match in _NAME.finditer(text):
        name = match.group(0).removesuffix("’s").removesuffix("'s").rstrip("'’-")
        if name.casefold() in _PRONOUNS or name.casefold() in STOPWORDS or name.casefold() in FRAMING:
            continue
        sentence_start = not text[: match.start()].strip() or text[: match.start()].rstrip()[-1] in '.!?:"“('
        if sentence_start and not (name.isupper() and len(name) > 1):
            continue
        if not re.search(r"(?<![\w])" + re.escape(name.casefold()) + r"(?![\w])", folded):
            missing.append(name)
    return list(dict.fromkeys(missing))


def support(text: str, passages: Iterable[Passage]) -> float:
    """Share of the sentence's content words found in the passages (1.0 when it has none)."""
    _, stems, _ = _merged(passages)
    words = content_words(text)
    if not words:
        return 1.0
    return sum(1 for w in words if stem(w) in stems) / len(words)


def labelled_statements(brief: Brief) -> list[tuple[str, Statement]]:
    out = [(name, s) for name, section in brief.sections().items() for s in section]
    if brief.public:
        out += [("Key messages", s) for s in brief.public.key_messages]
        out += [("Talking points", s) for s in brief.public.talking_points]
    return out


def passages_by_citation(brief: Brief, passages: Sequence[Passage]) -> dict[int, Passage]:
    """Map a brief's citation numbers back to the passages they name (by chunk id)."""
    by_chunk = {p.chunk_id: p for p in passages}
    return {c.n: by_chunk[c.chunk_id] for c in brief.citations if c.chunk_id in by_chunk}


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_grounding(
    *, brief: Brief, passages_by_citation: Mapping[int, Passage], threshold: float = DEFAULT_THRESHOLD
) -> list[CheckResult]:
    """`grounding.cites`: every statement cites a known passage; `grounding.support`: the passage supports it."""
    uncited: list[str] = []
    unsupported: list[str] = []
    nothing_found = not brief.citations and not passages_by_citation
    for label, statement in labelled_statements(brief):
        cited = [passages_by_citation[n] for n in statement.cites if n in passages_by_citation]
        unknown = [n for n in statement.cites if n not in passages_by_citation]
        if unknown:
            uncited.append(
                f"{label}: '{_short(statement.text)}' cites unknown [{', '.join(map(str, unknown))}]"
            )
        if not statement.cites:
            if not nothing_found:
                uncited.append(f"{label}: '{_short(statement.text)}' cites no passage")
            continue
        if not cited:
            continue
        folded, stems, numbers = _merged(cited)
        missing = _missing(statement.text, folded, numbers)
        words = content_words(statement.text)
        score = 1.0 if not words else sum(1 for w in words if stem(w) in stems) / len(words)
        if missing or score < threshold:
            reason = (
                f"not in the cited passage: {', '.join(missing)}" if missing else f"similarity {score:.2f}"
            )
            unsupported.append(f"{label}: '{_short(statement.text)}' ({reason})")
    return [
        CheckResult(name="grounding.cites", passed=not uncited, detail="; ".join(uncited)),
        CheckResult(name="grounding.support", passed=not unsupported, detail="; ".join(unsupported)),
    ]


def brief_texts(brief: Brief) -> list[str]:
    """All prose a reader sees, except the response options (they come from the vetted playbook)."""
    texts = [s.text for _, s in labelled_statements(brief)]
    if brief.public:
        texts.append(brief.public.headline)
        texts += [f"{qa.question} {qa.answer}" for qa in brief.public.likely_questions]
    return texts


def check_no_unsupported_figures(
    *, brief: Brief, passages_by_citation: Mapping[int, Passage]
) -> list[CheckResult]:
    """`no_unsupported_figures`: no number or name in the brief is absent from every cited source."""
    folded, _, numbers = _merged(passages_by_citation.values())
    missing: list[str] = []
    for text in brief_texts(brief):
        missing += [m for m in _missing(text, folded, numbers) if m not in missing]
    detail = f"not in any cited source: {', '.join(missing)}" if missing else ""
    return [CheckResult(name="no_unsupported_figures", passed=not missing, detail=detail)]
