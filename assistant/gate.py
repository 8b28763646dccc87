"""Refuse, rather than silently weaken, an answer whose best sources are above the reader's clearance.

A shadow search at the highest level runs inside the process only; nothing from it is shown. If most of the
best passages are above the ceiling and none of the cleared passages is even among the best six, the answer would need
higher-cleared sources, and the reader is told so (and which level would do).
"""

from __future__ import annotations

from collections.abc import Sequence

from guardrails.markings import TLP
from retrieval.documents import Passage
from retrieval.kb import KnowledgeBase
from retrieval.search import search

TOP = 3
WIDE = 6


def needed_clearance(
    kb: KnowledgeBase, *, query: str, ceiling: TLP, cleared: Sequence[Passage]
) -> TLP | None:
    """The level the answer would need, or None when the cleared passages can answer."""
    if ceiling >= TLP.RED:
        return None
    best = search(kb, query=query, clearance=TLP.RED, k=WIDE)
    if not best:
        return None
    cleared_ids = {p.chunk_id for p in cleared}
    above = [p for p in best[:TOP] if p.tlp > ceiling]
    # Refuse only when the cleared passages are nowhere among the best: otherwise answer from them.
    if len(above) * 2 > min(TOP, len(best)) and not any(p.chunk_id in cleared_ids for p in best):
        return min(p.tlp for p in above)
    return None
