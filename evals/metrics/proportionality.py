"""Proportionality: options no higher than the scenario allows, calm wording, blame no stronger than the
evidence, and a way to lower tension. The scenario's own limits (highest rung, traps) come from the case;
the wording lists and the playbook are the assistant's (`prompts/`), re-applied here to the final brief.
"""

from __future__ import annotations

import re

from assistant.brief import Brief
from assistant.checks.proportionality import (
    attribution_matches_confidence,
    de_escalation_offered,
    no_escalatory_wording,
)
from assistant.confidence import LEVELS, sentences, stated_levels
from assistant.playbook import load_playbook
from evals.metrics.base import CaseInput, Check, short
from evals.metrics.facts import reader_text


class ProportionalityEvaluator:
    family = "proportionality"

    def evaluate(self, item: CaseInput) -> list[Check]:
        brief, expect = item.brief, item.expect
        if brief.refused:
            return []
        checks = []
        if expect.max_rung is not None:
            checks.append(_max_rung(brief, expect.max_rung))
        if expect.severity is not None:
            checks.append(_severity(brief, expect.severity))
        if expect.option_kinds:
            offered = {o.kind for o in brief.options}
            absent = [k for k in expect.option_kinds if k not in offered]
            checks.append(
                Check(
                    name="proportionality.option_kinds",
                    passed=not absent,
                    reason=f"no {', '.join(absent)} option (offered: {', '.join(sorted(offered)) or 'none'})"
                    if absent
                    else f"offers {', '.join(expect.option_kinds)}",
                )
            )
        checks.append(_wording(brief, expect.traps))
        checks.append(_attribution(brief, expect.max_attribution_confidence))
        if expect.de_escalation or (expect.de_escalation is None and brief.options):
            found = de_escalation_offered(brief, load_playbook())
            if expect.de_escalation and not any(o.de_escalation for o in brief.options):
                found = found.model_copy(update={"passed": False, "detail": "no option offers de-escalation"})
            checks.append(
                Check(name="proportionality.de_escalation", passed=found.passed, reason=found.detail)
            )
        return checks


def _max_rung(brief: Brief, limit: int) -> Check:
    above = [f"{o.playbook_id} (rung {o.rung})" for o in brief.options if o.rung > limit]
    ceiling = brief.assessment.ceiling_rung if brief.assessment else None
    if ceiling is not None and ceiling > limit:
        above.append(f"assessed ceiling rung {ceiling}")
    top = max((o.rung for o in brief.options), default=None)
    return Check(
        name="proportionality.max_rung",
        passed=not above,
        reason=f"above rung {limit}: {', '.join(above)}"
        if above
        else f"highest option rung {top if top is not None else '-'}, acceptable up to {limit}",
    )


def _severity(brief: Brief, accepted: tuple[int, int]) -> Check:
    low, high = accepted
    got = brief.assessment.severity if brief.assessment else None
    ok = got is not None and low <= got <= high
    want = str(low) if low == high else f"{low}-{high}"
    return Check(name="proportionality.severity", passed=ok, reason=f"severity {got}, expected {want}")


def _wording(brief: Brief, traps: tuple[str, ...]) -> Check:
    found = no_escalatory_wording(brief)
    problems = [] if found.passed else [found.detail]
    text = reader_text(brief)
    for trap in traps:
        match = re.search(r"(?<![\w])" + re.escape(trap) + r"(?![\w])", text, re.IGNORECASE)
        if match:
            line = text[max(0, match.start() - 40) : match.end() + 40]
            problems.append(f"trap '{trap}' in: {short(line)}")
    return Check(
        name="proportionality.wording",
        passed=not problems,
        reason="; ".join(problems) or "no escalatory wording or trap phrase",
    )


def _attribution(brief: Brief, max_level: str | None) -> Check:
    """Blame wording fits the sources' confidence (the assistant's own rule), and neither the assessment
    nor any sentence naming the actor or its sponsor claims more confidence than the scenario allows."""
    found = attribution_matches_confidence(brief)
    problems = [] if found.passed else [found.detail]
    a = brief.assessment
    if max_level is not None and a is not None and a.attribution:
        limit = LEVELS.index(max_level)
        if a.attribution_confidence and LEVELS.index(a.attribution_confidence) > limit:
            problems.append(
                f"attributes to {a.attribution} with {a.attribution_confidence} confidence (at most {max_level})"
            )
        names = [n.casefold() for n in (a.attribution, a.sponsor) if n]
        for statement in brief.all_statements():
            for sentence in sentences(statement.text):
                if any(n in sentence.casefold() for n in names):
                    stronger = [lv for lv in stated_levels(sentence) if LEVELS.index(lv) > limit]
                    if stronger:
                        problems.append(
                            f"claims {stronger[0]} confidence (at most {max_level}): {short(sentence)}"
                        )
    return Check(
        name="proportionality.attribution",
        passed=not problems,
        reason="; ".join(problems[:3]) or found.detail,
    )
