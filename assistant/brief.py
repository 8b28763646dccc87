"""What detente hands a reader: the Brief (also the `--json` output), and the pieces it is built from.

Every sentence a drafter writes is a `Statement` that cites passages by number, so grounding checks can
verify it against the passage it claims to rest on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OptionKind = Literal["defensive", "deterrent", "collaborative"]
AudienceName = Literal["diplomat", "public", "analyst"]
ConfidenceLevel = Literal["low", "moderate", "high"]

# The escalation ladder (../shared/docs/domain.md): the rung of a response option.
RUNGS = {0: "monitor", 1: "defend", 2: "coordinate", 3: "signal", 4: "impose costs"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Statement(_Frozen):
    """One sentence and the citation numbers ([n]) of the passages that support it."""

    text: str
    cites: tuple[int, ...] = ()


class Citation(_Frozen):
    n: int
    doc_id: str
    chunk_id: str
    title: str
    source: str
    url: str | None = None
    published: str | None = None
    tlp: str  # "TLP:GREEN"
    reliability: str  # Admiralty code, e.g. "B2"


class Confidence(_Frozen):
    """ICD 203 likelihood word plus a separate confidence level, never stronger than the sources."""

    level: ConfidenceLevel
    likelihood: str  # e.g. "likely", "roughly even chance"
    basis: str  # why: source reliability, corroboration, stated confidence


class Assessment(_Frozen):
    """Severity from stated facts; it sets the highest rung a proportionate response may reach."""

    severity: int = Field(ge=0, le=4)  # 0 negligible .. 4 critical
    ceiling_rung: int = Field(ge=0, le=4)
    threat_types: tuple[str, ...] = ()  # playbook threat types: espionage, ransomware, ...
    factors: tuple[str, ...] = ()  # the stated facts that set the severity, in plain words
    attribution: str | None = None  # the actor named by the sources, if any
    attribution_confidence: ConfidenceLevel | None = None
    sponsor: str | None = None
    pap: str = "PAP:CLEAR"  # the most restrictive PAP among the passages used


class ResponseOption(_Frozen):
    playbook_id: str
    kind: OptionKind
    rung: int = Field(ge=0, le=4)
    title: str
    action: str
    cost: str
    sequence: str  # when, relative to other steps
    change_indicators: tuple[str, ...] = ()  # what would change this advice
    de_escalation: str | None = None
    why: str = ""  # why it was selected (explainable selection)


class QA(_Frozen):
    question: str
    answer: str


class PublicMessaging(_Frozen):
    headline: str
    key_messages: tuple[Statement, ...]
    talking_points: tuple[Statement, ...]
    likely_questions: tuple[QA, ...]
    do_not_say: tuple[str, ...]


class CheckResult(_Frozen):
    """A named check's outcome (drafting, guardrails and evals share this shape)."""

    name: str
    passed: bool
    detail: str = ""


class Brief(_Frozen):
    question: str
    audience: AudienceName
    clearance: str  # the reader's ceiling, "TLP:GREEN"
    marking: str  # the highest TLP among the passages used
    bottom_line: tuple[Statement, ...] = ()
    what_happened: tuple[Statement, ...] = ()
    who_is_affected: tuple[Statement, ...] = ()
    what_is_at_stake: tuple[Statement, ...] = ()
    how_sure: tuple[Statement, ...] = ()
    confidence: Confidence | None = None
    timeline: tuple[Statement, ...] = ()
    options: tuple[ResponseOption, ...] = ()
    assessment: Assessment | None = None
    public: PublicMessaging | None = None
    citations: tuple[Citation, ...] = ()
    warnings: tuple[str, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    redactions: dict[str, int] = Field(default_factory=dict)  # entity type -> count; never the values
    refused: bool = False
    refusal_reason: str | None = None
    drafter: str = "composer"
    prompt_version: str = ""
    latency_ms: float | None = None

    def sections(self) -> dict[str, tuple[Statement, ...]]:
        """The prose sections in reading order (for rendering and for checks)."""
        return {
            "Bottom line": self.bottom_line,
            "What happened": self.what_happened,
            "Who is affected": self.who_is_affected,
            "What is at stake": self.what_is_at_stake,
            "How sure we are": self.how_sure,
            "Likely timeline": self.timeline,
        }

    def all_statements(self) -> list[Statement]:
        out = [s for section in self.sections().values() for s in section]
        if self.public:
            out += [*self.public.key_messages, *self.public.talking_points]
        return out
