"""The vetted response playbook (`prompts/playbook.yaml`): the only source of response options.

Options are chosen from this library, never invented, so each one has been worded, costed and placed on
the escalation ladder by people before any reader sees it. Loading validates every entry strictly: an
unknown key or a bad value is an error that names the entry id and the field.

>>> playbook = load_playbook()
>>> entry = playbook.get("demarche-private")
>>> entry.kind, entry.rung, entry.pap_required
('collaborative', 2, 'PAP:GREEN')
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.brief import ConfidenceLevel, OptionKind
from guardrails.errors import MarkingError
from guardrails.markings import PAP

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
DEFAULT_PATH = PROMPTS_DIR / "playbook.yaml"

ThreatType = Literal[
    "espionage",
    "ransomware",
    "critical-infrastructure",
    "ddos",
    "defacement",
    "supply-chain",
    "hack-and-leak",
    "disinformation",
    "vulnerability-exploitation",
    "destructive",
    "fraud",
    "general",
]
THREAT_TYPES: tuple[str, ...] = get_args(ThreatType)
CONFIDENCE_ORDER: dict[str, int] = {"low": 0, "moderate": 1, "high": 2}
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


class RulesError(ValueError):
    """A data file under prompts/ is malformed; the message names the file, the entry and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Preconditions(_Strict):
    """What the assessment must state before an entry may be offered (all conditions must hold)."""

    min_severity: int = Field(0, ge=0, le=4)
    max_severity: int = Field(4, ge=0, le=4)
    min_attribution_confidence: ConfidenceLevel | None = None
    requires_actor: bool = False  # the sources name a responsible group
    requires_sponsor: bool = False  # the sources name a suspected state sponsor
    requires_confirmed_exploitation: bool = False
    requires_critical_service: bool = False
    requires_restricted_sources: bool = False  # the sources' PAP is AMBER or RED

    @model_validator(mode="after")
    def _ordered(self) -> Preconditions:
        if self.min_severity > self.max_severity:
            raise ValueError("min_severity is above max_severity")
        return self


class PlaybookEntry(_Strict):
    """One vetted response option and the conditions under which it is proportionate."""

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    threat_types: tuple[ThreatType, ...] = Field(min_length=1)
    kind: OptionKind
    rung: int = Field(ge=0, le=4)
    title: str = Field(min_length=3)
    action: str = Field(min_length=10)
    cost: str = Field(min_length=3)
    sequence: str = Field(min_length=3)
    preconditions: Preconditions = Field(default_factory=Preconditions)
    pap_required: str  # the most restrictive source PAP under which the action is still allowed
    change_indicators: tuple[str, ...] = Field(min_length=1)
    de_escalation: str | None = None

    @field_validator("pap_required", mode="before")
    @classmethod
    def _pap_label(cls, value: Any) -> str:
        try:
            return PAP.parse(value).label
        except MarkingError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("action")
    @classmethod
    def _short(cls, value: str) -> str:
        if len(_SENTENCE_END.findall(value.strip())) > 2:
            raise ValueError("action must be at most two sentences")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> PlaybookEntry:
        # Deterrent signals start at rung 3 (signal); below it, steps are defensive or collaborative.
        if self.kind == "deterrent" and self.rung < 3:
            raise ValueError("a deterrent entry must sit on rung 3 or 4")
        # Public attribution and cost imposition rest on a named actor held with high confidence.
        if self.rung >= 3 and not (
            self.preconditions.requires_actor and self.preconditions.min_attribution_confidence == "high"
        ):
            raise ValueError("rungs 3-4 need requires_actor: true and min_attribution_confidence: high")
        return self

    @property
    def pap_level(self) -> PAP:
        return PAP.parse(self.pap_required)

    def applies_to(self, threat_types: tuple[str, ...] | list[str]) -> bool:
        """General entries fit any threat; others need one of their threat types."""
        return "general" in self.threat_types or bool(set(self.threat_types) & set(threat_types))

    def specificity(self, threat_types: tuple[str, ...] | list[str]) -> int:
        """How many of the assessed threat types this entry names (0 for a general entry)."""
        return len(set(self.threat_types) & set(threat_types) - {"general"})


class Playbook(_Strict):
    version: int = 1
    entries: tuple[PlaybookEntry, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> Playbook:
        seen: set[str] = set()
        for entry in self.entries:
            if entry.id in seen:
                raise ValueError(f"duplicate entry id {entry.id!r}")
            seen.add(entry.id)
        return self

    def get(self, entry_id: str) -> PlaybookEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


@cache
def load_playbook(path: str | Path | None = None) -> Playbook:
    """Read and validate the playbook once per path; errors name the file, the entry id and the field."""
    source = Path(path) if path else DEFAULT_PATH
    data = read_yaml(source)
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise RulesError(f"{source}: needs a non-empty 'entries' list.")
    entries = []
    for index, raw in enumerate(raw_entries):
        label = raw.get("id", f"#{index}") if isinstance(raw, dict) else f"#{index}"
        try:
            entries.append(PlaybookEntry.model_validate(raw))
        except ValidationError as exc:
            raise RulesError(f"{source}: entry {label!r}: {describe(exc)}") from None
    try:
        return Playbook(version=data.get("version", 1), entries=tuple(entries))
    except ValidationError as exc:
        raise RulesError(f"{source}: {describe(exc)}") from None


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping, or a RulesError that says which file is missing or malformed."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: file not found; restore it from the repository.") from None
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping at the top level.")
    return data


def describe(exc: ValidationError) -> str:
    """Pydantic errors as 'field: message' pairs, short enough for one line."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "entry"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
