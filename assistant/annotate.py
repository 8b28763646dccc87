"""Sensitive-identifier analysis at ingest, so answering only applies stored spans (fast path).

`all` runs Presidio (spaCy NER plus detente's recognizers) on every chunk. `auto` runs it on documents where
private identifiers live (anything above TLP:CLEAR, and free-text reports) and runs the pattern recognizers
alone on structured public catalogues (ATT&CK, MISP, KEV), whose prose names groups and products, not people;
every final draft is re-scanned with the full analyzer anyway. `none` stores no spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from guardrails.allowlist import AllowList
from guardrails.markings import TLP
from guardrails.spans import spans_to_json
from retrieval.documents import Document
from retrieval.ingest import Annotator

_FREE_TEXT = frozenset({"report", "advisory", "note"})
MODES = ("all", "auto", "none")


def needs_full_analysis(doc: Document, mode: str) -> bool:
    return mode == "all" or doc.tlp > TLP.CLEAR or doc.doc_type in _FREE_TEXT


def make_annotator(*, mode: str = "auto", known_names: Iterable[str] = ()) -> Annotator | None:
    if mode not in MODES:
        raise ValueError(f"DETENTE_ANNOTATE={mode!r}: use one of {', '.join(MODES)}.")
    if mode == "none":
        return None
    base = AllowList(known_names)

    def annotate(texts: Sequence[str], docs: Sequence[Document]) -> list[str | None]:
        from guardrails.analyzer import analyze_many
        from guardrails.recognizers import find_all

        out: list[str | None] = [None] * len(texts)
        by_doc: dict[str, list[int]] = {}
        for i, doc in enumerate(docs):
            by_doc.setdefault(doc.doc_id, []).append(i)
        for rows in by_doc.values():
            doc = docs[rows[0]]
            if needs_full_analysis(doc, mode):
                allow = base.with_names(
                    (
                        *doc.entities.names(),
                        *doc.entities.countries,
                        *doc.entities.sectors,
                        *doc.entities.sponsors,
                        *doc.subject,
                    )
                )
                # one call per document: a code name introduced in one chunk is marked in all of them
                found = analyze_many([texts[i] for i in rows], allow=allow)
            else:
                found = [find_all(texts[i]) for i in rows]
            for i, spans in zip(rows, found, strict=True):
                out[i] = spans_to_json(spans)
        return out

    return annotate
