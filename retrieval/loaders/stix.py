"""STIX 2.1 bundles: parse and filter the objects; the STIX graph renders them into documents later.

Plain dicts, not `stix2` objects: the ATT&CK relationships bundle has ~19k objects and `stix2` parsing
takes far longer than json, while the graph only needs each object's JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from retrieval.errors import LoadError
from retrieval.loaders.base import IngestOptions, LoadResult, SourceFile
from retrieval.stix_render import INDEXABLE

# What gets a document, plus what the graph needs to render documents (links, authors, markings, tactics).
KEPT_TYPES = INDEXABLE | {"relationship", "identity", "marking-definition", "x-mitre-tactic"}
RELATIONSHIP_KEYS = ("relationship_type", "source_ref", "target_ref")


def load_stix(source: SourceFile, options: IngestOptions) -> LoadResult:
    """Parse a STIX 2.1 bundle into the objects the graph keeps.

    `options` is not applied here: the graph stores it with each object and applies it when rendering.

    Example (the ATT&CK 18.1 core bundle)::

        source = SourceFile(path=path, rel_path="enterprise-attack-18.1-core.json", data=path.read_bytes())
        result = load_stix(source, IngestOptions())
        # result.format == "stix"; 386 revoked or deprecated objects skipped (kept hidden in the graph)
    """
    del options  # applied by the STIX graph at render time
    bundle = _parse_bundle(source)
    objects = bundle["objects"]
    for index, obj in enumerate(objects):
        _check_object(source, index, obj)
    kept: list[dict[str, Any]] = []
    dropped: Counter[str] = Counter()
    for obj in objects:
        reason = _drop_reason(obj)
        if reason:
            dropped[reason] += 1
        if reason in (None, "revoked", "deprecated"):
            # Withdrawn objects still reach the graph, which hides them: a later release that deprecates
            # an object we already hold must withdraw its document.
            kept.append(obj)
    return LoadResult(format="stix", stix_objects=kept, skipped=sum(dropped.values()), notes=_notes(dropped))


def _parse_bundle(source: SourceFile) -> dict[str, Any]:
    try:
        bundle = json.loads(source.data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LoadError(str(source.path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            str(source.path), f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise LoadError(
            str(source.path),
            'not a STIX 2.1 bundle: expected a JSON object {"type": "bundle", "objects": [...]}',
        )
    if not isinstance(bundle.get("objects"), list):
        raise LoadError(
            str(source.path),
            'STIX bundle has no "objects" list: wrap the STIX objects in {"type": "bundle", "objects": [...]}',
        )
    return bundle


def _check_object(source: SourceFile, index: int, obj: Any) -> None:
    """Every STIX object needs a type and an id of the form `<type>--<uuid>`; the graph keys on both."""
    where = f"objects[{index}]"
    if not isinstance(obj, dict):
        raise LoadError(str(source.path), f"{where} is not a JSON object: a STIX object must be one")
    for key in ("type", "id"):
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            raise LoadError(
                str(source.path), f'{where} has no "{key}": every STIX object needs a "type" and an "id"'
            )
    if not obj["id"].startswith(f"{obj['type']}--"):
        raise LoadError(
            str(source.path),
            f"{where} has id {obj['id']!r} that does not match its type {obj['type']!r}: "
            f"STIX ids are '<type>--<uuid>'",
        )


def _drop_reason(obj: dict[str, Any]) -> str | None:
    if obj["type"] not in KEPT_TYPES:
        return f"unsupported type {obj['type']}"
    if obj.get("revoked") is True:
        return "revoked"
    if obj.get("x_mitre_deprecated") is True:
        return "deprecated"
    if obj["type"] == "relationship" and not all(isinstance(obj.get(k), str) for k in RELATIONSHIP_KEYS):
        return "relationship without relationship_type, source_ref or target_ref"
    return None


def _notes(dropped: Counter[str]) -> list[str]:
    """Say what was left out, so that skipping is never silent (the ingest prefixes the file name)."""
    if not dropped:
        return []
    parts = ", ".join(f"{count} {reason}" for reason, count in sorted(dropped.items()))
    return [f"skipped {sum(dropped.values())} STIX objects ({parts})"]
