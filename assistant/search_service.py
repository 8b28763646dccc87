"""`detente search`: one knowledge base and model load serve many queries (batch mode, evals)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.config import Settings, get_settings
from assistant.services import open_kb, require_passages
from guardrails.markings import TLP
from retrieval import gazetteer
from retrieval.documents import Passage
from retrieval.entities import name_key
from retrieval.errors import RetrievalError
from retrieval.filters import Filter, parse_user_filters
from retrieval.kb import KnowledgeBase
from retrieval.search import search


class Searcher:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    @classmethod
    def open(cls, settings: Settings | None = None) -> Searcher:
        return cls(open_kb(settings or get_settings()))

    def parse_filters(self, pairs: list[str], clearance: TLP) -> Filter:
        registry = self.kb.registry()

        def entity_keys(value: str) -> list[str]:
            entity = registry.lookup(value)
            return list(entity.keys) if entity else [name_key(value)]

        def one(fn: Any) -> Any:
            return lambda value: [name_key(v)] if (v := fn(value)) else []

        return parse_user_filters(
            pairs,
            clearance=clearance,
            normalise={
                "ents": entity_keys,
                "places": one(gazetteer.normalize_country),
                "sponsors": one(gazetteer.normalize_country),
                "sectors": one(gazetteer.normalize_sector),
            },
        )

    def search(
        self, query: str, *, k: int = 10, clearance: str | TLP = TLP.CLEAR, filters: list[str] = ()
    ) -> list[Passage]:
        level = TLP.parse(clearance)
        require_passages(self.kb)
        flt = self.parse_filters(list(filters), level) if filters else None
        return search(self.kb, query=query, clearance=level, k=k, filters=flt)

    def batch(self, path: Path, *, default_k: int, default_clearance: str) -> Iterator[dict[str, Any]]:
        """One result line per input line; a bad line yields an error line, not a crash."""
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                spec = json.loads(line) if line.lstrip().startswith("{") else {"query": line.strip()}
                query = spec["query"]
                passages = self.search(
                    query,
                    k=int(spec.get("k", default_k)),
                    clearance=spec.get("clearance", default_clearance),
                    filters=list(spec.get("filters", [])),
                )
                yield {"line": number, "query": query, "results": [p.citation() for p in passages]}
            except (KeyError, ValueError, RetrievalError) as exc:
                yield {"line": number, "error": f"{type(exc).__name__}: {exc}"}


def store_stats(settings: Settings) -> dict[str, Any]:
    kb = open_kb(settings)
    try:
        counts = kb.catalog.counts()
        counts["by_tlp"] = {TLP(int(k)).label: v for k, v in counts["by_tlp"].items()}  # type: ignore[union-attr]
        counts["chunks_in_store"] = kb.store.count()
        counts["store_bytes"] = sum(f.stat().st_size for f in settings.home.rglob("*") if f.is_file())
        counts["home"] = str(settings.home)
        return counts
    finally:
        kb.close()
