"""Guardrails: clearance, redaction, injection screening and output checks. No Slack or Chroma code here."""

from guardrails.allowlist import AllowList
from guardrails.analyzer import analyze, analyze_many, get_engine, spans_for
from guardrails.audiences import Audience, audience_names, get_audience
from guardrails.checks import (
    Finding,
    check_answer_marking,
    check_citation_clearance,
    check_leakage,
    check_output_safety,
    check_patterns,
    check_public_sources,
    clearance_gate,
    failures,
    run_output_checks,
)
from guardrails.errors import (
    AnnotationError,
    AudienceError,
    GuardrailError,
    MarkingError,
    ModelMissingError,
    PolicyError,
    RecognizerConfigError,
    VaultError,
)
from guardrails.injection import Screening, screen, screen_question, screening_notice
from guardrails.markings import PAP, TLP, highest
from guardrails.policy import ClearancePolicy
from guardrails.recognizers import find_all, load_specs
from guardrails.redact import Redaction, Replacement, redact, rescan
from guardrails.spans import Span, spans_from_json, spans_to_json
from guardrails.vault import Vault

__all__ = [
    "PAP",
    "TLP",
    "AllowList",
    "AnnotationError",
    "Audience",
    "AudienceError",
    "ClearancePolicy",
    "Finding",
    "GuardrailError",
    "MarkingError",
    "ModelMissingError",
    "PolicyError",
    "RecognizerConfigError",
    "Redaction",
    "Replacement",
    "Screening",
    "Span",
    "Vault",
    "VaultError",
    "analyze",
    "analyze_many",
    "audience_names",
    "check_answer_marking",
    "check_citation_clearance",
    "check_leakage",
    "check_output_safety",
    "check_patterns",
    "check_public_sources",
    "clearance_gate",
    "failures",
    "find_all",
    "get_audience",
    "get_engine",
    "highest",
    "load_specs",
    "redact",
    "rescan",
    "run_output_checks",
    "screen",
    "screen_question",
    "screening_notice",
    "spans_for",
    "spans_from_json",
    "spans_to_json",
]
