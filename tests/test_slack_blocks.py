"""Brief -> Block Kit: the TLP banner, sections, options with kind and rung, numbered citations with links and
reliability, confidence, warnings, escaping, and Slack's limits (50 blocks, 3,000 characters a section)."""

from __future__ import annotations

import pytest

from assistant.slack import blocks, kit
from guardrails.markings import TLP
from tests.slack_fakes import block_texts, sample_brief


def _all_blocks(messages):
    return [b for m in messages for b in m.blocks]


def _check_limits(block_list, max_blocks=kit.MAX_BLOCKS):
    assert len(block_list) <= max_blocks
    for block in block_list:
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= kit.MAX_SECTION
            for field in block.get("fields", []):
                assert len(field["text"]) <= kit.MAX_FIELD
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= kit.MAX_CONTEXT_ELEMENTS
            assert all(len(e["text"]) <= kit.MAX_CONTEXT_TEXT for e in block["elements"])
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for e in block["elements"]:
                assert len(e["text"]["text"]) <= kit.MAX_BUTTON_TEXT and len(e["value"]) <= kit.MAX_VALUE


def test_full_brief_layout():
    brief = sample_brief("water?", marking=TLP.GREEN)
    [message] = blocks.render(brief, view="brief", answer_id="a-1")
    _check_limits(message.blocks)
    first, second = message.blocks[0], message.blocks[1]
    assert first["type"] == "context" and "*TLP:GREEN*" in first["elements"][0]["text"]
    assert "community" in first["elements"][0]["text"]
    assert second["text"]["text"].startswith("*Bottom line:* A state-linked group")
    text = block_texts(message.blocks)
    order = [
        text.index(h)
        for h in ("What happened", "Who is affected", "How sure we are", "Response options", "Sources")
    ]
    assert order == sorted(order)
    assert text.count("Bottom line") == 1
    assert "*Would change if:*\n• The activity spreads to energy." in text
    assert "*How sure:* moderate confidence; likely (55-80 %)." in text
    assert "_collaborative, rung 1 of 4: defend_" in text and "_defensive, rung 3 of 4: signal_" in text
    assert "*Cost:* Low. Staff time." in text and "*De-escalation:* Offer a joint investigation." in text
    assert (
        "[1] <https://cert.example/advisories/1|Joint advisory 1: GRANITE TIDE in water utilities> · National CERT · 2026-05-21 · TLP:CLEAR · B2"
        in text
    )
    assert ":warning: 1 identifier(s) found" in text
    assert "answer `a-1` · fake · prompts test-1 · 2/2 checks passed · 12 ms" in text
    assert message.text.startswith("TLP:GREEN · A state-linked group")


def test_pseudonyms_and_markup_are_escaped():
    brief = sample_brief("q")
    text = block_texts(blocks.render(brief, view="brief", answer_id="a-1")[0].blocks)
    assert "&lt;PERSON_1&gt; reported it." in text and "<PERSON_1>" not in text


def test_links_only_for_http_urls_and_titles_cannot_break_them():
    assert kit.link("javascript:alert(1)", "x") == "x"
    assert kit.link("https://a.example/x|y>z", "T|i<t>le") == "<https://a.example/x%7Cy%3Ez|T¦i&lt;t&gt;le>"


@pytest.mark.parametrize("view", blocks.VIEWS)
def test_every_view_of_a_huge_brief_respects_the_limits(view):
    brief = sample_brief("huge", audience="public" if view == "message" else "diplomat", huge=True)
    messages = blocks.render(brief, view=view, answer_id="a-2")
    for number, message in enumerate(messages):
        _check_limits(message.blocks)
        assert "TLP:GREEN" in message.blocks[0]["elements"][0]["text"]  # every page carries the marking
        more = [b for b in message.blocks if (b.get("accessory") or {}).get("action_id") == blocks.A_MORE]
        if number < len(messages) - 1:
            assert len(more) == 1
            assert blocks.parse_more(more[0]["accessory"]["value"]) == ("a-2", view, number + 1)
        else:
            assert not more
    # Pages hold exactly the view's content, in order, once each (nothing lost or repeated).
    paged = [
        b
        for m in messages
        for b in m.blocks[1:]
        if b["type"] != "actions"
        and (b.get("accessory") or {}).get("action_id") != blocks.A_MORE
        and not b.get("text", {}).get("text", "").startswith("*Bottom line:*")
    ]
    assert paged == blocks.content(brief, view, answer_id="a-2")
    text = block_texts(_all_blocks(messages))
    if view == "brief":
        assert len(messages) >= 3
        assert "Option 120:" in text and "[40]" in text  # nothing lost, only paged
        # the very long paragraph was cut to fit one section, with an ellipsis
        assert "…" in text


def test_sections_split_at_paragraphs():
    paras = [f"para {i} " + "x" * 900 for i in range(7)]
    out = kit.sections(paras, heading="Heading")
    assert len(out) == 3
    assert out[0]["text"]["text"].startswith("*Heading*\npara 0")
    assert all(len(b["text"]["text"]) <= kit.MAX_SECTION for b in out)
    assert block_texts(out).count("para ") == 7


def test_public_view_has_messaging_and_no_options():
    brief = sample_brief("q", audience="public", marking=TLP.CLEAR)
    message = blocks.render(brief, view="message", answer_id="a-3")[0]
    text = block_texts(message.blocks)
    for heading in ("Key messages", "Talking points", "Likely questions", "Do not say"):
        assert heading in text
    assert "*Q:* Who did it?" in text and "Response options" not in text
    labels = [e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert "Draft public message" not in labels
    assert message.text.startswith("TLP:CLEAR · Water supplies are safe")


def test_simpler_view_is_short_and_keeps_the_marking():
    brief = sample_brief("q", marking=TLP.AMBER)
    message = blocks.render(brief, view="simpler", answer_id="a-4")[0]
    assert not [b for b in message.blocks if b["type"] == "actions"]
    text = block_texts(message.blocks)
    assert "TLP:AMBER" in text and "In short:" in text and "What we could do:" in text
    assert len(text) < len(block_texts(blocks.render(brief, view="brief", answer_id="a-4")[0].blocks)) / 2


def test_sources_view_explains_admiralty_codes():
    text = block_texts(blocks.render(sample_brief("q"), view="sources", answer_id="a-5")[0].blocks)
    assert "B2 _(usually reliable; probably true)_" in text


def test_paginate_rejects_impossible_layouts():
    with pytest.raises(ValueError, match="no room"):
        kit.paginate(
            [kit.divider()] * 3, first_head=[kit.divider()] * 49, head=[], first_tail=[], more=lambda *_: {}
        )
