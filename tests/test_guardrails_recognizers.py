"""Pattern recognizers as data: positives with exact spans, negatives that must not fire (no NLP)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guardrails.errors import RecognizerConfigError
from guardrails.recognizers import find_all, load_specs

CASES = yaml.safe_load((Path(__file__).parent / "data" / "guardrails" / "recognizers.yaml").read_text())[
    "cases"
]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_recognizer_table(case: dict) -> None:
    text = case["text"]
    spans = find_all(text)
    found = [(s.entity_type, s.text) for s in spans]
    expected = [tuple(e) for e in case["expect"]]
    assert sorted(found) == sorted(expected)
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert 0.5 <= span.score <= 1.0
    for value in case.get("reject", []):
        assert all(s.text != value for s in spans), f"{value!r} must not be detected"


def test_spans_point_at_the_value_not_the_context() -> None:
    text = "According to source CORMORANT, the actor moved."
    (span,) = find_all(text)
    assert (span.entity_type, span.start, span.end) == ("SOURCE_CODENAME", 20, 29)


def test_configured_internal_domains() -> None:
    text = "Logs from vpn01.mfa.example.gov.au and www.example.gov.au."
    assert not [s for s in find_all(text) if s.entity_type == "INTERNAL_HOST"]
    specs = load_specs(settings={"internal_domains": ["mfa.example.gov.au"]})
    hosts = [s.text for s in find_all(text, specs) if s.entity_type == "INTERNAL_HOST"]
    assert hosts == ["vpn01.mfa.example.gov.au"]


def test_every_recognizer_compiles_and_names_an_entity() -> None:
    specs = load_specs()
    assert len(specs) >= 12
    assert {s.entity for s in specs} >= {
        "CLASSIFICATION_MARKING",
        "SOURCE_CODENAME",
        "HANDLE",
        "INTERNAL_HOST",
        "CASE_NUMBER",
        "CREDENTIAL",
        "API_KEY",
        "CANARY",
        "ATTACK_ID",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("recognizers:\n  - {name: x, entity: X, patterns: ['(unclosed']}\n", "invalid pattern"),
        ("recognizers:\n  - {name: x, entity: X, patterns: ['a'], colour: red}\n", "unknown key"),
        ("recognizers:\n  - {name: x, patterns: ['a']}\n", "'entity' is required"),
        ("recognizers:\n  - {name: x, entity: X, patterns: ['a'], validate: luhn}\n", "validate"),
        ("recognizers:\n  - {name: x, entity: X, patterns: ['{{missing}}']}\n", "missing"),
        ("settings: {}\n", "recognizers"),
    ],
)
def test_malformed_recognizer_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / f"r{abs(hash(content))}.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RecognizerConfigError, match=message):
        load_specs(path)
