"""Proportionality checks: options within the ceiling and the vetted playbook, calm wording, hedged blame.

Word lists are data (`prompts/wording.yaml`). Attribution wording is judged sentence by sentence: a
sentence that names the attributed actor or its sponsor and says it "carried out" or "is responsible"
must carry a hedge the attribution confidence allows ("likely", "we assess" at moderate; "may",
"suspected", "low confidence" at low), and must not claim more confidence than the sources give.

>>> from assistant.brief import Assessment, Brief, Statement
>>> a = Assessment(severity=2, ceiling_rung=2, attribution="GRANITE TIDE", attribution_confidence="moderate")
>>> def brief(text):
...     return Brief(question="q", audience="diplomat", clearance="TLP:CLEAR", marking="TLP:CLEAR",
...                  assessment=a, bottom_line=(Statement(text=text),))
>>> attribution_matches_confidence(brief("GRANITE TIDE carried out the attack.")).passed
False
>>> attribution_matches_confidence(brief("GRANITE TIDE is likely responsible.")).passed
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from assistant.brief import Brief, CheckResult, ConfidenceLevel
from assistant.confidence import LEVELS, cap_likelihood, likelihood_words, sentences, stated_levels
from assistant.options import eligible_entries
from assistant.playbook import PROMPTS_DIR, Playbook, RulesError, describe, load_playbook, read_yaml
from guardrails.markings import PAP

DEFAULT_PATH = PROMPTS_DIR / "wording.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _regex(patterns: Sequence[str]) -> re.Pattern[str]:
    body = "|".join(f"(?:{p})" for p in patterns) or r"(?!)"
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def _compiles(value: tuple[str, ...]) -> tuple[str, ...]:
    try:
        _regex(value)
    except re.error as exc:
        raise ValueError(f"bad pattern: {exc}") from None
    return value


class AttributionWords(_Strict):
    certainty: tuple[str, ...]
    hedges: dict[ConfidenceLevel, tuple[str, ...]]
    negations: tuple[str, ...]

    _patterns = field_validator("certainty", "negations")(_compiles)

    @field_validator("hedges")
    @classmethod
    def _hedges(cls, value: dict[ConfidenceLevel, tuple[str, ...]]) -> dict[ConfidenceLevel, tuple[str, ...]]:
        for patterns in value.values():
            _compiles(patterns)
        return value


class Wording(_Strict):
    version: int = 1
    escalatory: tuple[str, ...]
    allowed_contexts: tuple[str, ...] = ()
    attribution: AttributionWords

    _patterns = field_validator("escalatory", "allowed_contexts")(_compiles)

    def hedges_for(self, level: ConfidenceLevel) -> re.Pattern[str]:
        """Hedges acceptable at a level: its own and those of every weaker level."""
        allowed = LEVELS[: LEVELS.index(level) + 1]
        return _regex([h for lvl in allowed for h in self.attribution.hedges.get(lvl, ())])


@cache
def load_wording(path: str | Path | None = None) -> Wording:
    source = Path(path) if path else DEFAULT_PATH
    try:
        return Wording.model_validate(read_yaml(source))
    except ValidationError as exc:
        raise RulesError(f"{source}: {describe(exc)}") from None


def check_proportionality(*, brief: Brief, playbook: Playbook | None = None) -> list[CheckResult]:
    """All proportionality checks, by name, for one brief."""
    book = playbook or load_playbook()
    return [
        options_within_ceiling(brief),
        options_from_playbook(brief, book),
        options_allowed_by_pap(brief, book),
        no_escalatory_wording(brief),
        attribution_matches_confidence(brief),
        de_escalation_offered(brief, book),
    ]


def options_within_ceiling(brief: Brief) -> CheckResult:
    name = "options_within_ceiling"
    if not brief.options:
        return CheckResult(name=name, passed=True, detail="No options offered.")
    if brief.assessment is None:
        return CheckResult(
            name=name, passed=False, detail="Options offered without an assessment to bound them."
        )
    ceiling = brief.assessment.ceiling_rung
    above = [f"{o.playbook_id} (rung {o.rung})" for o in brief.options if o.rung > ceiling]
    if above:
        return CheckResult(
            name=name, passed=False, detail=f"Above the ceiling of rung {ceiling}: {', '.join(above)}."
        )
    return CheckResult(name=name, passed=True, detail=f"All options at or below rung {ceiling}.")


def options_from_playbook(brief: Brief, playbook: Playbook) -> CheckResult:
    """Options must be vetted entries, with the entry's own rung and kind (nothing invented)."""
    problems = []
    for option in brief.options:
        entry = playbook.get(option.playbook_id)
        if entry is None:
            problems.append(f"{option.playbook_id} is not in the playbook")
        elif (entry.rung, entry.kind) != (option.rung, option.kind):
            problems.append(f"{option.playbook_id} is rung {entry.rung} {entry.kind} in the playbook")
    detail = "; ".join(problems) or "Every option is a vetted playbook entry."
    return CheckResult(name="options_from_playbook", passed=not problems, detail=detail)


def options_allowed_by_pap(brief: Brief, playbook: Playbook) -> CheckResult:
    """No option may need a less restrictive PAP than the sources allow."""
    pap = PAP.parse(brief.assessment.pap if brief.assessment else None, default=PAP.CLEAR)
    forbidden = [
        f"{o.playbook_id} needs {entry.pap_required}"
        for o in brief.options
        if (entry := playbook.get(o.playbook_id)) is not None and pap > entry.pap_level
    ]
    detail = (
        f"Forbidden by the sources' {pap.label}: {'; '.join(forbidden)}."
        if forbidden
        else f"All allowed under {pap.label}."
    )
    return CheckResult(name="options_allowed_by_pap", passed=not forbidden, detail=detail)


def no_escalatory_wording(brief: Brief, wording: Wording | None = None) -> CheckResult:
    words = wording or load_wording()
    escalatory, allowed = _regex(words.escalatory), _regex(words.allowed_contexts)
    hits = []
    for text in _texts(brief):
        excused = [m.span() for m in allowed.finditer(text)]
        for match in escalatory.finditer(text):
            if not any(start <= match.start() and match.end() <= end for start, end in excused):
                hits.append(f"'{match.group(0)}' in: {_short(text)}")
    detail = "; ".join(hits[:5]) or "No escalatory or retaliatory wording."
    return CheckResult(name="no_escalatory_wording", passed=not hits, detail=detail)


def attribution_matches_confidence(brief: Brief, wording: Wording | None = None) -> CheckResult:
    name = "attribution_matches_confidence"
    a = brief.assessment
    if a is None or not a.attribution:
        return CheckResult(name=name, passed=True, detail="No attribution to check.")
    words = wording or load_wording()
    level: ConfidenceLevel = a.attribution_confidence or "low"
    names = _regex([re.escape(n) + r"\w*" for n in (a.attribution, a.sponsor) if n])
    certainty, negation = _regex(words.attribution.certainty), _regex(words.attribution.negations)
    hedges = words.hedges_for(level)
    problems = []
    for text in _texts(brief):
        for sentence in sentences(text):
            if not names.search(sentence):
                continue
            stronger = [lvl for lvl in stated_levels(sentence) if LEVELS.index(lvl) > LEVELS.index(level)]
            stronger += [w for w in likelihood_words(sentence) if cap_likelihood(w, level) != w]
            if stronger:
                problems.append(
                    f"claims {stronger[0]} (sources support {level} confidence): {_short(sentence)}"
                )
            elif (
                level != "high"
                and certainty.search(sentence)
                and not (hedges.search(sentence) or negation.search(sentence))
            ):
                problems.append(f"states as fact at {level} confidence: {_short(sentence)}")
    detail = "; ".join(problems[:5]) or f"Attribution wording fits {level} confidence."
    return CheckResult(name=name, passed=not problems, detail=detail)


def de_escalation_offered(brief: Brief, playbook: Playbook) -> CheckResult:
    name = "de_escalation_offered"
    if any(o.de_escalation for o in brief.options):
        return CheckResult(
            name=name, passed=True, detail="At least one option offers a way to lower tension."
        )
    if brief.assessment is None:
        return CheckResult(
            name=name, passed=True, detail="No assessment, so no eligible de-escalation step to offer."
        )
    if brief.audience == "public":
        return CheckResult(name=name, passed=True, detail="Public lines carry no response options.")
    avenues = [
        e.id for e in eligible_entries(assessment=brief.assessment, playbook=playbook) if e.de_escalation
    ]
    if avenues:
        return CheckResult(
            name=name, passed=False, detail=f"None offered, though eligible: {', '.join(avenues)}."
        )
    return CheckResult(name=name, passed=True, detail="No eligible playbook step offers de-escalation here.")


def _texts(brief: Brief) -> list[str]:
    """Everything a reader sees: prose statements, public lines and the options' own words."""
    texts = [s.text for s in brief.all_statements()]
    if brief.public:
        texts += [brief.public.headline, *(qa.answer for qa in brief.public.likely_questions)]
    for o in brief.options:
        texts += [o.title, o.action, o.cost, o.sequence, *o.change_indicators, o.de_escalation or ""]
    return [t for t in texts if t]


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
