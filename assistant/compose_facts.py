"""Sentences the composer writes itself: judgements and structured facts, each citing its passage.

Judgements (who is behind it, how sure we are) are worded from the assessment and the confidence, never
stronger than their level. Facts come from structured fields, only where a source states them: suspected
sponsor, sectors and countries, KEV entries and report dates. Analysts also get the flaw numbers (CVE ids)
the sources name, and each KEV entry's CVE id, due date and required action.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.brief import Assessment, Confidence
from assistant.checks.grounding import DEFAULT_THRESHOLD, support, unsupported_figures
from assistant.compose_candidates import short_source
from assistant.compose_rules import SECTION_ORDER, Draft
from guardrails.markings import CREDIBILITY, RELIABILITY
from retrieval.documents import Passage

SEVERITY_WORDS = {0: "negligible", 1: "low", 2: "moderate", 3: "serious", 4: "critical"}

_KEV_FIELD = re.compile(
    r"^(Vendor|Product|Vulnerability|Added to the CISA KEV catalogue|Required action|Due date for US federal "
    r"agencies|Known use in ransomware campaigns):\s*(.+)$",
    re.M,
)
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.I)
MAX_CVES = 4


@dataclass(frozen=True)
class Facts:
    """What one drafting job may say on its own authority, given its sources and assessment."""

    audience: str
    passages: Sequence[Passage]
    assessment: Assessment
    confidence: Confidence

    @property
    def level(self) -> str:
        """How sure we are of the attribution: its own confidence, or the assessment's."""
        return self.assessment.attribution_confidence or self.confidence.level

    @property
    def actor(self) -> str | None:
        return self.assessment.attribution

    def cite_actor(self) -> tuple[int, ...]:
        actor = (self.actor or "").casefold()
        for i, p in enumerate(self.passages):
            names = [n.casefold() for n in (*p.entities.actors, *p.entities.aliases)]
            if actor and (actor in names or actor in p.text.casefold()):
                return (i,)
        return (0,)

    def judgement(self) -> tuple[str, tuple[int, ...]]:
        """Bottom line's second sentence: so-what and how sure, hedged by the confidence level."""
        severity = SEVERITY_WORDS.get(self.assessment.severity, "moderate")
        if self.actor and (self.audience != "public" or self.level == "high"):
            cites = self.cite_actor()
            if self.level == "high":
                return (
                    f"{self.actor} is behind this activity; we hold this judgement with high confidence.",
                    cites,
                )
            if self.level == "moderate":
                return (
                    f"{_it_is(self.confidence.likelihood)} that {self.actor} is behind this activity, but our confidence is only moderate.",
                    cites,
                )
            return f"Some reports name {self.actor}, but our confidence in that link is low.", cites
        return f"We rate the threat as {severity}, with {self.confidence.level} confidence.", (0,)

    def how_sure(self) -> Draft:
        out: Draft = [(f"We have {self.confidence.level} confidence in this assessment.", (0,))]
        if self.audience == "public":
            return out
        sources: list[str] = []
        for i, p in enumerate(self.passages[:3]):
            name = short_source(p.source)
            if name in sources or (p.reliability or "F") not in "ABC" or not p.credibility:
                continue
            sources.append(name)
            reliability = RELIABILITY[p.reliability or "F"]
            credibility = CREDIBILITY.get(p.credibility, "")
            out.append((f"{name} is a {reliability} source, and its report is {credibility}.", (i,)))
            if len(sources) == 2:
                break
        return out

    def facts(self, told: Sequence[str]) -> dict[str, Draft]:
        """Sentences from structured fields, only where a source states them.

        `told` holds the sentences already chosen for how sure we are: a sponsor they name is not said twice.
        """
        facts: dict[str, Draft] = {name: [] for name in SECTION_ORDER}
        top = self.passages[:3]
        sponsor_ok = self.audience != "public" or self.level == "high"
        for i, p in enumerate(self.passages):
            if (
                sponsor_ok
                and p.entities.sponsors
                and p.entities.actors
                and not _sponsor_told(p.entities.sponsors, told)
            ):
                actor, sponsor = p.entities.actors[0], " and ".join(p.entities.sponsors)
                verb = (
                    "is assessed to be sponsored by"
                    if self.level == "high"
                    else "is suspected to be sponsored by"
                )
                facts["how_sure"].append((f"{actor} {verb} {sponsor}.", (i,)))
                break
        # Entities list countries without saying whether each is a victim or an origin, so the sentence only
        # says which ones the reporting names; known sponsors are left out.
        sectors = list(dict.fromkeys(s.casefold() for p in top for s in p.entities.sectors))[:3]
        sponsors = {s.casefold() for p in self.passages for s in p.entities.sponsors}
        sponsors |= {self.assessment.sponsor.casefold()} if self.assessment.sponsor else set()
        countries = [
            c
            for c in dict.fromkeys(c for p in top for c in p.entities.countries)
            if c.casefold() not in sponsors
        ][:3]
        cites = tuple(i for i, p in enumerate(top) if p.entities.sectors or p.entities.countries)
        if self.audience == "public":
            countries = []  # which country is a victim and which an origin is not for public text to guess
        if sectors and countries:
            text = f"The reporting names the {_join(sectors)} {_plural('sector', sectors)} and mentions {_join(countries)}."
        elif sectors:
            text = f"The reporting names the {_join(sectors)} {_plural('sector', sectors)}."
        elif countries:
            text = f"The reporting mentions {_join(countries)}."
        if sectors or countries:
            facts["who_is_affected"].append((text, cites))
        kev_cves: set[str] = set()
        for i, p in enumerate(self.passages):
            if p.doc_type == "kev":
                kev_cves |= _kev_facts(i, p, facts, analyst=self.audience == "analyst")
        if self.audience == "analyst":
            self._cve_facts(kev_cves, facts)
        dated = [(p.published, i) for i, p in enumerate(self.passages) if p.published]
        if dated:
            (first, a), (last, b) = min(dated), max(dated)
            if first != last:
                facts["timeline"].append(
                    (f"The reports we hold are dated between {first} and {last}.", (a, b))
                )
            else:
                facts["timeline"].append((f"The reports we hold are dated {first}.", (a,)))
        return facts

    def _cve_facts(self, told: set[str], facts: dict[str, Draft]) -> None:
        """Analysts: the flaw numbers each (non-KEV) source names, so a brief on a flaw says which one.

        The sentence carries the source's title, so that it rests on the source's words and not on bare ids;
        when even that does not make it a supported sentence it is left out.
        """
        told = set(told)
        for i, p in enumerate(self.passages):
            if p.doc_type == "kev":
                continue
            named = [c.upper() for c in (*p.entities.cves, *_CVE.findall(p.text))]
            listed = [c for c in dict.fromkeys(named) if c not in told][:MAX_CVES]
            if not listed:
                continue
            noun = "flaw" if len(listed) == 1 else "flaws"
            title = p.title.strip().rstrip(".")
            for text in (
                f"The reporting names the {noun} {_join(listed)}.",
                f"The report \u201c{title}\u201d names the {noun} {_join(listed)}.",
            ):
                if support(text, [p]) >= DEFAULT_THRESHOLD and not unsupported_figures(text, [p]):
                    facts["what_happened"].append((text, (i,)))
                    told |= set(listed)
                    break


def _sponsor_told(sponsors: Sequence[str], told: Sequence[str]) -> bool:
    """True when a selected assessment sentence already names the sponsor (no need to say it twice)."""
    text = " ".join(told).casefold()
    return any(s.casefold() in text for s in sponsors)


def _kev_facts(i: int, p: Passage, facts: dict[str, Draft], *, analyst: bool = False) -> set[str]:
    """Sentences from a KEV entry; analysts get its CVE id, due date and required action. Returns the ids said."""
    fields = {m.group(1): m.group(2).strip() for m in _KEV_FIELD.finditer(p.text)}
    product = " ".join(v for v in (fields.get("Vendor"), fields.get("Product")) if v)
    cve = next((c.upper() for c in [*p.entities.cves, *_CVE.findall(p.title)]), None) if analyst else None
    added = fields.get("Added to the CISA KEV catalogue")
    since = f" since {added}" if added else ""
    if cve:
        flaw = f"{cve}, a flaw in {product}," if product else cve
        facts["what_happened"].append((f"{flaw} has been on the CISA KEV catalogue{since}.", (i,)))
    elif product:
        facts["what_happened"].append(
            (f"A flaw in {product} has been on the US list of flaws known to be exploited{since}.", (i,))
        )
    due = fields.get("Due date for US federal agencies")
    action = fields.get("Required action") if analyst else None
    if due and cve:
        facts["timeline"].append((f"US federal agencies have a due date of {due} for {cve}.", (i,)))
    elif due:
        facts["timeline"].append((f"US federal agencies must fix it by {due}.", (i,)))
    if action:
        facts["timeline"].append((f"Required action for {cve or 'this flaw'}: {_sentence(action)}", (i,)))
    if fields.get("Known use in ransomware campaigns", "").casefold() == "known":
        facts["what_is_at_stake"].append(
            (
                f"Criminals are known to use {cve} in ransomware campaigns."
                if cve
                else "Criminals are known to use this flaw in ransomware campaigns.",
                (i,),
            )
        )
    return {cve} if cve else set()


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _it_is(likelihood: str) -> str:
    """ICD 203 words in a sentence: 'It is likely', 'There is a roughly even chance'."""
    if likelihood.endswith("chance"):
        return f"There is {'a ' if not likelihood.startswith('almost') else ''}{likelihood}"
    return f"It is {likelihood}"


def _plural(noun: str, items: Sequence[str]) -> str:
    return noun if len(items) == 1 else noun + "s"


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
