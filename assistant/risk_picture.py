"""The live risk picture (Slack App Home): top current threats with severity and trend, counts by sector and
by TLP, last ingest. Read-only, and capped to what the viewer is cleared for: a document above the ceiling is
not counted, so counts cannot reveal that higher-marked reporting exists.

"Current" is the 90 days up to the newest cleared report not dated in the future: an offline knowledge
base may be older than the calendar, so the window's end date is always shown beside the last ingest. Trend compares those
90 days with the 90 before. Severity, when a knowledge base is given, is `assess` over the cleared passages
that name the actor.

>>> picture = risk_picture(kb, ceiling=TLP.GREEN)  # doctest: +SKIP
>>> [(t.name, t.trend, t.severity_word) for t in picture.threats]  # doctest: +SKIP
[('GRANITE TIDE', 'rising', 'high'), ...]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from guardrails.markings import TLP
from retrieval.catalog import read_documents

WINDOW_DAYS = 90
# Reference objects (techniques, tools, indicators, vulnerabilities, actor profiles) are not reporting:
# counting them would rank an actor by how well it is described rather than by how active it is.
REFERENCE_TYPES = frozenset(
    {
        "attack-pattern", "course-of-action", "identity", "indicator", "intrusion-set", "threat-actor",
        "malware", "tool", "vulnerability", "kev", "location", "infrastructure", "x-mitre-tactic",
    }
)  # fmt: skip
SEVERITY_WORDS = {0: "negligible", 1: "low", 2: "moderate", 3: "high", 4: "critical"}


@dataclass(frozen=True)
class DocFacts:
    doc_id: str
    doc_type: str
    tlp: TLP
    published: date | None
    actors: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Threat:
    name: str
    recent: int  # reports naming it in the window
    previous: int  # in the window before
    trend: str  # new | rising | steady | falling
    sectors: tuple[str, ...] = ()
    severity: int | None = None

    @property
    def severity_word(self) -> str | None:
        return SEVERITY_WORDS.get(self.severity) if self.severity is not None else None


@dataclass(frozen=True)
class RiskPicture:
    ceiling: TLP
    as_of: date | None
    window_days: int
    threats: tuple[Threat, ...] = ()
    by_sector: dict[str, int] = field(default_factory=dict)  # reports in the window
    by_tlp: dict[str, int] = field(default_factory=dict)  # all cleared documents
    documents: int = 0
    last_ingest: datetime | None = None


def read_docs(catalog_path: Path) -> tuple[list[DocFacts], datetime | None]:
    """Every document in the ingest catalog, read-only (safe from any thread, never creates the file)."""
    rows, last = read_documents(catalog_path)
    docs = [
        DocFacts(
            doc_id=doc_id,
            doc_type=doc_type,
            tlp=TLP(tlp),
            published=_date(published),
            actors=tuple(ents.get("actors", ())),
            sectors=tuple(ents.get("sectors", ())),
        )
        for doc_id, doc_type, tlp, published, ents in rows
    ]
    return docs, datetime.fromtimestamp(last, UTC) if last else None


def build_picture(
    *,
    docs: Iterable[DocFacts],
    ceiling: TLP,
    last_ingest: datetime | None = None,
    today: date | None = None,
    top: int = 5,
    window_days: int = WINDOW_DAYS,
    severity: Callable[[str], int | None] | None = None,
) -> RiskPicture:
    cleared = [d for d in docs if d.tlp <= ceiling]
    reports = [d for d in cleared if d.doc_type not in REFERENCE_TYPES and d.published]
    today = today or datetime.now(UTC).date()
    newest = max((d.published for d in reports if d.published and d.published <= today), default=None)
    by_tlp = Counter(d.tlp.label for d in cleared)
    base = RiskPicture(
        ceiling=ceiling,
        as_of=newest,
        window_days=window_days,
        by_tlp={t.label: by_tlp[t.label] for t in TLP if by_tlp[t.label]},
        documents=len(cleared),
        last_ingest=last_ingest,
    )
    if newest is None:
        return base
    start = newest - timedelta(days=window_days)
    before = start - timedelta(days=window_days)
    recent = [d for d in reports if d.published and start < d.published <= newest]
    earlier = [d for d in reports if d.published and before < d.published <= start]
    now_counts = Counter(a for d in recent for a in set(d.actors))
    then_counts = Counter(a for d in earlier for a in set(d.actors))
    # The most reported first; among equally reported, the more severe (assessed for twice `top` candidates).
    candidates = sorted(now_counts, key=lambda a: (-now_counts[a], a))[: 2 * top]
    threats = []
    for name in candidates:
        sectors = Counter(s for d in recent if name in d.actors for s in d.sectors)
        threats.append(
            Threat(
                name=name,
                recent=now_counts[name],
                previous=then_counts[name],
                trend=trend(now_counts[name], then_counts[name]),
                sectors=tuple(s for s, _ in sectors.most_common(3)),
                severity=severity(name) if severity else None,
            )
        )
    threats = sorted(
        threats, key=lambda t: (-t.recent, -(t.severity if t.severity is not None else -1), t.name)
    )
    threats = threats[:top]
    sectors = Counter(s for d in recent for s in set(d.sectors))
    return RiskPicture(
        **{**base.__dict__, "threats": tuple(threats), "by_sector": dict(sectors.most_common(10))}
    )


def trend(recent: int, previous: int) -> str:
    if previous == 0:
        return "new" if recent else "steady"
    change = recent - previous
    if change >= max(2, 0.25 * previous):
        return "rising"
    if -change >= max(2, 0.25 * previous):
        return "falling"
    return "steady"


def risk_picture(kb: Any, *, ceiling: TLP, today: date | None = None, top: int = 5) -> RiskPicture:
    """From a KnowledgeBase; call it on the thread that owns `kb` (severity runs searches)."""
    docs, last = read_docs(Path(kb.home) / "catalog.sqlite")
    return build_picture(
        docs=docs,
        ceiling=ceiling,
        last_ingest=last,
        today=today,
        top=top,
        severity=_severity_for(kb, ceiling),
    )


def _severity_for(kb: Any, ceiling: TLP) -> Callable[[str], int | None]:
    from assistant.assess import assess
    from retrieval.search import search

    def severity(name: str) -> int | None:
        passages = search(kb, query=f"{name} activity and impact", clearance=ceiling, k=8)
        naming = [p for p in passages if name in p.entities.actors]
        return assess(question=f"What is {name} doing?", passages=naming).severity if naming else None

    return severity


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
