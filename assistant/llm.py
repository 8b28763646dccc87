"""The language-model drafter: any LangChain chat model words the prose; the same checks judge it.

The model only writes sentences. Passages are packed whole, best first, to a token budget; the versioned
template in `prompts/templates/` asks for structured output in which every sentence cites a passage
number. The answer is validated (every cite must name a packed passage) and checked (grounding, figures,
plain language). A failed draft gets one repair attempt; a second failure, or any model error, falls
back to the composer's draft with a warning. Options, assessment and confidence are passed through.

Example (any `BaseChatModel` works; tests use a queue-fed fake)::

    drafter = LLMDrafter(chat_model_from_settings("openai:gpt-4o-mini", None), fallback=Composer())
    brief = drafter.draft(question=..., audience="diplomat", passages=..., assessment=..., options=...,
                          confidence=..., clearance="TLP:GREEN")
    brief.drafter, brief.prompt_version   # ('llm', 'brief_v1'), or ('composer', 'composer-1') on fallback
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import tiktoken
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, Field, ValidationError

from assistant.brief import QA, Assessment, Brief, CheckResult, Confidence, PublicMessaging, ResponseOption
from assistant.checks.grounding import check_grounding, check_no_unsupported_figures, passages_by_citation
from assistant.checks.plain_language import check_plain_language
from assistant.compose import SECTION_ORDER, Composer, Draft, marking_of, number_citations, usable_passages
from assistant.glossary import PROMPTS_DIR
from guardrails.markings import TLP
from retrieval.documents import Passage

logger = logging.getLogger(__name__)

TEMPLATES_DIR = PROMPTS_DIR / "templates"
ENCODING = "cl100k_base"
SECTIONS = ("bottom_line", *SECTION_ORDER)
Checks = Callable[[Brief, Sequence[Passage]], list[CheckResult]]

_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class LLMConfigError(RuntimeError):
    """The configured language model cannot be built; the message names DETENTE_LLM and what to install."""


# --- the structured answer -------------------------------------------------------------------------------
class DraftSentence(BaseModel):
    """One sentence of the brief and the numbers of the passages that support it."""

    text: str
    cites: list[int] = Field(default_factory=list)


class DraftQA(BaseModel):
    question: str
    answer: str = Field(description="A short answer that cites passages as [n].")


class DraftPublic(BaseModel):
    headline: str
    key_messages: list[DraftSentence]
    talking_points: list[DraftSentence]
    likely_questions: list[DraftQA] = Field(default_factory=list)
    do_not_say: list[str] = Field(default_factory=list)


class DraftBrief(BaseModel):
    """A brief's prose: every section is a list of sentences that cite passages by number."""

    bottom_line: list[DraftSentence]
    what_happened: list[DraftSentence] = Field(default_factory=list)
    who_is_affected: list[DraftSentence] = Field(default_factory=list)
    what_is_at_stake: list[DraftSentence] = Field(default_factory=list)
    how_sure: list[DraftSentence] = Field(default_factory=list)
    timeline: list[DraftSentence] = Field(default_factory=list)
    public: DraftPublic | None = None


def parse_draft(text: str) -> DraftBrief:
    """The JSON object in a model's text answer (bare, or in a ```json fence)."""
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.S)
    body = fenced.group(1) if fenced else text[text.find("{") : text.rfind("}") + 1]
    if not body:
        raise ValueError("the answer holds no JSON object")
    return DraftBrief.model_validate(json.loads(body))


# --- packing and prompts ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Packed:
    """The passages that fit the budget, in prompt order ([1] is passages[0]), and the prompt text."""

    passages: tuple[Passage, ...]
    text: str
    tokens: int
    left_out: int


@cache
def _encoding(name: str = ENCODING) -> tiktoken.Encoding:
    return tiktoken.get_encoding(name)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def format_passage(n: int, p: Passage) -> str:
    return f"[{n}] {p.title} ({p.source}, {p.published or 'undated'}, {p.tlp.label})\n{p.text.strip()}"


def pack_passages(passages: Sequence[Passage], *, budget: int) -> Packed:
    """Whole passages, highest ranked first, while they fit in `budget` tokens; the rest are left out."""
    order = sorted(enumerate(passages), key=lambda ip: (ip[1].rank if ip[1].rank > 0 else 10**9, ip[0]))
    kept: list[Passage] = []
    blocks: list[str] = []
    used = 0
    for _, p in order:
        block = format_passage(len(kept) + 1, p)
        cost = count_tokens(block) + 2  # the blank line between passages
        if used + cost > budget:
            continue
        kept.append(p)
        blocks.append(block)
        used += cost
    return Packed(tuple(kept), "\n\n".join(blocks), used, len(passages) - len(kept))


@cache
def load_template(name: str) -> str:
    """A versioned prompt template; its first line, an HTML comment, is metadata and is not sent."""
    text = (TEMPLATES_DIR / f"{name}.md").read_text(encoding="utf-8")
    return re.sub(r"\A<!--.*?-->\s*", "", text, flags=re.S)


def render(name: str, **values: str) -> str:
    """Fill `{placeholders}`; values are inserted verbatim, so braces inside passages are harmless."""
    template = load_template(name)
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise KeyError(f"prompts/templates/{name}.md needs values for: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def attribution_guidance(assessment: Assessment, confidence: Confidence, *, audience: str) -> str:
    actor = assessment.attribution
    level = assessment.attribution_confidence or confidence.level
    if not actor:
        return "the sources name no one as responsible, so do not name anyone"
    if audience == "public" and level != "high":
        return f"do not name {actor} or any state as responsible; confidence is only {level}"
    if level == "high":
        return f"the sources attribute this to {actor} with high confidence; you may say so and cite them"
    if level == "moderate":
        return f"{actor} is named with moderate confidence only: say it is likely, and that confidence is moderate"
    return f"{actor} is named with low confidence only: do not present {actor} as responsible"


def _describe(
    assessment: Assessment, confidence: Confidence, options: Sequence[ResponseOption]
) -> dict[str, str]:
    parts = [f"severity {assessment.severity} of 4", f"highest proportionate rung {assessment.ceiling_rung}"]
    if assessment.threat_types:
        parts.append("threat types: " + ", ".join(assessment.threat_types))
    if assessment.factors:
        parts.append("stated facts: " + "; ".join(assessment.factors))
    if assessment.attribution:
        level = assessment.attribution_confidence or confidence.level
        parts.append(f"attribution: {assessment.attribution} ({level} confidence)")
    if assessment.sponsor:
        parts.append(f"suspected sponsor: {assessment.sponsor}")
    listed = "; ".join(f"{o.title} ({o.kind}, rung {o.rung})" for o in options) or "none"
    return {
        "assessment": "; ".join(parts),
        "confidence": f"{confidence.level} confidence; likelihood word: {confidence.likelihood}; basis: {confidence.basis}",
        "options": listed,
    }


# --- the drafter -----------------------------------------------------------------------------------------
def draft_checks(brief: Brief, passages: Sequence[Passage]) -> list[CheckResult]:
    """The checks every draft must pass: grounding, no unsupported figures, plain language."""
    by_number = passages_by_citation(brief, passages)
    return [
        *check_grounding(brief=brief, passages_by_citation=by_number),
        *check_no_unsupported_figures(brief=brief, passages_by_citation=by_number),
        *check_plain_language(brief=brief),
    ]


class LLMDrafter:
    """Drafts with a chat model; falls back to `fallback` (the composer) when the draft fails its checks."""

    name = "llm"

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        fallback: Composer,
        token_budget: int = 6000,
        checks: Checks | None = None,
    ) -> None:
        self.chat_model = chat_model
        self.fallback = fallback
        self.token_budget = token_budget
        self.checks: Checks = checks or draft_checks
        try:
            self._structured: Any = chat_model.with_structured_output(DraftBrief)
        except NotImplementedError:  # models without tool calling: ask for JSON in the text
            self._structured = None

    def draft(
        self,
        *,
        question: str,
        audience: str,
        passages: Sequence[Passage],
        assessment: Assessment,
        options: Sequence[ResponseOption],
        confidence: Confidence,
        clearance: str,
    ) -> Brief:
        inputs = dict(
            question=question,
            audience=audience,
            passages=passages,
            assessment=assessment,
            options=options,
            confidence=confidence,
            clearance=clearance,
        )
        usable, warnings = usable_passages(passages, audience=audience, clearance=clearance)
        packed = pack_passages(usable, budget=self.token_budget)
        if not packed.passages:
            reason = "no passage fits the token budget" if usable else "no passage is usable"
            return self._fall_back(inputs, f"The language model was not asked: {reason}.")
        if packed.left_out:
            warnings.append(f"{packed.left_out} passage(s) did not fit the model's token budget.")
        template = "public_v1" if audience == "public" else "brief_v1"
        prompt = render(
            template,
            question=question,
            audience=audience,
            passages=packed.text,
            attribution_guidance=attribution_guidance(assessment, confidence, audience=audience),
            format_instructions=self._format_instructions(),
            **_describe(assessment, confidence, options),
        )
        messages: list[BaseMessage] = [HumanMessage(prompt)]
        base = dict(
            question=question,
            audience=audience,
            clearance=TLP.parse(clearance).label,
            options=tuple(options),
            assessment=assessment,
            confidence=confidence,
            drafter=self.name,
            prompt_version=template,
        )
        for attempt in range(2):
            try:
                draft, raw, problem = self._ask(messages)
            except Exception as exc:  # noqa: BLE001 - any provider error: the composer answers instead
                logger.warning("language model call failed: %s", exc.__class__.__name__)
                return self._fall_back(inputs, f"The language model failed ({exc.__class__.__name__}).")
            brief, failures = (
                (None, [problem]) if draft is None else self._judge(draft, packed, base, warnings)
            )
            if not failures and brief is not None:
                return brief
            if attempt == 0:
                messages += [
                    AIMessage(raw or "(no answer)"),
                    HumanMessage(
                        render(
                            "repair_v1",
                            failures="\n".join(f"- {f}" for f in failures),
                            valid_numbers=f"1 to {len(packed.passages)}",
                            format_instructions=self._format_instructions(),
                        )
                    ),
                ]
        summary = "; ".join(f for f in failures if f)[:400]
        return self._fall_back(
            inputs, f"The language model's draft failed its checks after one repair ({summary})."
        )

    def _format_instructions(self) -> str:
        if self._structured is not None:
            return "."
        schema = json.dumps(DraftBrief.model_json_schema(), separators=(",", ":"))
        return f", as one JSON object (no other text) that matches this JSON schema:\n{schema}"

    def _ask(self, messages: list[BaseMessage]) -> tuple[DraftBrief | None, str, str | None]:
        """The model's draft, its raw text (for the repair turn), and what was wrong with its shape."""
        if self._structured is not None:
            try:
                out = self._structured.invoke(messages)
                if out is None:
                    return None, "", "the answer held no structured output"
                draft = out if isinstance(out, DraftBrief) else DraftBrief.model_validate(out)
            except (ValidationError, ValueError) as exc:  # OutputParserException is a ValueError
                return None, "", f"the answer did not match the schema ({exc.__class__.__name__})"
            return draft, draft.model_dump_json(), None
        reply = self.chat_model.invoke(messages)
        text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        try:
            return parse_draft(text), text, None
        except (ValidationError, ValueError) as exc:
            return None, text, f"the answer was not valid JSON for the schema ({exc.__class__.__name__})"

    def _judge(
        self, draft: DraftBrief, packed: Packed, base: dict[str, Any], warnings: list[str]
    ) -> tuple[Brief, list[str]]:
        """Build the Brief from the draft, and list what is wrong with it (empty when it passes)."""
        failures: list[str] = []
        count = len(packed.passages)

        def convert(sentences: Sequence[DraftSentence], where: str) -> Draft:
            out: Draft = []
            for s in sentences:
                numbers = [*s.cites, *(int(n) for m in _MARKER.findall(s.text) for n in m.split(","))]
                text = _MARKER.sub("", s.text).strip()
                bad = [n for n in numbers if not 1 <= n <= count]
                if bad:
                    failures.append(
                        f"{where}: '{text[:60]}' cites [{', '.join(map(str, bad))}], which is not a passage"
                    )
                if not numbers:
                    failures.append(f"{where}: '{text[:60]}' cites no passage")
                if text:
                    out.append((text, tuple(dict.fromkeys(n - 1 for n in numbers if 1 <= n <= count))))
            return out

        drafts = [convert(getattr(draft, name), name) for name in SECTIONS]
        if not drafts[0]:
            failures.append("bottom_line is empty")
        public = draft.public
        if base["audience"] == "public" and public is None:
            failures.append("public messaging is missing")
        if public is not None and base["audience"] == "public":
            drafts += [
                convert(public.key_messages, "key_messages"),
                convert(public.talking_points, "talking_points"),
            ]
            qa_cites = [
                (int(n) - 1,)
                for qa in public.likely_questions
                for m in _MARKER.findall(qa.answer)
                for n in m.split(",")
            ]
            drafts.append([("", c) for c in qa_cites if 0 <= c[0] < count])
        numbered, citations, numbers = number_citations(drafts, packed.passages)
        fields = dict(zip(SECTIONS, numbered[: len(SECTIONS)], strict=True))
        messaging = None
        if public is not None and base["audience"] == "public":
            messaging = PublicMessaging(
                headline=public.headline.strip(),
                key_messages=numbered[len(SECTIONS)],
                talking_points=numbered[len(SECTIONS) + 1],
                likely_questions=tuple(
                    QA(question=qa.question.strip(), answer=_renumber(qa.answer, numbers, count))
                    for qa in public.likely_questions
                ),
                do_not_say=tuple(x.strip() for x in public.do_not_say if x.strip()),
            )
        brief = Brief(
            **base,
            marking=marking_of(citations),
            **fields,
            public=messaging,
            citations=citations,
            warnings=tuple(warnings),
        )
        results = self.checks(brief, packed.passages)
        failures += [f"{r.name}: {r.detail}".rstrip(": ") for r in results if not r.passed]
        return brief.model_copy(update={"checks": tuple(results)}), failures

    def _fall_back(self, inputs: dict[str, Any], warning: str) -> Brief:
        brief = self.fallback.draft(**inputs)
        return brief.model_copy(update={"warnings": (*brief.warnings, warning)})


def _renumber(answer: str, numbers: dict[int, int], count: int) -> str:
    """Passage numbers in a free-text answer, from prompt order to the brief's citation numbers."""

    def repl(match: re.Match[str]) -> str:
        cited = [numbers.get(int(n) - 1) for n in match.group(1).split(",") if 1 <= int(n) <= count]
        return " " + "".join(f"[{n}]" for n in cited if n) if any(cited) else ""

    return _MARKER.sub(repl, answer).strip()


# --- building a chat model from configuration ------------------------------------------------------------
def chat_model_from_settings(spec: str | None, base_url: str | None = None) -> BaseChatModel:
    """`DETENTE_LLM` ("openai:gpt-4o-mini", "anthropic:...", "ollama:llama3.1") to a LangChain chat model.

    `base_url` (`DETENTE_LLM_BASE_URL`) points an OpenAI-compatible client at vLLM or a llama.cpp server;
    a spec without a provider then means "openai". Provider packages are optional: a missing one is named.
    """
    if not spec or not spec.strip():
        raise LLMConfigError(
            "No language model is configured. Set DETENTE_LLM (e.g. 'openai:gpt-4o-mini' or 'ollama:llama3.1'), "
            "or use the default composer drafter."
        )
    from langchain.chat_models import init_chat_model  # lazy: only when a model is configured

    kwargs: dict[str, Any] = {"temperature": 0}
    if base_url:
        kwargs["base_url"] = base_url
        if ":" not in spec:
            kwargs["model_provider"] = "openai"
    try:
        return init_chat_model(spec.strip(), **kwargs)
    except ImportError as exc:
        package = re.search(r"pip install (?:-U )?([\w.\-\[\]]+)", str(exc))
        hint = (
            f"pip install {package.group(1)}"
            if package
            else "install the LangChain package for that provider"
        )
        raise LLMConfigError(f"DETENTE_LLM={spec} needs its provider package: {hint}.") from exc
    except ValueError as exc:
        raise LLMConfigError(
            f"DETENTE_LLM={spec!r} is not a model LangChain can build ({str(exc).splitlines()[0]}). "
            "Use 'provider:model', e.g. 'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5' or 'ollama:llama3.1'."
        ) from exc
