"""What the knowledge base stores: documents from loaders, and the passages that retrieval returns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from guardrails.markings import PAP, TLP, admiralty_code


class Entities(BaseModel):
    """Named entities the source itself states (not guessed from prose)."""

    model_config = ConfigDict(frozen=True)

    actors: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    malware: tuple[str, ...] = ()  # malware and tools
    cves: tuple[str, ...] = ()
    attack_ids: tuple[str, ...] = ()  # ATT&CK ids: T1566, G0007, S0154, C0022, M1017
    countries: tuple[str, ...] = ()  # normalised common names: victims, targets, origin
    sectors: tuple[str, ...] = ()  # normalised sector names
    sponsors: tuple[str, ...] = ()  # suspected sponsor states, normalised

    def merged(self, other: Entities) -> Entities:
        return Entities(**{f: _union(getattr(self, f), getattr(other, f)) for f in Entities.model_fields})

    def names(self) -> tuple[str, ...]:
        """Every name that a question could use to find this document."""
        return _union(self.actors, self.aliases, self.malware, self.cves, self.attack_ids)


def _union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for group in groups:
        for item in group:
            if item and item.casefold() not in seen:
                seen[item.casefold()] = item
    return tuple(seen.values())


class Document(BaseModel):
    """One source document: a STIX object, a MISP cluster, a KEV entry or a report file."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    title: str
    text: str  # Markdown; headings are kept with their text when chunked
    doc_type: str  # intrusion-set, campaign, malware, tool, attack-pattern, course-of-action, report,
    # vulnerability, indicator, note, threat-actor, kev, advisory
    source: str
    url: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD)
    modified: str | None = None
    tlp: TLP = TLP.CLEAR
    pap: PAP = PAP.CLEAR
    reliability: str | None = None  # Admiralty A-F
    credibility: str | None = None  # Admiralty 1-6
    confidence: int | None = None  # STIX 0-100
    created_by: str | None = None
    entities: Entities = Field(default_factory=Entities)
    # Names of the thing this document describes (an actor and its aliases): feeds entity resolution.
    subject: tuple[str, ...] = ()
    origin: str = ""  # the file it came from, for error messages and re-ingest bookkeeping

    @property
    def admiralty(self) -> str:
        return admiralty_code(self.reliability, self.credibility)


class Passage(BaseModel):
    """A retrieved chunk with everything needed to cite it."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    doc_id: str
    text: str
    title: str
    source: str
    doc_type: str
    url: str | None = None
    published: str | None = None
    tlp: TLP = TLP.CLEAR
    pap: PAP = PAP.CLEAR
    reliability: str | None = None
    credibility: str | None = None
    confidence: int | None = None
    heading: str = ""
    entities: Entities = Field(default_factory=Entities)
    annotations: str | None = None  # JSON produced at ingest (e.g. sensitive-identifier spans)
    score: float = 0.0
    rank: int = 0

    @property
    def admiralty(self) -> str:
        return admiralty_code(self.reliability, self.credibility)

    def citation(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "doc_id": self.doc_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "tlp": self.tlp.label,
            "published": self.published,
            "reliability": self.admiralty,
            "score": round(self.score, 4),
            "text": self.text,
        }
