"""Evaluation suites: typed YAML cases (question, audience, clearance, corpus, expectations) and thresholds.

A suite file names its corpus and embedder, the metric families it scores, defaults for every case's
expectations, thresholds per metric, and its cases. Unknown keys are errors that name the file and line.

>>> suite = load_suite(BUNDLED / "proportionality.yaml")  # doctest: +SKIP
>>> suite.cases[0].expect.max_rung  # doctest: +SKIP
1
"""

from __future__ import annotations

import hashlib
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.brief import AudienceName, ConfidenceLevel, OptionKind
from evals.errors import SuiteError
from evals.registry import FAMILIES, METRICS, Family
from evals.yamlload import line_of, load_yaml
from guardrails.markings import TLP

BUNDLED = Path(__file__).parent / "suites"
Embedder = Literal["hash", "minilm"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _tlp(value: str) -> str:
    return TLP.parse(value).label


class Fixture(_Strict):
    """One Markdown report with front matter, written to a temp folder and ingested like any file."""

    id: str
    title: str
    text: str
    tlp: str = "CLEAR"
    pap: str | None = None
    source: str = "Evaluation fixture"
    reliability: str | None = None
    credibility: int | None = Field(None, ge=1, le=6)
    date: str | None = None
    url: str | None = None
    type: str | None = None
    actors: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    malware: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    sponsors: tuple[str, ...] = ()
    cves: tuple[str, ...] = ()
    planted: tuple[str, ...] = ()  # values in `text` that must never reach a brief

    _tlp = field_validator("tlp")(_tlp)

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else value


class SharedSlice(_Strict):
    """A file (or glob) under ../shared/data/cti, optionally cut down to the list items that matter."""

    path: str
    select: dict[
        str, tuple[str, ...]
    ] = {}  # keep items whose field is one of the values (all fields must match)
    relationships: str | None = None  # STIX: add this bundle's relationships of the selected objects
    relationship_types: tuple[str, ...] = ("uses", "attributed-to")
    related_types: tuple[str, ...] = ("malware", "tool", "campaign")  # other ends added as objects
    related_names: tuple[str, ...] = ()  # if given, only other ends with one of these names
    limit: int | None = Field(None, ge=1)


class CorpusSpec(_Strict):
    """What a throw-away knowledge base holds: the sample corpus, real slices, inline fixtures."""

    sample: bool = False
    shared: tuple[str | SharedSlice, ...] = ()
    fixtures: tuple[Fixture, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"sample": True} if value == "sample" else value

    @model_validator(mode="after")
    def _not_empty(self) -> CorpusSpec:
        if not (self.sample or self.shared or self.fixtures):
            raise ValueError("a corpus needs `sample: true`, `shared:` slices or `fixtures:`")
        return self

    def key(self, embedder: str) -> str:
        """Identity of the store this spec builds: the same spec and embedder share one store per run."""
        return hashlib.sha256(f"{embedder}\n{self.model_dump_json()}".encode()).hexdigest()[:16]

    def label(self) -> str:
        parts = ["sample"] if self.sample else []
        if self.shared:
            parts.append(f"{len(self.shared)} shared slice(s)")
        if self.fixtures:
            parts.append(f"{len(self.fixtures)} fixture(s)")
        return " + ".join(parts)


class Expect(_Strict):
    """What a case's brief must (not) contain. Every field is optional; an absent field is not checked."""

    retrieved: tuple[str, ...] = ()  # doc ids (or path suffixes) the search must return in the top k
    k: int = Field(10, ge=1, le=100)
    min_recall: float = Field(1.0, ge=0, le=1)
    cited: tuple[str, ...] = ()  # doc ids the brief must cite
    not_cited: tuple[str, ...] = ()  # doc ids the brief must never cite
    facts: tuple[str | tuple[str, ...], ...] = ()  # each a phrase or a list of alternatives (aliases)
    min_fact_recall: float = Field(1.0, ge=0, le=1)
    min_citation_precision: float = Field(0.8, ge=0, le=1)
    max_unsupported_rate: float = Field(0.2, ge=0, le=1)
    never: tuple[str, ...] = ()  # canaries, identifiers, injected text: must not appear in any form
    planted: bool = False  # the sample manifest's planted identifiers this reader must not see
    refused: bool | None = None
    refusal_contains: str | None = None
    max_rung: int | None = Field(None, ge=0, le=4)
    severity: tuple[int, int] | None = None  # accepted range, inclusive
    option_kinds: tuple[OptionKind, ...] = ()  # kinds the options must include
    traps: tuple[str, ...] = ()  # wording that must not appear (escalatory, presumptive)
    de_escalation: bool | None = None  # an option must offer a way to lower tension
    max_attribution_confidence: ConfidenceLevel | None = None  # blame held with at most this confidence
    max_grade: float | None = None  # Flesch-Kincaid; default 10 (diplomat) or 8 (public)
    max_sentence_words: float | None = None  # average; default 25
    jargon: tuple[str, ...] = ()  # extra names (tools, malware) that must be explained or left out
    max_latency_ms: float | None = Field(None, gt=0)

    @field_validator("facts", "never", "traps", "retrieved", "cited", "not_cited", "jargon", mode="before")
    @classmethod
    def _scalars_as_text(cls, value: Any) -> Any:
        """YAML reads `2023-07-04` as a date and `29155` as a number; a phrase to look for is text."""

        def text(item: Any) -> Any:
            if isinstance(item, list | tuple):
                return [text(i) for i in item]
            return item if isinstance(item, str) or item is None or isinstance(item, dict) else str(item)

        return text(value) if isinstance(value, list | tuple) else value

    @field_validator("severity", mode="before")
    @classmethod
    def _range(cls, value: Any) -> Any:
        return (value, value) if isinstance(value, int) else value

    @field_validator("severity")
    @classmethod
    def _ordered(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value and not 0 <= value[0] <= value[1] <= 4:
            raise ValueError("severity is a level 0-4 or a range [low, high] within 0-4")
        return value


class Case(_Strict):
    id: str = Field(pattern=r"^[\w.-]+$")
    question: str = Field(min_length=1)
    audience: AudienceName | None = None  # default: the suite's
    clearance: str | None = None  # default: the suite's
    tags: tuple[str, ...] = ()
    history: tuple[str, ...] = ()  # earlier questions in the same conversation (not scored)
    corpus: CorpusSpec | None = None  # default: the suite's
    fixtures: tuple[Fixture, ...] = ()  # a throw-away store of these (plus `corpus`, if given)
    expect: dict[str, Any] = {}  # validated against Expect, merged over the suite's defaults
    notes: str = ""

    @field_validator("clearance")
    @classmethod
    def _clearance(cls, value: str | None) -> str | None:
        return _tlp(value) if value else value


class Bound(_Strict):
    min: float | None = None
    max: float | None = None


class Suite(_Strict):
    suite: str = Field(pattern=r"^[\w.-]+$")
    description: str = ""
    corpus: CorpusSpec = CorpusSpec(sample=True)
    embedder: Embedder = "hash"
    audience: AudienceName = "diplomat"
    clearance: str = "TLP:CLEAR"
    metrics: tuple[Family, ...] = FAMILIES
    defaults: Expect = Expect()
    thresholds: dict[str, float | Bound] = {}
    cases: tuple[Case, ...] = Field(min_length=1)

    _clearance = field_validator("clearance")(_tlp)

    @field_validator("thresholds")
    @classmethod
    def _known_metrics(cls, value: dict[str, float | Bound]) -> dict[str, float | Bound]:
        for name in value:
            if name not in METRICS:
                raise ValueError(f"unknown metric {name!r}; known: {', '.join(sorted(METRICS))}")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id {case.id!r}")
            seen.add(case.id)
        return self

    def bounds(self) -> dict[str, Bound]:
        """Thresholds with a bare number read in the metric's direction (min if higher is better)."""
        out = {}
        for name, value in self.thresholds.items():
            if isinstance(value, Bound):
                out[name] = value
            elif METRICS[name].higher_is_better:
                out[name] = Bound(min=value)
            else:
                out[name] = Bound(max=value)
        return out


class ResolvedCase(_Strict):
    """A case with the suite's defaults applied: what the runner answers and the evaluators judge."""

    id: str
    question: str
    audience: AudienceName
    clearance: str
    tags: tuple[str, ...]
    history: tuple[str, ...]
    corpus: CorpusSpec
    expect: Expect
    notes: str = ""
    line: int = 0


class LoadedSuite(_Strict):
    suite: Suite
    path: Path
    cases: tuple[ResolvedCase, ...]

    @property
    def name(self) -> str:
        return self.suite.suite


def resolve_path(name: str | Path) -> Path:
    """A suite file path, or the name of a bundled suite (`accuracy` -> evals/suites/accuracy.yaml)."""
    path = Path(name)
    if path.is_file():
        return path
    bundled = BUNDLED / f"{name}.yaml"
    if bundled.is_file():
        return bundled
    known = ", ".join(sorted(p.stem for p in BUNDLED.glob("*.yaml")))
    raise SuiteError(f"No suite file {str(name)!r}; give a path or a bundled suite name ({known}).")


def load_suite(name: str | Path) -> LoadedSuite:
    """Parse and validate one suite file; errors name the file, the line and the offending key."""
    path = resolve_path(name)
    raw = load_yaml(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(raw, dict):
        raise SuiteError(f"{path}: a suite is a mapping with `suite:` and `cases:`.")
    _check_unique_ids(raw, path)
    try:
        suite = Suite.model_validate(raw)
    except ValidationError as exc:
        raise SuiteError(_describe(exc, raw, path)) from None
    cases = []
    for index, case in enumerate(suite.cases):
        merged = {**suite.defaults.model_dump(exclude_unset=True), **case.expect}
        try:
            expect = Expect.model_validate(merged)
        except ValidationError as exc:
            raise SuiteError(_describe(exc, raw, path, prefix=("cases", index, "expect"))) from None
        cases.append(
            ResolvedCase(
                id=case.id,
                question=case.question,
                audience=case.audience or suite.audience,
                clearance=case.clearance or suite.clearance,
                tags=case.tags,
                history=case.history,
                corpus=case_corpus(suite, case),
                expect=expect,
                notes=case.notes,
                line=line_of(raw, ("cases", index)),
            )
        )
    return LoadedSuite(suite=suite, path=path, cases=tuple(cases))


def _check_unique_ids(raw: dict[str, Any], path: Path) -> None:
    first: dict[str, int] = {}
    for index, case in enumerate(raw.get("cases") or ()):
        case_id = case.get("id") if isinstance(case, dict) else None
        if not isinstance(case_id, str):
            continue
        line = line_of(raw, ("cases", index, "id"))
        if case_id in first:
            raise SuiteError(
                f"{path}:{line}: cases[{index}].id: duplicate case id {case_id!r} (first at line {first[case_id]})"
            )
        first[case_id] = line


def case_corpus(suite: Suite, case: Case) -> CorpusSpec:
    """The case's own corpus, else its fixtures alone (a throw-away store), else the suite's corpus."""
    if case.corpus is not None:
        base = case.corpus
        return base.model_copy(update={"fixtures": base.fixtures + case.fixtures}) if case.fixtures else base
    if case.fixtures:
        return CorpusSpec(fixtures=case.fixtures)
    return suite.corpus


def _describe(exc: ValidationError, raw: Any, path: Path, prefix: tuple[str | int, ...] = ()) -> str:
    grouped: dict[tuple[str | int, ...], list[str]] = {}
    for error in exc.errors():
        loc = _without_tags((*prefix, *error["loc"]))
        if error["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1], prefix)
            hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
            message = f"unknown key {loc[-1]!r}{hint}"
        else:
            message = error["msg"].removeprefix("Value error, ")
        grouped.setdefault(loc, [])
        if message not in grouped[loc]:
            grouped[loc].append(message)
    lines = []
    for loc, messages in grouped.items():
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
        lines.append(f"{path}:{line_of(raw, loc)}: {where}: {' or '.join(messages)}")
    return "\n".join(lines)


_TAG = re.compile(
    r"^(?:str|int|float|bool|none|tuple\[.*\]|list\[.*\]|dict\[.*\]|function-\w+\[.*\]|literal\[.*\])$"
)


def _without_tags(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's union-member tags ('str', 'tuple[str, ...]', 'SharedSlice') from an error location."""
    return tuple(p for p in loc if not (isinstance(p, str) and (_TAG.match(p) or p in _MODELS)))


def _allowed_keys(loc: tuple[str | int, ...], prefix: tuple[str | int, ...]) -> list[str]:
    """The field names of the model at `loc`, walking Suite's annotations (union tags are skipped)."""
    model: type[BaseModel] | None = Expect if prefix else Suite
    for part in loc[len(prefix) :] if prefix else loc:
        if model is None:
            return []
        if isinstance(part, str) and part in model.model_fields:
            model = _model_in(model.model_fields[part].annotation)
        elif isinstance(part, str) and part in _MODELS:
            model = _MODELS[part]
    return sorted(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, list, dict):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


_MODELS: dict[str, type[BaseModel]] = {m.__name__: m for m in (Fixture, SharedSlice, CorpusSpec, Bound)}
