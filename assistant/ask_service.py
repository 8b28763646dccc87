"""`detente ask`: one pipeline (models loaded once) answers one question or a batch."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.pipeline import Pipeline
from assistant.services import require_passages
from retrieval.errors import RetrievalError

log = logging.getLogger(__name__)


def open_pipeline(drafter: str | None = None) -> Pipeline:
    pipeline = Pipeline.open(drafter=drafter)
    require_passages(pipeline.kb)
    return pipeline


def answer_batch(pipeline: Pipeline, path: Path) -> Iterator[dict[str, Any]]:
    """One JSON brief per input line; a bad line yields an error line and is logged, never a crash."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            spec = json.loads(line) if line.lstrip().startswith("{") else {"question": line.strip()}
            brief = pipeline.answer(
                spec["question"],
                audience=spec.get("audience", "diplomat"),
                clearance=spec.get("clearance", "CLEAR"),
            )
            yield {"line": number, **json.loads(brief.model_dump_json())}
        except (KeyError, ValueError, RetrievalError) as exc:
            log.exception("batch line %d failed", number)
            yield {"line": number, "error": f"{type(exc).__name__}: {exc}"}
