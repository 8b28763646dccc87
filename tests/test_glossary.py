"""The glossary: coverage, rewriting per audience, and finding unexplained jargon (table-driven)."""

from __future__ import annotations

import re

import pytest

import assistant  # noqa: F401 - offline start-up first
from assistant.glossary import TECHNIQUE_RE, explain, load_glossary, local_definitions, unexplained_jargon

REQUIRED_TERMS = [
    "C2", "IOC", "TTP", "APT", "LOTL", "living off the land", "CVE", "RCE", "VPN", "DDoS", "zero-day",
    "exploit code", "payload", "lateral movement", "exfiltration", "credential dumping", "web shell",
    "phishing", "spearphishing", "ransomware", "wiper", "botnet", "OT", "ICS", "SCADA", "MFA", "EDR",
    "SIEM", "patch", "CVSS", "KEV",
]  # fmt: skip
REQUIRED_TECHNIQUES = {
    "T1566": "targeted fake emails",
    "T1566.001": "fake emails with harmful attachments",
    "T1190": "breaking in through internet-facing software flaws",
    "T1078": "using stolen but valid accounts",
    "T1059": "running commands",
    "T1486": "encrypting data for ransom",
    "T1491": "defacing websites",
    "T1195": "compromising a supplier",
    "T1003": "stealing passwords from memory",
}


def test_glossary_covers_the_required_jargon_and_sixty_techniques() -> None:
    glossary = load_glossary()
    assert [t for t in REQUIRED_TERMS if glossary.surface(t) is None] == []
    for attack_id, plain in REQUIRED_TECHNIQUES.items():
        assert glossary.techniques[attack_id].plain == plain
    for attack_id in (
        "T1498",
        "T1499",
        "T1021",
        "T1047",
        "T1053",
        "T1071",
        "T1105",
        "T1133",
        "T1210",
        "T1505.003",
    ):
        assert attack_id in glossary.techniques
    assert len([t for t in glossary.techniques if t.startswith("T1")]) >= 60
    assert all(TECHNIQUE_RE.fullmatch(t) for t in glossary.techniques)


def test_plain_phrases_contain_no_jargon_themselves() -> None:
    glossary = load_glossary()
    phrases = [t.plain for t in glossary.terms] + [t.plain for t in glossary.techniques.values()]
    assert {p: unexplained_jargon(p) for p in phrases if unexplained_jargon(p)} == {}


@pytest.mark.parametrize(
    ("text", "diplomat"),
    [
        ("The group used T1566 against staff.", "The group used targeted fake emails against staff."),
        (
            'Specialists call this "spearphishing attachment" (MITRE ATT&CK T1566.001).',
            'Specialists call this "spearphishing attachment".',  # the source names and explains it itself
        ),
        (
            "Attackers chained CVE-2023-46805 and CVE-2024-21887 to reach the VPN.",
            "Attackers chained two known software flaws to reach the remote-access gateway.",
        ),
        ("They exploited a flaw (CVE-2023-4966) in the gateway.", "They exploited a flaw in the gateway."),
        ("CVE-2023-4966 is exploited.", "A known software flaw is exploited."),
        (
            "It beaconed to its command-and-control (C2) server.",
            "It checked in with the attackers to its remote control server.",
        ),
        (
            "An IOC was found and the data was exfiltrated.",
            "A warning sign of an intrusion was found and the data was copied out.",
        ),
        ("Enable phishing-resistant MFA for email.", "Enable phishing-resistant two-step sign-in for email."),
        ("They stole data using T1567.", "They stole data by stealing data through web services."),
        (
            "The actors evade detection [TA0005] by security tools.",
            "The actors evade detection by security tools.",
        ),
        ("It is on the KEV catalogue.", "It is on the US list of flaws known to be exploited."),
        ("A method known as living off the land.", "A method known as living off the land."),
    ],
)
def test_explain_for_diplomats(text: str, diplomat: str) -> None:
    assert explain(text, audience="diplomat") == diplomat


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("Apply the patch to unpatched appliances.", "Apply the software fix to out-of-date appliances."),
        ("The malware encrypted files.", "The harmful software locked files."),
        ("Criminals used ransomware.", "Criminals used ransomware."),  # widely understood: kept
    ],
)
def test_explain_for_the_public_goes_further(text: str, public: str) -> None:
    assert explain(text, audience="public") == public
    assert explain(text, audience="diplomat") != public or text == public


def test_analysts_keep_terms_with_an_explanation_on_first_use_only() -> None:
    text = "T1566 was used. Later T1566 again, and the VPN and the IOCs (listed below)."
    assert explain(text, audience="analyst") == (
        "T1566 (targeted fake emails) was used. Later T1566 again, and the VPN (remote-access gateway) "
        "and the IOCs (listed below)."
    )
    assert explain("CVE-2023-4966 is exploited.", audience="analyst") == "CVE-2023-4966 is exploited."


def test_local_acronym_definitions_win_over_the_glossary() -> None:
    text = "Staff of the Ministry of Foreign Affairs (MFA) were targeted. Hunt across all MFA networks."
    defined = local_definitions(text)
    assert defined == {"MFA": "Ministry of Foreign Affairs"}
    assert explain(text, audience="diplomat", defined=defined) == (
        "Staff of the Ministry of Foreign Affairs were targeted. Hunt across all Ministry of Foreign Affairs networks."
    )
    assert local_definitions("Use multi-factor authentication (MFA).") == {}


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("The group used T1566.", (), ["T1566"]),
        ("The group used T1566 (targeted fake emails).", (), []),
        ("The group used targeted fake emails (T1566).", (), []),
        ("Block the C2 servers listed in the IOC (warning sign) table.", (), ["C2"]),
        ("It exploited CVE-2024-21887.", (), ["CVE-2024-21887"]),
        ("It exploited a flaw, CVE-2024-21887.", (), []),
        ('A method known as "living off the land".', (), []),
        ("Staff used the VPN.", (), ["VPN"]),
        ("The attackers exfiltrated data.", (), ["exfiltrated"]),
        ("FEATHERLIGHT beaconed home.", ("FEATHERLIGHT",), ["FEATHERLIGHT", "beaconed"]),
        ("The FEATHERLIGHT backdoor tool was found.", ("FEATHERLIGHT",), ["backdoor"]),
        ("Criminals used ransomware and phishing; apply the patch.", (), []),  # common words are not jargon
        ("GRANITE TIDE and the National CERT.", (), []),
    ],
)
def test_unexplained_jargon(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert unexplained_jargon(text, names=names) == expected


def test_articles_and_sentence_case_follow_the_replacement() -> None:
    assert explain("An EDR alert fired. APT groups were seen.", audience="diplomat") == (
        "A computer security software alert fired. Long-term hacking groups were seen."
    )
    assert not re.search(r"\b[Aa] [aeiou]", explain("They found a IOC.", audience="diplomat"))
