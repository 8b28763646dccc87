"""The knowledge base: the vector store, the ingest catalog and the indexes derived from them."""

from __future__ import annotations

from pathlib import Path

from retrieval.catalog import Catalog
from retrieval.embeddings import Embedder
from retrieval.entities import EntityRegistry
from retrieval.lexical import LexicalIndex
from retrieval.store import ChromaStore


class KnowledgeBase:
    """Opened once per process (CLI command, Slack app, eval run); cheap to query many times.

    >>> kb = KnowledgeBase(home=Path("~/.detente").expanduser(), embedder=load_embedder())  # doctest: +SKIP
    >>> search(kb, query="What is Fancy Bear doing?", clearance=TLP.GREEN, k=5)  # doctest: +SKIP
    """

    def __init__(self, *, home: Path, embedder: Embedder, chroma_url: str | None = None) -> None:
        self.home = home
        self.embedder = embedder
        self.store = ChromaStore(embedder=embedder, path=home / "chroma", url=chroma_url)
        self.catalog = Catalog(home / "catalog.sqlite")
        self._lexical: tuple[int, LexicalIndex] | None = None
        self._registry: tuple[int, EntityRegistry] | None = None

    @property
    def lexical_dir(self) -> Path:
        return self.home / "lexical"

    def lexical(self) -> LexicalIndex:
        """The BM25 index for the store's current generation, loaded or rebuilt as needed."""
        generation = self.store.generation
        if self._lexical and self._lexical[0] == generation:
            return self._lexical[1]
        index = LexicalIndex.load(self.lexical_dir, generation=generation)
        if index is None:
            index = LexicalIndex.build(self.store.scan())
            index.save(self.lexical_dir, generation=generation)
        self._lexical = (generation, index)
        return index

    def registry(self) -> EntityRegistry:
        generation = self.store.generation
        if self._registry and self._registry[0] == generation:
            return self._registry[1]
        registry = EntityRegistry(self.catalog.subjects())
        self._registry = (generation, registry)
        return registry

    def refresh(self) -> None:
        """After an ingest changed passages: new generation, rebuilt lexical index and registry."""
        self.store.bump_generation()
        self._lexical = self._registry = None
        self.lexical()

    def close(self) -> None:
        self.catalog.close()
