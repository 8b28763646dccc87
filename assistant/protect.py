"""Make retrieved passages safe to draft from: redact for the audience, then neutralise injected text.

Order matters: stored spans refer to the passage as ingested, so redaction runs before screening
(which may change the text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from guardrails.allowlist import AllowList
from guardrails.analyzer import spans_for
from guardrails.audiences import Audience
from guardrails.injection import Screening, screen, screening_notice
from guardrails.redact import redact
from guardrails.vault import Vault
from retrieval.documents import Passage


@dataclass(frozen=True)
class Protected:
    passages: tuple[Passage, ...]
    redactions: dict[str, int]  # entity type -> count
    notice: str | None  # said in the answer when passages were neutralised or left out


def protect(*, passages: Sequence[Passage], audience: Audience, vault: Vault, allow: AllowList) -> Protected:
    kept: list[Passage] = []
    screenings: list[Screening] = []
    redactions: dict[str, int] = {}
    for passage in passages:
        if not audience.admits(passage.tlp):
            continue
        spans = spans_for(text=passage.text, annotations=passage.annotations, allow=allow)
        redaction = redact(text=passage.text, spans=spans, audience=audience, vault=vault, allow=allow)
        for entity_type, count in redaction.counts().items():
            redactions[entity_type] = redactions.get(entity_type, 0) + count
        screening = screen(redaction.text)
        screenings.append(screening)
        if screening.excluded:
            continue
        kept.append(passage.model_copy(update={"text": screening.text, "annotations": None}))
    return Protected(passages=tuple(kept), redactions=redactions, notice=screening_notice(screenings))
