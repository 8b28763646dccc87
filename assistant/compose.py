"""The composer: the default drafter, deterministic and grounded, with no language model.

It writes like a careful analyst working from the sources: it picks the source sentences that answer the
question for each section (relevance to the question and to the section's cues in `prompts/sections.yaml`,
with diversity by maximal marginal relevance), rewrites their jargon with the glossary, shortens them, and
adds sentences built from structured facts (suspected sponsor, sectors and countries, KEV due dates, report
dates). Every sentence cites the passage it came from. Judgements (attribution, how sure we are) are worded
from the assessment and the confidence, never stronger than their level.

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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from assistant.brief import (
    QA,
    Assessment,
    Brief,
    Citation,
    Confidence,
    PublicMessaging,
    ResponseOption,
    Statement,
)
from assistant.glossary import PROMPTS_DIR, explain, local_definitions, unexplained_jargon
from assistant.plain import (
    content_words,
    has_first_person,
    is_fragment,
    leans_on_context,
    readability,
    shorten,
    split_sentences,
    stem,
    strip_noise,
    third_person,
    wordset,
)
from guardrails.markings import CREDIBILITY, RELIABILITY, TLP, highest
from retrieval.documents import Passage

SECTIONS_PATH = PROMPTS_DIR / "sections.yaml"
PROMPT_VERSION = "composer-1"
SECTION_ORDER = ("what_happened", "who_is_affected", "what_is_at_stake", "timeline", "how_sure")
GRADE_TARGETS = {"diplomat": 10.0, "public": 8.0}
MAX_SENTENCE_WORDS = 25
AVG_WORDS_TARGET = 20.0
LEAD_HEADINGS = ("summary", "overview", "key points", "bottom line", "executive summary")
SEVERITY_WORDS = {0: "negligible", 1: "low", 2: "moderate", 3: "serious", 4: "critical"}

_HEADING_LINE = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_LABEL_LINE = re.compile(r"^[A-Z][A-Za-z /()-]{1,40}:\s+\S")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
_HOST = re.compile(
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:internal|local|lan|corp|example|com|net|org|gov|io|ru|cn)\b", re.I
)
_QUOTED = re.compile(r"[\"“]([^\"”]+)[\"”]")
_KEV_FIELD = re.compile(
    r"^(Vendor|Product|Vulnerability|Added to the CISA KEV catalogue|Due date for US federal "
    r"agencies|Known use in ransomware campaigns):\s*(.+)$",
    re.M,
)
_AUTHORITY = re.compile(
    r"\b(?:CERT|CSIRT|NCSC|CISA|agency|agencies|ministry|police|centre|center|authority|government)\b", re.I
)
_NAME_TOKEN = re.compile(r"(?<![\w-])[A-Z][\w&'’-]*")
_EVERYDAY_CAPITALS = wordset(
    """
    i we our it they the a an this these those there us windows internet monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august september october
    november december
    """
)


@dataclass(frozen=True)
class SectionRules:
    name: str
    max: int
    cues: tuple[str, ...]
    headings: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """The composer's section cues and public-messaging word lists (prompts/sections.yaml)."""

    sections: Mapping[str, SectionRules]
    skip_headings: tuple[str, ...]
    advice_headings: tuple[str, ...]
    resilience_cues: tuple[str, ...]
    uncertainty_cues: tuple[str, ...]
    headline_kinds: Mapping[str, str]
    headline_default: str


@cache
def load_rules(path: str = str(SECTIONS_PATH)) -> Rules:
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle) or {}
    sections = {
        name: SectionRules(
            name=name,
            max=int(raw.get("max", 2)),
            cues=tuple(str(c).casefold() for c in raw.get("cues") or []),
            headings=tuple(str(h).casefold() for h in raw.get("headings") or []),
        )
        for name, raw in (data.get("sections") or {}).items()
    }
    public = data.get("public") or {}
    return Rules(
        sections=sections,
        skip_headings=tuple(str(h).casefold() for h in data.get("skip_headings") or []),
        advice_headings=tuple(str(h).casefold() for h in public.get("advice_headings") or []),
        resilience_cues=tuple(str(c).casefold() for c in public.get("resilience_cues") or []),
        uncertainty_cues=tuple(str(c).casefold() for c in public.get("uncertainty_cues") or []),
        headline_kinds={str(k): str(v) for k, v in (public.get("headline_kinds") or {}).items()},
        headline_default=str(public.get("headline_default") or "Cyber incident"),
    )


@dataclass(frozen=True)
class Candidate:
    """A source sentence, rewritten for the audience, with the passage (by index) it came from."""

    passage: int
    order: int
    heading: str
    source_text: str
    pieces: tuple[str, ...]
    stems: frozenset[str]
    words: tuple[str, ...] = field(default=())


# (text, passage indexes) before citation numbers are assigned
Draft = list[tuple[str, tuple[int, ...]]]


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
        work = _Work(self.rules, question, audience, usable, assessment, confidence)
        sections, public = work.build()
        sections, public, trimmed = _trim_to_target(sections, public, audience=audience)
        order = [sections[name] for name in ("bottom_line", *SECTION_ORDER)]
        public_drafts = [public["key_messages"], public["talking_points"]] if public else []
        numbered, citations, numbers = number_citations([*order, *public_drafts], usable)
        fields = dict(zip(("bottom_line", *SECTION_ORDER), numbered[: len(order)], strict=True))
        messaging = None
        if public:
            key_messages, talking_points = numbered[len(order) :]
            messaging = work.public_messaging(key_messages, talking_points, fields, numbers)
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


def _matches(text: str, words: Sequence[str], cues: Sequence[str]) -> int:
    """How many cues a sentence hits: phrases by substring, words exactly or (5+ letters) as a prefix."""
    hits = 0
    for cue in cues:
        if " " in cue:
            hits += cue in text
        elif any(w == cue or (len(cue) >= 5 and w.startswith(cue)) for w in words):
            hits += 1
    return hits


def _heading_in(heading: str, headings: Sequence[str]) -> bool:
    return any(heading == h or heading.startswith(h) for h in headings)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class _Work:
    """One drafting job: candidates, section selection, facts and public messaging."""

    def __init__(
        self,
        rules: Rules,
        question: str,
        audience: str,
        passages: list[Passage],
        assessment: Assessment,
        confidence: Confidence,
    ) -> None:
        self.rules = rules
        self.audience = audience
        self.passages = passages
        self.assessment = assessment
        self.confidence = confidence
        self.question_stems = frozenset(stem(w) for w in content_words(question))
        self.level = assessment.attribution_confidence or confidence.level
        self.actor = assessment.attribution
        self.allowed_names = self._allowed_names()
        candidates = [c for i, p in enumerate(passages) for c in self._candidates(i, p)]
        # Very hard sentences sink a brief's grade; leave them out when enough easier ones remain.
        cap = GRADE_TARGETS.get(audience, 99.0) + 4
        easy = [c for c in candidates if readability(c.pieces[0]).grade <= cap]
        self.candidates = easy if len(easy) >= 3 else candidates
        self._picked: dict[str, list[Candidate]] = {}

    # --- candidates -----------------------------------------------------------------------------------
    def _allowed_names(self) -> frozenset[str]:
        """Capitalised words public text may use: places, sectors and (at high confidence) the actor."""
        names: list[str] = []
        withheld: list[str] = []
        for p in self.passages:
            names += [*p.entities.countries, *p.entities.sectors]
            attributed = [*p.entities.actors, *p.entities.aliases, *p.entities.sponsors]
            (names if self.level == "high" else withheld).extend(attributed)
            withheld.extend(p.entities.malware)  # tool names are technical detail
            if p.entities.cves or p.doc_type in ("kev", "vulnerability"):
                names.append(p.title)  # a flaw advisory's title names the vendor and product, not a victim
        if self.assessment.sponsor and self.level != "high":
            withheld.append(self.assessment.sponsor)
        names += [short_source(p.source) for p in self.passages if _AUTHORITY.search(p.source)]
        words = {w.casefold() for n in names for w in re.findall(r"[\w'-]+", n)}
        words -= {w.casefold() for n in withheld for w in re.findall(r"[\w'-]+", n)}
        return frozenset(words) | _EVERYDAY_CAPITALS

    def _blocks(self, passage: Passage) -> list[tuple[str, str]]:
        """(heading, paragraph or list item) pairs; quotes, tables, code and label lines are left out."""
        heading = passage.heading.split(">")[-1].strip().casefold()
        blocks: list[tuple[str, str]] = []
        current: list[str] = []
        in_code = False

        def flush() -> None:
            if current:
                blocks.append((heading, " ".join(current)))
                current.clear()

        for line in passage.text.splitlines():
            stripped = line.strip()
            if stripped.startswith(("```", "~~~")):
                in_code = not in_code
                flush()
                continue
            match = _HEADING_LINE.match(line)
            if (
                in_code
                or match
                or not stripped
                or stripped.startswith((">", "|"))
                or _LABEL_LINE.match(stripped)
            ):
                flush()
                if match:
                    heading = re.sub(r"\s*\(continued\)$", "", match.group(1)).strip().casefold()
                continue
            if _LIST_ITEM.match(line):
                flush()
            current.append(stripped)
        flush()
        return blocks

    def _candidates(self, index: int, passage: Passage) -> list[Candidate]:
        out: list[Candidate] = []
        order = 0
        defined = local_definitions(passage.text)
        speaker = self._speaker(passage)
        for heading, block in self._blocks(passage):
            for sentence in split_sentences(strip_noise(block)):
                order += 1
                if not self._usable(sentence):
                    continue
                rewritten = explain(third_person(sentence, speaker), audience=self.audience, defined=defined)
                pieces = tuple(p for p in shorten(rewritten, MAX_SENTENCE_WORDS) if not is_fragment(p))[:2]
                if any(has_first_person(piece) for piece in pieces):
                    continue  # a source's "we" would read as the brief's own voice
                if not pieces or (self.audience == "public" and not all(self._public_ok(p) for p in pieces)):
                    continue
                words = tuple(w.casefold() for w in re.findall(r"[A-Za-z][\w'-]*", sentence))
                stems = frozenset(stem(w) for w in content_words(sentence))
                out.append(Candidate(index, order, heading, sentence, pieces, stems, words))
        return out

    def _speaker(self, passage: Passage) -> str:
        """Who "we" is in a source: its publisher, or a neutral word when public text may not name it."""
        name = short_source(passage.source)
        if self.audience == "public" and not _AUTHORITY.search(name):
            return "The organisation"  # a victim's own statement: public text does not name it
        return name

    def _usable(self, sentence: str) -> bool:
        words = sentence.split()
        if not 5 <= len(words) <= 60 or sentence.rstrip().endswith("?") or "[removed" in sentence:
            return False
        if is_fragment(sentence):
            return False
        if any(len(q.split()) >= 5 for q in _QUOTED.findall(sentence)):
            return False  # quoted speech or a lure: attributable words, not ours to restate
        if _EMAIL.search(sentence) or _IP.search(sentence) or _HOST.search(sentence):
            return False  # technical details: addresses and host names are not brief material
        return not (self.actor and self.level != "high" and _overclaims(sentence, self.actor))

    def _public_ok(self, text: str) -> bool:
        """Public text names no one: any capitalised word must be a place, sector or everyday word."""
        for match in _NAME_TOKEN.finditer(text):
            before = text[: match.start()].rstrip()
            if (not before or before[-1] in ".!?:") and not match.group(0).isupper():
                continue
            if match.group(0).casefold() not in self.allowed_names:
                return False
        return not re.search(r"\d{1,3}(?:\.\d+){2,}", text)  # version numbers

    # --- scoring and selection ------------------------------------------------------------------------
    def _score(self, c: Candidate, section: SectionRules) -> float:
        text = c.source_text.casefold()
        if _heading_in(c.heading, self.rules.skip_headings):
            return 0.0
        cue = min(1.0, _matches(text, c.words, section.cues) / 2)
        head = 1.0 if _heading_in(c.heading, section.headings) else 0.0
        if cue == 0 and head == 0:
            return 0.0
        relevance = len(self.question_stems & c.stems) / max(1, len(self.question_stems))
        prior = 1 / (1 + 0.25 * c.passage)
        score = 0.35 * relevance + 0.3 * cue + 0.2 * head + 0.15 * prior
        return score - self._penalty(c)

    def _penalty(self, c: Candidate) -> float:
        first = c.pieces[0]
        penalty = 0.0
        grade = readability(first).grade
        target = GRADE_TARGETS.get(self.audience, 12.0)
        if grade > target:
            penalty += min(0.3, 0.04 * (grade - target))
        words = len(first.split())
        if words > MAX_SENTENCE_WORDS:
            penalty += 0.15 + 0.02 * (words - MAX_SENTENCE_WORDS)  # could not be cut: a last resort
        names = self.passages[c.passage].entities.malware
        if unexplained_jargon(first, names=names):
            penalty += 0.3
        if leans_on_context(first):
            penalty += 0.25  # "It is an example of ..." means nothing without the sentence before it
        return penalty

    def _select(
        self, pool: list[tuple[float, Candidate]], k: int, chosen: list[Candidate]
    ) -> list[Candidate]:
        """Maximal marginal relevance over word-stem sets: relevant, and not a near repeat."""
        picked: list[Candidate] = []
        remaining = sorted(pool, key=lambda sc: (-sc[0], sc[1].passage, sc[1].order))
        while remaining and len(picked) < k:
            best, best_value = None, -1.0
            for score, cand in remaining:
                others = [*chosen, *picked]
                similarity = max((_jaccard(cand.stems, o.stems) for o in others), default=0.0)
                if similarity > 0.6:
                    continue
                doc = self.passages[cand.passage].doc_id
                same_doc = sum(1 for o in others if self.passages[o.passage].doc_id == doc)
                value = 0.7 * score - 0.3 * similarity - 0.03 * same_doc  # draw on several sources
                if value > best_value:
                    best, best_value = (score, cand), value
            if best is None or best[0] < 0.12:
                break
            picked.append(best[1])
            remaining.remove(best)
        return picked

    def _sections(self) -> dict[str, list[Candidate]]:
        """Each candidate goes to its best-scoring section, then each section keeps its best few."""
        pools: dict[str, list[tuple[float, Candidate]]] = {name: [] for name in SECTION_ORDER}
        for cand in self.candidates:
            scores = [
                (self._score(cand, self.rules.sections[name]), name)
                for name in SECTION_ORDER
                if name in self.rules.sections
            ]
            score, name = max(scores, key=lambda sn: (sn[0], -SECTION_ORDER.index(sn[1])))
            if score > 0:
                pools[name].append((score, cand))
        chosen: list[Candidate] = []
        picked: dict[str, list[Candidate]] = {}
        for name in SECTION_ORDER:
            rules = self.rules.sections.get(name)
            limit = (rules.max + 1) if name == "what_happened" else (rules.max if rules else 0)
            picked[name] = self._select(pools[name], limit, chosen)
            chosen += picked[name]
        if not picked["what_happened"]:
            loose = [
                (self._relevance(c), c) for c in self.candidates if c not in chosen and not self._skipped(c)
            ]
            picked["what_happened"] = self._select(loose, 2, chosen)
        return picked

    def _relevance(self, c: Candidate) -> float:
        return 0.6 * len(self.question_stems & c.stems) / max(1, len(self.question_stems)) + 0.4 / (
            1 + c.passage
        )

    def _skipped(self, c: Candidate) -> bool:
        return _heading_in(c.heading, self.rules.skip_headings)

    # --- assembly -------------------------------------------------------------------------------------
    def build(self) -> tuple[dict[str, Draft], dict[str, Draft] | None]:
        picked = self._picked = self._sections()
        happened = picked["what_happened"]
        if happened:  # the bottom line leads with what happened: a summary sentence, not a reassurance
            lead = max(happened, key=lambda c: (self._lead_score(c), -happened.index(c)))
            picked["what_happened"] = [lead] + [c for c in happened if c is not lead]
        drafts: dict[str, Draft] = {name: self._draft(picked[name]) for name in SECTION_ORDER}
        lead = drafts["what_happened"][:1]
        drafts["what_happened"] = drafts["what_happened"][1:]
        drafts["bottom_line"] = [*lead[:1], self._judgement()] if lead else [self._judgement()]
        facts = self._facts()
        for name in SECTION_ORDER:
            drafts[name] = [*drafts[name], *facts.get(name, [])]
        drafts["how_sure"] = [*self._how_sure(), *drafts["how_sure"]]
        public = self._public_drafts(drafts) if self.audience == "public" else None
        return drafts, public

    def _lead_score(self, c: Candidate) -> float:
        score = self._score(c, self.rules.sections["what_happened"])
        score += 0.1 if _heading_in(c.heading, LEAD_HEADINGS) else 0.0
        return score - (0.2 if re.search(r"\b(?:not|no|never|nothing)\b", c.pieces[0], re.I) else 0.0)

    def _draft(self, candidates: list[Candidate]) -> Draft:
        return [(piece, (c.passage,)) for c in candidates for piece in c.pieces[:1]]

    def _cite_actor(self) -> tuple[int, ...]:
        actor = (self.actor or "").casefold()
        for i, p in enumerate(self.passages):
            names = [n.casefold() for n in (*p.entities.actors, *p.entities.aliases)]
            if actor and (actor in names or actor in p.text.casefold()):
                return (i,)
        return (0,)

    def _judgement(self) -> tuple[str, tuple[int, ...]]:
        """Bottom line's second sentence: so-what and how sure, hedged by the confidence level."""
        severity = SEVERITY_WORDS.get(self.assessment.severity, "moderate")
        if self.actor and (self.audience != "public" or self.level == "high"):
            cites = self._cite_actor()
            if self.level == "high":
                return (
                    f"{self.actor} is behind this activity; we hold this judgement with high confidence.",
                    cites,
                )
            if self.level == "moderate":
                return (
                    f"{_it_is(self.confidence.likelihood)} that {self.actor} is behind this activity, but our confidence is only moderate.",
                    cites,
                )
            return f"Some reports name {self.actor}, but our confidence in that link is low.", cites
        return f"We rate the threat as {severity}, with {self.confidence.level} confidence.", (0,)

    def _how_sure(self) -> Draft:
        out: Draft = [(f"We have {self.confidence.level} confidence in this assessment.", (0,))]
        if self.audience == "public":
            return out
        sources: list[str] = []
        for i, p in enumerate(self.passages[:3]):
            name = short_source(p.source)
            if name in sources or (p.reliability or "F") not in "ABC" or not p.credibility:
                continue
            sources.append(name)
            reliability = RELIABILITY[p.reliability or "F"]
            credibility = CREDIBILITY.get(p.credibility, "")
            out.append((f"{name} is a {reliability} source, and its report is {credibility}.", (i,)))
            if len(sources) == 2:
                break
        return out

    def _facts(self) -> dict[str, Draft]:
        """Sentences from structured fields, only where a source states them."""
        facts: dict[str, Draft] = {name: [] for name in SECTION_ORDER}
        top = self.passages[:3]
        sponsor_ok = self.audience != "public" or self.level == "high"
        for i, p in enumerate(self.passages):
            if (
                sponsor_ok
                and p.entities.sponsors
                and p.entities.actors
                and not self._sponsor_told(p.entities.sponsors)
            ):
                actor, sponsor = p.entities.actors[0], " and ".join(p.entities.sponsors)
                verb = (
                    "is assessed to be sponsored by"
                    if self.level == "high"
                    else "is suspected to be sponsored by"
                )
                facts["how_sure"].append((f"{actor} {verb} {sponsor}.", (i,)))
                break
        # Entities list countries without saying whether each is a victim or an origin, so the sentence only
        # says which ones the reporting names; known sponsors are left out.
        sectors = list(dict.fromkeys(s.casefold() for p in top for s in p.entities.sectors))[:3]
        sponsors = {s.casefold() for p in self.passages for s in p.entities.sponsors}
        sponsors |= {self.assessment.sponsor.casefold()} if self.assessment.sponsor else set()
        countries = [
            c
            for c in dict.fromkeys(c for p in top for c in p.entities.countries)
            if c.casefold() not in sponsors
        ][:3]
        cites = tuple(i for i, p in enumerate(top) if p.entities.sectors or p.entities.countries)
        if self.audience == "public":
            countries = []  # which country is a victim and which an origin is not for public text to guess
        if sectors and countries:
            text = f"The reporting names the {_join(sectors)} {_plural('sector', sectors)} and mentions {_join(countries)}."
        elif sectors:
            text = f"The reporting names the {_join(sectors)} {_plural('sector', sectors)}."
        elif countries:
            text = f"The reporting mentions {_join(countries)}."
        if sectors or countries:
            facts["who_is_affected"].append((text, cites))
        for i, p in enumerate(self.passages):
            if p.doc_type == "kev":
                self._kev_facts(i, p, facts)
        dated = [(p.published, i) for i, p in enumerate(self.passages) if p.published]
        if dated:
            (first, a), (last, b) = min(dated), max(dated)
            if first != last:
                facts["timeline"].append(
                    (f"The reports we hold are dated between {first} and {last}.", (a, b))
                )
            else:
                facts["timeline"].append((f"The reports we hold are dated {first}.", (a,)))
        return facts

    def _sponsor_told(self, sponsors: Sequence[str]) -> bool:
        """True when a selected assessment sentence already names the sponsor (no need to say it twice)."""
        told = " ".join(c.pieces[0] for c in self._picked.get("how_sure", [])).casefold()
        return any(s.casefold() in told for s in sponsors)

    def _kev_facts(self, i: int, p: Passage, facts: dict[str, Draft]) -> None:
        fields = {m.group(1): m.group(2).strip() for m in _KEV_FIELD.finditer(p.text)}
        product = " ".join(v for v in (fields.get("Vendor"), fields.get("Product")) if v)
        if product:
            added = fields.get("Added to the CISA KEV catalogue")
            since = f" since {added}" if added else ""
            facts["what_happened"].append(
                (f"A flaw in {product} has been on the US list of flaws known to be exploited{since}.", (i,))
            )
        due = fields.get("Due date for US federal agencies")
        if due:
            facts["timeline"].append((f"US federal agencies must fix it by {due}.", (i,)))
        if fields.get("Known use in ransomware campaigns", "").casefold() == "known":
            facts["what_is_at_stake"].append(
                ("Criminals are known to use this flaw in ransomware campaigns.", (i,))
            )

    # --- public messaging -----------------------------------------------------------------------------
    def _by_cue(
        self, cues: Sequence[str], used: set[str], *, headings: Sequence[str] = (), k: int = 1
    ) -> Draft:
        pool = []
        for c in self.candidates:
            if c.pieces[0] in used:
                continue
            in_heading = _heading_in(c.heading, headings) if headings else False
            hits = _matches(c.source_text.casefold(), c.words, cues) if cues else 0
            if headings and not in_heading:
                continue
            if not headings and (hits == 0 or self._skipped(c)):
                continue
            pool.append((hits + 0.5 * in_heading + self._relevance(c) - self._penalty(c), c))
        picked = self._select(pool, k, [])
        for c in picked:
            used.add(c.pieces[0])
        return self._draft(picked)

    def _public_drafts(self, drafts: dict[str, Draft]) -> dict[str, Draft]:
        used = {text for section in drafts.values() for text, _ in section}
        key: Draft = [
            *drafts["bottom_line"][:1],
            *drafts["what_happened"][:1],
            *drafts["what_is_at_stake"][:1],
        ]
        key += self._by_cue(self.rules.resilience_cues, used)
        key += self._by_cue(self.rules.uncertainty_cues, used)
        if len(key) < 3:
            key += drafts["who_is_affected"][:1]
        key = list(dict.fromkeys(key))[:5]
        talking = self._by_cue((), used, headings=self.rules.advice_headings, k=3)
        talking += [d for d in drafts["who_is_affected"][:1] if d not in key]
        return {"key_messages": key, "talking_points": talking}

    def public_messaging(
        self,
        key_messages: tuple[Statement, ...],
        talking_points: tuple[Statement, ...],
        sections: Mapping[str, tuple[Statement, ...]],
        numbers: Mapping[int, int],
    ) -> PublicMessaging:
        def answer(statements: Sequence[Statement]) -> str:
            return " ".join(f"{s.text} {''.join(f'[{n}]' for n in s.cites)}".strip() for s in statements)

        questions = [QA(question="What happened?", answer=answer(key_messages[:1]))] if key_messages else []
        if sections["who_is_affected"]:
            questions.append(QA(question="Who is affected?", answer=answer(sections["who_is_affected"][:1])))
        questions.append(QA(question="Who is responsible?", answer=self._responsibility_answer(numbers)))
        if talking_points:
            questions.append(QA(question="What should people do?", answer=answer(talking_points[:1])))
        return PublicMessaging(
            headline=self._headline(),
            key_messages=key_messages,
            talking_points=talking_points,
            likely_questions=tuple(questions),
            do_not_say=tuple(self._do_not_say()),
        )

    def _responsibility_answer(self, numbers: Mapping[int, int]) -> str:
        if self.actor and self.level == "high":
            cite = numbers.get(self._cite_actor()[0])
            mark = f" [{cite}]" if cite else ""
            return f"The public reports name {self.actor}.{mark} We will not go beyond what they say."
        return "We will not guess who is responsible. The investigation is still going on."

    def _headline(self) -> str:
        kinds = self.rules.headline_kinds
        kind = next(
            (kinds[t] for t in self.assessment.threat_types if t in kinds), self.rules.headline_default
        )
        sector = next((s.casefold() for p in self.passages for s in p.entities.sectors), None)
        return f"{kind} affecting the {sector} sector: what we know" if sector else f"{kind}: what we know"

    def _do_not_say(self) -> list[str]:
        items = [
            "Names of victims, patients or staff, even when a public report gives them.",
            "Technical details: flaw numbers, internet addresses, file names or tool names.",
        ]
        sponsor = self.assessment.sponsor
        if self.actor and self.level != "high":
            items.append(f"That {self.actor} is responsible: our confidence is only {self.level}.")
        elif not self.actor:
            items.append("Any guess about who is responsible.")
        if sponsor and self.level != "high":
            items.append(f"That {sponsor} is behind this: there is no public attribution at this confidence.")
        items.append(
            "Anything from non-public reporting, and any damage or timeline the sources do not state."
        )
        return items


def short_source(source: str) -> str:
    """'National CERT (joint advisory ...)' -> 'The National CERT'; 'X - public statement' -> 'X'."""
    name = re.split(r"\s+[-–—]\s+|\s*\(", source.strip())[0].strip() or source.strip()
    first = name.split()[0] if name.split() else ""
    if first.casefold() == "the" or (first.isupper() and len(first) > 1):
        return name[0].upper() + name[1:]
    return "The " + name[0].upper() + name[1:] if name else "The source"


def _it_is(likelihood: str) -> str:
    """ICD 203 words in a sentence: 'It is likely', 'There is a roughly even chance'."""
    if likelihood.endswith("chance"):
        return f"There is {'a ' if not likelihood.startswith('almost') else ''}{likelihood}"
    return f"It is {likelihood}"


def _plural(noun: str, items: Sequence[str]) -> str:
    return noun if len(items) == 1 else noun + "s"


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_HEDGES = re.compile(
    r"\b(?:assess|assesses|assessed|likely|probabl|suspect|may|might|could|possibl|consistent|match|linked|"
    r"tracks?|tracked|believe|judge|confidence|reported|claim)",
    re.I,
)


def _overclaims(sentence: str, actor: str) -> bool:
    """A flat statement that the actor did it, with no hedge: not for use below high confidence."""
    if actor.casefold() not in sentence.casefold():
        return False
    flat = re.search(
        r"\b(?:carried out|was behind|is behind|is responsible|was responsible|conducted|perpetrated)\b",
        sentence,
        re.I,
    )
    return bool(flat) and not _HEDGES.search(sentence)


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
