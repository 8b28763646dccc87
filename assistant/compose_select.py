"""Scoring and selection of candidate sentences for the composer's sections.

A candidate scores for a section by relevance to the question, the section's cues and headings
(`prompts/sections.yaml`) and the rank of its passage, less penalties for hard, long, jargon-laden or
context-dependent sentences. Each section then keeps its best few by maximal marginal relevance, so the
brief is relevant, not repetitive, and draws on several sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.compose_candidates import Candidate
from assistant.compose_rules import (
    GRADE_TARGETS,
    MAX_SENTENCE_WORDS,
    SECTION_ORDER,
    Draft,
    Rules,
    SectionRules,
)
from assistant.glossary import unexplained_jargon
from assistant.plain import content_words, leans_on_context, readability, stem
from retrieval.documents import Passage

LEAD_HEADINGS = ("summary", "overview", "key points", "bottom line", "executive summary")


def matches(text: str, words: Sequence[str], cues: Sequence[str]) -> int:
    """How many cues a sentence hits: phrases by substring, words exactly or (5+ letters) as a prefix."""
    hits = 0
    for cue in cues:
        if " " in cue:
            hits += cue in text
        elif any(w == cue or (len(cue) >= 5 and w.startswith(cue)) for w in words):
            hits += 1
    return hits


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
    ) -> None:
        self.rules = rules
        self.audience = audience
        self.passages = passages
        self.candidates = candidates
        self.question_stems = frozenset(stem(w) for w in content_words(question))

    def score(self, c: Candidate, section: SectionRules) -> float:
        text = c.source_text.casefold()
        if heading_in(c.heading, self.rules.skip_headings):
            return 0.0
        cue = min(1.0, matches(text, c.words, section.cues) / 2)
        head = 1.0 if heading_in(c.heading, section.headings) else 0.0
        if cue == 0 and head == 0:
            return 0.0
        relevance = len(self.question_stems & c.stems) / max(1, len(self.question_stems))
        prior = 1 / (1 + 0.25 * c.passage)
        score = 0.35 * relevance + 0.3 * cue + 0.2 * head + 0.15 * prior
        return score - self.penalty(c)

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
        if unexplained_jargon(first, names=names):
            penalty += 0.3
        if leans_on_context(first):
            penalty += 0.25  # "It is an example of ..." means nothing without the sentence before it
        return penalty

    def relevance(self, c: Candidate) -> float:
        return 0.6 * len(self.question_stems & c.stems) / max(1, len(self.question_stems)) + 0.4 / (
            1 + c.passage
        )

    def skipped(self, c: Candidate) -> bool:
        return heading_in(c.heading, self.rules.skip_headings)

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
        chosen: list[Candidate] = []
        picked: dict[str, list[Candidate]] = {}
        for name in SECTION_ORDER:
            rules = self.rules.sections.get(name)
            limit = (rules.max + 1) if name == "what_happened" else (rules.max if rules else 0)
            picked[name] = self.select(pools[name], limit, chosen)
            chosen += picked[name]
        if not picked["what_happened"]:
            loose = [
                (self.relevance(c), c) for c in self.candidates if c not in chosen and not self.skipped(c)
            ]
            picked["what_happened"] = self.select(loose, 2, chosen)
        happened = picked["what_happened"]
        if happened:  # the bottom line leads with what happened: a summary sentence, not a reassurance
            lead = max(happened, key=lambda c: (self._lead_score(c), -happened.index(c)))
            picked["what_happened"] = [lead] + [c for c in happened if c is not lead]
        return picked

    def _lead_score(self, c: Candidate) -> float:
        score = self.score(c, self.rules.sections["what_happened"])
        score += 0.1 if heading_in(c.heading, LEAD_HEADINGS) else 0.0
        return score - (0.2 if re.search(r"\b(?:not|no|never|nothing)\b", c.pieces[0], re.I) else 0.0)
