"""The CTI-aware allow-list: actor, malware and tool names are not personal data; secrets are never allowed."""

from __future__ import annotations

import pytest

from guardrails.allowlist import AllowList, normalise
from guardrails.spans import Span

KB_NAMES = [
    "APT28",
    "Fancy Bear",
    "Sandworm Team",
    "Mimikatz",
    "Cobalt Strike",
    "Volt Typhoon",
    "Kevin",
    "Rubeus",
]


def _span(text: str, value: str, entity: str = "PERSON") -> Span:
    start = text.index(value)
    return Span(entity, start, start + len(value), 0.85, value)


@pytest.fixture
def allow() -> AllowList:
    return AllowList(KB_NAMES)


@pytest.mark.parametrize(
    "value",
    [
        "APT28",
        "Fancy Bear",
        "fancy bear's",
        "The Sandworm Team",
        "Mimikatz",
        "Cobalt-Strike",
        "Volt Typhoon",
        "Mandiant",
        "CrowdStrike",
        "CISA",
        "FBI",
        "NSA",
        "ASD's ACSC",
        "CVE-2023-4966",
        "T1566.001",
        "G0007",
        "APT 40",
        "UNC2452",
        "Storm-0558",
        "TLP:AMBER",
        "the Ministry",
    ],
)
def test_allowed(allow: AllowList, value: str) -> None:
    assert value in allow


@pytest.mark.parametrize(
    "value", ["Jane Citizen", "Priya Raman", "Ministry of Foreign Affairs", "CORMORANT", ""]
)
def test_not_allowed(allow: AllowList, value: str) -> None:
    assert value not in allow


@pytest.mark.parametrize(
    ("text", "value", "entity", "kept"),
    [
        ("Fancy Bear used it.", "Fancy Bear", "PERSON", []),
        ("Mandiant reported Volt Typhoon.", "Mandiant", "ORGANIZATION", []),
        ("They ran Mimikatz and Rubeus.", "Mimikatz and Rubeus", "PERSON", []),
        ("An APT28 operator Ivan Petrov wrote it.", "APT28 operator Ivan Petrov", "PERSON", ["Ivan Petrov"]),
        ("Kevin Marsh signed it.", "Kevin Marsh", "PERSON", ["Kevin Marsh"]),  # Kevin is also malware
        ("Seen with Ember Bear today.", "Ember", "PERSON", ["Ember"]),  # not a known name here
        ("The BlackEnergy loader ran.", "BlackEnergy", "PERSON", []),
        ("Run svchost.exe now.", "svchost.exe", "PERSON", []),
        ("Patch macOS Big Sur.", "macOS Big Sur", "PERSON", []),
        ("Granite Typhoon struck.", "Granite Typhoon", "PERSON", []),  # unknown actor, naming convention
        ("Jane McDonald wrote.", "Jane McDonald", "PERSON", ["Jane McDonald"]),
        ("password APT28 here", "APT28", "CREDENTIAL", ["APT28"]),  # never for secrets
        ("key Mandiant here", "Mandiant", "API_KEY", ["Mandiant"]),
    ],
)
def test_filter(allow: AllowList, text: str, value: str, entity: str, kept: list[str]) -> None:
    result = allow.filter([_span(text, value, entity)], text)
    assert [s.text for s in result] == kept
    for span in result:
        assert text[span.start : span.end] == span.text


def test_partial_tag_inside_an_allowed_name() -> None:
    allow = AllowList(["Saint Bear", "Ember Bear"])
    text = "Unlike [Ember Bear](https://attack.mitre.org/groups/G1003), Saint Bear spoofs."
    spans = [
        _span(text, "Ember"),
        Span("PERSON", text.index("Saint"), text.index("Saint") + 5, 0.85, "Saint"),
    ]
    assert allow.filter(spans, text) == []


def test_with_names_extends_without_mutating(allow: AllowList) -> None:
    bigger = allow.with_names(["CINDER HERON"])
    assert "Cinder Heron" in bigger and "Cinder Heron" not in allow
    assert "APT28" in bigger


def test_normalise() -> None:
    assert normalise("The Fancy-Bear’s") == normalise("fancy bear") == "fancybear"
