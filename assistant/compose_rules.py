"""The composer's rules: section cues from `prompts/sections.yaml`, reading targets and the draft shape.

Every other `assistant.compose_*` module reads its settings from here; this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from assistant.glossary import PROMPTS_DIR

SECTIONS_PATH = PROMPTS_DIR / "sections.yaml"
SECTION_ORDER = ("what_happened", "who_is_affected", "what_is_at_stake", "timeline", "how_sure")
GRADE_TARGETS = {"diplomat": 10.0, "public": 8.0}
MAX_SENTENCE_WORDS = 25

# (text, passage indexes) before citation numbers are assigned
Draft = list[tuple[str, tuple[int, ...]]]


@dataclass(frozen=True)
class SectionRules:
    name: str
    max: int
    cues: tuple[str, ...]
    headings: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """The composer's section cues and public-messaging word lists (prompts/sections.yaml)."""

    sections: Mapping[str, SectionRules]
    skip_headings: tuple[str, ...]
    advice_headings: tuple[str, ...]
    resilience_cues: tuple[str, ...]
    uncertainty_cues: tuple[str, ...]
    headline_kinds: Mapping[str, str]
    headline_default: str


@cache
def load_rules(path: str = str(SECTIONS_PATH)) -> Rules:
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle) or {}
    sections = {
        name: SectionRules(
            name=name,
            max=int(raw.get("max", 2)),
            cues=tuple(str(c).casefold() for c in raw.get("cues") or []),
            headings=tuple(str(h).casefold() for h in raw.get("headings") or []),
        )
        for name, raw in (data.get("sections") or {}).items()
    }
    public = data.get("public") or {}
    return Rules(
        sections=sections,
        skip_headings=tuple(str(h).casefold() for h in data.get("skip_headings") or []),
        advice_headings=tuple(str(h).casefold() for h in public.get("advice_headings") or []),
        resilience_cues=tuple(str(c).casefold() for c in public.get("resilience_cues") or []),
        uncertainty_cues=tuple(str(c).casefold() for c in public.get("uncertainty_cues") or []),
        headline_kinds={str(k): str(v) for k, v in (public.get("headline_kinds") or {}).items()},
        headline_default=str(public.get("headline_default") or "Cyber incident"),
    )
