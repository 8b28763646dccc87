"""Detected spans and their storage format.

Passages are analysed once at ingest; their spans are stored next to the chunk as a small JSON string
(offsets and types only, never the sensitive text itself) and re-applied at answer time without NLP.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from guardrails.errors import AnnotationError

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Span:
    """One detected entity: `text[start:end]` of type `entity_type`."""

    entity_type: str
    start: int
    end: int
    score: float
    text: str

    def __repr__(self) -> str:  # the value stays out of logs
        return f"Span({self.entity_type}, {self.start}:{self.end}, score={self.score:.2f})"

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def spans_to_json(spans: Iterable[Span]) -> str:
    """Compact JSON for `Passage.annotations`: `{"v": 1, "spans": [[type, start, end, score], ...]}`."""
    rows = [[s.entity_type, s.start, s.end, round(s.score, 3)] for s in sorted(spans, key=_order)]
    return json.dumps({"v": FORMAT_VERSION, "spans": rows}, separators=(",", ":"))


def spans_from_json(raw: str, *, text: str) -> list[Span]:
    """Rebuild spans against the passage `text` they were computed on; refuse spans that do not fit."""
    try:
        data = json.loads(raw)
        if data.get("v") != FORMAT_VERSION:
            raise AnnotationError(
                f"Span annotations have format {data.get('v')!r}, expected {FORMAT_VERSION}: "
                "re-run `detente ingest` to re-analyse the passages."
            )
        spans = []
        for entity_type, start, end, score in data["spans"]:
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                raise AnnotationError(
                    f"A stored {entity_type} span ({start}:{end}) lies outside its passage "
                    f"({len(text)} characters): re-run `detente ingest` to re-analyse the passages."
                )
            spans.append(Span(str(entity_type), start, end, float(score), text[start:end]))
        return spans
    except AnnotationError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise AnnotationError(
            f"Span annotations are not valid JSON spans ({exc}): re-run `detente ingest`."
        ) from None


def _order(span: Span) -> tuple[int, int, str]:
    return (span.start, -span.end, span.entity_type)
