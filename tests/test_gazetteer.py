"""The gazetteer: state and sector names from sources and questions, and the words that must not match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from retrieval.gazetteer import (
    countries_in,
    country_names,
    normalize_country,
    normalize_sector,
    sector_names,
    sectors_in,
)

CTI = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cti"
DATA = Path(__file__).resolve().parents[1] / "retrieval" / "data"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # CFR / MISP official forms
        ("Russian Federation", "Russia"),
        ("Iran (Islamic Republic of)", "Iran"),
        ("Korea (Democratic People's Republic of)", "North Korea"),
        ("Korea (Democratic People\u2019s Republic of)", "North Korea"),  # typographic apostrophe
        ("Korea (Republic of)", "South Korea"),
        ("Viet Nam", "Vietnam"),
        ("Taiwan (Province of China)", "Taiwan"),
        ("People's Republic of China", "China"),
        ("Syrian Arab Republic", "Syria"),
        ("Lebonon", "Lebanon"),  # misspelt in the MISP galaxy
        ("The Philippines", "Philippines"),
        # ISO alpha-2 codes (MISP `country`)
        ("RU", "Russia"),
        ("GB", "United Kingdom"),
        ("KP", "North Korea"),
        ("IR", "Iran"),
        # common names, adjectives and abbreviations used in questions
        ("Iranian", "Iran"),
        ("Russian", "Russia"),
        ("Chinese", "China"),
        ("PRC", "China"),
        ("DPRK", "North Korea"),
        ("North Korean", "North Korea"),
        ("UK", "United Kingdom"),
        ("British", "United Kingdom"),
        ("US", "United States"),
        ("U.S.", "United States"),
        ("Türkiye", "Turkey"),
        ("  russia  ", "Russia"),
        ("Guinea-Bissau", "Guinea-Bissau"),
    ],
)
def test_normalize_country(text: str, expected: str) -> None:
    assert normalize_country(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NATO",
        "OSCE",
        "World Anti-Doping Agency",
        "European Union",
        "Middle East",
        "Unknown",
        "Korea",  # North or South: not guessed
        "us",  # the pronoun, not the United States
        "ru",  # ISO codes only as written
        "",
        None,
    ],
)
def test_normalize_country_rejects_what_is_not_a_state(text: str | None) -> None:
    assert normalize_country(text) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("which Iranian-sponsored groups target energy?", ["Iran"]),
        ("What does the Volt Typhoon activity mean for our talks with China?", ["China"]),
        ("Are US hospitals at risk? Tell us what DPRK actors do", ["United States", "North Korea"]),
        ("the U.S. and the UK", ["United States", "United Kingdom"]),
        ("North Korean and South Korean operators", ["North Korea", "South Korea"]),
        ("Russia's GRU and Iranians", ["Russia", "Iran"]),
        ("Taiwan (Province of China)", ["Taiwan"]),
        ("Guinea-Bissau and Niger, not Nigeria", ["Guinea-Bissau", "Niger", "Nigeria"]),
        ("Turkey and Turkish ministries", ["Turkey"]),
        ("Polish officials", ["Poland"]),
        # negatives: ordinary words, regions and product names
        ("tell us about ransomware", []),
        ("a turkey sandwich", []),
        ("polish the draft", []),
        ("Korean-language lures", []),
        ("Latin American banks", []),
        ("South American and North American utilities", []),
        ("New South Wales hospitals", []),
        ("Arm Mali GPU kernel driver", []),
        ("Ukraine", ["Ukraine"]),
        (
            "UK-based firms and UKRAINE",
            ["United Kingdom", "Ukraine"],
        ),  # names in any case; "UK" not inside a word
        ("", []),
    ],
)
def test_countries_in(question: str, expected: list[str]) -> None:
    assert countries_in(question) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Government, Administration", "Government"),
        ("Government agencies and services", "Government"),
        ("Telecomms", "Telecommunications"),
        ("Telecoms", "Telecommunications"),
        ("Financial", "Finance"),
        ("Bank", "Finance"),
        ("Academia - University ", "Education"),
        ("Civil society", "NGOs and think tanks"),
        ("Think Tanks", "NGOs and think tanks"),
        ("Political party", "Political"),
        ("Defense industrial base", "Defense"),
        ("Military", "Military"),
        ("Electric", "Energy"),
        ("Oil", "Energy"),
        ("Pharmaceuticals", "Healthcare"),
        ("Space", "Aerospace"),
        ("Research - Innovation", "Research"),
        ("News - Media", "Media"),
        ("Critical manufacturing", "Manufacturing"),
        ("Transportation systems", "Transportation"),
        ("U.S. satellite and aerospace sector", "Aerospace"),  # one sector named inside a longer value
        ("water", "Water"),
    ],
)
def test_normalize_sector(value: str, expected: str) -> None:
    assert normalize_sector(value) == expected


@pytest.mark.parametrize("value", ["Private sector", "Individuals", "Other", "Unknown", "Country", "", None])
def test_normalize_sector_rejects_non_sectors(value: str | None) -> None:
    assert normalize_sector(value) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("which Iranian-sponsored groups target energy?", ["Energy"]),
        ("attacks on the power grid and electricity suppliers", ["Energy"]),
        ("oil and gas pipelines", ["Energy"]),
        ("ransomware in hospitals", ["Healthcare"]),
        ("are banks exposed?", ["Finance"]),
        ("the water utility incident", ["Water"]),
        ("Volt Typhoon water-utility activity", ["Water"]),
        ("phishing of a ministry and government agencies", ["Government"]),
        ("telecoms and ISPs", ["Telecommunications"]),
        ("ICS and SCADA in critical infrastructure", ["Critical infrastructure"]),
        ("universities and think tanks", ["Education", "NGOs and think tanks"]),
        ("election interference", ["Political"]),
        # negatives: CTI prose that only looks like a sector
        ("uses defense evasion techniques", []),
        ("a government-backed group", []),
        ("researchers found new research", []),
        ("spread through removable media", []),
        ("a Ruby on Rails flaw", []),
        ("a watering hole attack", []),
        ("this is it", []),
        ("", []),
    ],
)
def test_sectors_in(question: str, expected: list[str]) -> None:
    assert sectors_in(question) == expected


def test_data_files_are_consistent() -> None:
    """Every form maps to one state only, codes are unique, and the sector set stays small."""
    data = yaml.safe_load((DATA / "countries.yaml").read_text(encoding="utf-8"))
    owner: dict[str, str] = {}
    for entry in data["countries"]:
        assert len(entry["iso"]) == 2 and entry["iso"].isupper(), entry
        forms = [entry["name"], *entry.get("aliases", []), *entry.get("adjectives", [])]
        for form in [entry["iso"], *forms, *entry.get("abbreviations", [])]:
            assert owner.setdefault(form.casefold(), entry["name"]) == entry["name"], form
            assert normalize_country(form) == entry["name"], form
    assert len(country_names()) == len(set(country_names())) >= 195
    assert 20 <= len(sector_names()) <= 30
    assert all(normalize_sector(name) == name for name in sector_names())


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


# Values of the MISP actor galaxies that are not states, checked by hand: organisations, regions, people.
MISP_NOT_STATES = {
    "", "AT&T", "Asia", "Asia Pacific Economic Cooperation", "Association of Southeast Asian Nations",
    "BB&T", "Bangladesh Bank", "Bank of America", "Capital One", "Central Asia", "Citigroup",
    "Cryptocurrency exchanges in South Korea", "East Asia", "Eastern Europe", "Europe", "European Commission",
    "European Union", "Fifth Third Bank", "Global", "HSBC", "Iranian internet activists",
    "International Association of Athletics Federations", "Korea Institute for Defense Analyses", "Kurdistan",
    "Middle East", "Ministry of Unification", "NATO", "NYSE", "North America", "Northeast Africa", "OSCE", "PNC",
    "Sejong Institute", "Sony Pictures Entertainment", "South America", "South Asia", "Southeast Asia",
    "Southeast Asian", "Southern Africa", "The Middle East", "U.S. government/defense sector websites",
    "U.S. satellite and aerospace sector", "US Bancorp", "Uighurs", "Unknown", "Wells Fargo",
    "World Anti-Doping Agency",
}  # fmt: skip

# Sector values that deliberately map to no sector: not a sector, or too vague to filter on.
MISP_NOT_SECTORS = {
    "Business", "Citizens", "Consulting", "Country", "Development", "Employment", "Environment", "Individuals",
    "IT - Hacker", "Multi-sector", "Other", "Private Sector", "Private sector", "Services", "Sport", "Trade",
    "Unknown", "Security actors",
}  # fmt: skip


@pytest.mark.integration
def test_every_misp_state_name_is_covered() -> None:
    """All sponsor, victim and origin values of the real galaxies are states the gazetteer knows, or known
    non-states; a new MISP release that adds a spelling fails here instead of silently losing a filter."""
    values: set[str] = set()
    for name in ("threat-actor.json", "microsoft-activity-group.json"):
        galaxy = json.loads((CTI / "misp-galaxy" / "clusters" / name).read_text(encoding="utf-8"))
        for value in galaxy["values"]:
            meta = value.get("meta") or {}
            for key in (
                "cfr-suspected-state-sponsor",
                "cfr-suspected-victims",
                "suspected-victims",
                "country",
            ):
                values.update(_as_list(meta.get(key)))
    unknown = sorted(v for v in values - MISP_NOT_STATES if normalize_country(v) is None)
    assert unknown == []
    assert not [v for v in MISP_NOT_STATES if normalize_country(v)]


@pytest.mark.integration
def test_every_misp_sector_value_is_covered() -> None:
    values: set[str] = set()
    for name in ("threat-actor.json", "microsoft-activity-group.json"):
        galaxy = json.loads((CTI / "misp-galaxy" / "clusters" / name).read_text(encoding="utf-8"))
        for value in galaxy["values"]:
            meta = value.get("meta") or {}
            for key in ("cfr-target-category", "targeted-sector"):
                values.update(_as_list(meta.get(key)))
    sector_galaxy = json.loads((CTI / "misp-galaxy" / "clusters" / "sector.json").read_text(encoding="utf-8"))
    values.update(value["value"] for value in sector_galaxy["values"])
    unknown = sorted(v for v in values - MISP_NOT_SECTORS if normalize_sector(v) is None)
    assert unknown == []
