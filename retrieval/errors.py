"""Errors raised by the knowledge base; each message says what to do."""


class RetrievalError(Exception):
    """Base class for knowledge-base errors."""


class LoadError(RetrievalError):
    """A file could not be read as any supported format. The message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StoreError(RetrievalError):
    """The vector store is missing, unreachable or inconsistent."""
