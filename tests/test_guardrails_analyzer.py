"""The Presidio engine with detente's recognizers and the CTI allow-list (loads the real spaCy model)."""

from __future__ import annotations

import pytest

from guardrails.allowlist import AllowList
from guardrails.analyzer import analyze, analyze_many, spans_for
from guardrails.redact import redact, rescan
from guardrails.spans import spans_to_json
from guardrails.vault import Vault

pytestmark = pytest.mark.integration

CTI_NAMES = [
    "APT28",
    "Fancy Bear",
    "Sandworm Team",
    "Sandworm",
    "Mimikatz",
    "Cobalt Strike",
    "Volt Typhoon",
    "Industroyer",
    "CINDER HERON",
    "Ashen Crane",
    "GreyQuill Team",
    "FEATHERLIGHT",
    "Lusenia",
    "Vostrania",
]


@pytest.fixture(scope="module")
def allow() -> AllowList:
    return AllowList(CTI_NAMES)


CASES = [
    (
        "persons-and-contacts",
        "Contact Jane Citizen at jane.citizen@mfa.gov.example or +1-613-555-0172 before Friday.",
        [
            ("PERSON", "Jane Citizen"),
            ("EMAIL_ADDRESS", "jane.citizen@mfa.gov.example"),
            ("PHONE_NUMBER", "+1-613-555-0172"),
        ],
        [],
    ),
    (
        "actors-are-not-people",
        "APT28, also known as Fancy Bear, used Mimikatz and Cobalt Strike. Mandiant and CrowdStrike reported "
        "Volt Typhoon activity, and Sandworm Team deployed Industroyer.",
        [],
        [
            "APT28",
            "Fancy Bear",
            "Mimikatz",
            "Cobalt Strike",
            "Mandiant",
            "CrowdStrike",
            "Volt Typhoon",
            "Sandworm Team",
        ],
    ),
    (
        "titles-roles-and-codenames",
        "SECRET//NOFORN. Analyst Priya Raman notes that source CORMORANT met Dr. Amelia Hart. CORMORANT later "
        "confirmed it. Case file CASE-2026-0419.",
        [
            ("CLASSIFICATION_MARKING", "SECRET//NOFORN"),
            ("PERSON", "Priya Raman"),
            ("SOURCE_CODENAME", "CORMORANT"),
            ("PERSON", "Amelia Hart"),
            ("CASE_NUMBER", "CASE-2026-0419"),
        ],
        ["Analyst"],
    ),
    (
        "indicators-and-internal-hosts",
        "The implant beaconed from exch-02.mfa.internal to 198.51.100.23 and hxxp://evil[.]example/x.",
        [
            ("INTERNAL_HOST", "exch-02.mfa.internal"),
            ("IP_ADDRESS", "198.51.100.23"),
            ("URL", "hxxp://evil[.]example/x"),
        ],
        [],
    ),
    (
        "headings-are-not-people",
        "# Incident report IR-2026-117\n\nRequire multi-factor authentication. Vendor advisories follow.",
        [("CASE_NUMBER", "IR-2026-117")],
        ["Incident", "Require", "Vendor"],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected", "absent"), CASES, ids=[c[0] for c in CASES])
def test_analyze_table(allow: AllowList, name: str, text: str, expected: list, absent: list) -> None:
    spans = analyze(text, allow=allow)
    found = {(s.entity_type, s.text) for s in spans}
    for item in expected:
        assert item in found, f"missing {item}; found {sorted(found)}"
    for value in absent:
        assert not any(
            value in s.text for s in spans if s.entity_type in ("PERSON", "ORGANIZATION", "SOURCE_CODENAME")
        ), value
    for span in spans:
        assert text[span.start : span.end] == span.text


def test_allow_list_keeps_actor_names_as_persons(allow: AllowList) -> None:
    text = "APT28 and Fancy Bear, Sandworm Team, Mimikatz, Cobalt Strike, Volt Typhoon and Mandiant were discussed."
    persons = [s.text for s in analyze(text, allow=allow) if s.entity_type == "PERSON"]
    assert persons == []


def test_values_propagate_within_and_across_chunks(allow: AllowList) -> None:
    chunks = [
        "A human source, source CORMORANT, reports the tasking. Incident lead: Elif Demir.",
        "CORMORANT heard it from a contact. Demir confirmed the timeline.",
    ]
    first, second = analyze_many(chunks, allow=allow)
    assert ("SOURCE_CODENAME", "CORMORANT") in {(s.entity_type, s.text) for s in second}
    assert ("PERSON", "Demir") in {(s.entity_type, s.text) for s in second}
    alone = analyze_many(chunks[1:], allow=allow, share=False)[0]
    assert ("SOURCE_CODENAME", "CORMORANT") not in {(s.entity_type, s.text) for s in alone}


def test_stored_spans_fast_path(allow: AllowList) -> None:
    text = "Analyst Priya Raman saw 203.0.113.45."
    stored = spans_to_json(analyze(text, allow=allow))
    assert [s.text for s in spans_for(text=text, annotations=stored, allow=allow)] == [
        "Priya Raman",
        "203.0.113.45",
    ]
    assert [s.text for s in spans_for(text=text, annotations=None, allow=allow)] == [
        "Priya Raman",
        "203.0.113.45",
    ]


def test_rescan_catches_what_a_draft_restates(allow: AllowList) -> None:
    vault = Vault()
    passage = "Analyst Priya Raman saw traffic to 203.0.113.45 from fw-core-02.mfa.internal."
    redact(text=passage, spans=analyze(passage, allow=allow), audience="diplomat", vault=vault)
    draft = "As <PERSON_1> noted, Priya Raman saw 203.0.113.45; APT28 is suspected. Contact Mateo Rinaldi."
    result = rescan(text=draft, audience="diplomat", vault=vault, allow=allow)
    assert (
        result.text == "As <PERSON_1> noted, <PERSON_1> saw <IP_1>; APT28 is suspected. Contact <PERSON_2>."
    )
