"""Fact recall: the facts a good answer states (who, what they use, whom they target, what to patch, by when).

A fact is a phrase or a list of alternatives (aliases, spellings); it is found when any alternative appears
in the text a reader sees, compared case-insensitively with spacing and dashes normalised.

>>> normalise("Volt  Typhoon's living-off-the-land")
"volt typhoon's living off the land"
"""

from __future__ import annotations

import re
import unicodedata

from assistant.brief import Brief
from evals.metrics.base import CaseInput, Check

_SPACE = re.compile(r"[\s\u00a0\-\u2010-\u2015_/]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return _SPACE.sub(" ", text).strip()


def reader_text(brief: Brief) -> str:
    """Everything the reader sees as prose: statements, public lines, options, confidence, factors."""
    parts = [s.text for s in brief.all_statements()]
    if brief.public:
        parts += [brief.public.headline, *(f"{q.question} {q.answer}" for q in brief.public.likely_questions)]
    for o in brief.options:
        parts += [o.title, o.action, o.sequence, *o.change_indicators]
    if brief.confidence:
        parts.append(brief.confidence.basis)
    if brief.assessment:
        parts += [
            *brief.assessment.factors,
            brief.assessment.attribution or "",
            brief.assessment.sponsor or "",
        ]
    if brief.refusal_reason:
        parts.append(brief.refusal_reason)
    return "\n".join(p for p in parts if p)


class FactsEvaluator:
    family = "facts"

    def evaluate(self, item: CaseInput) -> list[Check]:
        facts = item.expect.facts
        if not facts:
            return []
        text = " " + normalise(reader_text(item.brief)) + " "
        missing = []
        for fact in facts:
            options = (fact,) if isinstance(fact, str) else fact
            if not any(_contains(text, normalise(o)) for o in options):
                missing.append(options[0] if len(options) == 1 else " / ".join(options))
        recall = (len(facts) - len(missing)) / len(facts)
        reason = f"missing: {'; '.join(missing)}" if missing else f"all {len(facts)} fact(s) stated"
        return [
            Check(
                name="facts.recall",
                passed=recall >= item.expect.min_fact_recall,
                score=recall,
                reason=reason,
            )
        ]


def _contains(text: str, phrase: str) -> bool:
    """Whole-word containment: 'APT2' does not match 'APT28'."""
    return re.search(r"(?<![\w])" + re.escape(phrase) + r"(?![\w])", text) is not None
