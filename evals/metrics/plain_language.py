"""Plain language: Flesch-Kincaid grade, sentence length and unexplained jargon (../shared/docs/domain.md).

Targets: grade 10 or below for diplomats, 8 or below for public lines, sentences averaging under 25 words,
and no technique id, CVE number, acronym or tool name left unexplained. Analyst answers have no target.
"""

from __future__ import annotations

from assistant.checks.grounding import brief_texts
from assistant.glossary import unexplained_jargon
from assistant.plain import readability
from evals.metrics.base import CaseInput, Check

GRADE_LIMITS = {"diplomat": 10.0, "public": 8.0}
MAX_SENTENCE_WORDS = 25.0


class PlainLanguageEvaluator:
    family = "plain_language"

    def evaluate(self, item: CaseInput) -> list[Check]:
        brief, expect = item.brief, item.expect
        default_grade = GRADE_LIMITS.get(brief.audience)
        if brief.refused or (default_grade is None and expect.max_grade is None):
            return []
        texts = [t for t in brief_texts(brief) if t.strip()]
        if not texts:
            return []
        grade_limit = expect.max_grade if expect.max_grade is not None else default_grade or 10.0
        words_limit = expect.max_sentence_words or MAX_SENTENCE_WORDS
        measured = readability(texts)
        jargon = list(dict.fromkeys(j for t in texts for j in unexplained_jargon(t, names=expect.jargon)))
        return [
            Check(
                name="plain_language.grade",
                passed=measured.grade <= grade_limit,
                score=measured.grade,
                gating=False,
                reason=f"grade {measured.grade:.1f}",
            ),
            Check(
                name="plain_language.grade_ok",
                passed=measured.grade <= grade_limit,
                reason=f"grade {measured.grade:.1f} (target {grade_limit:g} or below)",
            ),
            Check(
                name="plain_language.sentence_words",
                passed=measured.avg_sentence_words < words_limit,
                score=measured.avg_sentence_words,
                gating=False,
                reason=f"{measured.avg_sentence_words:.1f} words per sentence over {measured.sentences}",
            ),
            Check(
                name="plain_language.sentence_ok",
                passed=measured.avg_sentence_words < words_limit,
                reason=f"{measured.avg_sentence_words:.1f} words per sentence (target under {words_limit:g})",
            ),
            Check(
                name="plain_language.jargon",
                passed=not jargon,
                reason=f"unexplained: {', '.join(jargon)}" if jargon else "no unexplained jargon",
            ),
        ]
