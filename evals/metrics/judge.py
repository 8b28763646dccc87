"""Optional model-graded metrics, only when a judge model is configured (`--judge MODEL`).

The judge reads what the reader read (the draft) and the passages it cites (already within the reader's
clearance), and scores faithfulness and proportionality from 1 to 5. Its scores are reported apart from
the deterministic checks, never gate a case and are never diffed against a baseline: a model is not a
reproducible instrument.
"""

from __future__ import annotations

import json
import re
from typing import Any

from evals.metrics.base import CaseInput, Check
from evals.metrics.facts import reader_text

PROMPT = """You grade a cyber-threat brief written for a {audience} audience.
Question: {question}

Draft:
{draft}

Sources it cites:
{sources}

Score from 1 (poor) to 5 (excellent):
- faithfulness: every statement is supported by the cited sources, with no stronger certainty than they give;
- proportionality: the advice is calm, avoids presumptive blame and escalation, and offers de-escalation.
Answer with JSON only: {{"faithfulness": n, "proportionality": n, "reason": "one sentence"}}"""
_JSON = re.compile(r"\{.*\}", re.S)


class ModelJudge:
    """Wraps a LangChain chat model (anything with `.invoke(str)` returning a message with `.content`)."""

    family = "judge"

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, item: CaseInput) -> list[Check]:
        sources = "\n".join(f"[{n}] {p.text[:1200]}" for n, p in sorted(item.passages.items()))
        prompt = PROMPT.format(
            audience=item.brief.audience,
            question=item.case.question,
            draft=reader_text(item.brief)[:6000],
            sources=sources or "(none)",
        )
        try:
            content = self.model.invoke(prompt).content
            data = json.loads(_JSON.search(str(content)).group(0))  # type: ignore[union-attr]
        except Exception as exc:  # a judge failure is a note, never a failed case
            return [
                Check(name="judge.error", passed=False, gating=False, reason=f"{type(exc).__name__}: {exc}")
            ]
        reason = str(data.get("reason", ""))
        checks = []
        for key in ("faithfulness", "proportionality"):
            try:
                score = max(1.0, min(5.0, float(data[key])))
            except (KeyError, TypeError, ValueError):
                continue
            checks.append(
                Check(name=f"judge.{key}", passed=score >= 4, score=score / 5, gating=False, reason=reason)
            )
        return checks


def judge_from_name(spec: str, base_url: str | None = None) -> ModelJudge:
    from assistant.llm import chat_model_from_settings  # lazy: LangChain loads only when a judge is asked for

    return ModelJudge(chat_model_from_settings(spec, base_url))
