"""detente's main job: a question in, a checked Brief out.

retrieve within clearance -> screen and redact for the audience -> assess -> select options -> draft ->
check -> (render, at the edge). Each stage is its own module; this one only composes them.

>>> pipeline = Pipeline.open()  # doctest: +SKIP
>>> brief = pipeline.answer("What is the water utility intrusion?", audience="diplomat", clearance="GREEN")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from assistant.assess import assess
from assistant.brief import Assessment, Brief, CheckResult, Statement
from assistant.checks.grounding import check_grounding, check_no_unsupported_figures, passages_by_citation
from assistant.checks.plain_language import check_plain_language
from assistant.checks.proportionality import check_proportionality
from assistant.confidence import judge_confidence
from assistant.config import Settings, get_settings
from assistant.conversation import Conversation
from assistant.drafters import Drafter, get_drafter
from assistant.gate import needed_clearance
from assistant.options import select_options
from assistant.protect import protect
from assistant.scrub import brief_text, scrub
from assistant.services import open_kb
from guardrails.allowlist import AllowList
from guardrails.audiences import get_audience
from guardrails.checks import clearance_gate, run_output_checks
from guardrails.injection import screen_question
from guardrails.markings import PAP, TLP
from retrieval.documents import Passage
from retrieval.kb import KnowledgeBase
from retrieval.search import search

log = logging.getLogger(__name__)
K = 10


class Pipeline:
    """Long-lived: holds the knowledge base, the drafter and the allow-list; `answer` is cheap to call."""

    def __init__(self, kb: KnowledgeBase, *, drafter: Drafter, settings: Settings | None = None) -> None:
        self.kb = kb
        self.drafter = drafter
        self.settings = settings or get_settings()
        self._allow: tuple[int, AllowList] | None = None

    @classmethod
    def open(cls, settings: Settings | None = None, *, drafter: str | None = None) -> Pipeline:
        settings = settings or get_settings()
        return cls(open_kb(settings), drafter=get_drafter(drafter, settings), settings=settings)

    def allow_list(self) -> AllowList:
        """Knowledge-base entity names are not personal data; refreshed when the store changes."""
        generation = self.kb.store.generation
        if self._allow is None or self._allow[0] != generation:
            self._allow = (generation, AllowList(self.kb.catalog.entity_names()))
        return self._allow[1]

    def answer(
        self,
        question: str,
        *,
        audience: str = "diplomat",
        clearance: str | TLP = TLP.CLEAR,
        conversation: Conversation | None = None,
    ) -> Brief:
        started = time.perf_counter()
        conversation = conversation or Conversation()
        policy = get_audience(audience)
        ceiling = TLP.parse(clearance)
        source_ceiling = policy.ceiling(ceiling)
        base = {
            "question": question,
            "audience": policy.name,
            "clearance": ceiling.label,
            "marking": TLP.CLEAR.label,
        }

        asked = screen_question(question)
        if asked.flagged:
            return _refusal(base, "I can't do that: " + "; ".join(asked.reasons), started, self.drafter)

        query = conversation.retrieval_query(question)
        passages = search(self.kb, query=query, clearance=source_ceiling, k=K)
        needed = needed_clearance(self.kb, query=query, ceiling=source_ceiling, cleared=passages)
        if needed is not None:
            gate = clearance_gate(needed=needed, ceiling=source_ceiling, where=_where(policy.name))
            conversation.remember(question)
            return _refusal(base, gate.detail, started, self.drafter, checks=[_as_check(gate)])

        allow = self.allow_list()
        protected = protect(passages=passages, audience=policy, vault=conversation.vault, allow=allow)
        assessment = _actionable(
            assess(question=question, passages=protected.passages), question, protected.passages
        )
        confidence = judge_confidence(passages=protected.passages, assessment=assessment)
        options = select_options(assessment=assessment) if policy.name != "public" else ()
        brief = self.drafter.draft(
            question=question,
            audience=policy.name,
            passages=protected.passages,
            assessment=assessment,
            options=options,
            confidence=confidence,
            clearance=ceiling.label,
        )
        brief, found = scrub(brief=brief, audience=policy, vault=conversation.vault, allow=allow)
        checks = self._check(brief, protected.passages, conversation, policy.name, ceiling)
        warnings = list(brief.warnings)
        if protected.notice:
            warnings.append(protected.notice)
        if found:
            warnings.append(f"{found} identifier(s) found in the draft were removed before it was shown.")
        failed = [c for c in checks if not c.passed]
        warnings += [f"Check failed: {c.name}: {c.detail}" for c in failed if c.name not in _BLOCKING]
        conversation.remember(question)
        if any(c.name in _BLOCKING for c in failed):
            reason = "The draft failed a safety check and was withheld; the failure has been logged."
            log.error("answer withheld: %s", "; ".join(f"{c.name}: {c.detail}" for c in failed))
            return _refusal(base, reason, started, self.drafter, checks=checks)
        return brief.model_copy(
            update={
                "checks": tuple(checks),
                "redactions": protected.redactions,
                "warnings": tuple(dict.fromkeys(warnings)),
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            }
        )

    def _check(
        self,
        brief: Brief,
        passages: Sequence,
        conversation: Conversation,
        audience: str,
        ceiling: TLP,
    ) -> list[CheckResult]:
        by_citation = passages_by_citation(brief, passages)
        cited = [c.tlp for c in brief.citations]
        guard = run_output_checks(
            text=brief_text(brief),
            vault=conversation.vault,
            ceiling=ceiling,
            cited_tlps=cited,
            audience=audience,
            declared_marking=brief.marking,
            source_texts=[p.text for p in by_citation.values()],
            actor_names=[n for p in by_citation.values() for n in (*p.entities.actors, *p.entities.aliases)],
        )
        return [
            *check_grounding(brief=brief, passages_by_citation=by_citation),
            *check_no_unsupported_figures(brief=brief, passages_by_citation=by_citation),
            *check_plain_language(brief=brief),
            *check_proportionality(brief=brief),
            *(_as_check(f) for f in guard),
        ]


def _actionable(assessment: Assessment, question: str, passages: Sequence[Passage]) -> Assessment:
    """PAP limits what may be done *with a given source*. When the sources that allow active steps (PAP:GREEN
    or CLEAR) establish the same ceiling on their own, options can rest on them, and a restricted report that
    merely adds detail does not take those options away."""
    actionable = [p for p in passages if p.pap <= PAP.GREEN]
    if not actionable or len(actionable) == len(passages):
        return assessment
    alone = assess(question=question, passages=actionable)
    if alone.ceiling_rung >= assessment.ceiling_rung and set(alone.threat_types) >= set(
        assessment.threat_types
    ):
        return assessment.model_copy(update={"pap": alone.pap})
    return assessment


# Failures that must stop a draft from leaving; the others become warnings on the brief.
_BLOCKING = frozenset(
    {"leakage", "patterns", "citation_clearance", "public_sources", "output_safety", "answer_marking"}
)


def _as_check(finding: object) -> CheckResult:
    return CheckResult(name=finding.name, passed=finding.passed, detail=finding.detail)  # type: ignore[attr-defined]


def _where(audience: str) -> str:
    return "public messaging" if audience == "public" else "this channel"


def _refusal(
    base: dict, reason: str, started: float, drafter: Drafter, *, checks: Sequence[CheckResult] = ()
) -> Brief:
    return Brief(
        **base,
        refused=True,
        refusal_reason=reason,
        bottom_line=(Statement(text=reason),),
        checks=tuple(checks),
        drafter=drafter.name,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
    )
