"""Buttons under an answer, the feedback modal, the DM offer, the "More" pages and the App Home tab."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.risk_picture import DocFacts, build_picture
from assistant.slack import blocks, home, notices
from guardrails.markings import TLP
from tests.slack_fakes import (
    FakePipeline,
    action_body,
    answer_id_of,
    audit_rows,
    block_texts,
    event_body,
    home_action_body,
    make_rig,
    mention,
    send_event,
    send_form,
    texts,
    view_submission_body,
)

DOCS = [
    DocFacts("r1", "report", TLP.CLEAR, date(2026, 5, 1), ("GRANITE TIDE",), ("Water",)),
    DocFacts("r2", "report", TLP.GREEN, date(2026, 5, 20), ("GRANITE TIDE",), ("Water", "Energy")),
    DocFacts("r3", "report", TLP.AMBER, date(2026, 6, 1), ("CINDER HERON",), ("Diplomacy",)),
    DocFacts("r4", "report", TLP.CLEAR, date(2026, 1, 10), ("CINDER HERON",), ("Government",)),
]


def fake_risk(pipeline, ceiling):
    return build_picture(docs=DOCS, ceiling=ceiling, today=date(2026, 11, 1))


@pytest.fixture
def rig(home):
    rig = make_rig(home, risk=fake_risk)
    yield rig
    rig.runtime.close()
    rig.slack.close()


def _answered(rig, text="What about the water utilities?", *, user="U0DIPLOMAT", channel="C0GEN"):
    send_event(
        rig.app, event_body(mention(text, channel=channel, user=user, ts="1700000000.1"), event_id="Ev1")
    )
    answer = rig.slack.wait_for("chat.postMessage")[0]
    return answer, answer_id_of(answer)


def _click(rig, action_id, value, *, user="U0DIPLOMAT", channel="C0GEN", name="b"):
    body = action_body(
        action_id,
        value,
        user=user,
        channel=channel,
        message_ts="1800000000.000001",
        thread_ts="1700000000.1",
        response_url=rig.slack.response_url(name),
    )
    response = send_form(rig.app, body)
    assert response.status == 200
    return response


def test_answer_has_the_buttons(rig):
    answer, answer_id = _answered(rig)
    actions = next(b for b in answer.params["blocks"] if b["type"] == "actions")
    labels = [e["text"]["text"] for e in actions["elements"]]
    assert labels == ["Draft public message", "Show sources", "Simpler", ":+1: Helpful", ":-1: Not helpful"]
    assert {e["value"] for e in actions["elements"]} == {answer_id}


def test_draft_public_message_redrafts_for_the_public_in_the_thread(rig):
    _, answer_id = _answered(rig)
    _click(rig, blocks.A_PUBLIC, answer_id)
    public = rig.slack.wait_for("chat.postMessage", 2)[1]
    assert public.params["thread_ts"] == "1700000000.1"
    assert "Key messages" in texts(public) and "Water supplies are safe" in texts(public)
    assert rig.pipeline.calls[1]["audience"] == "public"
    assert rig.slack.wait_for("reactions.add", 2)[1].params["timestamp"] == "1800000000.000001"


def test_show_sources_is_ephemeral_and_explains_reliability(rig):
    _, answer_id = _answered(rig)
    _click(rig, blocks.A_SOURCES, answer_id, name="src")
    sources = rig.slack.wait_for("respond/src")[0]
    assert sources.params["response_type"] == "ephemeral"
    body = texts(sources)
    assert "<https://cert.example/advisories/1|Joint advisory 1" in body
    assert "usually reliable; probably true" in body and "TLP:CLEAR" in body
    assert len(rig.pipeline.calls) == 1  # shown from the answer held in memory, not redrafted


def test_simpler_is_a_shorter_rendering_of_the_same_brief(rig):
    _, answer_id = _answered(rig)
    _click(rig, blocks.A_SIMPLER, answer_id)
    simpler = rig.slack.wait_for("chat.postMessage", 2)[1]
    body = texts(simpler)
    assert "In short:" in body and "same sources, same clearance" in body
    assert "[1]" not in body and "Cost:" not in body
    assert simpler.params["blocks"][0]["type"] == "context" and "TLP:GREEN" in body
    assert len(rig.pipeline.calls) == 1


def test_buttons_after_a_restart_redraft_from_the_audit_log(rig, home):
    _, answer_id = _answered(rig)
    rig.slack.quiet(0.2)
    rig.runtime.close()
    again = make_rig(home)
    try:
        _click(again, blocks.A_SOURCES, answer_id, name="src2")
        assert "Sources" in texts(again.slack.wait_for("respond/src2")[0])
        assert again.pipeline.calls[0]["question"] == "What about the water utilities?"
        assert again.pipeline.calls[0]["clearance"] == TLP.GREEN  # the clicker's ceiling there
    finally:
        again.runtime.close()
        again.slack.close()


def test_unknown_answer_gets_a_polite_expiry_notice(rig):
    _click(rig, blocks.A_SIMPLER, "a-0000000000", name="old")
    assert "too old" in texts(rig.slack.wait_for("respond/old")[0])


def test_feedback_helpful_and_not_helpful_with_a_reason(rig):
    _, answer_id = _answered(rig)
    _click(rig, blocks.A_HELPFUL, answer_id, user="U1", name="fb")
    assert "Thanks" in texts(rig.slack.wait_for("respond/fb")[0])
    _click(rig, blocks.A_NOT_HELPFUL, answer_id, user="U2")
    modal = rig.slack.wait_for("views.open")[0]
    assert modal.params["view"]["private_metadata"] == answer_id
    assert modal.params["view"]["callback_id"] == notices.FEEDBACK_VIEW
    body = view_submission_body(
        notices.FEEDBACK_VIEW, user="U2", private_metadata=answer_id, reason="Too long"
    )
    assert send_form(rig.app, body).status == 200
    feedback = audit_rows(rig)[0]["feedback"]
    assert [(f["user"], f["rating"], f["reason"]) for f in feedback] == [
        ("U1", "helpful", None),
        ("U2", "not_helpful", None),
        ("U2", "not_helpful", "Too long"),
    ]


def test_dm_offer_answers_in_a_direct_message_at_the_users_ceiling(rig):
    send_event(
        rig.app,
        event_body(mention("the secret plans?", channel="C0GEN", user="U0CLEARED", ts="1.1"), event_id="Ev9"),
    )
    refusal = rig.slack.wait_for("chat.postEphemeral")[0]
    offer = next(b for b in refusal.params["blocks"] if b.get("accessory"))["accessory"]
    assert offer["action_id"] == blocks.A_DM
    _click(rig, blocks.A_DM, offer["value"], user="U0CLEARED")
    rig.slack.wait_for("conversations.open")
    posts = rig.slack.wait_for("chat.postMessage", 2, where=lambda c: c.params["channel"] == "DU0CLEARED")
    assert "You asked in <#C0GEN>" in texts(posts[0])
    assert posts[1].params["thread_ts"].startswith("1800000000.")  # under the intro, in the DM
    assert "TLP:AMBER" in texts(posts[1])
    assert rig.pipeline.calls[1]["clearance"] == TLP.AMBER
    assert audit_rows(rig, 2)[0]["trigger"] == "dm_offer"


def test_more_pages_stay_within_limits_and_carry_the_banner(home):
    rig = make_rig(home, pipeline=FakePipeline(), risk=fake_risk)
    try:
        first, answer_id = _answered(rig, "huge question")
        assert len(first.params["blocks"]) <= 50
        more = [
            b for b in first.params["blocks"] if (b.get("accessory") or {}).get("action_id") == blocks.A_MORE
        ]
        assert len(more) == 1
        value = more[0]["accessory"]["value"]
        pages_seen = 1
        while value:
            _click(rig, blocks.A_MORE, value)
            page = rig.slack.wait_for("chat.postMessage", pages_seen + 1)[pages_seen]
            pages_seen += 1
            assert len(page.params["blocks"]) <= 50
            assert "TLP:GREEN" in page.params["blocks"][0]["elements"][0]["text"]
            nxt = [
                b
                for b in page.params["blocks"]
                if (b.get("accessory") or {}).get("action_id") == blocks.A_MORE
            ]
            value = nxt[0]["accessory"]["value"] if nxt else None
        assert pages_seen >= 3
        assert len(rig.pipeline.calls) == 1
    finally:
        rig.runtime.close()
        rig.slack.close()


def test_app_home_shows_the_risk_picture_capped_to_the_viewer(rig):
    send_event(
        rig.app,
        event_body(
            {"type": "app_home_opened", "user": "U0INTERN", "tab": "home", "channel": "DX"}, event_id="EvH1"
        ),
    )
    view = rig.slack.wait_for("views.publish")[0].params
    assert view["user_id"] == "U0INTERN"
    body = block_texts(view["view"]["blocks"])
    assert "up to *TLP:CLEAR*" in body
    assert "TLP:CLEAR: *2*" in body and "TLP:AMBER" not in body.split("Documents by TLP")[1]
    assert "GRANITE TIDE" in body and "CINDER HERON" not in body  # its only recent report is AMBER
    send_event(
        rig.app, event_body({"type": "app_home_opened", "user": "U0CLEARED", "tab": "home"}, event_id="EvH2")
    )
    cleared = rig.slack.wait_for("views.publish", 2)[1].params["view"]
    cleared_text = str(cleared)
    assert "CINDER HERON" in cleared_text and "TLP:AMBER: *1*" in cleared_text


def test_home_ask_button_answers_in_a_dm(rig):
    send_form(rig.app, home_action_body(home.A_HOME_ASK, "GRANITE TIDE", user="U0CLEARED"))
    rig.slack.wait_for("conversations.open")
    posts = rig.slack.wait_for("chat.postMessage", 2)
    assert posts[1].params["channel"] == "DU0CLEARED"
    assert rig.pipeline.calls[0]["question"] == home.ask_question("GRANITE TIDE")
    assert rig.pipeline.calls[0]["clearance"] == TLP.AMBER


def test_app_home_failure_shows_an_error_id(home):
    def broken(pipeline, ceiling):
        raise RuntimeError("no catalog")

    rig = make_rig(home, risk=broken)
    try:
        send_event(
            rig.app, event_body({"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="EvH3")
        )
        view = rig.slack.wait_for("views.publish")[0].params["view"]
        assert "error id E-" in str(view)
    finally:
        rig.runtime.close()
        rig.slack.close()
