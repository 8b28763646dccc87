"""Assessment from stated facts: threat types, severity and the highest proportionate rung (the ceiling).

Severity is read only from what the sources state (text, entities, doc_type, metadata), with the rules
kept as data in `prompts/severity.yaml`, so every step is explainable: `factors` lists the facts, the
severity rule, any cap and the ceiling rule in plain words. When the sources cover several actors,
the assessment focuses on the actor the question names (or the one most sources name) and on passages
that name no actor, so an unrelated passage cannot raise the ceiling.

>>> from retrieval.documents import Entities, Passage
>>> p = Passage(chunk_id="c", doc_id="d", title="Website defaced", source="CERT", doc_type="report",
...             text="The tourism website was defaced for four hours. The impact was low: no data was taken.",
...             entities=Entities(actors=("NOISY GULL",)))
>>> a = assess(question="What happened in Harwick?", passages=[p])
>>> a.severity, a.ceiling_rung, a.threat_types
(1, 1, ('defacement',))
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache, cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.brief import RUNGS, Assessment, ConfidenceLevel
from assistant.confidence import sentences, source_cap, source_level, stated_levels, strongest, weakest
from assistant.playbook import CONFIDENCE_ORDER, PROMPTS_DIR, THREAT_TYPES, RulesError, describe, read_yaml
from guardrails.markings import PAP
from retrieval.documents import Passage

DEFAULT_PATH = PROMPTS_DIR / "severity.yaml"
SEVERITY_WORDS = {0: "negligible", 1: "low", 2: "moderate", 3: "high", 4: "critical"}
COMPUTED_FACTS = ("critical_service", "large_scale", "state_link", "threat_stated")
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(
        r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w-])", re.IGNORECASE
    )


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Patterns(_Strict):
    patterns: tuple[str, ...] = ()

    @field_validator("patterns")
    @classmethod
    def _valid(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad pattern {pattern!r}: {exc}") from None
        return value

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        return _compile(self.patterns)


class ThreatRule(_Patterns):
    doc_types: tuple[str, ...] = ()


class FactRule(_Patterns):
    factor: str
    doc_types: tuple[str, ...] = ()
    negatable: bool = True


class Condition(_Strict):
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()

    def holds(self, facts: set[str]) -> bool:
        return (
            all(f in facts for f in self.all)
            and (not self.any or any(f in facts for f in self.any))
            and not any(f in facts for f in self.none)
        )


class SeverityRule(Condition):
    id: str
    severity: int = Field(ge=0, le=4)
    reason: str


class Cap(Condition):
    id: str
    max_severity: int = Field(ge=0, le=4)
    reason: str


class StatedSeverity(_Strict):
    pattern: str
    levels: dict[str, int]


class Raise(_Strict):
    id: str
    rung: int = Field(ge=0, le=4)
    min_severity: int = Field(0, ge=0, le=4)
    requires_actor: bool = False
    requires_sponsor: bool = False
    min_attribution_confidence: ConfidenceLevel | None = None
    reason: str


class CeilingRules(_Strict):
    by_severity: tuple[int, int, int, int, int]
    reason: str
    raises: tuple[Raise, ...] = ()


class Cues(_Strict):
    negation: tuple[str, ...]
    uncertainty: tuple[str, ...]


class SeverityRules(_Strict):
    version: int = 1
    cues: Cues
    threat_types: dict[str, ThreatRule]
    critical_services: dict[str, _Patterns]
    operation_names: tuple[str, ...] = ()
    scale: dict[str, int]
    facts: dict[str, FactRule]
    severity_rules: tuple[SeverityRule, ...]
    caps: tuple[Cap, ...] = ()
    stated_severity: StatedSeverity
    ceiling: CeilingRules

    @model_validator(mode="after")
    def _known_names(self) -> SeverityRules:
        unknown_types = set(self.threat_types) - set(THREAT_TYPES)
        if unknown_types:
            raise ValueError(f"threat_types: unknown {sorted(unknown_types)}; use {list(THREAT_TYPES)}")
        missing = set(COMPUTED_FACTS) - set(self.facts)
        if missing:
            raise ValueError(f"facts: missing computed facts {sorted(missing)}")
        names = set(self.facts) | {f"type:{t}" for t in THREAT_TYPES}
        for rule in (*self.severity_rules, *self.caps):
            bad = [n for n in (*rule.all, *rule.any, *rule.none) if n not in names]
            if bad:
                raise ValueError(f"rule {rule.id!r}: unknown facts {bad}")
        return self


@cache
def load_severity_rules(path: str | Path | None = None) -> SeverityRules:
    """Read and validate `prompts/severity.yaml` once; errors name the file and the field."""
    source = Path(path) if path else DEFAULT_PATH
    try:
        return SeverityRules.model_validate(read_yaml(source))
    except ValidationError as exc:
        raise RulesError(f"{source}: {describe(exc)}") from None


def assess(*, question: str, passages: Sequence[Passage]) -> Assessment:
    """Severity, ceiling, threat types and attribution from what the passages state."""
    rules = load_severity_rules()
    actor = _focal_actor(question, passages, rules.operation_names)
    focus = [p for p in passages if not actor or not p.entities.actors or _names(p, actor)]
    naming = [p for p in focus if actor and _names(p, actor)]
    sponsor = _most_common(s for p in naming for s in p.entities.sponsors)
    reading = _Reading(rules, focus, sponsor)
    confidence = _attribution_confidence(actor, sponsor, naming)
    facts = set(reading.facts) | {f"type:{t}" for t in reading.threat_types}
    severity, severity_lines = _severity(rules, facts, reading.stated_severity)
    ceiling, ceiling_line = _ceiling(rules, severity, actor, sponsor, confidence)
    factors = [
        *reading.factor_lines(),
        _attribution_line(actor, sponsor, confidence),
        *severity_lines,
        ceiling_line,
    ]
    return Assessment(
        severity=severity,
        ceiling_rung=ceiling,
        threat_types=reading.threat_types or ("general",),
        factors=tuple(factors),
        attribution=actor,
        attribution_confidence=confidence,
        sponsor=sponsor,
        pap=PAP(max((p.pap for p in passages), default=PAP.CLEAR)).label,
    )


def stated_facts(assessment: Assessment) -> frozenset[str]:
    """The fact names behind an assessment's factors (the option selector's preconditions use them)."""
    rules = load_severity_rules()
    return frozenset(
        name
        for name, fact in rules.facts.items()
        if any(f.startswith(fact.factor) for f in assessment.factors)
    )


class _Reading:
    """Facts and threat types found in the focused passages, with the details that show them."""

    def __init__(self, rules: SeverityRules, passages: Sequence[Passage], sponsor: str | None) -> None:
        self.rules = rules
        self.facts: dict[str, list[str]] = {}
        self.stated_severity: int | None = None
        type_counts: Counter[str] = Counter()
        negation = _compile(rules.cues.negation)
        uncertainty = _compile(rules.cues.uncertainty)
        stated = re.compile(rules.stated_severity.pattern, re.IGNORECASE)
        for passage in passages:
            found: set[str] = set()
            for sentence in [passage.title, *sentences(passage.text)]:
                denied = bool(negation and negation.search(sentence))
                unsure = bool(uncertainty and uncertainty.search(sentence))
                self._sentence(sentence, denied or unsure, found)
                for match in stated.finditer(sentence):
                    level = rules.stated_severity.levels[match.group(1).lower()]
                    self.stated_severity = max(level, self.stated_severity or 0)
            self._metadata(passage, found)
            type_counts.update(found)
        if sponsor:
            self._add("state_link", sponsor)
        if type_counts:
            self._add("threat_stated", "")
        order = list(THREAT_TYPES)
        self.threat_types = tuple(sorted(type_counts, key=lambda t: (-type_counts[t], order.index(t))))

    def _sentence(self, sentence: str, blocked: bool, found: set[str]) -> None:
        rules = self.rules
        for name, fact in rules.facts.items():
            regex = fact.regex
            if regex and (not blocked or not fact.negatable) and regex.search(sentence):
                self._add(name, "")
        if blocked:
            return
        for name, threat in rules.threat_types.items():
            if threat.regex and threat.regex.search(sentence):
                found.add(name)
        for label, service in rules.critical_services.items():
            if service.regex and service.regex.search(sentence):
                self._add("critical_service", label)
        for number, unit in _counts(sentence, rules.scale):
            self._add("large_scale", f"{number:,} {unit}")

    def _metadata(self, passage: Passage, found: set[str]) -> None:
        for name, threat in self.rules.threat_types.items():
            if passage.doc_type in threat.doc_types:
                found.add(name)
        for name, fact in self.rules.facts.items():
            if passage.doc_type in fact.doc_types:
                self._add(name, "")

    def _add(self, name: str, detail: str) -> None:
        details = self.facts.setdefault(name, [])
        if detail and detail.casefold() not in {d.casefold() for d in details}:
            details.append(detail)

    def factor_lines(self) -> list[str]:
        lines = []
        for name, fact in self.rules.facts.items():
            if name in self.facts and name != "threat_stated":
                details = self.facts[name][:4]
                lines.append(f"{fact.factor}: {', '.join(details)}." if details else f"{fact.factor}.")
        return lines


@lru_cache(maxsize=8)
def _count_regex(units: tuple[str, ...]) -> re.Pattern[str]:
    """'<number> [up to two words] <unit>': "at least 11 regional councils", "410,000 people"."""
    alternatives = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    numbers = "|".join(_NUMBER_WORDS)
    return re.compile(
        rf"(?<![\w.,])(\d[\d,]*|{numbers})\s+(?:[a-z-]+\s+){{0,2}}?({alternatives})\b", re.IGNORECASE
    )


def _counts(sentence: str, thresholds: dict[str, int]) -> list[tuple[int, str]]:
    out = []
    for match in _count_regex(tuple(thresholds)).finditer(sentence):
        raw, unit = match.group(1).lower(), match.group(2).lower()
        number = _NUMBER_WORDS[raw] if raw in _NUMBER_WORDS else int(raw.replace(",", ""))
        if number >= thresholds[unit]:
            out.append((number, unit))
    return out


def _names(passage: Passage, actor: str) -> bool:
    return actor.casefold() in {a.casefold() for a in passage.entities.actors}


def _most_common(items: Iterable[str]) -> str | None:
    counts = Counter(items)
    return max(counts, key=lambda k: counts[k]) if counts else None  # ties: first seen


def _focal_actor(question: str, passages: Sequence[Passage], operations: Sequence[str]) -> str | None:
    """The actor the question names (or one of its aliases), else the one most passages name.

    Operation names ("Operation MIRROR LAKE") say what was done, not who did it, so they are skipped.
    """
    is_operation = re.compile("|".join(operations), re.IGNORECASE) if operations else None

    def actor_names(passage: Passage) -> list[str]:
        return [a for a in passage.entities.actors if not (is_operation and is_operation.match(a))]

    actors: dict[str, str] = {}
    for passage in passages:
        named = actor_names(passage)
        for name in named:
            actors.setdefault(name.casefold(), name)
        for alias in passage.entities.aliases if named else ():
            actors.setdefault(alias.casefold(), named[0])
    asked = question.casefold()
    for key in sorted(actors, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", asked):
            return actors[key]
    return _best_ranked(passages, actor_names)


def _best_ranked(passages: Sequence[Passage], actor_names: Callable[[Passage], list[str]]) -> str | None:
    """The actor with the most rank-weighted support: passages arrive best first, so the first ones count more
    (a weight of 1/(rank+1)); ties go to the first seen."""
    weights: dict[str, float] = {}
    display: dict[str, str] = {}
    for rank, passage in enumerate(passages):
        for name in dict.fromkeys(actor_names(passage)):
            key = name.casefold()
            display.setdefault(key, name)
            weights[key] = weights.get(key, 0.0) + 1.0 / (rank + 1)
    if not weights:
        return None
    return display[max(weights, key=lambda k: weights[k])]


def _attribution_confidence(
    actor: str | None, sponsor: str | None, naming: Sequence[Passage]
) -> ConfidenceLevel | None:
    """The strongest level a source states for the actor (and its sponsor), capped by the sources.

    A passage's level is the weakest of what it says in sentences about the actor or sponsor and of its
    own grading. Sources that name the actor without stating how sure they are support moderate at most.
    """
    if not actor:
        return None
    names = {actor.casefold(), "attribut"} | ({sponsor.casefold()} if sponsor else set())
    for passage in naming:
        names |= {a.casefold() for a in passage.entities.aliases}
    stated: list[ConfidenceLevel] = []
    unstated: list[ConfidenceLevel] = []
    for passage in naming:
        said = [
            lvl
            for s in sentences(passage.text)
            if any(n in s.casefold() for n in names)
            for lvl in stated_levels(s)
        ]
        graded = source_level(passage)
        if said:
            stated.append(weakest([*said, *([graded] if graded else [])]) or "low")
        elif graded:
            unstated.append(weakest([graded, "moderate"]) or "low")
    level = strongest(stated) or strongest(unstated) or "low"
    cap, _ = source_cap(naming)
    return weakest([level, cap])


def _attribution_line(actor: str | None, sponsor: str | None, confidence: ConfidenceLevel | None) -> str:
    if not actor:
        return "The sources do not name who is responsible."
    state = f" (suspected state sponsor: {sponsor})" if sponsor else ""
    return f"The sources link the activity to {actor}{state} with {confidence} confidence."


def _severity(rules: SeverityRules, facts: set[str], stated: int | None) -> tuple[int, list[str]]:
    matched = [r for r in rules.severity_rules if r.holds(facts)]
    top = max(matched, key=lambda r: r.severity, default=None)
    severity = top.severity if top else 0
    reason = top.reason if top else "no incident or threat is stated"
    lines = [f"Severity {severity} ({SEVERITY_WORDS[severity]}): {reason}."]
    for cap in rules.caps:
        if cap.holds(facts) and severity > cap.max_severity:
            severity = cap.max_severity
            lines.append(f"Lowered to {severity} ({SEVERITY_WORDS[severity]}): {cap.reason}.")
    if stated is not None and severity > stated:
        severity = stated
        lines.append(
            f"Lowered to {severity} ({SEVERITY_WORDS[severity]}): the sources themselves rate it no higher."
        )
    return severity, lines


def _ceiling(
    rules: SeverityRules,
    severity: int,
    actor: str | None,
    sponsor: str | None,
    confidence: ConfidenceLevel | None,
) -> tuple[int, str]:
    rung, reason = rules.ceiling.by_severity[severity], rules.ceiling.reason
    for lift in rules.ceiling.raises:
        if (
            lift.rung > rung
            and severity >= lift.min_severity
            and (actor or not lift.requires_actor)
            and (sponsor or not lift.requires_sponsor)
            and _at_least(confidence, lift.min_attribution_confidence)
        ):
            rung, reason = lift.rung, lift.reason
    return rung, f"Highest proportionate step: rung {rung} ({RUNGS[rung]}); {reason}."


def _at_least(level: ConfidenceLevel | None, needed: ConfidenceLevel | None) -> bool:
    if needed is None:
        return True
    return level is not None and CONFIDENCE_ORDER[level] >= CONFIDENCE_ORDER[needed]
