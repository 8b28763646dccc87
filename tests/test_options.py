"""The vetted playbook and option selection: within the ceiling, allowed by PAP, explainable, deterministic."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml

from assistant.brief import Assessment
from assistant.options import eligible_entries, select_options
from assistant.playbook import DEFAULT_PATH, THREAT_TYPES, Playbook, RulesError, load_playbook
from guardrails.markings import PAP

PLAYBOOK = load_playbook()
SPECIFIC_TYPES = [t for t in THREAT_TYPES if t != "general"]
JARGON = re.compile(r"\b(?:IOCs?|C2|TTPs?|APT\d*|LOTL|CVE-\d|T\d{4}|OT|ICS|SCADA|MFA|EDR|SIEM)\b")


def assessment(**kw: object) -> Assessment:
    fields: dict[str, object] = {"severity": 2, "ceiling_rung": 2, "threat_types": ("general",)}
    fields.update(kw)
    return Assessment(**fields)  # type: ignore[arg-type]


WATER = assessment(
    severity=3,
    ceiling_rung=3,
    threat_types=("critical-infrastructure", "vulnerability-exploitation"),
    factors=("Sources confirm a break-in or the use of a known software flaw.",),
    attribution="GRANITE TIDE",
    attribution_confidence="high",
    sponsor="Karsovia",
    pap="PAP:GREEN",
)

# --- the playbook -----------------------------------------------------------------------------------------


def test_every_entry_validates_and_the_library_is_large_enough() -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert len(raw["entries"]) == len(PLAYBOOK.entries) >= 30
    assert {e.kind for e in PLAYBOOK.entries} == {"defensive", "deterrent", "collaborative"}
    assert {e.rung for e in PLAYBOOK.entries} == {0, 1, 2, 3, 4}
    assert sum(1 for e in PLAYBOOK.entries if e.de_escalation) >= 5


@pytest.mark.parametrize("threat", THREAT_TYPES)
def test_every_threat_type_has_options_at_rungs_0_to_2(threat: str) -> None:
    rungs = {e.rung for e in PLAYBOOK.entries if e.applies_to((threat,))}
    assert {0, 1, 2} <= rungs
    if threat != "general":
        assert any(threat in e.threat_types for e in PLAYBOOK.entries), f"no entry written for {threat}"


@pytest.mark.parametrize("entry", PLAYBOOK.entries, ids=lambda e: e.id)
def test_entries_are_plain_and_coherent(entry: object) -> None:
    e = entry  # type: ignore[assignment]
    for text in (e.title, e.action, e.cost, e.sequence, *(e.change_indicators), e.de_escalation or ""):  # type: ignore[attr-defined]
        assert not JARGON.search(text), text
    if e.rung >= 3:  # type: ignore[attr-defined]
        assert e.kind == "deterrent" or e.preconditions.min_attribution_confidence == "high"  # type: ignore[attr-defined]
        assert e.pap_level <= PAP.GREEN  # type: ignore[attr-defined]  # acting in public is an active step


def test_unconditional_passive_steps_exist_for_any_pap() -> None:
    """Even under PAP:RED and the lowest ceiling, at least two steps remain."""
    quiet = [
        e
        for e in PLAYBOOK.entries
        if "general" in e.threat_types
        and e.rung == 0
        and e.pap_level == PAP.RED
        and e.preconditions.max_severity == 4
    ]
    assert len(quiet) >= 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "'log-review-quiet'.*colour.*Extra inputs"),
        ({"rung": 7}, "'log-review-quiet'.*rung"),
        ({"kind": "offensive"}, "'log-review-quiet'.*kind"),
        ({"threat_types": ["piracy"]}, "'log-review-quiet'.*threat_types"),
        ({"pap_required": "PURPLE"}, "'log-review-quiet'.*pap_required.*Unknown PAP"),
        ({"preconditions": {"min_severity": 3, "max_severity": 1}}, "'log-review-quiet'.*min_severity"),
        ({"preconditions": {"needs_luck": True}}, "'log-review-quiet'.*needs_luck"),
        ({"action": "One. Two. Three."}, "'log-review-quiet'.*two sentences"),
        ({"kind": "deterrent"}, "'log-review-quiet'.*rung 3 or 4"),
        ({"rung": 3, "kind": "deterrent"}, "'log-review-quiet'.*requires_actor"),
    ],
)
def test_bad_entries_are_errors_naming_the_entry(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["entries"][0].update(change)
    path = tmp_path / "playbook.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        load_playbook(path)


def test_duplicate_ids_and_missing_files_are_errors(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["entries"].append(raw["entries"][0])
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(RulesError, match="duplicate entry id 'log-review-quiet'"):
        load_playbook(path)
    with pytest.raises(RulesError, match="file not found"):
        load_playbook(tmp_path / "missing.yaml")


# --- selection --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "a", "max_rung"),
    [
        (
            "defacement",
            assessment(
                severity=1,
                ceiling_rung=1,
                threat_types=("defacement",),
                attribution="NOISY GULL",
                attribution_confidence="high",
            ),
            1,
        ),
        (
            "hospital",
            assessment(
                severity=3,
                ceiling_rung=2,
                threat_types=("ransomware",),
                attribution="VELVET JACKAL",
                attribution_confidence="high",
            ),
            2,
        ),
        (
            "espionage",
            assessment(
                severity=2,
                ceiling_rung=2,
                threat_types=("espionage",),
                attribution="CINDER HERON",
                attribution_confidence="moderate",
                sponsor="Vostrania",
            ),
            2,
        ),
        ("water", WATER, 3),
    ],
)
def test_options_stay_within_the_ceiling(name: str, a: Assessment, max_rung: int) -> None:
    options = select_options(assessment=a)
    assert 2 <= len(options) <= 4
    assert max(o.rung for o in options) <= max_rung
    assert any(o.kind == "defensive" for o in options)
    assert [o.rung for o in options] == sorted(o.rung for o in options)  # ladder order
    assert all(o.why and f"ceiling of rung {a.ceiling_rung}" in o.why for o in options)


def test_low_impact_incident_never_gets_rung_3_or_above() -> None:
    for threat, pap, conf in itertools.product(THREAT_TYPES, PAP, ("low", "moderate", "high")):
        a = assessment(
            severity=1,
            ceiling_rung=1,
            threat_types=(threat,),
            attribution="NOISY GULL",
            attribution_confidence=conf,
            sponsor="Karsovia",
            pap=pap.label,
        )
        assert all(o.rung <= 1 for o in select_options(assessment=a)), (threat, pap, conf)


def test_never_above_the_ceiling_and_always_two_to_four() -> None:
    for threat, ceiling, pap, severity in itertools.product(THREAT_TYPES, range(5), PAP, range(5)):
        a = assessment(
            severity=severity,
            ceiling_rung=ceiling,
            threat_types=(threat,),
            attribution="X",
            attribution_confidence="high",
            sponsor="Y",
            pap=pap.label,
            factors=("Sources confirm a break-in or the use of a known software flaw.",),
        )
        options = select_options(assessment=a)
        assert 2 <= len(options) <= 4
        assert all(o.rung <= ceiling for o in options)
        assert sum(o.kind == "deterrent" for o in options) <= (1 if ceiling >= 3 else 0)


def test_water_pre_positioning_with_high_confidence() -> None:
    options = select_options(assessment=WATER)
    kinds = {o.kind for o in options}
    assert {"defensive", "collaborative", "deterrent"} <= kinds
    assert any(o.de_escalation for o in options)
    assert "demarche-private" in {o.playbook_id for o in options}


def test_pap_red_sources_allow_only_passive_options() -> None:
    red = WATER.model_copy(update={"pap": "PAP:RED"})
    options = select_options(assessment=red)
    assert len(options) >= 2
    assert all(PLAYBOOK.get(o.playbook_id).pap_level == PAP.RED for o in options)  # type: ignore[union-attr]
    assert all(o.rung <= 1 for o in options)


def test_pap_amber_forbids_active_steps() -> None:
    amber = WATER.model_copy(update={"pap": "PAP:AMBER"})
    ids = {e.id for e in eligible_entries(assessment=amber)}
    assert "indicator-blocking" not in ids and "demarche-private" not in ids
    assert "indicator-blocking" in {e.id for e in eligible_entries(assessment=WATER)}


def test_moderate_attribution_never_reaches_public_signals() -> None:
    a = WATER.model_copy(update={"attribution_confidence": "moderate", "ceiling_rung": 4, "severity": 4})
    assert all(o.rung <= 2 for o in select_options(assessment=a))


def test_deterrent_only_when_the_ceiling_reaches_rung_3() -> None:
    a = WATER.model_copy(update={"ceiling_rung": 2})
    assert all(o.kind != "deterrent" for o in select_options(assessment=a))


def test_a_de_escalation_avenue_is_included_when_one_exists() -> None:
    for threat, ceiling in itertools.product(SPECIFIC_TYPES, range(5)):
        a = WATER.model_copy(update={"threat_types": (threat,), "ceiling_rung": ceiling})
        eligible = eligible_entries(assessment=a)
        for n in (2, 3, 4):
            options = select_options(assessment=a, max_options=n)
            if any(e.de_escalation for e in eligible):
                assert any(o.de_escalation for o in options), (threat, ceiling, n)


def test_preconditions_are_enforced_and_explained() -> None:
    no_sponsor = WATER.model_copy(update={"sponsor": None})
    assert "demarche-private" not in {e.id for e in eligible_entries(assessment=no_sponsor)}
    no_break_in = WATER.model_copy(update={"factors": ()})
    assert "incident-response-support" not in {e.id for e in eligible_entries(assessment=no_break_in)}
    demarche = next(o for o in select_options(assessment=WATER) if o.playbook_id == "demarche-private")
    assert "attribution confidence is high (needs moderate)" in demarche.why
    assert "suspected state sponsor" in demarche.why


def test_selection_is_deterministic() -> None:
    first = select_options(assessment=WATER)
    assert all(select_options(assessment=WATER) == first for _ in range(3))
    shuffled = Playbook(entries=tuple(reversed(PLAYBOOK.entries)))
    assert select_options(assessment=WATER, playbook=shuffled) == first


def test_max_options_is_bounded() -> None:
    assert len(select_options(assessment=WATER, max_options=2)) == 2
    with pytest.raises(ValueError, match="between 2 and 4"):
        select_options(assessment=WATER, max_options=5)


def test_too_small_a_playbook_is_an_error() -> None:
    tiny = Playbook(entries=(PLAYBOOK.get("log-review-quiet"),))  # type: ignore[arg-type]
    with pytest.raises(RulesError, match="add general entries"):
        select_options(assessment=WATER, playbook=tiny)
