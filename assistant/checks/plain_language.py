"""Plain language: the grade, sentence length and jargon targets of ../shared/docs/domain.md.

Diplomat briefs read at Flesch-Kincaid grade 10 or below, public text at 8 or below, and sentences average
under 22 words. Technique ids, CVE numbers, acronyms and technical terms must be explained or left out.
Analyst answers have no target: they pass with a note.

>>> from assistant.brief import Brief, Statement
>>> brief = Brief(question="q", audience="diplomat", clearance="TLP:CLEAR", marking="TLP:CLEAR",
...               what_happened=(Statement(text="The group used T1566 against staff.", cites=(1,)),))
>>> [(r.name, r.passed) for r in check_plain_language(brief=brief)]
[('plain_language.grade', True), ('plain_language.sentence_length', True), ('plain_language.jargon', False)]
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.brief import Brief, CheckResult
from assistant.checks.grounding import brief_texts
from assistant.glossary import unexplained_jargon
from assistant.plain import readability

GRADE_LIMITS = {"diplomat": 10.0, "public": 8.0}
MAX_AVG_SENTENCE_WORDS = 22.0


def check_plain_language(*, brief: Brief, names: Iterable[str] = ()) -> list[CheckResult]:
    """Grade, average sentence length and unexplained jargon; `names` adds tool and malware names to flag."""
    limit = GRADE_LIMITS.get(brief.audience)
    if limit is None:
        note = f"no plain-language target for the {brief.audience} audience"
        return [
            CheckResult(name="plain_language.grade", passed=True, detail=note),
            CheckResult(name="plain_language.sentence_length", passed=True, detail=note),
            CheckResult(name="plain_language.jargon", passed=True, detail=note),
        ]
    texts = [t for t in brief_texts(brief) if t.strip()]
    measured = readability(texts)
    jargon = list(dict.fromkeys(j for text in texts for j in unexplained_jargon(text, names=names)))
    return [
        CheckResult(
            name="plain_language.grade",
            passed=measured.grade <= limit,
            detail=f"grade {measured.grade:.1f} (target {limit:.0f} or below)",
        ),
        CheckResult(
            name="plain_language.sentence_length",
            passed=measured.avg_sentence_words < MAX_AVG_SENTENCE_WORDS,
            detail=f"{measured.avg_sentence_words:.1f} words per sentence (target under {MAX_AVG_SENTENCE_WORDS:.0f})",
        ),
        CheckResult(
            name="plain_language.jargon",
            passed=not jargon,
            detail=f"unexplained: {', '.join(jargon)}" if jargon else "",
        ),
    ]
