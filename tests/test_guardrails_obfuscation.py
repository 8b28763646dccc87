"""Leetspeak names ("J0lanta D0brev") are still redacted; place names ("City of Harwick", "the Selden shipping
office") are not taken for people. Unit tests first; the integration tests load the spaCy model."""

from __future__ import annotations

import pytest

from guardrails.allowlist import AllowList
from guardrails.deobfuscate import changed, deobfuscate, unleet_word
from guardrails.propagate import in_place_context, place_names, plausible_people, propagate
from guardrails.spans import Span

FIXTURE = (
    "# Phishing against the Selden shipping office\n\n"
    "The finance manager, J0lanta D0brev (j.dobrev [at] selden-shipping.example), received a fake\n"
    "invoice from 203.0.113[.]99 on 21 May 2026. She reported it and nothing was paid. Staff at other\n"
    "shipping offices should check invoices by phone.\n"
)


def _span(text: str, value: str, entity: str = "PERSON", nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(value, start + 1)
    return Span(entity, start, start + len(value), 0.85, value)


# --- the shadow text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "plain"),
    [
        ("J0lanta", "Jolanta"),
        ("D0brev", "Dobrev"),
        ("J0LANTA", "JOLANTA"),
        ("Em1ly", "Emily"),
        ("A1ex", "Alex"),
        ("Wi11iam", "William"),
        ("Sh4w", "Shaw"),
        ("M@ria", "Maria"),
        ("Ro$a", "Rosa"),
        ("Pe7ra", "Petra"),
        ("l3ad", "lead"),
        ("h4ck3r", "hacker"),
    ],
)
def test_leet_words_are_undone(word: str, plain: str) -> None:
    assert unleet_word(word) == plain


@pytest.mark.parametrize(
    "word",
    [
        "T1566",
        "T1059.001",
        "S0154",
        "G0007",
        "APT28",
        "UNC2452",
        "Log4j",
        "Win32",
        "x64",
        "MD5",
        "SHA256",
        "4chan",
        "3proxy",
        "h4x0r3d",  # three leet characters
        "b00k",  # too few letters
        "deadbe3f",  # hex
        "Office365",
    ],
)
def test_identifiers_are_not_words(word: str) -> None:
    assert unleet_word(word) == word


@pytest.mark.parametrize(
    "text",
    [
        "CVE-2023-4966 and CVE-2021-44228 (Log4Shell) in version 10.2.0.1 and 16.8.1",
        "beacon to 198.51.100.23 and 203.0.113[.]7, hash d41d8cd98f00b204e9800998ecf8427e",
        "T1566.001 (S0154), APT28 / G0007 and Win32/Industroyer",
        "mail j0hn.d0e@mfa.example or visit d0brev.example and C:\\Users\\adm1n\\x.exe",
        "no leet here at all",
    ],
)
def test_cti_text_is_left_alone(text: str) -> None:
    assert deobfuscate(text) is text


def test_shadow_keeps_offsets_and_allowed_words() -> None:
    text = "The finance manager, J0lanta D0brev, ran C0balt Str1ke."
    shadow = deobfuscate(text)
    assert shadow == "The finance manager, Jolanta Dobrev, ran Cobalt Strike."
    assert len(shadow) == len(text)
    start = text.index("J0lanta")
    assert changed(text, shadow, start, start + len("J0lanta D0brev"))
    assert not changed(text, shadow, 0, start)
    kept = deobfuscate(text, keep=AllowList(["Cobalt Strike", "C0balt"]).__contains__)
    assert kept == "The finance manager, Jolanta Dobrev, ran C0balt Strike."


# --- the allow-list judges the de-obfuscated value -----------------------------------------------------------


def test_allow_list_keeps_a_leet_person_and_returns_it_as_written() -> None:
    text = "The finance manager, J0lanta D0brev, received a fake invoice."
    span = _span(text, "J0lanta D0brev")
    assert AllowList().filter([span], text) == [span]


def test_allow_list_still_allows_a_leet_actor_name() -> None:
    text = "The operators ran C0balt Str1ke on the server."
    assert AllowList(["Cobalt Strike"]).filter([_span(text, "C0balt Str1ke")], text) == []


def test_allow_list_trims_a_leet_name_next_to_an_actor() -> None:
    text = "APT28 operator Iv4n Petr0v logged in."
    (piece,) = AllowList(["APT28"]).filter([_span(text, "APT28 operator Iv4n Petr0v")], text)
    assert (piece.text, text[piece.start : piece.end]) == ("Iv4n Petr0v", "Iv4n Petr0v")


# --- propagation across spellings -------------------------------------------------------------------------


def test_a_name_propagates_to_its_leet_spelling_and_back() -> None:
    text = "Jolanta Dobrev was phished. Later D0brev said J0lanta D0brev paid nothing."
    out = propagate([_span(text, "Jolanta Dobrev")], text)
    assert [s.text for s in out if s.entity_type == "PERSON"] == [
        "Jolanta Dobrev",
        "D0brev",
        "J0lanta D0brev",
    ]
    assert all(text[s.start : s.end] == s.text for s in out)
    text = "J0lanta D0brev was phished. Jolanta Dobrev paid nothing."
    out = propagate([_span(text, "J0lanta D0brev")], text)
    assert [s.text for s in out] == ["J0lanta D0brev", "Jolanta Dobrev"]


# --- place names are not people ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("On 6 June the City of Harwick's tourism website was defaced.", "Harwick"),
        ("Ransomware halted the terminals at the Port of Selden.", "Selden"),
        ("The town of Marlow and the county of Kent agreed.", "Marlow"),
        ("The Municipality of Ostrava and the Region of Murcia.", "Murcia"),
        ("Staff of Harwick City Council reported it.", "Harwick"),
        ("Kessbridge Water Authority reported an incident.", "Kessbridge"),
        ("Operators at Selden Port Authority restored the systems.", "Selden"),
        ("Ships waited outside Selden Harbour for a day.", "Selden"),
        ("The Selden port was closed for a day.", "Selden"),
        ("Phishing against the Selden shipping office", "Selden"),
        ("Who was targeted in the Selden shipping-office phishing?", "Selden"),
        ("NOISY GULL claimed the Harwick defacement.", "Harwick"),
        ("Ships waited outside Selden Harbour for a day.", "Selden Harbour"),
    ],
)
def test_places_are_not_people(text: str, value: str) -> None:
    span = _span(text, value)
    assert in_place_context(span, text)
    assert plausible_people([span], text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The finance manager, Jolanta Dobrev, received a fake invoice.", "Jolanta Dobrev"),
        ("A message from Dobrev reached the City Council of Harwick.", "Dobrev"),
        ("She met Anna Port at the office.", "Anna Port"),
        ("The report by Henrik Solberg was edited.", "Henrik Solberg"),
        ("They asked the Dobrev family to wait.", "Dobrev"),
    ],
)
def test_people_stay_people(text: str, value: str) -> None:
    span = _span(text, value)
    assert not in_place_context(span, text)
    assert plausible_people([span], text) == [span]


def test_a_place_named_once_is_a_place_everywhere_in_the_document() -> None:
    text = "The lying tourist site of Harwick is ours. The City of Harwick said so."
    assert "Harwick" in place_names(text)
    assert plausible_people([_span(text, "Harwick")], text) == []
    other = "The lying tourist site of Harwick is ours."
    assert plausible_people([_span(other, "Harwick")], other, places={"Harwick"}) == []


def test_a_surname_that_is_also_a_place_stays_a_person() -> None:
    text = "Anna Selden runs the Port of Selden. Selden said the port reopened."
    spans = [_span(text, "Anna Selden"), _span(text, "Selden", nth=1), _span(text, "Selden", nth=2)]
    kept = plausible_people(spans, text)
    assert [(s.text, s.start) for s in kept] == [("Anna Selden", 0), ("Selden", spans[2].start)]


def test_place_names_strip_possessives() -> None:
    assert place_names("the City of Harwick's tourism website") == {"Harwick"}
    assert place_names("The Port of Selden and Kessbridge Water Authority") == {"Selden", "Kessbridge"}
    assert place_names("Ask The Port Authority about This port.") == set()
    assert place_names("the City of New York") == {"New", "New York"}


# --- the analyzer (spaCy) ------------------------------------------------------------------------------------


@pytest.mark.integration
def test_leet_name_is_found_by_analyze_analyze_many_and_rescan() -> None:
    from guardrails.analyzer import analyze, analyze_many
    from guardrails.redact import redact, rescan
    from guardrails.vault import Vault

    spans = analyze(FIXTURE)
    persons = [s.text for s in spans if s.entity_type == "PERSON"]
    assert persons == ["J0lanta D0brev"]  # and not "Selden"
    redacted = redact(text=FIXTURE, spans=spans, audience="diplomat", vault=Vault()).text
    assert "J0lanta" not in redacted and "D0brev" not in redacted
    assert "Selden shipping office" in redacted

    chunks = FIXTURE.split("\n\n")
    batched = analyze_many(chunks)
    assert [s.text for s in batched[1] if s.entity_type == "PERSON"] == ["J0lanta D0brev"]
    assert not any(s.entity_type == "PERSON" for s in batched[0])

    draft = "The finance manager, J0lanta D0brev, reported the phishing at the Selden shipping office."
    out = rescan(text=draft, audience="diplomat", vault=Vault()).text
    assert "J0lanta" not in out and "D0brev" not in out and "Selden" in out


@pytest.mark.integration
def test_leet_name_survives_the_allow_list_at_answer_time() -> None:
    from guardrails.analyzer import analyze, spans_for
    from guardrails.spans import spans_to_json

    stored = spans_to_json(analyze(FIXTURE))
    spans = spans_for(text=FIXTURE, annotations=stored, allow=AllowList(["Lusenia"]))
    assert "J0lanta D0brev" in [s.text for s in spans if s.entity_type == "PERSON"]


@pytest.mark.integration
def test_cti_identifiers_create_no_person() -> None:
    from guardrails.analyzer import analyze

    text = (
        "APT28 exploited CVE-2023-4966 and Log4j (CVE-2021-44228), then used T1566.001 and S0154 from "
        "198.51.100.23; the sample d41d8cd98f00b204e9800998ecf8427e targets Win32 hosts running 16.8.1."
    )
    assert [s.text for s in analyze(text) if s.entity_type == "PERSON"] == []


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "Ransomware hit the Port of Selden. Selden Harbour was closed for a day.",
        "The lying tourist site of Harwick is ours. The City of Harwick said so.",
        "Who was targeted in the Selden shipping-office phishing?",
    ],
)
def test_analyzer_does_not_take_places_for_people(text: str) -> None:
    from guardrails.analyzer import analyze

    assert [s.text for s in analyze(text) if s.entity_type == "PERSON"] == []


def test_secrets_propagate_only_as_written() -> None:
    text = "The password is P@ssw0rd here. Password reset was forced."
    span = _span(text, "P@ssw0rd", "CREDENTIAL")
    assert propagate([span], text) == [span]
