"""Response options chosen from the vetted playbook, deterministically and with a reason for each.

An entry is eligible when it fits an assessed threat type (or is general), sits at or below the ceiling
rung, is allowed by the sources' PAP and its preconditions hold. From the eligible entries the selector
takes, in order: the best defensive step, the best collaborative step (one that offers de-escalation
first, when the defensive step does not), a deterrent step (only possible when the ceiling reaches
rung 3), a step that offers de-escalation if none of those does, then further steps of the kinds least
represented so far (never a second deterrent). "Best" means: names more of the assessed threat types, then the higher rung, then
the id.

>>> from assistant.brief import Assessment
>>> a = Assessment(severity=1, ceiling_rung=1, threat_types=("defacement",))
>>> [o.rung <= 1 for o in select_options(assessment=a)]
[True, True, True, True]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from assistant.assess import stated_facts
from assistant.brief import RUNGS, Assessment, ResponseOption
from assistant.playbook import CONFIDENCE_ORDER, Playbook, PlaybookEntry, RulesError, load_playbook
from guardrails.markings import PAP

_RESTRICTED = (PAP.AMBER, PAP.RED)
_ROLES = {
    "defensive": "The strongest defensive step that fits",
    "collaborative": "The strongest step to take with partners",
    "deterrent": "A deterrent signal, possible because the ceiling reaches rung 3",
}


def eligible_entries(*, assessment: Assessment, playbook: Playbook | None = None) -> list[PlaybookEntry]:
    """Entries that may be offered for this assessment, in playbook order."""
    book = playbook or load_playbook()
    facts = stated_facts(assessment)
    return [e for e in book.entries if _conditions_met(e, assessment, facts) is not None]


def select_options(
    *, assessment: Assessment, playbook: Playbook | None = None, max_options: int = 4
) -> tuple[ResponseOption, ...]:
    """2-4 options in ladder order (lowest rung first), never above the ceiling; `why` explains each."""
    if not 2 <= max_options <= 4:
        raise ValueError(f"max_options must be between 2 and 4, not {max_options}.")
    pool = eligible_entries(assessment=assessment, playbook=playbook)
    if len(pool) < 2:
        raise RulesError(
            f"The playbook offers {len(pool)} option(s) for threat types {list(assessment.threat_types)} at "
            f"rung {assessment.ceiling_rung} under {assessment.pap}; add general entries to prompts/playbook.yaml."
        )
    types = assessment.threat_types
    ranked = sorted(pool, key=lambda e: (-e.specificity(types), -e.rung, e.id))
    offers_calm = any(e.de_escalation for e in pool)
    picks: list[tuple[PlaybookEntry, str]] = []

    def best(test: Callable[[PlaybookEntry], object]) -> PlaybookEntry | None:
        taken = {e.id for e, _ in picks}
        return next((e for e in ranked if test(e) and e.id not in taken), None)

    def needs_calm() -> bool:
        return offers_calm and not any(e.de_escalation for e, _ in picks)

    for kind, role in _ROLES.items():
        entry = (needs_calm() and best(lambda e, k=kind: e.kind == k and e.de_escalation)) or best(
            lambda e, k=kind: e.kind == k
        )
        if entry:
            picks.append((entry, role))
    if needs_calm() and (calm := best(lambda e: e.de_escalation)):
        # Second place, so it survives when only two options are asked for.
        picks.insert(1, (calm, "Included because it offers a way to lower tension"))
    while len(picks) < max_options:
        kinds = Counter(e.kind for e, _ in picks)
        taken = {e.id for e, _ in picks}
        # One deterrent signal at most; otherwise keep the mix of kinds balanced (min keeps the ranking).
        rest = [e for e in ranked if e.id not in taken and not (e.kind == "deterrent" and kinds["deterrent"])]
        if not rest:
            break
        picks.append((min(rest, key=lambda e: kinds[e.kind]), "A further step that fits"))
    facts = stated_facts(assessment)
    chosen = sorted(picks[:max_options], key=lambda p: (p[0].rung, p[0].id))
    return tuple(_option(e, role, assessment, facts) for e, role in chosen)


def _conditions_met(entry: PlaybookEntry, a: Assessment, facts: frozenset[str]) -> list[str] | None:
    """The preconditions an entry meets, in plain words, or None when it is not eligible."""
    pre = entry.preconditions
    pap = PAP.parse(a.pap, default=PAP.CLEAR)
    conf = CONFIDENCE_ORDER.get(a.attribution_confidence or "", -1)
    checks = [
        (entry.applies_to(a.threat_types), None),
        (entry.rung <= a.ceiling_rung, None),
        (pap <= entry.pap_level, None),
        (a.severity >= pre.min_severity, f"severity {a.severity} meets its minimum of {pre.min_severity}"),
        (
            a.severity <= pre.max_severity,
            f"severity {a.severity} is within its maximum of {pre.max_severity}",
        ),
        (
            pre.min_attribution_confidence is None
            or conf >= CONFIDENCE_ORDER[pre.min_attribution_confidence],
            f"attribution confidence is {a.attribution_confidence} (needs {pre.min_attribution_confidence})",
        ),
        (not pre.requires_actor or a.attribution is not None, "the sources name a responsible group"),
        (not pre.requires_sponsor or a.sponsor is not None, "they name a suspected state sponsor"),
        (
            not pre.requires_confirmed_exploitation or "confirmed_exploitation" in facts,
            "a break-in or exploited flaw is confirmed",
        ),
        (not pre.requires_critical_service or "critical_service" in facts, "a critical service is affected"),
        (not pre.requires_restricted_sources or pap in _RESTRICTED, f"some sources are restricted ({a.pap})"),
    ]
    if not all(ok for ok, _ in checks):
        return None
    active = [
        pre.min_severity > 0,
        pre.max_severity < 4,
        pre.min_attribution_confidence is not None,
        pre.requires_actor,
        pre.requires_sponsor,
        pre.requires_confirmed_exploitation,
        pre.requires_critical_service,
        pre.requires_restricted_sources,
    ]
    return [text for (_, text), on in zip(checks[3:], active, strict=True) if on and text]


def _option(entry: PlaybookEntry, role: str, a: Assessment, facts: frozenset[str]) -> ResponseOption:
    matched = sorted(set(entry.threat_types) & set(a.threat_types) - {"general"})
    fit = f"it is meant for {', '.join(matched)}" if matched else "it applies to any incident"
    met = _conditions_met(entry, a, facts) or []
    why = (
        f"{role}: {fit}; rung {entry.rung} ({RUNGS[entry.rung]}) is within the ceiling of rung "
        f"{a.ceiling_rung} ({RUNGS[a.ceiling_rung]}); the sources' {a.pap} permits it"
        + (f"; conditions met: {', '.join(met)}" if met else "")
        + "."
    )
    return ResponseOption(
        playbook_id=entry.id,
        kind=entry.kind,
        rung=entry.rung,
        title=entry.title,
        action=entry.action,
        cost=entry.cost,
        sequence=entry.sequence,
        change_indicators=entry.change_indicators,
        de_escalation=entry.de_escalation,
        why=why,
    )
