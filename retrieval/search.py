"""Hybrid retrieval: dense (Chroma) + lexical (BM25) + metadata-focused channels, fused by reciprocal rank.

Every channel applies the same Filter, clearance included, inside its query. The focus channels restrict to
what the question names (an actor under any alias, an id, a country, a sector, a date range) so those
documents rank even when their wording differs from the question's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from guardrails.markings import TLP
from retrieval.documents import Passage
from retrieval.entities import name_key
from retrieval.filters import Filter
from retrieval.kb import KnowledgeBase
from retrieval.query import ParsedQuery, parse_query
from retrieval.records import passage_from

RRF_K = 60
_WORDS = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class SearchOptions:
    k: int = 10
    per_doc: int = 2  # passages kept from one document, so k results span several sources
    pool: int = 40  # candidates each channel contributes before fusion
    dense: bool = True
    lexical: bool = True
    focus: bool = True


def search(
    kb: KnowledgeBase,
    *,
    query: str,
    clearance: TLP,
    k: int = 10,
    filters: Filter | None = None,
    options: SearchOptions | None = None,
) -> list[Passage]:
    """The k best passages the clearance allows, each carrying its citation fields."""
    opts = replace(options or SearchOptions(), k=k)
    base = replace(filters, clearance=clearance) if filters else Filter(clearance=clearance)
    parsed = parse_query(query, kb.registry())
    pool = max(opts.pool, 4 * k)

    channels: list[tuple[float, list[str]]] = []
    hits: dict[str, tuple[str, dict]] = {}
    embedding = kb.embedder.encode_query(query) if opts.dense else None

    def dense(flt: Filter) -> list[str]:
        if embedding is None:
            return []
        found = kb.store.query(
            embedding, n=pool, clearance=flt.clearance, where=flt.to_chroma(clearance=False)
        )
        for hit in found:
            hits.setdefault(hit.chunk_id, (hit.text, hit.metadata))
        return [hit.chunk_id for hit in found]

    def lexical(flt: Filter, text: str) -> list[str]:
        if not opts.lexical:
            return []
        return [chunk_id for chunk_id, _ in kb.lexical().search(text, n=pool, flt=flt)]

    lexical_text = parsed.lexical_text()
    channels.append((1.0, dense(base)))
    channels.append((1.0, lexical(base, lexical_text)))
    if opts.focus:
        for weight, flt in _focus_filters(base, parsed):
            channels.append((weight, dense(flt)))
            channels.append((weight, lexical(flt, lexical_text)))

    fused = _rrf(channels)
    missing = [cid for cid in fused if cid not in hits][: pool * 2]
    if missing:
        for chunk in kb.store.get(missing):
            hits[chunk.chunk_id] = (chunk.text, chunk.metadata)
    return _select(fused, hits, clearance=clearance, opts=opts)


def _focus_filters(base: Filter, parsed: ParsedQuery) -> list[tuple[float, Filter]]:
    """Metadata channels for what the question names; the combination of all of them weighs most."""
    out: list[tuple[float, Filter]] = []
    by_entity = base.with_list("ents", parsed.entity_keys) if parsed.entity_keys else None
    facets = base
    if parsed.places:
        facets = facets.with_list("places", tuple(name_key(p) for p in parsed.places))
    if parsed.sectors:
        facets = facets.with_list("sectors", tuple(name_key(s) for s in parsed.sectors))
    facets = facets.with_dates(parsed.since, parsed.until)
    by_facets = facets if facets.has_conditions and facets != base else None
    if by_entity:
        out.append((1.0, by_entity))
    if by_facets:
        out.append((1.0, by_facets))
    if by_entity and by_facets:
        out.append((1.5, facets.with_list("ents", parsed.entity_keys)))
    return out


def _rrf(channels: Sequence[tuple[float, list[str]]]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for weight, ranked in channels:
        for rank, chunk_id in enumerate(ranked, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (RRF_K + rank)
    return dict(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))


def _signature(text: str) -> frozenset[str]:
    words = _WORDS.findall(text.lower())
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def _near_duplicate(sig: frozenset[str], seen: list[frozenset[str]]) -> bool:
    for other in seen:
        if not sig or not other:
            continue
        overlap = len(sig & other) / min(len(sig), len(other))
        if overlap >= 0.9:
            return True
    return False


def _select(
    fused: dict[str, float], hits: dict[str, tuple[str, dict]], *, clearance: TLP, opts: SearchOptions
) -> list[Passage]:
    out: list[Passage] = []
    per_doc: dict[str, int] = {}
    seen: list[frozenset[str]] = []
    for chunk_id, score in fused.items():
        if chunk_id not in hits:
            continue
        text, meta = hits[chunk_id]
        if int(meta.get("tlp", 99)) > int(clearance):  # defence in depth: the filter already excluded it
            continue
        doc_id = meta["doc_id"]
        if per_doc.get(doc_id, 0) >= opts.per_doc:
            continue
        sig = _signature(text)
        if _near_duplicate(sig, seen):
            continue
        seen.append(sig)
        per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
        out.append(passage_from(chunk_id, text, meta, score=score, rank=len(out) + 1))
        if len(out) >= opts.k:
            break
    return out
