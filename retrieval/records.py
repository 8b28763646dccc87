"""How a chunk of a Document is flattened into store metadata, and read back as a Passage."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from guardrails.markings import PAP, TLP
from retrieval.chunking import Chunk
from retrieval.documents import Document, Entities, Passage
from retrieval.entities import name_key
from retrieval.filters import date_key


def content_hash(doc: Document) -> str:
    """Changes whenever anything stored for the document would change."""
    return hashlib.sha256(doc.model_dump_json().encode()).hexdigest()


def chunk_metadata(doc: Document, chunk: Chunk, *, annotations: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "source": doc.source,
        "doc_type": doc.doc_type,
        "url": doc.url or "",
        "published": doc.published or "",
        "published_ts": date_key(doc.published) or 0,
        "tlp": int(doc.tlp),
        "pap": int(doc.pap),
        "reliability": doc.reliability or "",
        "credibility": doc.credibility or "",
        "confidence": doc.confidence if doc.confidence is not None else -1,
        "heading": chunk.heading,
        "chunk_index": chunk.index,
        "entities": doc.entities.model_dump_json(),
        "annotations": annotations or "",
    }
    facets = {
        "ents": [name_key(n) for n in doc.entities.names()],
        "places": [name_key(n) for n in (*doc.entities.countries, *doc.entities.sponsors)],
        "sectors": [name_key(n) for n in doc.entities.sectors],
        "sponsors": [name_key(n) for n in doc.entities.sponsors],
    }
    for key, values in facets.items():
        values = sorted({v for v in values if v})
        if values:  # Chroma rejects empty lists
            meta[key] = values
    return meta


def passage_from(
    chunk_id: str, text: str, meta: dict[str, Any], *, score: float = 0.0, rank: int = 0
) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        text=text,
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        doc_type=meta.get("doc_type", ""),
        url=meta.get("url") or None,
        published=meta.get("published") or None,
        tlp=TLP(int(meta.get("tlp", 0))),
        pap=PAP(int(meta.get("pap", 0))),
        reliability=meta.get("reliability") or None,
        credibility=meta.get("credibility") or None,
        confidence=None if int(meta.get("confidence", -1)) < 0 else int(meta["confidence"]),
        heading=meta.get("heading", ""),
        entities=Entities(**json.loads(meta["entities"])) if meta.get("entities") else Entities(),
        annotations=meta.get("annotations") or None,
        score=score,
        rank=rank,
    )
