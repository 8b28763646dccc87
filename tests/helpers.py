"""Builders shared by tests: documents written by hand and a knowledge base with fake embeddings."""

from __future__ import annotations

from pathlib import Path

from guardrails.markings import TLP
from retrieval.documents import Document, Entities
from retrieval.embeddings import HashEmbeddings
from retrieval.ingest import Ingester
from retrieval.kb import KnowledgeBase


def make_doc(
    doc_id: str, text: str, *, tlp: TLP = TLP.CLEAR, title: str | None = None, **kw: object
) -> Document:
    entities = kw.pop("entities", Entities())
    return Document(
        doc_id=doc_id,
        title=title or doc_id,
        text=text,
        doc_type=str(kw.pop("doc_type", "report")),
        source=str(kw.pop("source", "test")),
        tlp=tlp,
        entities=entities,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def fake_kb(home: Path) -> KnowledgeBase:
    return KnowledgeBase(home=home, embedder=HashEmbeddings())


def add(kb: KnowledgeBase, docs: list[Document]) -> None:
    Ingester(kb).add_documents(docs)
