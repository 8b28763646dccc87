"""Audience policies: what each reader may see."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.audiences import audience_names, get_audience, load_audiences
from guardrails.errors import AudienceError
from guardrails.markings import TLP


@pytest.mark.parametrize(
    ("entity", "analyst", "diplomat", "public"),
    [
        ("PERSON", "pseudonym", "pseudonym", "pseudonym"),
        ("EMAIL_ADDRESS", "pseudonym", "pseudonym", "pseudonym"),
        ("CREDENTIAL", "pseudonym", "pseudonym", "pseudonym"),
        ("API_KEY", "pseudonym", "pseudonym", "pseudonym"),
        ("CANARY", "pseudonym", "pseudonym", "pseudonym"),
        ("SOURCE_CODENAME", "pseudonym", "pseudonym", "pseudonym"),
        ("CLASSIFICATION_MARKING", "pseudonym", "pseudonym", "pseudonym"),
        ("IP_ADDRESS", None, "pseudonym", "pseudonym"),
        ("URL", None, "pseudonym", "pseudonym"),
        ("FILE_HASH", None, "pseudonym", "pseudonym"),
        ("INTERNAL_HOST", None, "pseudonym", "pseudonym"),
        ("CASE_NUMBER", None, "pseudonym", "pseudonym"),
        ("ATTACK_ID", None, "drop", "drop"),
        ("ORGANIZATION", None, None, "pseudonym"),
        ("LOCATION", None, None, None),
    ],
)
def test_actions_by_audience(
    entity: str, analyst: str | None, diplomat: str | None, public: str | None
) -> None:
    assert get_audience("analyst").action_for(entity) == analyst
    assert get_audience("diplomat").action_for(entity) == diplomat
    assert get_audience("public").action_for(entity) == public


def test_flags_and_source_ceilings() -> None:
    analyst, diplomat, public = (get_audience(n) for n in ("analyst", "diplomat", "public"))
    assert not analyst.strips_indicators and diplomat.strips_indicators and public.strips_indicators
    assert not analyst.strips_technique_ids and diplomat.strips_technique_ids
    assert not analyst.strips_internal_names and diplomat.strips_internal_names
    assert analyst.strips_sources and diplomat.strips_sources and public.strips_sources
    assert public.max_source_tlp == TLP.CLEAR and public.attribution_clear_only
    assert public.admits(TLP.CLEAR) and not public.admits(TLP.GREEN)
    assert public.ceiling(TLP.AMBER) == TLP.CLEAR
    assert diplomat.ceiling(TLP.AMBER) == TLP.AMBER


def test_names_and_lookup() -> None:
    assert set(audience_names()) == {"analyst", "diplomat", "public"}
    assert get_audience(" Diplomat ").name == "diplomat"
    assert get_audience(get_audience("public")).name == "public"


def test_unknown_audience_lists_the_known_ones() -> None:
    with pytest.raises(AudienceError, match="analyst, diplomat, public"):
        get_audience("journalist")


def test_secrets_are_stripped_even_if_the_file_forgets(tmp_path: Path) -> None:
    path = tmp_path / "aud.yaml"
    path.write_text(
        "groups:\n  secrets: {entities: [CREDENTIAL], action: pseudonym}\n"
        "  persons: {entities: [PERSON], action: pseudonym}\n"
        "audiences:\n  lax: {max_source_tlp: GREEN, strip: [persons]}\n",
        encoding="utf-8",
    )
    lax = get_audience("lax", path=path)
    assert lax.action_for("CREDENTIAL") == "pseudonym"
    assert lax.max_source_tlp == TLP.GREEN


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("groups: {secrets: {entities: [X]}}\naudiences: {a: {strip: [nope]}}\n", "unknown group"),
        ("groups: {secrets: {entities: [X], action: shred}}\naudiences: {a: {}}\n", "action"),
        ("groups: {persons: {entities: [PERSON]}}\naudiences: {a: {}}\n", "secrets"),
        ("groups: {secrets: {entities: [X]}}\naudiences: {a: {max_source_tlp: PURPLE}}\n", "max_source_tlp"),
        ("groups: {secrets: {entities: [X]}}\n", "no audiences"),
    ],
)
def test_malformed_audience_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / f"bad-{abs(hash(content))}.yaml"
    path.write_text(content, encoding="utf-8")
    load_audiences.cache_clear()
    with pytest.raises(AudienceError, match=message):
        get_audience("a", path=path)
