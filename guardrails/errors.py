"""Errors raised by guardrails; each message says what to do."""


class GuardrailError(Exception):
    """Base class for guardrail errors."""


class MarkingError(GuardrailError, ValueError):
    """An unknown TLP, PAP or Admiralty value."""


class PolicyError(GuardrailError):
    """A clearance policy file is missing or malformed."""


class AudienceError(GuardrailError, ValueError):
    """An unknown audience name or a malformed audience file."""


class RecognizerConfigError(GuardrailError, ValueError):
    """A recognizer or injection-rule file is malformed (bad regex, unknown key)."""


class AnnotationError(GuardrailError, ValueError):
    """Stored span annotations do not fit the passage they belong to: re-run `detente ingest`."""


class ModelMissingError(GuardrailError):
    """The offline spaCy model for Presidio is not installed."""


class VaultError(GuardrailError, TypeError):
    """A pseudonym vault was asked to leave the process (pickled, copied or serialised)."""
