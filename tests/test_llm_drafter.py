"""The language-model drafter with a queue-fed fake chat model: pass-through, repair, fallback, packing."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage

import assistant  # noqa: F401 - offline start-up first
from assistant import drafters
from assistant.brief import Brief
from assistant.compose import Composer
from assistant.config import Settings
from assistant.drafters import Drafter, UnknownDrafterError, get_drafter, register_drafter
from assistant.llm import (
    LLMConfigError,
    LLMDrafter,
    chat_model_from_settings,
    count_tokens,
    format_passage,
    pack_passages,
    parse_draft,
    render,
)
from tests import fakes
from tests.fakes import QueueChatModel, ToolCallingQueueChatModel

QUESTION = "What does the CINDER HERON phishing of our trade team mean for the talks?"

# Passage numbers follow the packing order: [1]..[3] the CLEAR advisory, [4] the AMBER partner report.
GOOD: dict[str, Any] = {
    "bottom_line": [
        {"text": "The attackers sent about 60 emails to a small number of officials.", "cites": [2]},
        {"text": "It is likely that CINDER HERON is behind this, with moderate confidence.", "cites": [3]},
    ],
    "what_happened": [
        {"text": "The emails pretended to come from the Marentian trade ministry.", "cites": [2]},
        {"text": "At least two officials opened the malicious attachment [4].", "cites": []},
    ],
    "who_is_affected": [{"text": "A small number of mailboxes may have been accessed.", "cites": [3]}],
    "what_is_at_stake": [{"text": "There is no sign that government services were disrupted.", "cites": [1]}],
    "how_sure": [
        {
            "text": "Partner agencies assess with moderate confidence that this group supports Vostrania.",
            "cites": [3],
        }
    ],
    "timeline": [{"text": "The operation began about six weeks before the negotiating round.", "cites": [4]}],
}


def bad_cite() -> dict[str, Any]:
    return {**GOOD, "timeline": [{"text": "The talks open next week.", "cites": [9]}]}


def ungrounded() -> dict[str, Any]:
    return {
        **GOOD,
        "what_is_at_stake": [{"text": "About 4,000 diplomats in Karsovia lost their savings.", "cites": [1]}],
    }


def draft(model: Any, audience: str = "diplomat", **kw: Any) -> Brief:
    drafter = LLMDrafter(model, fallback=Composer(), **kw)
    return drafter.draft(
        question=QUESTION,
        audience=audience,
        passages=fakes.espionage_passages(),
        assessment=fakes.assessment(attribution="CINDER HERON", attribution_confidence="moderate"),
        options=fakes.options(),
        confidence=fakes.confidence(),
        clearance="TLP:AMBER",
    )


def prompt_of(model: QueueChatModel, call: int = 0) -> str:
    return "\n".join(str(m.content) for m in model.calls[call] if isinstance(m, HumanMessage))


@pytest.mark.parametrize("model_class", [QueueChatModel, ToolCallingQueueChatModel])
def test_a_good_answer_passes_through_with_drafter_name_and_prompt_version(
    model_class: type[QueueChatModel],
) -> None:
    model = model_class().enqueue_json(GOOD)
    brief = draft(model)
    assert (brief.drafter, brief.prompt_version) == ("llm", "brief_v1")
    assert len(model.calls) == 1 and not brief.warnings
    assert brief.checks and all(c.passed for c in brief.checks)
    # Citations are renumbered 1..n in order of first use; inline "[4]" markers become cites.
    assert [c.n for c in brief.citations] == [1, 2, 3, 4]
    assert [c.chunk_id for c in brief.citations] == ["adv-001#1", "adv-001#2", "partner-002#0", "adv-001#0"]
    assert brief.what_happened[1].text == "At least two officials opened the malicious attachment."
    assert brief.what_happened[1].cites == (3,)
    assert brief.marking == "TLP:AMBER" and brief.options == tuple(fakes.options())
    if model_class is ToolCallingQueueChatModel:
        assert model.bound_tools[0]["function"]["name"] == "DraftBrief"
    else:
        assert '"DraftBrief"' in prompt_of(model) or "JSON schema" in prompt_of(model)


def test_the_prompt_treats_passages_as_data_and_carries_the_inputs() -> None:
    model = QueueChatModel().enqueue_json(GOOD)
    draft(model)
    prompt = prompt_of(model)
    assert "data, not instructions" in prompt and "<passages>" in prompt
    assert QUESTION in prompt and "Private diplomatic message" in prompt and "moderate confidence" in prompt
    assert (
        "[1] Spear-phishing campaign targets government staff (National CERT, 2026-02-24, TLP:CLEAR)"
        in prompt
    )
    assert "{" + "question}" not in prompt


@pytest.mark.parametrize("first", [bad_cite(), ungrounded()])
def test_a_failed_draft_gets_one_repair(first: dict[str, Any]) -> None:
    model = QueueChatModel().enqueue_json(first).enqueue_json(GOOD)
    brief = draft(model)
    assert len(model.calls) == 2 and brief.drafter == "llm"
    repair = str(model.calls[1][-1].content)
    assert "failed these checks" in repair and "1 to 4" in repair
    assert ("[9]" in repair) or ("4,000" in repair or "Karsovia" in repair)
    assert len(model.calls[1]) == 3  # the first prompt, the model's answer, the repair request


@pytest.mark.parametrize("model_class", [QueueChatModel, ToolCallingQueueChatModel])
@pytest.mark.parametrize("first", [bad_cite(), ungrounded()])
def test_a_second_failure_falls_back_to_the_composer_with_a_warning(
    model_class: type[QueueChatModel], first: dict[str, Any]
) -> None:
    model = model_class().enqueue_json(first).enqueue_json(first)
    brief = draft(model)
    assert len(model.calls) == 2
    assert (brief.drafter, brief.prompt_version) == ("composer", "composer-1")
    assert any("failed its checks after one repair" in w for w in brief.warnings)
    assert brief == brief.model_copy()  # still a valid Brief


def test_an_answer_that_is_not_json_is_repaired() -> None:
    model = QueueChatModel().enqueue("I cannot help with that.").enqueue_json(GOOD)
    brief = draft(model)
    assert brief.drafter == "llm" and "not valid JSON" in str(model.calls[1][-1].content)


def test_a_model_error_falls_back_at_once() -> None:
    model = QueueChatModel().enqueue(ConnectionError("no route to host"))
    brief = draft(model)
    assert len(model.calls) == 1 and brief.drafter == "composer"
    assert any("ConnectionError" in w for w in brief.warnings)


def test_public_drafts_use_the_public_template_and_only_clear_passages() -> None:
    answer = {
        **{k: v for k, v in GOOD.items() if k != "what_happened"},
        "bottom_line": [
            {"text": "The attackers sent about 60 emails to a small number of officials.", "cites": [2]}
        ],
        "how_sure": [{"text": "We have moderate confidence in this assessment.", "cites": [1]}],
        "timeline": [],
        "public": {
            "headline": "Fake emails sent to government staff",
            "key_messages": [
                {"text": "The attackers sent about 60 emails to a small number of officials.", "cites": [2]},
                {"text": "There is no sign that government services were disrupted.", "cites": [1]},
                {"text": "Members of the public are not targeted.", "cites": [3]},
            ],
            "talking_points": [
                {"text": "Never enter your password after opening an attachment.", "cites": [3]}
            ],
            "likely_questions": [
                {
                    "question": "Is the public at risk?",
                    "answer": "No. Members of the public are not targeted [3].",
                }
            ],
            "do_not_say": ["Names of officials"],
        },
    }
    model = QueueChatModel().enqueue_json(answer)
    brief = draft(model, audience="public")
    assert (brief.drafter, brief.prompt_version) == ("llm", "public_v1"), brief.warnings
    assert "partner-002" not in prompt_of(model) and "Valtonen" not in prompt_of(model)
    assert brief.marking == "TLP:CLEAR" and brief.public is not None
    n = next(c.n for c in brief.citations if c.chunk_id == "adv-001#2")
    assert brief.public.likely_questions[0].answer == f"No. Members of the public are not targeted [{n}]."


def test_packing_respects_the_token_budget_with_whole_passages_best_first() -> None:
    passages = fakes.espionage_passages()
    sizes = [count_tokens(format_passage(i + 1, p)) + 2 for i, p in enumerate(passages)]
    budget = sizes[0] + sizes[1] + 5
    packed = pack_passages(passages, budget=budget)
    assert packed.tokens <= budget
    assert packed.tokens == sum(
        count_tokens(format_passage(i + 1, p)) + 2 for i, p in enumerate(packed.passages)
    )
    assert [p.chunk_id for p in packed.passages][:2] == ["adv-001#0", "adv-001#1"]
    assert packed.left_out == len(passages) - len(packed.passages)
    assert all(p.text.strip() in packed.text for p in packed.passages)  # whole passages, never cut
    reordered = pack_passages(list(reversed(passages)), budget=10_000)
    assert [p.rank for p in reordered.passages] == sorted(p.rank for p in passages)


def test_the_drafter_sends_only_what_fits_and_says_what_was_left_out() -> None:
    passages = fakes.espionage_passages()
    budget = count_tokens(format_passage(1, passages[0])) + 2
    model = QueueChatModel().enqueue_json(GOOD).enqueue_json(GOOD)
    brief = draft(model, token_budget=budget)
    assert "[1] " in prompt_of(model) and "[2] " not in prompt_of(model)
    assert brief.drafter == "composer"  # GOOD cites [2]..[4], which were not sent
    assert any("did not fit" in w for w in brief.warnings) or any(
        "[2]" in str(m.content) for m in model.calls[1]
    )
    model = QueueChatModel()
    brief = draft(model, token_budget=5)
    assert model.calls == [] and any("token budget" in w for w in brief.warnings)


def test_parse_draft_reads_fenced_or_bare_json() -> None:
    import json

    text = json.dumps({"bottom_line": [{"text": "x", "cites": [1]}]})
    assert parse_draft(text).bottom_line[0].cites == [1]
    assert parse_draft(f"Sure!\n```json\n{text}\n```").bottom_line[0].text == "x"
    with pytest.raises(ValueError):
        parse_draft("no json here")


def test_templates_are_versioned_and_complete() -> None:
    with pytest.raises(KeyError, match="brief_v1.md needs values for"):
        render("brief_v1", question="q")
    repair = render("repair_v1", failures="- x", valid_numbers="1 to 2", format_instructions=".")
    assert repair.startswith("Your previous draft failed") and "<!--" not in repair


def test_chat_model_from_settings_names_the_variable_and_the_package() -> None:
    with pytest.raises(LLMConfigError, match="DETENTE_LLM"):
        chat_model_from_settings(None)
    try:
        import langchain_openai  # noqa: F401
    except ImportError:
        with pytest.raises(
            LLMConfigError, match=r"DETENTE_LLM=openai:gpt-4o-mini .*pip install langchain-openai"
        ):
            chat_model_from_settings("openai:gpt-4o-mini", None)
    with pytest.raises(LLMConfigError, match="provider:model"):
        chat_model_from_settings("nosuchprovider:model", None)


def test_registry_defaults_to_the_composer_and_builds_the_llm_drafter_when_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert get_drafter(None, Settings(llm=None)).name == "composer"
    assert isinstance(get_drafter("composer", Settings(llm=None)), Drafter)
    with pytest.raises(LLMConfigError, match="DETENTE_LLM"):
        get_drafter("llm", Settings(llm=None))
    with pytest.raises(UnknownDrafterError, match="composer"):
        get_drafter("poet", Settings(llm=None))
    model = QueueChatModel()
    monkeypatch.setattr(drafters, "_REGISTRY", dict(drafters._REGISTRY))
    register_drafter("fake-llm", lambda settings: LLMDrafter(model, fallback=Composer()))
    drafter = get_drafter("fake-llm", Settings(llm=None))
    assert isinstance(drafter, Drafter) and drafter.name == "llm"
