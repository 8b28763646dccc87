"""The real Bolt app, driven by signed requests, against a fake Slack Web API on 127.0.0.1 and a fake pipeline:
mentions, direct messages, thread follow-ups, slash commands, clearance, retries, rate limits and errors."""

from __future__ import annotations

import logging
import time

import pytest

from assistant.slack.web import MAX_RETRIES
from guardrails.markings import TLP
from tests.slack_fakes import (
    BOT_TOKEN,
    audit_rows,
    command_body,
    dm,
    event_body,
    make_rig,
    mention,
    send_event,
    send_form,
    texts,
)


@pytest.fixture
def rig(home):
    rig = make_rig(home)
    yield rig
    rig.runtime.close()
    rig.slack.close()


def _ask(
    rig, text, *, channel="C0GEN", user="U0DIPLOMAT", ts="1700000000.000100", thread_ts=None, event_id="Ev1"
):
    body = event_body(
        mention(text, channel=channel, user=user, ts=ts, thread_ts=thread_ts), event_id=event_id
    )
    started = time.perf_counter()
    response = send_event(rig.app, body)
    return response, time.perf_counter() - started


def test_mention_is_acknowledged_at_once_and_answered_in_the_thread_with_progress(rig):
    response, took = _ask(rig, "What is happening to the water utilities?")
    assert response.status == 200
    assert took < 1.0
    reaction = rig.slack.wait_for("reactions.add")[0]
    assert reaction.params == {
        "channel": "C0GEN",
        "timestamp": "1700000000.000100",
        "name": "hourglass_flowing_sand",
    }
    answer = rig.slack.wait_for("chat.postMessage")[0]
    assert answer.params["thread_ts"] == "1700000000.000100"
    assert reaction.at - answer.at < 0  # progress shows before the answer
    assert reaction.at - rig.slack.calls[0].at < 1.0
    banner = answer.params["blocks"][0]
    assert banner["type"] == "context" and "TLP:GREEN" in banner["elements"][0]["text"]
    assert (
        rig.pipeline.calls[0]["question"] == "What is happening to the water utilities?"
    )  # mention stripped
    assert rig.pipeline.calls[0]["clearance"] == TLP.GREEN  # the policy's default
    rig.slack.wait_for("reactions.remove")


def test_the_answer_is_audited_without_secrets(rig, caplog):
    caplog.set_level(logging.DEBUG)
    _ask(rig, f"password: Winter2024! and {BOT_TOKEN} - what about water?")
    rig.slack.wait_for("chat.postMessage")
    rig.slack.quiet(0.2)
    rows = audit_rows(rig)
    assert len(rows) == 1
    row = rows[0]
    assert row["user"] == "U0DIPLOMAT" and row["channel"] == "C0GEN" and row["place"] == "channel"
    assert row["status"] == "answered" and row["trigger"] == "mention"
    assert row["marking"] == "TLP:GREEN" and row["clearance"] == "TLP:GREEN"
    assert [s["tlp"] for s in row["sources"]] == ["TLP:CLEAR", "TLP:GREEN", "TLP:GREEN"]
    assert row["redactions"] == {"PERSON": 1}
    assert row["drafter"] == "fake" and row["prompt_version"] == "test-1" and row["pipeline_ms"] == 12.0
    assert row["total_ms"] > 0
    assert "Winter2024!" not in row["question"] and BOT_TOKEN not in row["question"]
    assert "[CREDENTIAL]" in row["question"] and "[API_KEY]" in row["question"]
    assert BOT_TOKEN not in caplog.text and "Winter2024!" not in caplog.text


def test_direct_message_is_answered_in_its_thread_at_the_users_own_ceiling(rig):
    send_event(
        rig.app,
        event_body(dm("Brief me on the water sector", user="U0CLEARED", ts="1700000001.1"), event_id="Ev2"),
    )
    answer = rig.slack.wait_for("chat.postMessage")[0]
    assert answer.params["channel"] == "DU0CLEARED" and answer.params["thread_ts"] == "1700000001.1"
    assert rig.pipeline.calls[0]["clearance"] == TLP.AMBER
    assert not rig.slack.calls_to("conversations.info")  # a DM needs no channel look-up


def test_thread_reply_is_a_follow_up_with_the_earlier_questions(rig, home):
    _ask(rig, "Who is behind the water intrusion?", ts="1700000002.1", event_id="Ev3")
    rig.slack.wait_for("chat.postMessage")
    _ask(rig, "And what should we say to them?", ts="1700000002.5", thread_ts="1700000002.1", event_id="Ev4")
    answers = rig.slack.wait_for("chat.postMessage", 2)
    assert all(a.params["thread_ts"] == "1700000002.1" for a in answers)
    assert rig.pipeline.calls[1]["earlier"] == ["Who is behind the water intrusion?"]
    # A restarted app (or another process) rebuilds the thread from the audit log.
    rig.runtime.close()
    again = make_rig(home)
    try:
        _ask(again, "And the timeline?", ts="1700000002.9", thread_ts="1700000002.1", event_id="Ev5")
        again.slack.wait_for("chat.postMessage")
        assert again.pipeline.calls[0]["earlier"] == [
            "Who is behind the water intrusion?",
            "And what should we say to them?",
        ]
    finally:
        again.runtime.close()
        again.slack.close()


def test_empty_mention_gets_help(rig):
    _ask(rig, "")
    help_message = rig.slack.wait_for("chat.postMessage")[0]
    assert "/detente brief" in texts(help_message)
    assert not rig.pipeline.calls


@pytest.mark.parametrize(
    ("text", "audience", "expect", "absent"),
    [
        ("brief What about the water utilities?", "diplomat", "What happened", None),
        ("What about the water utilities?", "diplomat", "What happened", None),
        ("options What about the water utilities?", "diplomat", "Response options", "What happened"),
        ("message What about the water utilities?", "public", "Key messages", "Response options"),
        (
            "sources What about the water utilities?",
            "diplomat",
            "usually reliable; probably true",
            "What happened",
        ),
    ],
)
def test_slash_subcommands(rig, text, audience, expect, absent):
    started = time.perf_counter()
    response = send_form(
        rig.app, command_body(text, channel="C0GEN", user="U0DIPLOMAT", response_url=rig.slack.response_url())
    )
    assert time.perf_counter() - started < 1.0
    assert response.status == 200 and "Working on it" in response.body
    answer = rig.slack.wait_for("chat.postMessage")[0]
    assert rig.pipeline.calls[0]["audience"] == audience
    assert rig.pipeline.calls[0]["question"] == "What about the water utilities?"
    body = texts(answer)
    assert expect in body and "<@U0DIPLOMAT> asked with `/detente" in body
    if absent:
        assert absent not in body


@pytest.mark.parametrize(
    ("channel", "expected"),
    [("DU0CLEARED", TLP.AMBER), ("D0TWOPEOPLE", TLP.CLEAR)],  # the bot's own DM; a DM between two people
)
def test_slash_command_in_a_dm_gets_the_users_ceiling_only_in_the_bots_own_dm(rig, channel, expected):
    body = command_body(
        "water?",
        channel=channel,
        user="U0CLEARED",
        response_url=rig.slack.response_url(),
        channel_name="directmessage",
    )
    send_form(rig.app, body)
    rig.slack.wait_for("chat.postMessage")
    assert rig.pipeline.calls[0]["clearance"] == expected


def test_slash_help_is_immediate_and_ephemeral(rig):
    response = send_form(
        rig.app, command_body("help", channel="C0GEN", user="U1", response_url=rig.slack.response_url())
    )
    assert response.status == 200 and "/detente options" in response.body
    rig.slack.quiet(0.2)
    assert not rig.pipeline.calls and not rig.slack.calls_to("chat.postMessage")


def test_slash_answer_falls_back_to_response_url_where_the_bot_is_not_a_member(rig):
    rig.slack.fail("chat.postMessage", status=200, error="not_in_channel")
    send_form(
        rig.app,
        command_body("brief water?", channel="C0GEN", user="U1", response_url=rig.slack.response_url("c1")),
    )
    posted = rig.slack.wait_for("respond/c1")[0]
    assert posted.params["response_type"] == "in_channel" and "TLP:GREEN" in texts(posted)


def test_above_clearance_is_refused_ephemerally_with_an_offer_of_a_dm(rig):
    _ask(rig, "Tell me the secret plans", user="U0CLEARED")
    refusal = rig.slack.wait_for("chat.postEphemeral")[0]
    assert refusal.params["user"] == "U0CLEARED" and refusal.params["channel"] == "C0GEN"
    body = texts(refusal)
    assert "needs TLP:AMBER sources" in body and "Answer in a DM" in body
    rig.slack.quiet(0.2)
    assert not rig.answers()  # nothing posted in the channel
    row = audit_rows(rig)[0]
    assert row["status"] == "refused:clearance"


def test_above_clearance_without_dm_clearance_gets_no_offer(rig):
    _ask(rig, "Tell me the secret plans", user="U0INTERN")
    body = texts(rig.slack.wait_for("chat.postEphemeral")[0])
    assert "Not answered here" in body and "Answer in a DM" not in body


@pytest.mark.parametrize(
    ("channel", "ext_shared", "expected"),
    [
        ("C0EXT", False, TLP.CLEAR),  # Slack Connect, not configured: CLEAR
        ("C0GEN", True, TLP.CLEAR),  # the envelope says externally shared
        ("C0ALLIES", False, TLP.GREEN),  # shared, explicitly configured
        ("C0AMBER", False, TLP.AMBER),
        ("C0UNKNOWN", False, TLP.CLEAR),  # Slack cannot tell us: fail closed
    ],
)
def test_channel_ceilings(rig, channel, ext_shared, expected):
    body = event_body(
        mention("water?", channel=channel, user="U0CLEARED", ts="1700000003.1"),
        event_id="Ev6",
        ext_shared=ext_shared,
    )
    send_event(rig.app, body)
    rig.slack.wait_for("chat.postMessage")
    assert rig.pipeline.calls[0]["clearance"] == expected


def test_user_ceiling_lowers_the_channels(rig):
    _ask(rig, "water?", channel="C0AMBER", user="U0INTERN")
    rig.slack.wait_for("chat.postMessage")
    assert rig.pipeline.calls[0]["clearance"] == TLP.CLEAR


def test_retried_event_is_answered_once(rig):
    body = event_body(mention("water?", channel="C0GEN", user="U1", ts="1700000004.1"), event_id="EvRetry")
    first = send_event(rig.app, body)
    retry = send_event(
        rig.app, body, extra={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    )
    assert first.status == retry.status == 200
    assert retry.headers.get("x-slack-no-retry") == ["1"]
    rig.slack.wait_for("chat.postMessage")
    rig.slack.quiet(0.3)
    assert len(rig.pipeline.calls) == 1 and len(rig.answers()) == 1
    # Answered, so even a retry long after (past the abandoned-claim window) is not answered again.
    assert not rig.runtime.dedup.claim("event:EvRetry", now=time.time() + 3600)


def test_a_message_delivered_as_two_events_is_answered_once(rig):
    ts = "1700000005.1"
    send_event(
        rig.app,
        event_body(
            {**mention("water?", channel="DU1", user="U1", ts=ts), "channel_type": "im"}, event_id="EvA"
        ),
    )
    send_event(rig.app, event_body(dm("<@UBOT> water?", user="U1", ts=ts), event_id="EvB"))
    rig.slack.wait_for("chat.postMessage")
    rig.slack.quiet(0.3)
    assert len(rig.pipeline.calls) == 1


def test_rate_limit_is_retried_after_retry_after(rig):
    rig.slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
    _ask(rig, "water?")
    posts = rig.slack.wait_for("chat.postMessage", 2, timeout=10)
    assert posts[1].at - posts[0].at >= 1.0
    rig.slack.quiet(0.3)
    assert len(rig.slack.calls_to("chat.postMessage")) == 2  # one refused, one delivered
    assert audit_rows(rig)[0]["status"] == "answered"


def test_rate_limit_retries_are_bounded_then_the_failure_is_logged(rig, caplog):
    rig.slack.fail("chat.postMessage", status=429, retry_after=0, times=MAX_RETRIES + 5)
    _ask(rig, "water?")
    rig.slack.wait_for("chat.postEphemeral")  # the apology
    rig.slack.quiet(0.3)
    assert len(rig.slack.calls_to("chat.postMessage")) == MAX_RETRIES + 1
    row = audit_rows(rig)[0]
    assert row["status"] == "error" and row["error"] == "SlackApiError"


def test_internal_error_gives_an_apology_with_an_error_id_and_is_logged(rig, caplog):
    caplog.set_level(logging.ERROR)
    _ask(rig, "please explode")
    apology = rig.slack.wait_for("chat.postEphemeral")[0]
    body = texts(apology)
    assert "Sorry, something went wrong" in body
    error_id = body.split("error id: `", 1)[1].split("`", 1)[0]
    assert error_id.startswith("E-")
    row = audit_rows(rig)[0]
    assert row["id"] == error_id and row["status"] == "error" and row["error"] == "RuntimeError"
    assert error_id in caplog.text and "the drafter fell over" in caplog.text
    rig.slack.wait_for("reactions.remove")  # progress cleared even on failure


def test_busy_queue_turns_requests_away_politely(home):
    from tests.slack_fakes import FakePipeline

    pipeline = FakePipeline(delay=2.0)
    rig = make_rig(home, pipeline=pipeline)
    rig.runtime.jobs._pending = __import__("threading").BoundedSemaphore(1)
    try:
        _ask(rig, "first?", ts="1.1", event_id="EvBusy1")
        deadline = time.monotonic() + 10
        while not pipeline.calls and time.monotonic() < deadline:  # the first question holds the only slot
            time.sleep(0.01)
        _ask(rig, "second?", ts="1.2", event_id="EvBusy2")
        busy = rig.slack.wait_for("chat.postMessage", where=lambda c: "many questions" in texts(c))
        assert busy[0].params["thread_ts"] == "1.2"
        rig.slack.wait_for("chat.postMessage", 2)
    finally:
        rig.runtime.close()
        rig.slack.close()


def test_socket_mode_requests_need_no_signing_secret(home):
    """In Socket Mode Slack's envelope arrives over the WebSocket: no signature, no signing secret."""
    import json

    from slack_bolt.request import BoltRequest

    from assistant.config import Settings
    from assistant.slack.app import build_app
    from assistant.slack.web import web_client
    from guardrails.policy import ClearancePolicy
    from tests.slack_fakes import FakePipeline, FakeSlack

    slack = FakeSlack()
    slack.channels["C0GEN"] = {"is_channel": True}
    app = build_app(
        FakePipeline(),
        Settings(home=home),
        web_client(BOT_TOKEN, slack.base_url),
        signing_secret="",
        policy=ClearancePolicy(),
    )
    try:
        body = json.loads(event_body(mention("water?", channel="C0GEN", user="U1", ts="5.1"), event_id="EvS"))
        assert app.dispatch(BoltRequest(body=body, mode="socket_mode")).status == 200
        assert slack.wait_for("chat.postMessage")[0].params["thread_ts"] == "5.1"
    finally:
        app.detente.close()
        slack.close()
