"""The composer: grounded, cited, readable, hedged, clearance-safe and deterministic."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import assistant  # noqa: F401 - offline start-up first
from assistant.brief import Brief
from assistant.checks.grounding import brief_texts
from assistant.compose import Composer, short_source
from assistant.llm import draft_checks
from assistant.plain import is_fragment, readability
from guardrails.markings import TLP
from retrieval.documents import Entities, Passage
from tests import fakes

STORIES = {
    "espionage": (
        fakes.espionage_passages,
        "What does the CINDER HERON phishing of our trade team mean for the talks?",
        dict(
            attribution="CINDER HERON",
            attribution_confidence="moderate",
            sponsor="Vostrania",
            threat_types=("espionage",),
        ),
    ),
    "ransomware": (
        fakes.ransomware_passages,
        "What is the impact of the hospital ransomware attack?",
        dict(
            severity=3,
            attribution="VELVET JACKAL",
            attribution_confidence="moderate",
            threat_types=("ransomware",),
        ),
    ),
    "water": (
        fakes.water_passages,
        "What does GRANITE TIDE access to water utilities mean for us?",
        dict(
            severity=3,
            ceiling_rung=3,
            attribution="GRANITE TIDE",
            attribution_confidence="high",
            sponsor="Karsovia",
        ),
    ),
}


def compose(
    story: str, audience: str = "diplomat", clearance: str = "TLP:AMBER", **overrides: object
) -> tuple[Brief, list[Passage]]:
    make, question, assessed = STORIES[story]
    passages = make()
    brief = Composer().draft(
        question=question,
        audience=audience,
        passages=passages,
        assessment=fakes.assessment(**{**assessed, **overrides}),
        options=fakes.options(),
        confidence=fakes.confidence(),
        clearance=clearance,
    )
    return brief, passages


@pytest.mark.parametrize("story", STORIES)
@pytest.mark.parametrize("audience", ["diplomat", "public"])
def test_every_statement_cites_a_passage_numbered_in_order_of_first_use(story: str, audience: str) -> None:
    brief, passages = compose(story, audience)
    numbers = [c.n for c in brief.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    first_use = list(dict.fromkeys(n for s in brief.all_statements() for n in s.cites))
    assert first_use == numbers
    assert all(s.cites for s in brief.all_statements())
    chunks = {p.chunk_id for p in passages}
    assert all(c.chunk_id in chunks for c in brief.citations)
    assert brief.drafter == "composer" and brief.prompt_version == "composer-1"


@pytest.mark.parametrize("story", STORIES)
@pytest.mark.parametrize("audience", ["diplomat", "public"])
def test_drafts_pass_grounding_figures_and_plain_language_checks(story: str, audience: str) -> None:
    brief, passages = compose(story, audience)
    failed = [f"{r.name}: {r.detail}" for r in draft_checks(brief, passages) if not r.passed]
    assert failed == []


@pytest.mark.parametrize("story", STORIES)
def test_readability_targets(story: str) -> None:
    diplomat, _ = compose(story, "diplomat")
    public, _ = compose(story, "public")
    d, p = readability(brief_texts(diplomat)), readability(brief_texts(public))
    assert d.grade <= 10 and d.avg_sentence_words < 22
    assert p.grade <= 8 and p.avg_sentence_words < 22
    assert len(diplomat.bottom_line) in (1, 2) and diplomat.what_happened


@pytest.mark.parametrize("story", STORIES)
def test_no_raw_technique_ids_cve_numbers_or_acronyms_for_diplomats(story: str) -> None:
    brief, passages = compose(story)
    text = " ".join(brief_texts(brief))
    assert any(re.search(r"T1\d{3}|CVE-", p.text) for p in passages)  # the sources have them
    assert not re.search(r"\bT(?:A)?\d{4}\b|CVE-\d{4}|\bC2\b|\bIOC|\bLOTL\b|\bVPN\b", text)


def test_attribution_is_hedged_below_high_confidence() -> None:
    moderate, _ = compose("espionage")
    judgement = moderate.bottom_line[-1].text
    assert "CINDER HERON" in judgement and "likely" in judgement and "moderate" in judgement
    assert not judgement.startswith("CINDER HERON is behind")
    low, _ = compose("espionage", attribution_confidence="low")
    assert "low" in low.bottom_line[-1].text and "Some reports name CINDER HERON" in low.bottom_line[-1].text
    high, _ = compose("water")
    assert high.bottom_line[-1].text.startswith("GRANITE TIDE is behind this activity")


def test_a_flat_claim_in_a_source_is_not_repeated_below_high_confidence() -> None:
    flat = fakes.passage(
        "blog#0",
        "## What happened\n\nCINDER HERON carried out the attack on the trade ministry last week.",
        rank=1,
        entities=fakes.HERON,
    )
    brief = Composer().draft(
        question="Who attacked the trade ministry?",
        audience="diplomat",
        passages=[flat, *fakes.espionage_passages()],
        assessment=fakes.assessment(attribution="CINDER HERON", attribution_confidence="moderate"),
        options=[],
        confidence=fakes.confidence(),
        clearance="TLP:AMBER",
    )
    assert not any("carried out" in t for t in brief_texts(brief))


@pytest.mark.parametrize("story", STORIES)
def test_public_text_cites_only_clear_passages_and_names_no_one(story: str) -> None:
    brief, passages = compose(story, "public")
    assert brief.marking == "TLP:CLEAR" and {c.tlp for c in brief.citations} == {"TLP:CLEAR"}
    public = brief.public
    assert public is not None and public.headline
    assert 3 <= len(public.key_messages) <= 5 and public.talking_points and public.likely_questions
    assert public.do_not_say
    text = " ".join(brief_texts(brief))
    for name in ("Ingrid", "Valtonen", "Okafor", "Northvale", "St. Brendan", "QUILLDROP", "203.0.113", "@"):
        assert name not in text
    if story == "espionage":  # attribution at moderate confidence stays out of public text
        assert "CINDER HERON" not in text and "Vostrania" not in text
        assert any("CINDER HERON" in item for item in public.do_not_say)


def test_public_skips_non_clear_passages_and_says_so() -> None:
    brief, _ = compose("espionage", "public")
    assert any("TLP:CLEAR" in w for w in brief.warnings)
    assert "partner-002" not in {c.doc_id for c in brief.citations}


def test_passages_above_clearance_are_left_out_and_marking_is_the_highest_cited() -> None:
    green, _ = compose("espionage", clearance="TLP:GREEN")
    assert all(c.tlp in ("TLP:CLEAR", "TLP:GREEN") for c in green.citations)
    assert any("above TLP:GREEN" in w for w in green.warnings)
    amber, _ = compose("espionage", clearance="TLP:AMBER")
    assert amber.marking == max(TLP.parse(c.tlp) for c in amber.citations).label
    assert amber.clearance == "TLP:AMBER"


def test_nothing_found_gives_a_short_brief() -> None:
    brief = Composer().draft(
        question="Anything on Atlantis?",
        audience="diplomat",
        passages=[],
        assessment=fakes.assessment(),
        options=[],
        confidence=fakes.confidence("low"),
        clearance="TLP:GREEN",
    )
    assert brief.citations == () and brief.marking == "TLP:CLEAR"
    assert "nothing relevant" in brief.bottom_line[0].text and "TLP:GREEN" in brief.bottom_line[0].text
    assert brief.warnings and not brief.what_happened


def test_structured_facts_become_sentences_only_when_stated() -> None:
    ransomware, _ = compose("ransomware")
    timeline = " ".join(s.text for s in ransomware.timeline)
    assert "US federal agencies must fix it by 2023-11-08." in timeline
    assert any("known to use this flaw in ransomware" in s.text for s in ransomware.what_is_at_stake)
    kev = next(c.n for c in ransomware.citations if c.doc_id == "CVE-2023-4966")
    assert all(kev in s.cites for s in ransomware.timeline if "2023-11-08" in s.text)
    assert not any("sponsored" in t for t in brief_texts(ransomware))  # no sponsor stated
    espionage, _ = compose("espionage")
    who = " ".join(s.text for s in espionage.who_is_affected)
    assert "government and diplomacy sectors" in who and "Vostrania" not in who  # sponsor is not a victim


def test_sponsor_sentence_from_entities_when_no_source_sentence_says_it() -> None:
    p = fakes.passage(
        "note#0",
        "## What happened\n\nThe group sent fake invoices to staff of the ports authority in March 2026.",
        entities=Entities(actors=("OBSIDIAN LYNX",), sponsors=("Vostrania",)),
    )
    brief = Composer().draft(
        question="What happened at the ports authority?",
        audience="diplomat",
        passages=[p],
        assessment=fakes.assessment(attribution="OBSIDIAN LYNX", attribution_confidence="low"),
        options=[],
        confidence=fakes.confidence("low"),
        clearance="TLP:CLEAR",
    )
    assert "OBSIDIAN LYNX is suspected to be sponsored by Vostrania." in [s.text for s in brief.how_sure]


def test_options_assessment_and_confidence_pass_through_unchanged() -> None:
    brief, _ = compose("water")
    assert brief.options == tuple(fakes.options())
    assert brief.assessment is not None and brief.assessment.attribution == "GRANITE TIDE"
    assert brief.confidence == fakes.confidence()
    assert brief.how_sure[0].text == "We have moderate confidence in this assessment."


def test_a_sources_we_becomes_its_name() -> None:
    brief, _ = compose("ransomware")
    texts = brief_texts(brief)
    assert any(t.startswith("The National CERT has no evidence") for t in texts)
    ours = re.compile(
        r"^We have \w+ confidence|our confidence|^The reports we hold"
    )  # the composer's own voice
    assert not [t for t in texts if re.search(r"\b(?:[Ww]e|[Oo]ur|us)\b", t) and not ours.search(t)]


@pytest.mark.parametrize(
    ("sentence", "fragment"),
    [
        ("Visitors who looked at the website on Saturday afternoon.", True),
        ("Staff who work on trade and economic diplomacy.", True),
        ("A known software flaw, a way to get past the login in the gateway.", True),
        ("The website shows events, opening times and walking routes.", False),
        ("The tools and choice of targets match a group that industry tracks as CINDER HERON.", False),
        ("Never enter your password after opening an attachment.", False),
    ],
)
def test_is_fragment(sentence: str, fragment: bool) -> None:
    assert is_fragment(sentence) is fragment


def test_short_source() -> None:
    assert short_source("National CERT (joint advisory with partner agencies)") == "The National CERT"
    assert (
        short_source("Northvale Regional Health Network - public statement")
        == "The Northvale Regional Health Network"
    )
    assert short_source("CISA KEV") == "CISA KEV"


def test_output_is_deterministic_across_runs_and_hash_seeds() -> None:
    first, _ = compose("espionage")
    again, _ = compose("espionage")
    assert first == again
    script = (
        "import sys, json; sys.path.insert(0, '.');"
        "from tests.test_compose import compose;"
        "print(compose('espionage')[0].model_dump_json())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == json.loads(first.model_dump_json())
