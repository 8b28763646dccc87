"""The STIX loader keeps the object types the graph renders and refuses files that are not STIX bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guardrails.markings import TLP
from retrieval.errors import LoadError
from retrieval.loaders.base import IngestOptions, SourceFile
from retrieval.loaders.stix import load_stix

PATH = Path("/feeds/bundle.json")


def _source(payload: Any) -> SourceFile:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return SourceFile(path=PATH, rel_path="bundle.json", data=data)


def _bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"type": "bundle", "id": "bundle--1", "objects": list(objects)}


def _obj(stix_type: str, n: int, **extra: Any) -> dict[str, Any]:
    return {"type": stix_type, "id": f"{stix_type}--00000000-0000-4000-8000-{n:012d}", **extra}


KEPT = [
    "intrusion-set",
    "campaign",
    "malware",
    "tool",
    "attack-pattern",
    "course-of-action",
    "report",
    "vulnerability",
    "indicator",
    "note",
    "identity",
    "marking-definition",
    "x-mitre-tactic",
]


def test_keeps_supported_types_and_counts_what_it_skips() -> None:
    objects = [_obj(t, i) for i, t in enumerate(KEPT)]
    relationship = _obj(
        "relationship",
        100,
        relationship_type="uses",
        source_ref=objects[0]["id"],
        target_ref=objects[4]["id"],
    )
    skipped = [
        _obj("malware", 200, revoked=True),
        _obj("attack-pattern", 201, x_mitre_deprecated=True),
        _obj("x-mitre-matrix", 202),
        _obj("location", 203),
        _obj("relationship", 204, relationship_type="uses", source_ref=objects[0]["id"]),  # no target_ref
    ]
    result = load_stix(_source(_bundle(*objects, relationship, *skipped)), IngestOptions())

    assert result.format == "stix"
    assert result.documents == []
    # withdrawn objects pass through (the graph hides them and withdraws documents it held)
    assert [o["type"] for o in result.stix_objects] == [*KEPT, "relationship", "malware", "attack-pattern"]
    assert result.skipped == 5
    assert len(result.notes) == 1
    for reason in (
        "1 revoked",
        "1 deprecated",
        "unsupported type x-mitre-matrix",
        "unsupported type location",
    ):
        assert reason in result.notes[0]


def test_returns_the_parsed_objects_unchanged_and_ignores_options() -> None:
    group = _obj("intrusion-set", 1, name="APT28", revoked=False, x_mitre_deprecated=False)
    result = load_stix(_source(_bundle(group)), IngestOptions(tlp=TLP.RED, source="Partner feed"))
    assert result.stix_objects == [group]
    assert result.skipped == 0
    assert result.notes == []


def test_accepts_a_utf8_byte_order_mark_and_an_empty_bundle() -> None:
    result = load_stix(_source(b"\xef\xbb\xbf" + json.dumps(_bundle()).encode()), IngestOptions())
    assert result.stix_objects == []
    assert result.skipped == 0


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        ([_obj("malware", 1)], "not a STIX 2.1 bundle"),
        ({"type": "malware", "id": "malware--1"}, "not a STIX 2.1 bundle"),
        ({"type": "bundle", "id": "bundle--1"}, 'no "objects" list'),
        ({"type": "bundle", "objects": {"a": 1}}, 'no "objects" list'),
        (_bundle("malware--1"), "objects[0] is not a JSON object"),
        (_bundle(_obj("malware", 1), {"id": "malware--2"}), 'objects[1] has no "type"'),
        (_bundle({"type": "malware"}), 'objects[0] has no "id"'),
        (_bundle({"type": "malware", "id": ""}), 'objects[0] has no "id"'),
        (_bundle({"type": "malware", "id": "tool--1"}), "does not match its type"),
    ],
)
def test_rejects_what_is_not_a_stix_bundle_with_an_actionable_reason(payload: Any, expected: str) -> None:
    with pytest.raises(LoadError) as caught:
        load_stix(_source(payload), IngestOptions())
    assert expected in caught.value.reason
    assert caught.value.path == str(PATH)
    assert str(PATH) in str(caught.value)
