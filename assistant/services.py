"""Open the long-lived pieces (knowledge base, embedder) once per process, from settings."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from assistant.config import Settings, get_settings
from retrieval.embeddings import load_embedder
from retrieval.errors import RetrievalError
from retrieval.kb import KnowledgeBase


@lru_cache(maxsize=4)
def _embedder(name: str):  # noqa: ANN202 - returns one of the embedder classes
    return load_embedder(name)


def open_kb(settings: Settings | None = None) -> KnowledgeBase:
    settings = settings or get_settings()
    return KnowledgeBase(
        home=settings.home, embedder=_embedder(settings.embeddings), chroma_url=settings.chroma_url
    )


def require_passages(kb: KnowledgeBase) -> None:
    """Say what to do when there is nothing to search yet."""
    if kb.store.count() == 0:
        raise RetrievalError(
            f"The knowledge base at {kb.home} is empty. Run `detente ingest --sample` or "
            "`detente ingest <path>` first."
        )


def sample_corpus_paths() -> list[Path]:
    """The bundled fictional corpus: its reports and STIX bundles (not its manifest or read-me)."""
    root = Path(str(files("retrieval") / "sample_corpus"))
    return [root / "reports", root / "stix"]
