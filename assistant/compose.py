"""The composer: the default drafter, deterministic and grounded, with no language model.

It writes like a careful analyst working from the sources: it first settles what the question is about and
leaves out retrieved passages about other incidents (another actor, another campaign's tools or flaws), then
picks the source sentences that answer the question for each section (relevance to the question and its
focus and to the section's cues in `prompts/sections.yaml`, with diversity by maximal marginal relevance),
and opens the bottom line with what happened in the asked incident. It rewrites their jargon with the
glossary, shortens them, and adds sentences built from structured facts (suspected sponsor, sectors and
countries, KEV due dates, report dates). Every sentence cites the passage it came from. Judgements
(attribution, how sure we are) are worded from the assessment and the confidence, never stronger than their
level; an attribution to an actor of a left-out incident is not repeated.

This module assembles the brief; the steps live beside it, each importing only those before it:
`compose_rules` (section cues, reading targets), `compose_focus` (which passages are about the asked
incident, and how closely), `compose_candidates` (source sentences, rewritten),
`compose_select` (scoring and selection), `compose_facts` (judgements and structured facts) and
`compose_public` (public messaging).

>>> from retrieval.documents import Passage
>>> from assistant.brief import Assessment, Confidence
>>> p = Passage(chunk_id="c1", doc_id="d1", title="Advisory", source="National CERT", doc_type="report",
...     text="## What happened\\nThe attackers sent about 60 emails to officials at the trade ministry.")
>>> brief = Composer().draft(question="What happened at the trade ministry?", audience="diplomat",
...     passages=[p], assessment=Assessment(severity=2, ceiling_rung=2),
...     options=[], confidence=Confidence(level="moderate", likelihood="likely", basis="one source"),
...     clearance="TLP:GREEN")
>>> brief.bottom_line[0].text, brief.bottom_line[0].cites
('The attackers sent about 60 emails to officials at the trade ministry.', (1,))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.brief import Assessment, Brief, Citation, Confidence, ResponseOption, Statement
from assistant.compose_candidates import read_candidates, short_source
from assistant.compose_facts import Facts
from assistant.compose_focus import find_focus
from assistant.compose_public import PublicWriter
from assistant.compose_rules import GRADE_TARGETS, SECTION_ORDER, Draft, Rules, load_rules
from assistant.compose_select import Selector, as_draft
from assistant.glossary_tools import shorten_repeated_notes
from assistant.plain import readability
from guardrails.markings import TLP, highest
from retrieval.documents import Passage

__all__ = [
    "PROMPT_VERSION",
    "SECTION_ORDER",
    "Composer",
    "Draft",
    "marking_of",
    "number_citations",
    "short_source",
    "usable_passages",
]

PROMPT_VERSION = "composer-1"
AVG_WORDS_TARGET = 20.0


def number_citations(
    drafts: Sequence[Draft], passages: Sequence[Passage]
) -> tuple[list[tuple[Statement, ...]], tuple[Citation, ...], dict[int, int]]:
    """Turn passage indexes into citation numbers 1..n in order of first use; return the index->n map."""
    numbers: dict[int, int] = {}
    out: list[tuple[Statement, ...]] = []
    for draft in drafts:
        statements = []
        for text, cites in draft:
            for index in cites:
                numbers.setdefault(index, len(numbers) + 1)
            statements.append(Statement(text=text, cites=tuple(dict.fromkeys(numbers[i] for i in cites))))
        out.append(tuple(statements))
    citations = tuple(_citation(n, passages[index]) for index, n in numbers.items())
    return out, citations, numbers


def _citation(n: int, p: Passage) -> Citation:
    return Citation(
        n=n,
        doc_id=p.doc_id,
        chunk_id=p.chunk_id,
        title=p.title,
        source=p.source,
        url=p.url,
        published=p.published,
        tlp=p.tlp.label,
        reliability=p.admiralty,
    )


def marking_of(citations: Sequence[Citation]) -> str:
    """An answer carries the highest marking among the sources it cites."""
    return highest([TLP.parse(c.tlp) for c in citations]).label


def usable_passages(
    passages: Sequence[Passage], *, audience: str, clearance: str
) -> tuple[list[Passage], list[str]]:
    """Defensive filter: nothing above the reader's clearance, and only TLP:CLEAR for public text."""
    ceiling = TLP.parse(clearance)
    seen: set[str] = set()
    kept: list[Passage] = []
    above = not_clear = 0
    for p in passages:
        if p.chunk_id in seen:
            continue
        seen.add(p.chunk_id)
        if not ceiling.allows(p.tlp):
            above += 1
        elif audience == "public" and p.tlp != TLP.CLEAR:
            not_clear += 1
        else:
            kept.append(p)
    warnings = []
    if above:
        warnings.append(f"Left out {above} passage(s) marked above {ceiling.label}.")
    if not_clear:
        warnings.append(f"Public text uses TLP:CLEAR sources only; left out {not_clear} passage(s).")
    return kept, warnings


class Composer:
    """Deterministic drafter: same inputs, same brief. See the module docstring."""

    name = "composer"

    def __init__(self, rules: Rules | None = None) -> None:
        self.rules = rules or load_rules()

    def draft(
        self,
        *,
        question: str,
        audience: str,
        passages: Sequence[Passage],
        assessment: Assessment,
        options: Sequence[ResponseOption],
        confidence: Confidence,
        clearance: str,
    ) -> Brief:
        usable, warnings = usable_passages(passages, audience=audience, clearance=clearance)
        base = dict(
            question=question,
            audience=audience,
            clearance=TLP.parse(clearance).label,
            options=tuple(options),
            assessment=assessment,
            confidence=confidence,
            drafter=self.name,
            prompt_version=PROMPT_VERSION,
        )
        if not usable:
            return _nothing_found(base, audience=audience, clearance=clearance, warnings=warnings)
        focus = find_focus(question, usable, attribution=assessment.attribution)
        usable = list(focus.passages)  # only the passages about the asked incident
        judged = assessment
        if focus.off_focus_attribution:  # the assessment names another incident's actor: attribute nothing
            judged = assessment.model_copy(
                update={"attribution": None, "attribution_confidence": "low", "sponsor": None}
            )
            warnings.append(
                f"The assessment names {assessment.attribution}, but the sources on this question do not: "
                "the brief attributes nothing."
            )
        facts = Facts(audience=audience, passages=usable, assessment=judged, confidence=confidence)
        candidates = read_candidates(
            usable,
            audience=audience,
            actor=facts.actor or focus.actor,  # a flat claim about the focal actor needs high confidence
            level=facts.level,
            sponsor=assessment.sponsor,
        )
        selector = Selector(self.rules, question, audience, usable, candidates, focus)
        sections = _sections(selector, facts)
        writer = PublicWriter(self.rules, selector, facts) if audience == "public" else None
        public = writer.drafts(sections) if writer else None
        sections, public, trimmed = _trim_to_target(sections, public, audience=audience)
        if audience == "diplomat":  # tool names: explained in full on first mention, briefly after that
            sections = _first_mentions(sections, usable)
        order = [sections[name] for name in ("bottom_line", *SECTION_ORDER)]
        public_drafts = [public["key_messages"], public["talking_points"]] if public else []
        numbered, citations, numbers = number_citations([*order, *public_drafts], usable)
        fields = dict(zip(("bottom_line", *SECTION_ORDER), numbered[: len(order)], strict=True))
        messaging = None
        if public and writer:
            key_messages, talking_points = numbered[len(order) :]
            messaging = writer.messaging(key_messages, talking_points, fields, numbers)
            if len(key_messages) < 3:
                warnings.append(
                    "Fewer than three key messages: the public sources say little on this question."
                )
        if trimmed:
            warnings.append(f"Dropped {trimmed} hard-to-read sentence(s) to meet the reading-grade target.")
        return Brief(
            **base,
            marking=marking_of(citations),
            **fields,
            public=messaging,
            citations=citations,
            warnings=tuple(warnings),
        )


def _nothing_found(base: dict[str, Any], *, audience: str, clearance: str, warnings: list[str]) -> Brief:
    where = (
        "public (TLP:CLEAR) sources"
        if audience == "public"
        else f"sources you are cleared to see ({TLP.parse(clearance).label})"
    )
    text = f"We found nothing relevant to this question in the {where}."
    return Brief(
        **base,
        marking=TLP.CLEAR.label,
        bottom_line=(Statement(text=text),),
        warnings=(*warnings, text),
    )


def _sections(selector: Selector, facts: Facts) -> dict[str, Draft]:
    """The sections' drafts: picked sentences, then facts; the bottom line leads with what happened."""
    picked = selector.sections()
    drafts: dict[str, Draft] = {name: as_draft(picked[name]) for name in SECTION_ORDER}
    lead = drafts["what_happened"][:1]
    drafts["what_happened"] = drafts["what_happened"][1:]
    drafts["bottom_line"] = [*lead[:1], facts.judgement()] if lead else [facts.judgement()]
    stated = facts.facts([c.pieces[0] for c in picked["how_sure"]])
    for name in SECTION_ORDER:
        drafts[name] = [*drafts[name], *stated.get(name, [])]
    drafts["how_sure"] = [*facts.how_sure(), *drafts["how_sure"]]
    return drafts


def _first_mentions(sections: dict[str, Draft], passages: Sequence[Passage]) -> dict[str, Draft]:
    """A tool explained in an earlier statement (in reading order) keeps only a short reminder later on."""
    names = [n for p in passages for n in p.entities.malware]
    order = ("bottom_line", *SECTION_ORDER)
    flat = [(name, i, draft) for name in order for i, draft in enumerate(sections[name])]
    texts = shorten_repeated_notes([text for _, _, (text, _) in flat], names=names)
    out: dict[str, Draft] = {name: list(sections[name]) for name in sections}
    for (name, i, (_, cites)), text in zip(flat, texts, strict=True):
        out[name][i] = (text, cites)
    return out


def _trim_to_target(
    sections: dict[str, Draft], public: dict[str, Draft] | None, *, audience: str
) -> tuple[dict[str, Draft], dict[str, Draft] | None, int]:
    """Drop the hardest optional sentences while that brings the brief closer to its reading targets.

    A sentence goes only if dropping it lowers the grade (or the average length): when the sources are
    simply hard, the brief keeps its content and the plain-language check reports the grade.
    """
    target = GRADE_TARGETS.get(audience)
    if target is None:
        return sections, public, 0
    groups: dict[str, Draft] = {**sections, **{f"public.{k}": list(v) for k, v in (public or {}).items()}}
    minimum = {"bottom_line": 2, "public.key_messages": 3, "how_sure": 1, "what_happened": 1}
    dropped = 0

    def measure(skip: tuple[str, tuple[int, ...]] | None = None) -> tuple[float, float]:
        measured = readability([t for group in groups.values() for d in group if d != skip for t in [d[0]]])
        return measured.grade, measured.avg_sentence_words

    grade, avg = measure()
    while grade > target or avg > AVG_WORDS_TARGET:
        options = [
            (measure(d), name, d)
            for name, group in groups.items()
            if len(group) > minimum.get(name, 0)
            for d in group
        ]
        if not options:
            break
        (new_grade, new_avg), name, victim = min(
            options, key=lambda o: (o[0][0] if grade > target else o[0][1], o[2][0])
        )
        if (new_grade, new_avg) >= (grade, avg) or (grade > target and new_grade >= grade):
            break  # nothing left to drop helps
        for group_name, group in groups.items():
            if victim in group and (group_name == name or group_name.startswith("public.")):
                group.remove(victim)
        grade, avg = new_grade, new_avg
        dropped += 1
    new_sections = {k: v for k, v in groups.items() if not k.startswith("public.")}
    new_public = {k.removeprefix("public."): v for k, v in groups.items() if k.startswith("public.")}
    return new_sections, (new_public if public is not None else None), dropped
