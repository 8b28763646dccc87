"""Proportionality checks: ceiling, vetted options, PAP, calm wording, hedged attribution, de-escalation."""

from __future__ import annotations

import pytest

from assistant.assess import assess
from assistant.brief import Assessment, Brief, ConfidenceLevel, PublicMessaging, ResponseOption, Statement
from assistant.checks.proportionality import (
    attribution_matches_confidence,
    check_proportionality,
    no_escalatory_wording,
)
from assistant.options import select_options
from assistant.playbook import load_playbook
from guardrails.markings import PAP
from retrieval.documents import Entities, Passage

PLAYBOOK = load_playbook()


def assessment(level: ConfidenceLevel | None = "moderate", **kw: object) -> Assessment:
    fields: dict[str, object] = {
        "severity": 3,
        "ceiling_rung": 2,
        "threat_types": ("critical-infrastructure",),
        "attribution": "GRANITE TIDE",
        "attribution_confidence": level,
        "sponsor": "Karsovia",
        "pap": "PAP:GREEN",
    }
    fields.update(kw)
    return Assessment(**fields)  # type: ignore[arg-type]


def brief(*texts: str, a: Assessment | None = None, options: tuple[ResponseOption, ...] = ()) -> Brief:
    return Brief(
        question="What does this mean for the talks?",
        audience="diplomat",
        clearance="TLP:GREEN",
        marking="TLP:GREEN",
        bottom_line=tuple(Statement(text=t, cites=(1,)) for t in texts),
        assessment=a if a is not None else assessment(),
        options=options,
    )


def option(entry_id: str, **change: object) -> ResponseOption:
    e = PLAYBOOK.get(entry_id)
    assert e is not None
    fields: dict[str, object] = {
        "playbook_id": e.id,
        "kind": e.kind,
        "rung": e.rung,
        "title": e.title,
        "action": e.action,
        "cost": e.cost,
        "sequence": e.sequence,
        "de_escalation": e.de_escalation,
    }
    fields.update(change)
    return ResponseOption(**fields)  # type: ignore[arg-type]


def results(b: Brief) -> dict[str, bool]:
    return {r.name: r.passed for r in check_proportionality(brief=b)}


@pytest.mark.parametrize(
    ("level", "text", "passes"),
    [
        ("moderate", "GRANITE TIDE carried out the attack.", False),
        ("moderate", "GRANITE TIDE is likely responsible.", True),
        ("moderate", "GRANITE TIDE was behind the intrusion.", False),
        ("moderate", "We assess that GRANITE TIDE carried out the intrusion.", True),
        ("moderate", "Karsovia directed the attack on the water utility.", False),
        ("moderate", "Karsovian military intelligence probably directed the activity.", True),
        ("moderate", "We have no evidence that Karsovia ordered any disruption.", True),
        (
            "moderate",
            "GRANITE TIDE is responsible, with high confidence.",
            False,
        ),  # claims more than the sources
        ("moderate", "GRANITE TIDE is almost certainly responsible.", False),
        ("moderate", "The group copied screens of the control systems.", True),  # names no one
        ("low", "GRANITE TIDE is likely responsible.", False),
        ("low", "GRANITE TIDE may be responsible; confidence is low.", True),
        ("low", "GRANITE TIDE is likely responsible (low confidence).", True),
        ("low", "THUNDERCROW claimed the attack; GRANITE TIDE is a suspected partner.", True),
        ("high", "GRANITE TIDE carried out the intrusion.", True),
        ("high", "Karsovia sponsored GRANITE TIDE, with high confidence.", True),
        (None, "GRANITE TIDE carried out the attack.", False),  # unknown confidence is treated as low
    ],
)
def test_attribution_matches_confidence(level: ConfidenceLevel | None, text: str, passes: bool) -> None:
    result = attribution_matches_confidence(brief(text, a=assessment(level)))
    assert result.passed is passes, result.detail


def test_attribution_check_reads_public_lines_and_options() -> None:
    public = PublicMessaging(
        headline="Water is safe",
        key_messages=(Statement(text="GRANITE TIDE carried out the intrusion."),),
        talking_points=(),
        likely_questions=(),
        do_not_say=(),
    )
    b = brief("Water is safe.").model_copy(update={"public": public})
    assert not attribution_matches_confidence(b).passed


def test_no_attribution_means_nothing_to_check() -> None:
    b = brief("Someone carried out the attack.", a=assessment(None, attribution=None, sponsor=None))
    assert attribution_matches_confidence(b).passed


@pytest.mark.parametrize(
    ("text", "passes"),
    [
        ("We should retaliate against Karsovia.", False),
        ("A proportionate response would punish the group.", False),
        ("Ministries should hack back at the servers.", False),
        ("We must strike back quickly.", False),
        ("This amounts to an act of war.", False),
        ("Declare the intrusion an armed attack.", False),
        ("Make them pay for the disruption.", False),
        ("Karsovia may retaliate rhetorically after a public statement.", True),
        ("There is a risk of retaliation against our embassy.", True),
        ("We do not recommend hacking back.", True),
        ("We may retaliate if it continues.", False),
        ("The Commission declared the results on time.", True),
        ("Patch remote-access equipment within 48 hours.", True),
    ],
)
def test_no_escalatory_wording(text: str, passes: bool) -> None:
    result = no_escalatory_wording(brief(text))
    assert result.passed is passes, result.detail


def test_escalatory_wording_in_an_option_is_flagged() -> None:
    bad = option("demarche-private", action="Tell them we will retaliate if it continues.")
    assert not no_escalatory_wording(brief("Calm text.", options=(bad,))).passed


def test_every_playbook_entry_passes_the_wording_checks() -> None:
    options = tuple(option(e.id) for e in PLAYBOOK.entries)
    b = brief("Calm text.", a=assessment("high", ceiling_rung=4), options=options)
    assert no_escalatory_wording(b).passed
    assert attribution_matches_confidence(b).passed


@pytest.mark.parametrize(
    ("options", "a", "failing"),
    [
        (
            (option("allied-public-statement"),),
            assessment("high", ceiling_rung=2),
            {"options_within_ceiling"},
        ),
        ((option("targeted-sanctions"),), assessment("high", ceiling_rung=3), {"options_within_ceiling"}),
        (
            (option("log-review-quiet", playbook_id="nuke-it"), option("demarche-private")),
            assessment(),
            {"options_from_playbook"},
        ),
        (
            (option("log-review-quiet", rung=2), option("demarche-private")),
            assessment(),
            {"options_from_playbook"},
        ),
        ((option("indicator-blocking"),), assessment(pap="PAP:RED"), {"options_allowed_by_pap"}),
        ((option("demarche-private"),), assessment(pap="PAP:AMBER"), {"options_allowed_by_pap"}),
        (
            (option("log-review-quiet"), option("patch-exposed-systems")),
            assessment(),
            {"de_escalation_offered"},
        ),
        ((option("log-review-quiet"), option("demarche-private")), assessment(), set()),
    ],
)
def test_option_checks(options: tuple[ResponseOption, ...], a: Assessment, failing: set[str]) -> None:
    outcome = results(brief("GRANITE TIDE is likely responsible.", a=a, options=options))
    assert {name for name, ok in outcome.items() if not ok} == failing


def test_options_without_an_assessment_fail_the_ceiling_check() -> None:
    b = brief("x", options=(option("log-review-quiet"),)).model_copy(update={"assessment": None})
    assert not results(b)["options_within_ceiling"]


def test_de_escalation_not_required_when_no_eligible_step_offers_one() -> None:
    a = assessment(pap="PAP:RED", threat_types=("ransomware",), sponsor=None)
    b = brief("x", a=a, options=select_options(assessment=a))
    assert results(b)["de_escalation_offered"]


def test_check_names_are_stable() -> None:
    assert list(results(brief("x"))) == [
        "options_within_ceiling",
        "options_from_playbook",
        "options_allowed_by_pap",
        "no_escalatory_wording",
        "attribution_matches_confidence",
        "de_escalation_offered",
    ]


@pytest.mark.parametrize(
    ("text", "entities", "sentence"),
    [
        (
            "A state-sponsored group, GRANITE TIDE, gained hidden access to the control systems of three water "
            "utilities. The agencies assess with high confidence that GRANITE TIDE is sponsored by Karsovia.",
            Entities(actors=("GRANITE TIDE",), sponsors=("Karsovia",)),
            "GRANITE TIDE, sponsored by Karsovia, is likely preparing to disrupt water services.",
        ),
        (
            "The tourism website was defaced for four hours. The impact was low and no data was taken.",
            Entities(actors=("NOISY GULL",)),
            "NOISY GULL may be responsible for the defacement.",
        ),
    ],
)
def test_pipeline_output_passes_its_own_checks(text: str, entities: Entities, sentence: str) -> None:
    passages = [
        Passage(
            chunk_id=f"c{i}",
            doc_id=f"d{i}",
            text=text,
            title="Report",
            source=f"Agency {i}",
            doc_type="report",
            reliability="A",
            credibility="1",
            confidence=80,
            pap=PAP.GREEN,
            entities=entities,
        )
        for i in (1, 2)
    ]
    a = assess(question="What does this mean?", passages=passages)
    b = brief(sentence, a=a, options=select_options(assessment=a))
    assert all(results(b).values()), check_proportionality(brief=b)
