"""The composer stays on the asked incident: passages about an unrelated incident are never cited or quoted.

Hand-built passages from two unrelated incidents, interleaved in rank order as retrieval returns them:
ransomware at a port authority (RUST OTTER, BILGELOCK) and phishing of a culture ministry (PAPER FINCH,
INKBLOT, a mail-server flaw).
"""

from __future__ import annotations

import re

import pytest

import assistant  # noqa: F401 - offline start-up first
from assistant.brief import Brief
from assistant.checks.grounding import brief_texts
from assistant.compose import Composer
from assistant.compose_focus import find_focus
from assistant.llm import draft_checks
from guardrails.markings import TLP
from retrieval.documents import Entities, Passage
from tests import fakes

OTTER = Entities(
    actors=("RUST OTTER",),
    aliases=("Harbour Rat",),
    malware=("BILGELOCK",),
    cves=("CVE-2025-1111",),
    countries=("Lusenia",),
    sectors=("transport", "maritime"),
)
FINCH = Entities(
    actors=("PAPER FINCH",),
    malware=("INKBLOT",),
    cves=("CVE-2025-2222",),
    countries=("Marentia",),
    sectors=("government", "culture"),
    sponsors=("Vostrania",),
)
PORT_QUESTION = "What happened at the port authority and who is behind the ransomware?"
MINISTRY_QUESTION = "What is the phishing of the culture ministry?"
FINCH_WORDS = re.compile(r"PAPER FINCH|INKBLOT|culture|museum|Vostrania|Mailworks|mail server", re.I)
OTTER_WORDS = re.compile(r"RUST OTTER|Harbour Rat|BILGELOCK|\bport\b|cargo|crane|ransom|Gatewise", re.I)


def port(chunk: str, text: str, rank: int, **kw: object) -> Passage:
    kw.setdefault("title", "Ransomware at the Lusenian port authority")
    kw.setdefault("published", "2026-03-02")
    return fakes.passage(
        f"port-{chunk}", text, rank=rank, doc_id=kw.pop("doc_id", "port"), entities=OTTER, **kw
    )


def ministry(chunk: str, text: str, rank: int, **kw: object) -> Passage:
    kw.setdefault("title", "Phishing campaign against the culture ministry")
    kw.setdefault("published", "2026-05-10")
    return fakes.passage(
        f"culture-{chunk}", text, rank=rank, doc_id=kw.pop("doc_id", "culture"), entities=FINCH, **kw
    )


def corpus() -> list[Passage]:
    """Both incidents, interleaved as a similarity search returns them (ranks 1..9)."""
    return [
        port(
            "0",
            "## Summary\n\nOn 28 February 2026 a ransomware attack stopped the cargo systems of the Lusenian port "
            "authority. Ships waited at anchor for two days while staff tracked containers on paper. The "
            "criminals demanded a ransom, which the port authority has not paid.",
            1,
        ),
        port(
            "1",
            "## What happened\n\nThe attackers got in through a known flaw in the port's remote-access gateway "
            "(CVE-2025-1111). They copied shipping records and then encrypted the servers that schedule the "
            "cranes. A criminal group that industry tracks as RUST OTTER claimed the attack on its leak website.",
            2,
            heading="Ransomware at the port > What happened",
        ),
        ministry(
            "0",
            "## Summary\n\nA spy group sent fake invitations to a museum gala to staff of the culture ministry "
            "in Marentia. The emails installed a small spying program that copied the ministry's email. Many "
            "officials were affected and sensitive negotiating files were stolen.",
            3,
        ),
        port(
            "2",
            "## Assessment\n\nThe National CERT assesses that RUST OTTER is a financially motivated criminal "
            "group. It is likely that the group will attack other ports in the region.",
            4,
            heading="Ransomware at the port > Assessment",
        ),
        ministry(
            "1",
            "## Assessment\n\nThe tools match a group that industry tracks as PAPER FINCH. Partner agencies "
            "assess, with moderate confidence, that the group works for Vostrania. The defacement of the ministry "
            "website last year is unlikely to be linked to this campaign.",
            5,
            heading="Phishing campaign > Assessment",
        ),
        fakes.passage(
            "CVE-2025-2222#0",
            "Vendor: Mailworks\nProduct: Mail Server\nVulnerability: Mailworks Mail Server flaw\n"
            "Added to the CISA KEV catalogue: 2025-04-01\n\nThe mail server lets an attacker run code without "
            "logging in.\n\nDue date for US federal agencies: 2025-04-22\nKnown use in ransomware campaigns: Unknown",
            rank=6,
            doc_id="CVE-2025-2222",
            doc_type="kev",
            source="CISA KEV",
            credibility=None,
            published="2025-04-01",
            title="CVE-2025-2222: Mailworks Mail Server flaw",
            entities=Entities(cves=("CVE-2025-2222",)),
        ),
        fakes.passage(
            "CVE-2025-1111#0",
            "Vendor: Gatewise\nProduct: Remote Gateway\nVulnerability: Gatewise Remote Gateway flaw\n"
            "Added to the CISA KEV catalogue: 2025-02-03\n\nThe gateway lets an attacker log in without a "
            "password.\n\nDue date for US federal agencies: 2025-02-24\nKnown use in ransomware campaigns: Known",
            rank=7,
            doc_id="CVE-2025-1111",
            doc_type="kev",
            source="CISA KEV",
            credibility=None,
            published="2025-02-03",
            title="CVE-2025-1111: Gatewise Remote Gateway flaw",
            entities=Entities(cves=("CVE-2025-1111",)),
        ),
        fakes.passage(
            "museum-note#0",
            "## Summary\n\nThe national museum reopened its galleries after the gala. Visitor numbers rose by a "
            "third in the spring.",
            rank=8,
            title="Culture ministry newsletter: museum gala",
            published="2026-04-30",
        ),
        fakes.passage(
            "harbour-note#0",
            "## Summary\n\nThe port authority says cargo is moving again at all terminals. Ships no longer wait "
            "at anchor.",
            rank=9,
            title="Port authority update: cargo moving again",
            source="Lusenian Port Authority - public statement",
            published="2026-03-05",
        ),
    ]


def draft(
    question: str,
    *,
    attribution: str | None,
    audience: str = "diplomat",
    passages: list[Passage] | None = None,
    **assessed: object,
) -> tuple[Brief, list[Passage]]:
    passages = corpus() if passages is None else passages
    brief = Composer().draft(
        question=question,
        audience=audience,
        passages=passages,
        assessment=fakes.assessment(
            attribution=attribution,
            attribution_confidence=assessed.pop("attribution_confidence", "moderate"),
            **assessed,
        ),
        options=fakes.options() if audience != "public" else [],
        confidence=fakes.confidence(),
        clearance="TLP:AMBER",
    )
    return brief, passages


def cited_docs(brief: Brief) -> set[str]:
    return {c.doc_id for c in brief.citations}


def visible(brief: Brief) -> str:
    return " ".join(brief_texts(brief))


@pytest.mark.parametrize("audience", ["diplomat", "public"])
def test_a_port_brief_never_cites_or_quotes_the_ministry_incident(audience: str) -> None:
    brief, passages = draft(PORT_QUESTION, attribution="RUST OTTER", audience=audience)
    assert cited_docs(brief) <= {"port", "CVE-2025-1111", "harbour-note"}
    assert "port" in cited_docs(brief)
    assert not FINCH_WORDS.search(visible(brief)), visible(brief)
    failed = [f"{r.name}: {r.detail}" for r in draft_checks(brief, passages) if not r.passed]
    assert failed == []
    assert all(s.cites for s in brief.all_statements())


@pytest.mark.parametrize("audience", ["diplomat", "public"])
def test_a_ministry_brief_never_cites_or_quotes_the_port_incident(audience: str) -> None:
    brief, _ = draft(MINISTRY_QUESTION, attribution="PAPER FINCH", audience=audience)
    assert cited_docs(brief) <= {"culture", "CVE-2025-2222", "museum-note"}
    assert "culture" in cited_docs(brief)
    assert not OTTER_WORDS.search(visible(brief)), visible(brief)


def test_the_bottom_line_leads_with_the_asked_incident() -> None:
    # The ministry summary (rank 3) is full of what-happened and at-stake cues; it must not lead a port brief.
    brief, _ = draft(PORT_QUESTION, attribution="RUST OTTER")
    lead = brief.bottom_line[0]
    source = next(c for c in brief.citations if c.n == lead.cites[0])
    assert source.doc_id == "port"
    assert re.search(r"port|cargo|ransomware|cranes", lead.text, re.I), lead.text
    assert not re.search(r"\b(?:not|no|never)\b", lead.text)  # what happened, not a reassurance
    judgement = brief.bottom_line[-1].text
    assert "RUST OTTER" in judgement and "likely" in judgement  # hedged at moderate confidence


def test_a_brief_on_the_second_ranked_incident_leads_with_it() -> None:
    brief, _ = draft(MINISTRY_QUESTION, attribution="PAPER FINCH")
    lead_doc = next(c.doc_id for c in brief.citations if c.n == brief.bottom_line[0].cites[0])
    assert lead_doc == "culture"
    assert "PAPER FINCH" in brief.bottom_line[-1].text


def test_structured_facts_come_only_from_the_asked_incident() -> None:
    brief, _ = draft(PORT_QUESTION, attribution="RUST OTTER")
    timeline = " ".join(s.text for s in brief.timeline)
    assert "2025-04-22" not in timeline  # the mail-server flaw's due date belongs to the other incident
    assert "2025-02-24" in timeline  # the gateway flaw the port report names
    who = " ".join(s.text for s in brief.who_is_affected)
    assert "culture" not in who and "Marentia" not in who
    assert not any("sponsored" in s.text for s in brief.how_sure)  # the sponsor is the other group's


def test_an_attribution_to_a_left_out_incident_is_not_repeated() -> None:
    # The assessment counted passages and named the other incident's actor; the question and the top-ranked
    # passages are about the port. The brief stays on the port and attributes nothing.
    brief, _ = draft(
        "What stopped the cargo systems at the port?", attribution="PAPER FINCH", sponsor="Vostrania"
    )
    assert "port" in cited_docs(brief) and not cited_docs(brief) & {"culture", "CVE-2025-2222"}
    text = visible(brief)
    assert "PAPER FINCH" not in text and "Vostrania" not in text
    assert brief.bottom_line[-1].text.startswith("We rate the threat as")
    assert any("PAPER FINCH" in w for w in brief.warnings)
    assert brief.assessment is not None and brief.assessment.attribution == "PAPER FINCH"  # passed through


def test_the_question_naming_an_actor_sets_the_focus() -> None:
    brief, _ = draft("What do we know about PAPER FINCH?", attribution="PAPER FINCH")
    assert "culture" in cited_docs(brief) and "port" not in cited_docs(brief)


def test_a_flat_claim_about_the_focal_actor_still_needs_high_confidence() -> None:
    flat = port("3", "## What happened\n\nRUST OTTER carried out the attack on the port authority.", 1)
    brief, _ = draft(
        "What stopped the cargo systems at the port?",
        attribution="PAPER FINCH",
        passages=[flat, *corpus()],
    )
    assert not any("carried out" in t for t in brief_texts(brief))


def test_a_source_surer_than_our_attribution_is_not_quoted() -> None:
    surer = ministry(
        "2",
        "## Assessment\n\nPAPER FINCH is linked to Vostrania with moderate to high confidence. The group "
        "sent the invitations from a hacked events company.",
        1,
    )
    low, _ = draft(
        MINISTRY_QUESTION,
        attribution="PAPER FINCH",
        attribution_confidence="low",
        passages=[surer, *corpus()],
    )
    assert not any("moderate to high" in t for t in brief_texts(low))
    assert "our confidence in that link is low" in low.bottom_line[-1].text


def test_focus_keeps_related_flaws_and_drops_unrelated_ones() -> None:
    passages = corpus()
    focus = find_focus(PORT_QUESTION, passages, attribution="RUST OTTER")
    kept = [p.doc_id for p in focus.passages]
    assert kept == ["port", "port", "port", "CVE-2025-1111", "harbour-note"]
    assert focus.dropped == 4 and focus.actor == "RUST OTTER"
    assert focus.weights[0] == max(focus.weights)  # the top-ranked, closest document weighs most
    assert not focus.off_focus_attribution
    # Passage order and weights are a pure function of the inputs.
    again = find_focus(PORT_QUESTION, corpus(), attribution="RUST OTTER")
    assert again == focus


def test_without_entities_the_question_terms_decide() -> None:
    bare = [p.model_copy(update={"entities": Entities()}) for p in corpus()]
    focus = find_focus(PORT_QUESTION, bare, attribution=None)
    kept = {p.doc_id for p in focus.passages}
    assert "port" in kept and "harbour-note" in kept
    assert not kept & {"culture", "museum-note", "CVE-2025-2222"}


def test_public_text_still_uses_only_clear_sources() -> None:
    passages = corpus()
    passages[1] = passages[1].model_copy(update={"tlp": TLP.AMBER})
    brief, _ = draft(PORT_QUESTION, attribution="RUST OTTER", audience="public", passages=passages)
    assert {c.tlp for c in brief.citations} == {"TLP:CLEAR"}
    assert "port-1" not in {c.chunk_id for c in brief.citations}
    assert not FINCH_WORDS.search(visible(brief))


def test_the_focused_brief_is_deterministic() -> None:
    first, _ = draft(PORT_QUESTION, attribution="RUST OTTER")
    again, _ = draft(PORT_QUESTION, attribution="RUST OTTER", passages=corpus())
    assert first == again
