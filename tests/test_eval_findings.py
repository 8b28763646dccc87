"""Regression tests for what the evaluation suites found (proportionality, plain_language, accuracy).

1. Severity: disruption of critical services with stated shutdowns, and tampering with treatment or control
   processes, are recognised; low-impact incidents stay low.
2. Tool and malware names are explained for diplomats and replaced for the public.
3. Analyst briefs keep CVE ids and KEV due dates and required actions.
4. The composer's focus does not follow an unasked actor that retrieval ranked low.
"""

from __future__ import annotations

import pytest

import assistant  # noqa: F401 - offline start-up first
from assistant.assess import assess, stated_facts
from assistant.brief import Brief
from assistant.checks.grounding import brief_texts
from assistant.checks.plain_language import check_plain_language
from assistant.compose import Composer
from assistant.compose_focus import find_focus
from assistant.glossary import explain, unexplained_jargon
from assistant.glossary_tools import (
    GENERIC_MALWARE,
    GENERIC_TOOL,
    explain_tools,
    shorten_repeated_notes,
    tool_notes,
)
from assistant.llm import draft_checks
from retrieval.documents import Entities, Passage
from tests import fakes

# --- 1. severity from stated facts --------------------------------------------------------------------

PORT = (
    "On 2 May 2026 a ransomware attack encrypted the terminal operating systems of the Port of Selden. "
    "Container handling stopped for three days and about 400 ships' calls were delayed. Food and medicine "
    "deliveries were moved to other ports. The attackers demanded payment in cryptocurrency. We have no "
    "evidence that any state directed the attack."
)
WATER_TAMPERING = (
    "On 30 June 2026 an attacker changed the chlorine dosing settings at the Lowmere water treatment plant. "
    "Operators noticed the change within an hour and reversed it; no unsafe water reached homes, but the "
    "plant ran in manual mode for two days. The authoring agencies assess with high confidence that GRANITE "
    "TIDE carried out the tampering, and that the group is sponsored by Karsovia's military intelligence."
)


def report(text: str, *, title: str = "Report", entities: Entities | None = None, **kw: object) -> Passage:
    return fakes.passage(
        title.casefold().replace(" ", "-"),
        text,
        title=title,
        entities=entities or Entities(),
        reliability=kw.pop("reliability", "A"),
        credibility=kw.pop("credibility", "1"),
        **kw,
    )


def test_port_shut_down_by_ransomware_is_serious_but_not_escalatory() -> None:
    p = report(
        PORT,
        title="Ransomware attack halts container terminals at the Port of Selden",
        entities=Entities(actors=("BRASS MOTH",)),
        credibility="2",
    )
    a = assess(
        question="Ransomware has halted our main port for three days. What should we do?", passages=[p]
    )
    assert 2 <= a.severity <= 4, a.factors
    assert a.ceiling_rung <= 2, a.factors
    assert {"critical_service", "service_disrupted"} <= stated_facts(a)
    assert any("transport" in f for f in a.factors)


@pytest.mark.parametrize(
    ("text", "service"),
    [
        (
            "The hospital shut down its emergency department for two days after the ransomware attack.",
            "health care",
        ),
        (
            "Ransomware forced the water treatment plant to run in manual mode for three days.",
            "drinking water",
        ),
        ("After the intrusion the power station was shut down for six hours.", "energy"),
    ],
)
def test_stated_shutdowns_of_critical_services_are_disruptions(text: str, service: str) -> None:
    a = assess(question="What happened?", passages=[report(text)])
    assert {"critical_service", "service_disrupted"} <= stated_facts(a), a.factors
    assert any(service in f for f in a.factors)
    assert a.severity >= 3, a.factors


def test_tampering_with_water_treatment_is_high_severity_and_a_state_signal_at_most() -> None:
    p = report(
        WATER_TAMPERING,
        title="Joint advisory: tampering with water treatment at Lowmere",
        entities=Entities(actors=("GRANITE TIDE",), sponsors=("Karsovia",)),
    )
    a = assess(question="Someone changed chemical levels at a water treatment plant.", passages=[p])
    assert 3 <= a.severity <= 4, a.factors
    assert a.ceiling_rung == 3, a.factors  # a coordinated signal: the harm was averted
    assert {"critical_service", "process_tampering"} <= stated_facts(a)
    assert "critical-infrastructure" in a.threat_types


def test_unattributed_tampering_stays_within_coordination() -> None:
    p = report(
        "On 8 July 2026 an attacker changed the chlorine dosing settings at the Brackwater water treatment "
        "plant. We do not know who is responsible.",
        credibility="2",
    )
    a = assess(question="Should we name a country?", passages=[p])
    assert a.severity >= 2 and a.ceiling_rung <= 2, a.factors


@pytest.mark.parametrize(
    "text",
    [
        "We have found no evidence that the attacker changed the dosing settings at the treatment plant.",
        "The group may try to tamper with water treatment in future.",
    ],
)
def test_denied_or_hypothetical_tampering_states_no_fact(text: str) -> None:
    assert "process_tampering" not in stated_facts(assess(question="", passages=[report(text)]))


@pytest.mark.parametrize(
    "text",
    [
        "The tourism website was defaced for about four hours. The impact was low: no data was taken.",
        "The site was defaced and was offline for four hours. This was a nuisance, not a serious attack.",
    ],
)
def test_low_impact_defacement_stays_low(text: str) -> None:
    a = assess(question="How serious is the defacement?", passages=[report(text)])
    assert a.severity <= 1 and a.ceiling_rung <= 1, a.factors


def test_a_network_port_is_not_a_seaport() -> None:
    a = assess(question="", passages=[report("The scanner probed TCP port 443 on the web server.")])
    assert "critical_service" not in stated_facts(a)


# --- 2. tool and malware names ------------------------------------------------------------------------

RANSOMWARE_TEXT = (
    "A RaaS affiliate (BRASS MOTH) got in through an unpatched VPN, deployed Cobalt Strike beacons for C2, "
    "used Rclone for exfil and then ran the encryptor via GPO."
)


def test_diplomats_read_tool_names_with_a_few_words_on_first_mention() -> None:
    text = explain(RANSOMWARE_TEXT + " Rclone copied 40 GB.", audience="diplomat")
    assert "Cobalt Strike (a commercial hacking tool)" in text
    assert "Rclone (a file-copying tool often misused to steal data)" in text
    assert text.count("(a file-copying tool") == 1  # first mention only
    assert unexplained_jargon(text, names=("Cobalt Strike", "Rclone")) == []


def test_the_public_reads_what_the_tool_is_instead_of_its_name() -> None:
    text = explain(RANSOMWARE_TEXT, audience="public")
    assert "Cobalt Strike" not in text and "Rclone" not in text
    assert "a commercial hacking tool" in text and "a file-copying tool" in text
    notes = tool_notes(["HOLLOWLOCK"])
    assert explain("HOLLOWLOCK ransomware locked the servers.", audience="public", tools=notes) == (
        "Ransomware locked the servers."
    )


def test_analysts_keep_tool_names_as_they_are() -> None:
    assert "Cobalt Strike beacons" in explain(RANSOMWARE_TEXT, audience="analyst")


def test_names_the_glossary_does_not_list_get_a_generic_explanation() -> None:
    context = "THUNDERCROW handed out a volunteer attack tool, StormSling. QUILLDROP installed FEATHERLIGHT."
    notes = tool_notes(["StormSling", "QUILLDROP", "FEATHERLIGHT", "cmd", "Cobalt Strike"], context=context)
    assert notes == {
        "StormSling": GENERIC_TOOL,
        "QUILLDROP": GENERIC_MALWARE,
        "FEATHERLIGHT": GENERIC_MALWARE,
        "Cobalt Strike": "a commercial hacking tool",
    }
    text = explain("QUILLDROP ran and installed FEATHERLIGHT.", audience="diplomat", tools=notes)
    assert text == "QUILLDROP (malicious software) ran and installed FEATHERLIGHT (malicious software)."
    assert explain(
        "The HOLLOWLOCK ransomware ran.", audience="diplomat", tools=tool_notes(["HOLLOWLOCK"])
    ) == (
        "The HOLLOWLOCK ransomware ran."  # the text already says what it is
    )


def test_unexplained_jargon_flags_glossary_tools_and_accepts_a_later_mention() -> None:
    assert unexplained_jargon("They used Rclone.") == ["Rclone"]
    assert unexplained_jargon("They used Rclone (a file-copying tool). Rclone ran for hours.") == []


def test_explanations_survive_shortening_and_later_statements_get_a_reminder() -> None:
    assert explain_tools("They used Rclone.", audience="diplomat") == (
        "They used Rclone (a file-copying tool often misused to steal data)."
    )
    texts = shorten_repeated_notes(
        [
            "They used Rclone (a file-copying tool often misused to steal data).",
            "Rclone (a file-copying tool often misused to steal data) ran for hours.",
        ]
    )
    assert texts[1] == "Rclone (the file-copying tool) ran for hours."


def jargon_ransomware_brief(audience: str) -> tuple[Brief, list[Passage]]:
    p = report(
        "# RaaS affiliate hits Selden port TOS\n\n"
        + RANSOMWARE_TEXT
        + " The TOS (terminal operating system) "
        "was down for 72 hours; about 300 vessel calls were delayed. Double extortion is under way.",
        title="RaaS affiliate hits Selden port TOS",
        entities=Entities(actors=("BRASS MOTH",), malware=("Cobalt Strike", "Rclone")),
        credibility="2",
    )
    brief = Composer().draft(
        question="What does the ransomware attack on the Selden port mean for trade?",
        audience=audience,
        passages=[p],
        assessment=fakes.assessment(attribution="BRASS MOTH", attribution_confidence="moderate"),
        options=[],
        confidence=fakes.confidence(),
        clearance="TLP:CLEAR",
    )
    return brief, [p]


@pytest.mark.parametrize("audience", ["diplomat", "public"])
def test_briefs_explain_or_drop_tool_names_and_stay_grounded(audience: str) -> None:
    brief, passages = jargon_ransomware_brief(audience)
    text = " ".join(brief_texts(brief))
    checks = check_plain_language(brief=brief, names=("Cobalt Strike", "Rclone"))
    jargon = [r for r in checks if r.name == "plain_language.jargon" and not r.passed]
    assert jargon == [], jargon
    failed = [r for r in draft_checks(brief, passages) if not r.passed]
    assert [r for r in failed if not r.name.startswith("plain_language.grade")] == []  # a tiny source
    if audience == "public":
        assert "Cobalt Strike" not in text and "Rclone" not in text


# --- 3. analysts keep CVE ids and KEV deadlines -------------------------------------------------------

KEV = (
    "Vendor: Palo Alto Networks\nProduct: PAN-OS\nVulnerability: Palo Alto Networks PAN-OS Command Injection "
    "Vulnerability\nAdded to the CISA KEV catalogue: 2024-04-12\n\nPalo Alto Networks PAN-OS GlobalProtect "
    "contains a command injection vulnerability that allows an unauthenticated attacker to execute commands "
    "with root privileges on the firewall.\n\nRequired action: Apply mitigations per vendor instructions or "
    "discontinue use of the product if mitigations are unavailable.\nDue date for US federal agencies: "
    "2024-04-19\nKnown use in ransomware campaigns: Known"
)


def kev_brief(audience: str) -> tuple[Brief, list[Passage]]:
    kev = fakes.passage(
        "CVE-2024-3400",
        KEV,
        title="CVE-2024-3400: Palo Alto Networks PAN-OS Command Injection Vulnerability",
        source="CISA KEV",
        doc_type="kev",
        credibility=None,
        published="2024-04-12",
        entities=Entities(cves=("CVE-2024-3400",)),
    )
    advisory = fakes.passage(
        "advisory",
        "## Overview\n\nPalo Alto Networks has disclosed a command injection flaw, CVE-2024-3400, in the "
        "GlobalProtect feature of PAN-OS firewalls that attackers are exploiting.",
        title="PAN-OS command injection flaw exploited",
        entities=Entities(cves=("CVE-2024-3400",)),
    )
    brief = Composer().draft(
        question="Is the Palo Alto GlobalProtect command injection flaw on the known-exploited list?",
        audience=audience,
        passages=[kev, advisory],
        assessment=fakes.assessment(threat_types=("vulnerability-exploitation",)),
        options=[],
        confidence=fakes.confidence(),
        clearance="TLP:CLEAR",
    )
    return brief, [kev, advisory]


def test_analyst_briefs_keep_cve_ids_due_dates_and_required_actions() -> None:
    brief, passages = kev_brief("analyst")
    text = " ".join(brief_texts(brief))
    assert "CVE-2024-3400" in text
    assert "2024-04-19" in text
    assert "Apply mitigations per vendor instructions" in text
    assert [r for r in draft_checks(brief, passages) if not r.passed and r.name.startswith("grounding")] == []


def test_diplomat_briefs_still_leave_cve_ids_out() -> None:
    brief, _ = kev_brief("diplomat")
    text = " ".join(brief_texts(brief))
    assert "CVE-" not in text and "2024-04-19" in text


# --- 4. the focus does not follow an unasked, low-ranked actor -----------------------------------------


def test_an_unasked_actor_ranked_low_with_little_in_common_with_the_question_is_no_focus() -> None:
    notepad = [
        fakes.passage(
            f"notepad#{i}",
            "## Summary\n\nState-sponsored attackers compromised the hosting provider of Notepad++ and hijacked "
            "its update traffic to deliver tampered updates to selected users.",
            doc_id="notepad",
            title="Notepad++ updates hijacked by state-sponsored hackers",
            rank=i,
        )
        for i in range(2)
    ]
    profile = fakes.passage(
        "apt33",
        "APT33 is an Iranian group that has targeted aviation and energy organisations since 2013.",
        title="APT33",
        rank=5,
        entities=Entities(actors=("APT33",), sponsors=("Iran",)),
    )
    question = "Notepad++ updates hijacked by a state-sponsored group"
    focus = find_focus(question, [*notepad, profile], attribution="APT33")
    assert focus.actor is None
    assert profile not in focus.passages and notepad[0] in focus.passages
    brief = Composer().draft(
        question=question,
        audience="diplomat",
        passages=[*notepad, profile],
        assessment=fakes.assessment(attribution="APT33", attribution_confidence="moderate", sponsor="Iran"),
        options=[],
        confidence=fakes.confidence(),
        clearance="TLP:CLEAR",
    )
    text = " ".join(brief_texts(brief))
    assert "Notepad++" in text and "APT33" not in text


def test_an_asked_actor_keeps_a_passage_about_another_flaw_that_names_it() -> None:
    group = fakes.passage(
        "ta505",
        "TA505 is a financially motivated criminal group that has run the Clop ransomware since 2019.",
        title="TA505",
        entities=Entities(actors=("TA505",), malware=("Clop",)),
    )
    campaign = fakes.passage(
        "clop",
        "The CL0P ransomware gang, also known as TA505, exploited a flaw in MOVEit Transfer to steal data.",
        title="CL0P ransomware campaign",
        rank=1,
        entities=Entities(cves=("CVE-2023-34362",)),
    )
    other = fakes.passage(
        "citrix",
        "Attackers exploited a flaw in Citrix NetScaler to steal session tokens.",
        title="Citrix Bleed",
        rank=2,
        entities=Entities(cves=("CVE-2023-4966",)),
    )
    focus = find_focus("Who runs the CL0P MOVEit data theft, TA505?", [group, campaign, other])
    assert focus.actor == "TA505"
    assert campaign in focus.passages and other not in focus.passages
