"""Scoring and selection of candidate sentences for the composer's sections.

A candidate scores for a section by relevance to the question and its focus (`compose_focus`: the
question's rare terms and the focal actor, tools and flaws), the section's cues and headings
(`prompts/sections.yaml`) and the weight of its passage (rank and closeness to the focus), less penalties
for hard, long, jargon-laden, context-dependent or off-focus sentences. The bottom line opens with the best
what-happened sentence about the asked incident (not a reassurance, a forecast or advice); each section then
keeps its best few by maximal marginal relevance, so the brief is relevant, not repetitive, and draws on
several sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.compose_candidates import Candidate
from assistant.compose_focus import Focus
from assistant.compose_rules import (
    GRADE_TARGETS,
    MAX_SENTENCE_WORDS,
    SECTION_ORDER,
    Draft,
    Rules,
    SectionRules,
)
from assistant.glossary import PLAIN_AUDIENCES, unexplained_jargon
from assistant.plain import content_words, leans_on_context, readability, stem
from retrieval.documents import Passage

LEAD_HEADINGS = ("summary", "overview", "key points", "bottom line", "executive summary")
_NEGATION = re.compile(r"\b(?:not|no|never|nothing)\b", re.I)
_AHEAD = re.compile(r"\b(?:will|would|should|must|shall)\b", re.I)
# advice to readers under headings the section rules do not list ("What customers should do")
_ADVICE_HEADING = re.compile(r"\b(?:should do|what to do|how to|advice|recommend|mitigat)", re.I)
_IMPERATIVES = frozenset(
    """
    contact report patch update upgrade reset review check apply enable disable use avoid be keep rely come
    call do don't never always ensure install remove change follow make consider separate turn look watch
    """.split()
)
# "the indicators above", "the steps below": points at a part of the source the brief does not have
_POINTS_AROUND = re.compile(r"\b(?:the|these|those)\s+(?:\w+\s+){0,2}(?:above|below)\b", re.I)


def matches(text: str, words: Sequence[str], cues: Sequence[str]) -> int:
    """How many cues a sentence hits: phrases by substring, words exactly or (5+ letters) as a prefix."""
    hits = 0
    for cue in cues:
        if " " in cue:
            hits += cue in text
        elif any(w == cue or (len(cue) >= 5 and w.startswith(cue)) for w in words):
            hits += 1
    return hits


def _cue_at(words: Sequence[str], i: int, cues: Sequence[str]) -> bool:
    """Whether a cue starts at word i: a phrase word by word, a word exactly or (5+ letters) as a prefix."""
    for cue in cues:
        parts = cue.split()
        if len(parts) > 1 and list(words[i : i + len(parts)]) == parts:
            return True
        if len(parts) == 1 and (words[i] == cue or (len(cue) >= 5 and words[i].startswith(cue))):
            return True
    return False


def heading_in(heading: str, headings: Sequence[str]) -> bool:
    return any(heading == h or heading.startswith(h) for h in headings)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def as_draft(candidates: list[Candidate]) -> Draft:
    """Each candidate's first piece, citing its passage."""
    return [(piece, (c.passage,)) for c in candidates for piece in c.pieces[:1]]


class Selector:
    """Scores one drafting job's candidates and picks them for sections."""

    def __init__(
        self,
        rules: Rules,
        question: str,
        audience: str,
        passages: Sequence[Passage],
        candidates: list[Candidate],
        focus: Focus | None = None,
    ) -> None:
        self.rules = rules
        self.audience = audience
        self.passages = passages
        self.candidates = candidates
        self.question_stems = frozenset(stem(w) for w in content_words(question))
        self.focus = focus
        self._on_topic = {id(c): self._topicality(c) for c in candidates}
        if focus is not None and focus.loose:
            # a passage kept only for sharing the question's words lends only sentences that share them
            self.candidates = [
                c for c in candidates if c.passage not in focus.loose or self._on_topic[id(c)] > 0
            ]

    def weight(self, c: Candidate) -> float:
        """How close the candidate's passage is to the question's focus (1 with no focus)."""
        if self.focus is None or c.passage >= len(self.focus.weights):
            return 1.0
        return self.focus.weights[c.passage]

    def _topicality(self, c: Candidate) -> float:
        """0..1: the question's words in the sentence, and the focus's weighted terms and names."""
        words = len(self.question_stems & c.stems) / max(1, len(self.question_stems))
        if self.focus is None:
            return words
        return max(words, self.focus.relevance(c.source_text))

    def topicality(self, c: Candidate) -> float:
        known = self._on_topic.get(id(c))
        return known if known is not None else self._topicality(c)

    def score(self, c: Candidate, section: SectionRules) -> float:
        text = c.source_text.casefold()
        if self.skipped(c):
            return 0.0
        cue = min(1.0, matches(text, c.words, section.cues) / 2)
        head = 1.0 if heading_in(c.heading, section.headings) else 0.0
        if cue == 0 and head == 0:
            return 0.0
        prior = self.weight(c) / (1 + 0.25 * c.passage)
        score = 0.35 * self.topicality(c) + 0.3 * cue + 0.2 * head + 0.15 * prior
        return score * (0.5 + 0.5 * self.weight(c)) - self.penalty(c)

    def penalty(self, c: Candidate) -> float:
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
        if self.audience in PLAIN_AUDIENCES and unexplained_jargon(first, names=names):
            penalty += 0.3  # analysts read flaw numbers and tool names as they are
        if leans_on_context(first) or _POINTS_AROUND.search(first):
            penalty += 0.25  # "It is an example of ..." means nothing without the sentence before it
        if self.focus is not None and self.focus.strays(c.source_text):
            penalty += 0.15  # about another incident's actor, not the one asked about
        return penalty

    def relevance(self, c: Candidate) -> float:
        return 0.6 * self.topicality(c) + 0.4 * self.weight(c) / (1 + c.passage)

    def skipped(self, c: Candidate) -> bool:
        return heading_in(c.heading, self.rules.skip_headings) or bool(_ADVICE_HEADING.search(c.heading))

    def select(self, pool: list[tuple[float, Candidate]], k: int, chosen: list[Candidate]) -> list[Candidate]:
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

    def sections(self) -> dict[str, list[Candidate]]:
        """Each candidate goes to its best-scoring section, then each section keeps its best few.

        What happened leads with its best summary sentence: the bottom line opens with it.
        """
        pools: dict[str, list[tuple[float, Candidate]]] = {name: [] for name in SECTION_ORDER}
        for cand in self.candidates:
            scores = [
                (self.score(cand, self.rules.sections[name]), name)
                for name in SECTION_ORDER
                if name in self.rules.sections
            ]
            score, name = max(scores, key=lambda sn: (sn[0], -SECTION_ORDER.index(sn[1])))
            if score > 0:
                pools[name].append((score, cand))
        lead = self._lead(self.candidates)
        chosen: list[Candidate] = [lead] if lead else []
        picked: dict[str, list[Candidate]] = {}
        for name in SECTION_ORDER:
            rules = self.rules.sections.get(name)
            limit = rules.max if rules else 0
            pool = [(score, c) for score, c in pools[name] if c is not lead]
            picked[name] = self.select(pool, limit, chosen)
            chosen += picked[name]
        if lead is None:
            loose = [
                (self.relevance(c), c) for c in self.candidates if c not in chosen and not self.skipped(c)
            ]
            happened = self.select(loose, 2, chosen)
            lead = max(happened, key=lambda c: (self._lead_score(c), -happened.index(c)), default=None)
            picked["what_happened"] = [c for c in happened if c is not lead]
        # the bottom line leads with what happened: a summary sentence, not a reassurance
        picked["what_happened"] = [lead, *picked["what_happened"]] if lead else picked["what_happened"]
        return picked

    def _lead(self, candidates: Sequence[Candidate]) -> Candidate | None:
        """The bottom line's opening: the best what-happened sentence from the passages closest to the focus."""
        section = self.rules.sections.get("what_happened")
        if section is None:
            return None
        scored = [
            (self._lead_score(c), c)
            for c in candidates
            if self.score(c, section) >= 0.12 and not self._advice(c)
        ]
        if not scored:
            return None
        return max(scored, key=lambda sc: (sc[0], -sc[1].passage, -sc[1].order))[1]

    def _lead_score(self, c: Candidate) -> float:
        """What happened, and why it matters, about the asked incident, from a document closest to it."""
        score = self.score(c, self.rules.sections["what_happened"])
        score += 0.1 if heading_in(c.heading, LEAD_HEADINGS) else 0.0
        score += 0.2 * self.weight(c) + 0.3 * self.topicality(c)
        text = c.source_text.casefold()
        stakes = sum(
            matches(text, c.words, self.rules.sections[name].cues)
            for name in ("who_is_affected", "what_is_at_stake")
            if name in self.rules.sections
        )
        score += 0.05 * min(2, stakes)  # says who or what is hit: the "so what"
        if self._reassures(c.pieces[0]):
            score -= 0.3  # a reassurance ("voting was not affected") is not what happened
        if _AHEAD.search(c.pieces[0]):
            score -= 0.15  # "will be published": what is expected, not what happened
        return score

    def _reassures(self, text: str) -> bool:
        """A reassurance rather than what happened: a negation before any sign of what happened ("There is
        no sign that services were disrupted", but not "intrusions through appliances that were never
        patched"), or a resilience cue ("Drinking water has remained safe") with no sign of it at all."""
        words = [w.casefold() for w in re.findall(r"[A-Za-z][\w'-]*", text)]
        cues = self.rules.sections["what_happened"].cues
        happened = [i for i in range(len(words)) if _cue_at(words, i, cues)]
        negation = next((i for i, w in enumerate(words) if _NEGATION.fullmatch(w)), None)
        if negation is not None:
            return not happened or happened[0] > negation
        return not happened and matches(text.casefold(), words, self.rules.resilience_cues) > 0

    def _advice(self, c: Candidate) -> bool:
        """Advice to readers ("Contact the National CERT if ..."): never the bottom line's opening."""
        if heading_in(c.heading, self.rules.advice_headings) or _ADVICE_HEADING.search(c.heading):
            return True
        first = c.pieces[0].split()[0].casefold() if c.pieces[0].split() else ""
        return first in _IMPERATIVES
