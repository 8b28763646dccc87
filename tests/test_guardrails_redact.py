"""Applying audience policies to stored spans: no NLP, consistent pseudonyms, nothing leaks at span edges."""

from __future__ import annotations

import pytest

from guardrails.errors import AnnotationError
from guardrails.recognizers import find_all
from guardrails.redact import redact
from guardrails.spans import Span, spans_from_json, spans_to_json
from guardrails.vault import Vault

TEXT = (
    "Analyst Priya Raman (priya.raman@mfa.gov.example) saw 203.0.113.45 reach fw-core-02.mfa.internal "
    "using spearphishing (T1566.001), case CASE-2026-0412. Northvale Regional Health Network was hit. "
    "APT28 used Mimikatz; source CORMORANT confirms. The password: Spring2026!Trade was reused."
)


def _spans(text: str) -> list[Span]:
    """Pattern spans plus the two an NER model would add, so these tests need no spaCy model."""
    spans = find_all(text)
    for value, entity in (("Priya Raman", "PERSON"), ("Northvale Regional Health Network", "ORGANIZATION")):
        start = text.index(value)
        spans.append(Span(entity, start, start + len(value), 0.85, value))
    return spans


@pytest.mark.parametrize(
    ("audience", "kept", "removed"),
    [
        (
            "analyst",
            [
                "203.0.113.45",
                "fw-core-02.mfa.internal",
                "T1566.001",
                "CASE-2026-0412",
                "Northvale",
                "APT28",
                "Mimikatz",
            ],
            ["Priya Raman", "priya.raman", "CORMORANT", "Spring2026!Trade"],
        ),
        (
            "diplomat",
            ["Northvale Regional Health Network", "APT28", "Mimikatz", "spearphishing"],
            ["Priya Raman", "203.0.113.45", "fw-core-02", "T1566", "CASE-2026", "CORMORANT", "Spring2026"],
        ),
        (
            "public",
            ["APT28", "Mimikatz"],
            [
                "Priya Raman",
                "203.0.113.45",
                "fw-core-02",
                "T1566",
                "CASE-2026",
                "Northvale",
                "CORMORANT",
                "Spring2026",
            ],
        ),
    ],
)
def test_audience_differences(audience: str, kept: list[str], removed: list[str]) -> None:
    result = redact(text=TEXT, spans=_spans(TEXT), audience=audience, vault=Vault())
    for value in kept:
        assert value in result.text, f"{audience} must keep {value!r}"
    for value in removed:
        assert value not in result.text, f"{audience} must remove {value!r}"


def test_technique_ids_are_dropped_cleanly_for_diplomats() -> None:
    text = "They used spearphishing (T1566.001) and scripts (T1059, T1105) to persist. See [T1566](https://attack.mitre.org/techniques/T1566)."
    result = redact(text=text, spans=find_all(text), audience="diplomat", vault=Vault())
    assert result.text == "They used spearphishing and scripts to persist. See ."
    assert all(r.replacement == "" for r in result.replacements if r.entity_type == "ATTACK_ID")


def test_pseudonyms_are_consistent_across_passages() -> None:
    vault = Vault()
    first = redact(text=TEXT, spans=_spans(TEXT), audience="diplomat", vault=vault)
    second_text = "Later, Priya Raman reported 203.0.113.45 again."
    second = redact(text=second_text, spans=_spans_for(second_text), audience="diplomat", vault=vault)
    assert "<PERSON_1>" in first.text and "<PERSON_1>" in second.text
    assert "<IP_1>" in first.text and "<IP_1>" in second.text
    assert vault.reveal("<PERSON_1>") == "Priya Raman"


def _spans_for(text: str) -> list[Span]:
    start = text.index("Priya Raman")
    return [*find_all(text), Span("PERSON", start, start + 11, 0.85, "Priya Raman")]


def test_overlapping_spans_are_merged_and_secrets_win() -> None:
    text = "Token api_key=AKIAQ3EXAMPLE7TRD2LX1234567890 in https://fs01.corp.internal/x?k=1 now"
    spans = find_all(text)
    start = text.index("https")
    spans.append(Span("URL", start, start + len("https://fs01.corp.internal/x?k=1"), 0.6, ""))
    diplomat = redact(text=text, spans=spans, audience="diplomat", vault=Vault())
    assert diplomat.text == "Token api_key=<API_KEY_1> in <URL_1> now"
    analyst = redact(text=text, spans=spans, audience="analyst", vault=Vault())
    assert analyst.text == "Token api_key=<API_KEY_1> in https://fs01.corp.internal/x?k=1 now"


def test_replacements_refer_to_the_original_text() -> None:
    result = redact(text=TEXT, spans=_spans(TEXT), audience="diplomat", vault=Vault())
    assert result.replacements
    for r in result.replacements:
        assert 0 <= r.start < r.end <= len(TEXT)
    assert result.counts()["PERSON"] == 1


def test_allow_list_at_answer_time_drops_newly_known_names() -> None:
    from guardrails.allowlist import AllowList

    text = "CINDER HERON phished the ministry."
    spans = [Span("PERSON", 0, 12, 0.85, "CINDER HERON")]
    assert "CINDER HERON" not in redact(text=text, spans=spans, audience="analyst", vault=Vault()).text
    kept = redact(
        text=text, spans=spans, audience="analyst", vault=Vault(), allow=AllowList(["Cinder Heron"])
    )
    assert kept.text == text


def test_spans_json_round_trip() -> None:
    spans = _spans(TEXT)
    raw = spans_to_json(spans)
    assert "Priya" not in raw and "Spring2026" not in raw  # offsets only, never values
    back = spans_from_json(raw, text=TEXT)
    assert sorted((s.entity_type, s.start, s.end, s.text) for s in back) == sorted(
        (s.entity_type, s.start, s.end, s.text) for s in spans
    )


@pytest.mark.parametrize(
    "raw",
    ['{"v": 1, "spans": [["PERSON", 5, 9999, 0.8]]}', '{"v": 7, "spans": []}', "not json", '{"v": 1}'],
)
def test_bad_annotations_say_to_reingest(raw: str) -> None:
    with pytest.raises(AnnotationError, match="detente ingest"):
        spans_from_json(raw, text=TEXT)
