"""Errors raised by guardrails; each message says what to do."""


class GuardrailError(Exception):
    """Base class for guardrail errors."""


class MarkingError(GuardrailError, ValueError):
    """An unknown TLP, PAP or Admiralty value."""


class PolicyError(GuardrailError):
    """A clearance policy file is missing or malformed."""
