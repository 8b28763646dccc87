"""Run suites through the public pipeline: build each corpus once, answer every case, score, compare.

Every case is answered by `Pipeline.answer` exactly as a user's question is (same retrieval, guardrails,
drafter and checks), in a fresh conversation; the evaluators then judge the returned Brief.

>>> report = Runner(RunOptions(drafters=("composer",))).run([load_suite("proportionality")])  # doctest: +SKIP
>>> report.suites[0].metrics["cases.pass_rate"]  # doctest: +SKIP
0.95
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from assistant.config import Settings
from assistant.conversation import Conversation
from assistant.drafters import get_drafter
from assistant.pipeline import K, Pipeline
from evals.corpora import SHARED_CTI, BuiltCorpus, CorpusCache, planted_values
from evals.errors import EvalError
from evals.metrics import CaseInput, Check, evaluate_case
from evals.results import (
    CaseResult,
    CorpusInfo,
    RunReport,
    SuiteRun,
    aggregate,
    apply_thresholds,
    case_passed,
)
from evals.retrieval import ranked_doc_ids
from evals.suite import LoadedSuite, ResolvedCase
from guardrails.audiences import get_audience
from guardrails.markings import TLP
from retrieval.records import passage_from
from retrieval.search import search

log = logging.getLogger(__name__)


class Progress:
    """Told how many cases there are, then of each one answered; the CLI draws a bar, tests pass this."""

    def start(self, total: int) -> None: ...

    def note(self, message: str) -> None: ...

    def advance(self, label: str) -> None: ...


@dataclass(frozen=True)
class RunOptions:
    drafters: tuple[str, ...] = ("composer",)
    only: tuple[str, ...] = ()  # tags or case ids; empty runs every case
    shared_root: Path = SHARED_CTI
    annotate: str = "auto"
    workdir: Path | None = None  # where the throw-away stores go (default: a temp dir)
    judge: Callable[[CaseInput], list[Check]] | None = None  # model-graded metrics, when configured
    judge_name: str | None = None
    progress: Progress = field(default_factory=Progress)


def selected(cases: Sequence[ResolvedCase], only: Sequence[str]) -> list[ResolvedCase]:
    if not only:
        return list(cases)
    wanted = set(only)
    return [c for c in cases if c.id in wanted or wanted.intersection(c.tags)]


class Runner:
    def __init__(self, options: RunOptions | None = None, *, corpora: CorpusCache | None = None) -> None:
        self.options = options or RunOptions()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if corpora is None:
            root = self.options.workdir
            if root is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="detente-eval-")
                root = Path(self._tmp.name)
            corpora = CorpusCache(
                root,
                shared_root=self.options.shared_root,
                annotate=self.options.annotate,
                progress=self.options.progress.note,
            )
        self.corpora = corpora
        self._pipelines: dict[tuple[str, str], Pipeline] = {}

    def close(self) -> None:
        self.corpora.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, suites: Sequence[LoadedSuite]) -> RunReport:
        started = time.perf_counter()
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        opts = self.options
        for name in opts.drafters:  # fail before any corpus is built, with the drafter's own message
            try:
                get_drafter(name, Settings())
            except Exception as exc:
                raise EvalError(f"Drafter {name!r} is not available: {exc}") from None
        opts.progress.start(sum(len(selected(s.cases, opts.only)) for s in suites) * len(opts.drafters))
        runs = [self.run_suite(suite, drafter) for drafter in opts.drafters for suite in suites]
        corpora = tuple(
            CorpusInfo(
                label=b.label, embedder=b.embedder, documents=b.documents, chunks=b.chunks, seconds=b.seconds
            )
            for b in self.corpora.built()
        )
        return RunReport(
            started=stamp,
            seconds=round(time.perf_counter() - started, 1),
            drafters=opts.drafters,
            judge=opts.judge_name,
            corpora=corpora,
            suites=tuple(runs),
        )

    def run_suite(self, loaded: LoadedSuite, drafter: str) -> SuiteRun:
        started = time.perf_counter()
        suite = loaded.suite
        results = []
        chosen = selected(loaded.cases, self.options.only)
        for case in chosen:
            results.append(self.run_case(loaded, case, drafter))
            self.options.progress.advance(f"{suite.suite}/{case.id}")
        metrics = aggregate(results)
        return SuiteRun(
            suite=suite.suite,
            drafter=drafter,
            path=_shown(loaded.path),
            description=suite.description,
            embedder=suite.embedder,
            cases=tuple(results),
            metrics=metrics,
            thresholds=apply_thresholds(metrics, suite.bounds(), partial=len(chosen) < len(loaded.cases)),
            seconds=round(time.perf_counter() - started, 1),
        )

    def run_case(self, loaded: LoadedSuite, case: ResolvedCase, drafter: str) -> CaseResult:
        built = self.corpora.get(case.corpus, loaded.suite.embedder)
        pipeline = self._pipeline(built, drafter)
        conversation = Conversation()
        base = {
            "id": case.id,
            "question": case.question,
            "audience": case.audience,
            "clearance": case.clearance,
            "tags": case.tags,
            "corpus": built.label,
            "line": case.line,
        }
        try:
            for earlier in case.history:
                pipeline.answer(
                    earlier, audience=case.audience, clearance=case.clearance, conversation=conversation
                )
            retrieved = self._ranking(built, case, conversation) if case.expect.retrieved else ()
            brief = pipeline.answer(
                case.question, audience=case.audience, clearance=case.clearance, conversation=conversation
            )
        except Exception as exc:  # a crash is a failed case with its reason, never a lost run
            log.exception("case %s/%s failed", loaded.name, case.id)
            error = f"{type(exc).__name__}: {exc}"
            return CaseResult(**base, passed=False, error=error)
        chunks = built.kb.store.get([c.chunk_id for c in brief.citations]) if brief.citations else []
        by_chunk = {c.chunk_id: passage_from(c.chunk_id, c.text, c.metadata) for c in chunks}
        item = CaseInput(
            case=case,
            brief=brief,
            retrieved=retrieved,
            passages={c.n: by_chunk[c.chunk_id] for c in brief.citations if c.chunk_id in by_chunk},
            never=(
                *case.expect.never,
                *planted_values(case.corpus, audience=case.audience, clearance=case.clearance),
            ),
        )
        checks = evaluate_case(item, loaded.suite.metrics)
        judged = tuple(self.options.judge(item)) if self.options.judge and not brief.refused else ()
        return CaseResult(
            **base,
            passed=case_passed(checks),
            checks=tuple(checks),
            judged=judged,
            retrieved=retrieved[: case.expect.k],
            brief=brief.model_dump(mode="json"),
        )

    def _pipeline(self, built: BuiltCorpus, drafter: str) -> Pipeline:
        key = (built.key, drafter)
        if key not in self._pipelines:
            settings = Settings(home=built.kb.home, embeddings=built.embedder)
            self._pipelines[key] = Pipeline(
                built.kb, drafter=get_drafter(drafter, settings), settings=settings
            )
        return self._pipelines[key]

    @staticmethod
    def _ranking(built: BuiltCorpus, case: ResolvedCase, conversation: Conversation) -> tuple[str, ...]:
        """The documents retrieval ranks for this question, as the pipeline's own search sees them."""
        ceiling = get_audience(case.audience).ceiling(TLP.parse(case.clearance))
        k = max(case.expect.k, K)
        passages = search(built.kb, query=conversation.retrieval_query(case.question), clearance=ceiling, k=k)
        return tuple(ranked_doc_ids(passages))


def _shown(path: Path) -> str:
    """A suite path relative to the repository when it lives there, so reports compare across machines."""
    root = Path(__file__).resolve().parents[1]
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


__all__ = ["Progress", "RunOptions", "Runner", "selected"]
