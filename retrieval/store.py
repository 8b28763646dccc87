"""The Chroma collection that holds every passage, embedded locally, with its citation metadata.

Embedded (`chromadb.PersistentClient`) by default; a URL switches to a Chroma server (`chroma run`), the path
past one machine. Embeddings are always computed by detente and passed in, so Chroma never downloads a model.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from guardrails.markings import TLP
from retrieval.embeddings import Embedder
from retrieval.errors import StoreError

COLLECTION = "detente_passages"


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    distance: float
    text: str
    metadata: dict[str, Any]


class _LocalEmbeddingFunction:
    """Handed to Chroma so it never falls back to its default (downloading) embedding function."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:  # noqa: A002 - Chroma's parameter name
        if self._embedder is None:
            raise StoreError("detente passes its own embeddings; open the store through ChromaStore.")
        return list(self._embedder.encode(list(input)))

    @staticmethod
    def name() -> str:
        return "detente-local"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> _LocalEmbeddingFunction:
        return _LocalEmbeddingFunction()  # Chroma rebuilds it when reopening; detente always passes vectors

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]


def _client(*, path: Path | None, url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        if not parsed.hostname:
            raise StoreError(f"DETENTE_CHROMA_URL={url!r} is not a URL; use e.g. http://127.0.0.1:8000.")
        try:
            return chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError here
            raise StoreError(
                f"Cannot reach the Chroma server at {url}: {exc}. Start it with "
                "`chroma run --path DIR --host 127.0.0.1 --port 8000`, or unset DETENTE_CHROMA_URL."
            ) from exc
    if path is None:
        raise StoreError("No store path given.")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class ChromaStore:
    """Passages with embeddings and flat metadata, one collection per TLP level.

    Clearance is enforced by which collections a query reads: a GREEN search queries the CLEAR and GREEN
    collections only, with no metadata filter, so it stays fast at any size and cannot see an AMBER passage.
    List-valued metadata (entities, places, sectors) serves the facet filters within each collection.
    """

    def __init__(self, *, embedder: Embedder, path: Path | None = None, url: str | None = None) -> None:
        self.embedder = embedder
        self._client = _client(path=path, url=url)
        function = _LocalEmbeddingFunction(embedder)
        self._levels = {
            level: self._client.get_or_create_collection(
                f"{COLLECTION}_{level.name.lower()}",
                metadata={"hnsw:space": "cosine"},
                embedding_function=function,
            )
            for level in TLP
        }
        self._meta = self._client.get_or_create_collection(
            f"{COLLECTION}_meta",
            metadata={"embedder": embedder.name, "dim": embedder.dim, "generation": 0},
            embedding_function=function,
        )
        stored = (self._meta.metadata or {}).get("embedder")
        if stored and stored != embedder.name:
            raise StoreError(
                f"This index was built with the embedding model {stored!r}, not {embedder.name!r}. "
                "Set DETENTE_EMBEDDINGS to the model it was built with, or point DETENTE_HOME at a new "
                "folder and re-ingest."
            )
        self._max_batch = int(self._client.get_max_batch_size())

    # --- writes -------------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[StoredChunk], embeddings: np.ndarray) -> None:
        by_level: dict[TLP, list[int]] = {}
        for i, chunk in enumerate(chunks):
            by_level.setdefault(TLP(int(chunk.metadata["tlp"])), []).append(i)
        for level, rows in by_level.items():
            for start in range(0, len(rows), self._max_batch):
                part = rows[start : start + self._max_batch]
                self._levels[level].upsert(
                    ids=[chunks[i].chunk_id for i in part],
                    embeddings=embeddings[part],
                    documents=[chunks[i].text for i in part],
                    metadatas=[chunks[i].metadata for i in part],
                )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        ids = list(chunk_ids)
        for collection in self._levels.values():
            for start in range(0, len(ids), self._max_batch):
                collection.delete(ids=ids[start : start + self._max_batch])

    # --- reads --------------------------------------------------------------------------------
    def query(
        self, embedding: np.ndarray, *, n: int, clearance: TLP, where: dict[str, Any] | None
    ) -> list[Hit]:
        """The n nearest passages at or below `clearance`, optionally narrowed by a metadata `where`."""
        hits: list[Hit] = []
        for level, collection in self._levels.items():
            if level > clearance:
                continue
            result = collection.query(
                query_embeddings=[embedding],
                n_results=n,
                where=where or None,
                include=["documents", "metadatas", "distances"],
            )
            hits += [
                Hit(chunk_id=i, distance=float(d), text=t or "", metadata=dict(m or {}))
                for i, d, t, m in zip(
                    result["ids"][0],
                    result["distances"][0],
                    result["documents"][0],
                    result["metadatas"][0],
                    strict=True,
                )
            ]
        return sorted(hits, key=lambda h: (h.distance, h.chunk_id))[:n]

    def get(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        found: dict[str, StoredChunk] = {}
        for collection in self._levels.values():
            result = collection.get(ids=list(chunk_ids), include=["documents", "metadatas"])
            for i, t, m in zip(result["ids"], result["documents"], result["metadatas"], strict=True):
                found[i] = StoredChunk(chunk_id=i, text=t or "", metadata=dict(m or {}))
        return [found[i] for i in chunk_ids if i in found]

    def scan(self, *, batch: int = 5000) -> Iterator[StoredChunk]:
        """Every passage, in pages: feeds the lexical index."""
        for collection in self._levels.values():
            offset = 0
            while True:
                result = collection.get(limit=batch, offset=offset, include=["documents", "metadatas"])
                if not result["ids"]:
                    break
                for i, t, m in zip(result["ids"], result["documents"], result["metadatas"], strict=True):
                    yield StoredChunk(chunk_id=i, text=t or "", metadata=dict(m or {}))
                offset += len(result["ids"])

    def count(self) -> int:
        return sum(int(c.count()) for c in self._levels.values())

    # --- bookkeeping --------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        """Bumped after every ingest that changed passages: derived indexes compare against it."""
        fresh = self._client.get_collection(
            f"{COLLECTION}_meta", embedding_function=_LocalEmbeddingFunction(self.embedder)
        )
        return int((fresh.metadata or {}).get("generation", 0))

    def bump_generation(self) -> int:
        new = self.generation + 1
        self._meta.modify(
            metadata={"embedder": self.embedder.name, "dim": self.embedder.dim, "generation": new}
        )
        return new
