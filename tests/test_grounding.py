"""Grounding, unsupported figures and plain-language checks (table-driven: what passes, what must fail)."""

from __future__ import annotations

import pytest

import assistant  # noqa: F401 - offline start-up first
from assistant.brief import QA, Brief, PublicMessaging, Statement
from assistant.checks.grounding import (
    check_grounding,
    check_no_unsupported_figures,
    passages_by_citation,
    support,
    unsupported_figures,
)
from assistant.checks.plain_language import check_plain_language
from tests.fakes import passage

ADVISORY = passage(
    "adv#0",
    "## What happened\n\nThe attackers sent about 60 emails to a small number of officials at the trade "
    "ministry. Opening the attachment installs a spear-phishing downloader (MITRE ATT&CK T1566.001). "
    "CINDER HERON is suspected. Around 2,000 appointments were postponed.",
    published="2026-02-24",
    source="National CERT",
)
KEV = passage(
    "CVE-2023-4966#0",
    "Vendor: Citrix\nDue date for US federal agencies: 2023-11-08",
    doc_type="kev",
    source="CISA KEV",
)
BY_NUMBER = {1: ADVISORY, 2: KEV}


def brief(*statements: Statement, audience: str = "diplomat", public: PublicMessaging | None = None) -> Brief:
    return Brief(
        question="q",
        audience=audience,  # type: ignore[arg-type]
        clearance="TLP:GREEN",
        marking="TLP:CLEAR",
        what_happened=statements,
        public=public,
    )


def results(b: Brief, by_number: dict[int, object] | None = None) -> dict[str, bool]:
    return {
        r.name: r.passed
        for r in check_grounding(brief=b, passages_by_citation=BY_NUMBER if by_number is None else by_number)
    }


@pytest.mark.parametrize(
    ("text", "cites", "cites_ok", "support_ok"),
    [
        ("The attackers sent about 60 emails to officials.", (1,), True, True),
        ("The attackers sent about 600 emails to officials.", (1,), True, False),  # figure changed
        ("The attackers sent about 60 emails to officials in Marentia.", (1,), True, False),  # name added
        ("Hackers took money from several banks overnight.", (1,), True, False),  # unrelated
        ("Opening the attachment installs a targeted phishing downloader.", (1,), True, True),  # glossary
        ("The report is dated 2026-02-24.", (1,), True, True),  # metadata
        ("Around 2,000 appointments were postponed.", (1,), True, True),
        ("Around 2000 appointments were postponed.", (1,), True, True),  # thousands separator
        ("US federal agencies must fix it by 2023-11-08.", (2,), True, True),
        ("US federal agencies must fix it by 2023-11-08.", (1,), True, False),  # wrong passage cited
        ("It is likely that CINDER HERON is behind this activity.", (1,), True, True),  # framing words
        ("The attackers sent about 60 emails to officials.", (), False, True),
        ("The attackers sent about 60 emails to officials.", (7,), False, True),
    ],
)
def test_check_grounding(text: str, cites: tuple[int, ...], cites_ok: bool, support_ok: bool) -> None:
    outcome = results(brief(Statement(text=text, cites=cites)))
    assert outcome == {"grounding.cites": cites_ok, "grounding.support": support_ok}


def test_failures_name_the_section_and_the_reason() -> None:
    [cites, grounded] = check_grounding(
        brief=brief(Statement(text="The attackers sent 600 emails.", cites=(1, 9))),
        passages_by_citation=BY_NUMBER,
    )
    assert "What happened" in cites.detail and "[9]" in cites.detail
    assert "600" in grounded.detail


def test_public_statements_are_checked_too() -> None:
    public = PublicMessaging(
        headline="Phishing campaign: what we know",
        key_messages=(Statement(text="Hackers took money from several banks overnight.", cites=(1,)),),
        talking_points=(),
        likely_questions=(),
        do_not_say=(),
    )
    assert results(brief(audience="public", public=public))["grounding.support"] is False


def test_a_nothing_found_brief_passes_without_citations() -> None:
    empty = brief(Statement(text="We found nothing relevant to this question."))
    assert results(empty, {}) == {"grounding.cites": True, "grounding.support": True}


def test_no_unsupported_figures_covers_headline_and_answers() -> None:
    qa = QA(question="How many?", answer="About 5,000 patients were affected in Vostrania [1].")
    public = PublicMessaging(
        headline="Attack: what we know",
        key_messages=(),
        talking_points=(),
        likely_questions=(qa,),
        do_not_say=(),
    )
    [result] = check_no_unsupported_figures(
        brief=brief(audience="public", public=public), passages_by_citation=BY_NUMBER
    )
    assert not result.passed and "5,000" in result.detail and "Vostrania" in result.detail
    [ok] = check_no_unsupported_figures(
        brief=brief(Statement(text="About 60 emails reached CINDER HERON targets.", cites=(1,))),
        passages_by_citation=BY_NUMBER,
    )
    assert ok.passed


def test_helpers() -> None:
    assert unsupported_figures("CINDER HERON sent 60 emails on 2026-02-24.", [ADVISORY]) == []
    assert unsupported_figures("GRANITE TIDE sent 61 emails.", [ADVISORY]) == ["61", "GRANITE", "TIDE"]
    assert support("The attackers sent emails.", [ADVISORY]) == 1.0
    b = Brief(question="q", audience="diplomat", clearance="TLP:GREEN", marking="TLP:CLEAR")
    assert passages_by_citation(b, [ADVISORY]) == {}


# --- plain language --------------------------------------------------------------------------------------
EASY = "The attackers sent about 60 emails to a small number of officials."
HARD = (
    "Exploitation of this authentication vulnerability could allow unauthenticated adversaries to execute "
    "arbitrary instructions on internet-facing infrastructure, potentially compromising organisational "
    "confidentiality, integrity and availability across interconnected governmental environments."
)
MEDIUM = "The group exploited two known flaws in remote-access appliances and also logged in with stolen passwords."


def plain(b: Brief) -> dict[str, bool]:
    return {r.name.removeprefix("plain_language."): r.passed for r in check_plain_language(brief=b)}


@pytest.mark.parametrize(
    ("texts", "audience", "expected"),
    [
        ([EASY, MEDIUM], "diplomat", {"grade": True, "sentence_length": True, "jargon": True}),
        ([HARD], "diplomat", {"grade": False, "sentence_length": False, "jargon": True}),
        ([MEDIUM], "public", {"grade": False, "sentence_length": True, "jargon": True}),  # 8 is stricter
        ([MEDIUM], "diplomat", {"grade": True, "sentence_length": True, "jargon": True}),
        (
            ["The group used T1566 against staff.", EASY],
            "diplomat",
            {"grade": True, "sentence_length": True, "jargon": False},
        ),
        ([HARD, "It used T1566."], "analyst", {"grade": True, "sentence_length": True, "jargon": True}),
    ],
)
def test_check_plain_language(texts: list[str], audience: str, expected: dict[str, bool]) -> None:
    statements = tuple(Statement(text=t, cites=(1,)) for t in texts)
    assert plain(brief(*statements, audience=audience)) == expected


def test_plain_language_reports_figures_and_names_tool_jargon() -> None:
    b = brief(Statement(text="FEATHERLIGHT checked in every 15 minutes.", cites=(1,)))
    [grade, length, jargon] = check_plain_language(brief=b, names=["FEATHERLIGHT"])
    assert "grade" in grade.detail and "words per sentence" in length.detail
    assert not jargon.passed and "FEATHERLIGHT" in jargon.detail
