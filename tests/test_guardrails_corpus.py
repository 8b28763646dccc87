"""Figures on real and sample text: false positives on public CTI, recall on the sample corpus's planted
identifiers. Both load the spaCy model; run with `-s` to see the printed figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from guardrails.allowlist import AllowList
from guardrails.analyzer import analyze, analyze_many
from guardrails.injection import screen
from guardrails.redact import redact
from guardrails.vault import Vault

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "retrieval" / "sample_corpus"
# Span types that would be a false positive on public CTI, which holds no personal data or secrets.
PERSONAL = {
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "SOURCE_CODENAME",
    "HANDLE",
    "CREDENTIAL",
    "API_KEY",
    "CANARY",
    "CLASSIFICATION_MARKING",
    "CASE_NUMBER",
    "INTERNAL_HOST",
}
MAX_FP_RATE = (
    0.10  # share of passages with at least one such span; measured 0.04 (2 of the 6 are real people)
)
MIN_RECALL = 0.95


def _attack_objects(cti: Path) -> list[dict]:
    return json.loads(
        (cti / "mitre-attack" / "enterprise-attack-18.1-core.json").read_text(encoding="utf-8")
    )["objects"]


def _kb_names(cti: Path) -> tuple[list[str], list[str]]:
    """What the knowledge base would feed the allow-list: (all names, actor/malware/tool names)."""
    actors: set[str] = set()
    for obj in _attack_objects(cti):
        if obj["type"] in ("intrusion-set", "malware", "tool"):
            actors.update([obj["name"], *obj.get("aliases", []), *obj.get("x_mitre_aliases", [])])
    misp = json.loads((cti / "misp-galaxy" / "clusters" / "threat-actor.json").read_text(encoding="utf-8"))
    for value in misp["values"]:
        actors.update([value["value"], *(value.get("meta", {}).get("synonyms") or [])])
    kev = json.loads((cti / "cisa-kev" / "known_exploited_vulnerabilities.json").read_text(encoding="utf-8"))
    products = {v for e in kev["vulnerabilities"] for v in (e["vendorProject"], e["product"])}
    return sorted(actors | products), sorted(a for a in actors if len(a) > 2)


def _strip_citations(text: str) -> str:
    return re.sub(r"\(Citation:[^)]*\)", "", text)


def test_false_positives_on_public_cti(shared_cti: Path) -> None:
    names, actor_names = _kb_names(shared_cti)
    allow = AllowList(names)
    sets = sorted(
        (
            o
            for o in _attack_objects(shared_cti)
            if o["type"] == "intrusion-set"
            and o.get("description")
            and not o.get("revoked")
            and not o.get("x_mitre_deprecated")
        ),
        key=lambda o: o["id"],
    )[:100]
    files = sorted((shared_cti / "wa-soc-advisories" / "advisories").glob("*.md"))
    files = files[:: max(1, len(files) // 50)][:50]
    texts = [_strip_citations(o["description"]) for o in sets] + [
        f.read_text(encoding="utf-8") for f in files
    ]
    results = analyze_many(texts, allow=allow, share=False)

    actor_pattern = re.compile(
        r"(?<!\w)(?:"
        + "|".join(re.escape(n) for n in sorted(actor_names, key=len, reverse=True))
        + r")(?!\w)"
    )
    as_person = [
        s.text
        for spans in results
        for s in spans
        if s.entity_type == "PERSON" and actor_pattern.search(s.text)
    ]
    flagged = [spans for spans in results if any(s.entity_type in PERSONAL for s in spans)]
    words = sum(len(t.split()) for t in texts)
    fp_spans = sum(1 for spans in results for s in spans if s.entity_type in PERSONAL)
    rate = len(flagged) / len(texts)
    print(
        f"\nfalse positives: {len(flagged)}/{len(texts)} passages ({rate:.1%}), {fp_spans} spans, "
        f"{fp_spans / words * 1000:.2f} per 1,000 words; actor/malware names tagged PERSON: {len(as_person)}"
    )
    assert as_person == []
    assert rate <= MAX_FP_RATE


def _sample_texts(manifest: dict) -> dict[str, str]:
    objects = {}
    for bundle in (SAMPLE / "stix").glob("*.json"):
        for obj in json.loads(bundle.read_text(encoding="utf-8"))["objects"]:
            objects[obj["id"]] = obj
    texts = {}
    for key, doc in manifest["documents"].items():
        if str(doc.get("file", "")).startswith("reports/"):
            texts[key] = (SAMPLE / doc["file"]).read_text(encoding="utf-8")
        elif key in objects:
            texts[key] = "\n".join(_strings(objects[key]))
    return texts


def _strings(value: object) -> list[str]:
    skip = {"id", "type", "spec_version", "created", "modified", "object_marking_refs", "created_by_ref"}
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in skip for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.fixture(scope="module")
def manifest() -> dict:
    path = SAMPLE / "manifest.yaml"
    if not path.is_file():
        pytest.skip(f"sample corpus manifest not found at {path}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_recall_on_planted_identifiers(manifest: dict) -> None:
    non_sensitive = manifest.get("non_sensitive", {})
    allow = AllowList([n for group in non_sensitive.values() for n in group])
    texts = _sample_texts(manifest)
    planted = hits = 0
    misses = []
    for key, doc in manifest["documents"].items():
        if key not in texts or not doc.get("planted"):
            continue
        text = texts[key]
        result = redact(text=text, spans=analyze(text, allow=allow), audience="diplomat", vault=Vault())
        covered = [(r.start, r.end) for r in result.replacements]
        for item in doc["planted"]:
            planted += 1
            spots = [m.span() for m in re.finditer(re.escape(item["text"]), text)]
            if spots and all(any(s <= a and b <= e for s, e in covered) for a, b in spots):
                hits += 1
            else:
                misses.append(f"{key} {item['kind']}")
    recall = hits / planted
    print(
        f"\nrecall on planted identifiers (diplomat policy): {hits}/{planted} = {recall:.3f}; missed: {misses}"
    )
    assert planted >= 50
    assert recall >= MIN_RECALL


def test_non_sensitive_names_are_never_redacted(manifest: dict) -> None:
    non_sensitive = manifest.get("non_sensitive", {})
    names = [n for group, values in non_sensitive.items() if group not in ("techniques",) for n in values]
    allow = AllowList([n for values in non_sensitive.values() for n in values])
    texts = _sample_texts(manifest)
    redacted = []
    for key, text in texts.items():
        spans = analyze(text, allow=allow)
        for audience in ("analyst", "diplomat"):
            result = redact(text=text, spans=spans, audience=audience, vault=Vault())
            for name in names:
                for m in re.finditer(re.escape(name), text):
                    if any(r.start < m.end() and m.start() < r.end for r in result.replacements):
                        redacted.append((key, audience, name))
    assert redacted == []


def test_sample_injections_are_caught_and_the_lure_is_not(manifest: dict) -> None:
    texts = _sample_texts(manifest)
    for key, doc in manifest["documents"].items():
        if key not in texts:
            continue
        result = screen(texts[key])
        assert result.flagged == bool(doc.get("injection")), (key, result.reasons)
        for snippet in doc.get("injection_text") or []:
            assert snippet not in result.text, (key, snippet)
