"""assess() and judge_confidence(): severity, ceiling and confidence from stated facts only."""

from __future__ import annotations

import pytest

from assistant.assess import assess, load_severity_rules, stated_facts
from assistant.brief import Assessment
from assistant.confidence import cap_likelihood, judge_confidence, sentences, stated_levels
from guardrails.markings import PAP
from retrieval.documents import Entities, Passage

_n = 0


def passage(text: str, **kw: object) -> Passage:
    global _n
    _n += 1
    fields: dict[str, object] = {
        "chunk_id": f"c{_n}",
        "doc_id": f"d{_n}",
        "title": "Report",
        "source": f"Source {_n}",
        "doc_type": "report",
        "reliability": "B",
        "credibility": "2",
        "confidence": 60,
    }
    fields.update(kw)
    return Passage(text=text, **fields)  # type: ignore[arg-type]


GULL = Entities(actors=("NOISY GULL",))
JACKAL = Entities(actors=("VELVET JACKAL",))
TIDE = Entities(actors=("GRANITE TIDE",), aliases=("Quiet Sluice",), sponsors=("Karsovia",))
HERON = Entities(actors=("CINDER HERON",), sponsors=("Vostrania",))
CROW = Entities(actors=("THUNDERCROW",), sponsors=("Vostrania",))

DEFACEMENT = [
    passage(
        "The City of Harwick's tourism website was defaced for about four hours. "
        "This was a nuisance, not a serious attack. No personal data was taken.",
        title="Tourism website restored after defacement",
        entities=GULL,
    ),
    passage(
        "The impact was low: the site showed slogans for about four hours and no data was taken. "
        "The defacement is very unlikely to be linked to the GRANITE TIDE activity in water utilities.",
        title="Low-impact defacement of a municipal tourism website",
        reliability="A",
        confidence=70,
        entities=GULL,
    ),
]
HOSPITAL = [
    passage(
        "A ransomware attack disrupted computer systems at the Northvale Regional Health Network. "
        "Criminals encrypted many of the network's computer systems and demanded payment. "
        "Ambulances were diverted to neighbouring hospitals for 36 hours.",
        entities=JACKAL,
    ),
    passage(
        "The attackers exploited a known flaw in remote access appliances. "
        "Attribution to VELVET JACKAL is assessed with high confidence. "
        "We have no evidence that any state directed this attack.",
        reliability="A",
        credibility="1",
        confidence=80,
        entities=JACKAL,
    ),
]
WATER = [
    passage(
        "A state-sponsored group, GRANITE TIDE, has gained hidden access to the networks of at least three "
        "water utilities. In one utility the group viewed operator screens that control water treatment. "
        "The agencies assess with high confidence that GRANITE TIDE is sponsored by the state of Karsovia.",
        title="Joint advisory: GRANITE TIDE pre-positioning in water utility control systems",
        reliability="A",
        credibility="1",
        confidence=80,
        entities=TIDE,
    ),
    passage(
        "Attribution to GRANITE TIDE is assessed with high confidence. Kessbridge Water Authority supplies "
        "drinking water to about 410,000 people.",
        reliability="A",
        credibility="1",
        confidence=80,
        entities=TIDE,
        pap=PAP.AMBER,
    ),
]
ESPIONAGE = [
    passage(
        "A targeted spear-phishing campaign hit staff of the Ministry of Foreign Affairs. At least two officials "
        "opened the malicious attachment. Partners assess with moderate confidence that CINDER HERON works "
        "for Vostrania.",
        reliability="A",
        confidence=55,
        entities=HERON,
    ),
]
ELECTION = [
    passage(
        "The public website of the National Election Commission was slow or unavailable for three hours "
        "because of a DDoS attack. Voting and counting were not affected. People could not look up polling "
        "station information online.",
        entities=CROW,
    ),
    passage(
        "Attribution of the attack to THUNDERCROW is assessed with moderate confidence.",
        reliability="A",
        confidence=35,
        entities=CROW,
    ),
]


@pytest.mark.parametrize(
    ("name", "passages", "severity", "ceiling", "threat"),
    [
        ("defacement", DEFACEMENT, (1, 1), (0, 1), "defacement"),
        ("hospital ransomware", HOSPITAL, (3, 4), (2, 2), "ransomware"),
        ("water pre-positioning", WATER, (3, 4), (3, 4), "critical-infrastructure"),
        ("ministry espionage", ESPIONAGE, (2, 2), (2, 2), "espionage"),
        ("election DDoS", ELECTION, (2, 2), (2, 2), "ddos"),
    ],
)
def test_severity_and_ceiling_from_stated_facts(
    name: str, passages: list[Passage], severity: tuple[int, int], ceiling: tuple[int, int], threat: str
) -> None:
    a = assess(question=f"What does the {name} mean for us?", passages=passages)
    assert severity[0] <= a.severity <= severity[1], a.factors
    assert ceiling[0] <= a.ceiling_rung <= ceiling[1], a.factors
    assert threat in a.threat_types
    assert any(f.startswith("Severity ") for f in a.factors)
    assert any(f.startswith("Highest proportionate step: rung") for f in a.factors)


def test_factors_explain_the_facts_severity_and_ceiling() -> None:
    a = assess(question="hospital", passages=HOSPITAL)
    text = " ".join(a.factors)
    assert "health care" in text
    assert "services were disrupted" in text
    assert "Severity 3 (high)" in text
    assert "rung 2 (coordinate)" in text
    assert {"critical_service", "service_disrupted", "confirmed_exploitation"} <= stated_facts(a)


def test_low_impact_cap_is_explained() -> None:
    a = assess(question="defacement", passages=DEFACEMENT)
    assert a.severity == 1 and a.ceiling_rung == 1
    assert "low_impact" in stated_facts(a)
    assert "critical_service" not in stated_facts(a)  # the water mention is negated ("very unlikely")


@pytest.mark.parametrize(
    ("text", "fact", "expected"),
    [
        ("Ambulances were diverted to other hospitals.", "service_disrupted", True),
        ("There is no sign that government services were disrupted.", "service_disrupted", False),
        ("Organisations should assume they may already be compromised.", "confirmed_exploitation", False),
        (
            "At least one ministry and one utility have been compromised this year.",
            "confirmed_exploitation",
            True,
        ),
        ("The group claimed to hold the mayor's emails.", "data_theft", False),
        ("About 2.3 GB of email was copied out to a rented server.", "data_theft", True),
        ("We have found no evidence that the group changed treatment settings.", "destructive", False),
        ("The flaw is listed as used in ransomware campaigns.", "kev_ransomware", True),
        ("Known use in ransomware campaigns: Unknown", "kev_ransomware", False),
        ("Known use in ransomware campaigns: Known", "kev_ransomware", True),
        ("Customers who installed it: about 140 organisations.", "large_scale", True),
        ("Two ministries were targeted.", "large_scale", False),
    ],
)
def test_facts_respect_negation_and_uncertainty(text: str, fact: str, expected: bool) -> None:
    a = assess(question="", passages=[passage(text)])
    assert (fact in stated_facts(a)) is expected, a.factors


def test_kev_entry_counts_as_confirmed_exploitation() -> None:
    kev = passage(
        "Vendor: Citrix\nKnown use in ransomware campaigns: Known",
        doc_type="kev",
        source="CISA KEV",
        reliability="A",
        credibility=None,
        confidence=None,
    )
    a = assess(question="CVE-2023-4966", passages=[kev])
    assert "vulnerability-exploitation" in a.threat_types
    assert {"confirmed_exploitation", "kev_ransomware"} <= stated_facts(a)
    assert a.severity == 2


def test_no_passages_gives_a_cautious_assessment() -> None:
    a = assess(question="anything?", passages=[])
    assert (a.severity, a.ceiling_rung, a.threat_types, a.attribution) == (0, 1, ("general",), None)


@pytest.mark.parametrize(
    ("passages", "expected"),
    [
        (WATER, "high"),
        (ESPIONAGE, "moderate"),
        # Named without any stated judgement: moderate at most, even from a well-graded source.
        (
            [
                passage(
                    "VELVET JACKAL encrypted the hospital's servers.",
                    reliability="A",
                    confidence=90,
                    entities=JACKAL,
                )
            ],
            "moderate",
        ),
        # "low to moderate" reads as the weaker end.
        (
            [
                passage(
                    "We link OBSIDIAN LYNX to Vostrania with low to moderate confidence.",
                    entities=Entities(actors=("OBSIDIAN LYNX",), sponsors=("Vostrania",)),
                )
            ],
            "low",
        ),
        # A single unreliable source caps at low whatever it claims.
        (
            [
                passage(
                    "We are GULL BRIGADE and we did this, high confidence.",
                    reliability="E",
                    credibility="4",
                    confidence=None,
                    entities=GULL,
                )
            ],
            "low",
        ),
        # The state link in the same chain is weaker than the group attribution: the weakest link counts.
        (
            [
                passage(
                    "Attribution to the group is assessed with high confidence; the link from the group to "
                    "Vostrania remains moderate confidence.",
                    reliability="A",
                    credibility="1",
                    confidence=85,
                    entities=HERON,
                )
            ],
            "moderate",
        ),
    ],
)
def test_attribution_confidence_never_exceeds_the_sources(passages: list[Passage], expected: str) -> None:
    assert assess(question="", passages=passages).attribution_confidence == expected


def test_question_chooses_the_actor_and_focuses_the_assessment() -> None:
    mixed = DEFACEMENT + WATER
    a = assess(question="What does the NOISY GULL defacement mean?", passages=mixed)
    assert a.attribution == "NOISY GULL"
    assert a.ceiling_rung <= 1  # the water passages are about another actor
    b = assess(question="What is Quiet Sluice doing in water utilities?", passages=mixed)
    assert (b.attribution, b.sponsor, b.ceiling_rung) == ("GRANITE TIDE", "Karsovia", 3)


def test_operation_names_are_not_taken_as_the_actor() -> None:
    leak = [
        passage(
            "Coordinated inauthentic amplification.",
            entities=Entities(actors=("Operation MIRROR LAKE", "CINDER HERON")),
        ),
        passage(
            "The leaked documents came from CINDER HERON collection.",
            entities=Entities(actors=("CINDER HERON", "Operation MIRROR LAKE")),
        ),
    ]
    assert assess(question="", passages=leak).attribution == "CINDER HERON"


def test_pap_is_the_most_restrictive_among_passages() -> None:
    a = assess(question="", passages=[passage("x", pap=PAP.GREEN), passage("y", pap=PAP.RED), passage("z")])
    assert a.pap == "PAP:RED"


def test_assessment_is_deterministic() -> None:
    assert assess(question="water", passages=WATER) == assess(question="water", passages=WATER)


def test_severity_rules_file_validates() -> None:
    rules = load_severity_rules()
    assert rules.ceiling.by_severity[1] <= 1  # a low-severity incident stays at defend
    assert all(r.rung >= 3 and r.min_attribution_confidence == "high" for r in rules.ceiling.raises)


# --- confidence -------------------------------------------------------------------------------------------


def _judge(passages: list[Passage], **assessment: object) -> tuple[str, str]:
    fields: dict[str, object] = {"severity": 2, "ceiling_rung": 2, **assessment}
    c = judge_confidence(passages=passages, assessment=Assessment(**fields))  # type: ignore[arg-type]
    assert c.basis
    return c.level, c.likelihood


@pytest.mark.parametrize(
    ("passages", "level"),
    [
        ([], "low"),
        ([passage("It is almost certain.", reliability="E", credibility="5", confidence=90)], "low"),
        ([passage("x", reliability="D", credibility="2", confidence=80)], "low"),
        ([passage("x", reliability="A", credibility="2", confidence=90)], "moderate"),  # uncorroborated
        ([passage("x", reliability="A", credibility="1", confidence=90)], "high"),  # confirmed by others (1)
        (
            [passage("x", reliability="A", confidence=90), passage("y", reliability="B", confidence=75)],
            "high",
        ),
        (
            [passage("x", reliability="A", confidence=40), passage("y", reliability="B", confidence=45)],
            "moderate",
        ),
        ([passage("x", confidence=20, credibility="3"), passage("y", confidence=25, credibility="3")], "low"),
    ],
)
def test_confidence_level_never_stronger_than_sources(passages: list[Passage], level: str) -> None:
    assert _judge(passages)[0] == level


def test_likelihood_uses_the_sources_words_about_the_actor_and_is_capped() -> None:
    ps = [
        passage("It is very likely that GRANITE TIDE will return.", reliability="A", confidence=80),
        passage("It is unlikely that disruption is planned soon.", reliability="B", confidence=75),
    ]
    assert _judge(ps, attribution="GRANITE TIDE")[1] == "very likely"
    single = [passage("It is almost certain that VELVET JACKAL will publish the data.", confidence=60)]
    assert _judge(single, attribution="VELVET JACKAL") == ("moderate", "very likely")
    assert cap_likelihood("almost certain", "low") == "likely"
    assert cap_likelihood("almost no chance", "low") == "unlikely"


def test_reading_helpers() -> None:
    text = "## Assessment\n\n- Partners assess with **moderate\n  confidence** that X is involved.\n- Confidence is **low**."
    assert sentences(text) == [
        "Assessment",
        "Partners assess with moderate confidence that X is involved.",
        "Confidence is low.",
    ]
    assert stated_levels(" ".join(sentences(text))) == ["moderate", "low"]
