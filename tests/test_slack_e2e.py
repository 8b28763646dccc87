"""End to end: the real Bolt app and the real Pipeline on the bundled sample corpus (fake embeddings, real
Presidio), against the fake Slack Web API: an answer, an above-clearance refusal with its DM offer, App Home."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.slack import blocks
from guardrails.markings import TLP
from tests.slack_fakes import (
    BOT_TOKEN,
    POLICY,
    SECRET,
    FakeSlack,
    Rig,
    action_body,
    answer_id_of,
    audit_rows,
    block_texts,
    event_body,
    mention,
    send_event,
    send_form,
    texts,
)

pytestmark = pytest.mark.integration
WATER = "What is the water utility intrusion and who is behind it?"
ABOVE = "Incident report IR-2026-117: compromise of two mailboxes in the Trade Policy Directorate"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    from assistant.config import Settings

    home = tmp_path_factory.mktemp("slack-e2e")
    env = {"DETENTE_HOME": str(home), "DETENTE_EMBEDDINGS": "hash"}
    result = CliRunner().invoke(cli, ["ingest", "--sample"], env=env)
    assert result.exit_code == 0, result.output
    return Settings(home=home, embeddings="hash")


@pytest.fixture(scope="module")
def rig(settings):
    from assistant.pipeline import Pipeline
    from assistant.slack.app import build_app
    from assistant.slack.web import web_client
    from guardrails.policy import ClearancePolicy

    slack = FakeSlack()
    slack.channels["C0GEN"] = {"is_channel": True}
    app = build_app(
        lambda: Pipeline.open(settings),  # opened on the pipeline thread that uses it
        settings,
        web_client(BOT_TOKEN, slack.base_url),
        signing_secret=SECRET,
        policy=ClearancePolicy.from_dict(POLICY),
    )
    rig = Rig(app, slack, pipeline=None)  # type: ignore[arg-type]
    assert rig.runtime.jobs.wait_ready(120) and rig.runtime.jobs.healthy()
    yield rig
    rig.runtime.close()
    slack.close()


def test_mention_gets_a_real_brief_within_the_channels_clearance(rig):
    send_event(
        rig.app, event_body(mention(WATER, channel="C0GEN", user="U0DIPLOMAT", ts="1.1"), event_id="E2E1")
    )
    answer = rig.slack.wait_for("chat.postMessage", where=lambda c: answer_id_of(c) is not None, timeout=60)[
        0
    ]
    assert len(answer.params["blocks"]) <= 50
    body = texts(answer)
    banner = answer.params["blocks"][0]["elements"][0]["text"]
    assert "TLP:CLEAR" in banner or "TLP:GREEN" in banner
    assert "Bottom line" in body and "GRANITE TIDE" in body and "Sources" in body
    row = next(r for r in audit_rows(rig) if r["id"] == answer_id_of(answer))
    assert row["status"] == "answered" and row["clearance"] == "TLP:GREEN" and row["drafter"]
    assert row["sources"] and {s["tlp"] for s in row["sources"]} <= {"TLP:CLEAR", "TLP:GREEN"}
    assert all(isinstance(n, int) for n in row["redactions"].values())
    assert row["pipeline_ms"] > 0 and row["total_ms"] >= row["pipeline_ms"]


def test_above_clearance_is_refused_here_and_answered_in_a_dm(rig):
    send_event(
        rig.app, event_body(mention(ABOVE, channel="C0GEN", user="U0CLEARED", ts="2.1"), event_id="E2E2")
    )
    refusal = rig.slack.wait_for("chat.postEphemeral", timeout=60)[0]
    assert "needs TLP:AMBER sources" in texts(refusal) and "Answer in a DM" in texts(refusal)
    offer = next(b for b in refusal.params["blocks"] if b.get("accessory"))["accessory"]["value"]
    body = action_body(
        blocks.A_DM,
        offer,
        user="U0CLEARED",
        channel="C0GEN",
        message_ts="2.1",
        response_url=rig.slack.response_url(),
    )
    assert send_form(rig.app, body).status == 200
    rig.slack.wait_for("chat.postMessage", 2, where=lambda c: c.params["channel"] == "DU0CLEARED", timeout=60)
    rows = [r for r in audit_rows(rig, 3, timeout=30) if r["trigger"] == "dm_offer"]
    assert rows and rows[0]["clearance"] == "TLP:AMBER" and rows[0]["place"] == "dm"


def test_app_home_counts_only_what_the_viewer_may_see(rig):
    send_event(
        rig.app, event_body({"type": "app_home_opened", "user": "U0INTERN", "tab": "home"}, event_id="E2E3")
    )
    send_event(
        rig.app, event_body({"type": "app_home_opened", "user": "U0CLEARED", "tab": "home"}, event_id="E2E4")
    )
    views = rig.slack.wait_for("views.publish", 2, timeout=60)
    by_user = {v.params["user_id"]: block_texts(v.params["view"]["blocks"]) for v in views}
    clear, amber = by_user["U0INTERN"], by_user["U0CLEARED"]
    assert "up to *TLP:CLEAR*" in clear and "TLP:GREEN: *" not in clear and "TLP:AMBER: *" not in clear
    assert "TLP:AMBER: *" in amber and "TLP:RED: *" not in amber
    assert "GRANITE TIDE" in clear and "severity high" in clear
    assert "last ingest 20" in clear


def test_risk_picture_is_capped_by_clearance(settings):
    from assistant.risk_picture import risk_picture
    from assistant.services import open_kb

    kb = open_kb(settings)
    pictures = {c: risk_picture(kb, ceiling=c) for c in (TLP.CLEAR, TLP.GREEN, TLP.RED)}
    counts = [pictures[c].documents for c in (TLP.CLEAR, TLP.GREEN, TLP.RED)]
    assert counts == sorted(counts) and counts[0] < counts[2]
    assert set(pictures[TLP.CLEAR].by_tlp) == {"TLP:CLEAR"}
    assert pictures[TLP.RED].threats[0].name == "GRANITE TIDE"
    assert all(t.severity is not None for t in pictures[TLP.GREEN].threats)


def test_detente_slack_http_serves_until_sigterm(settings):
    """`detente slack --http` as a user runs it: tokens from the environment, the fake API via
    DETENTE_SLACK_API_URL, a signed mention answered, then a clean stop on SIGTERM."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from tests.slack_fakes import signed

    slack = FakeSlack()
    slack.channels["C0GEN"] = {"is_channel": True}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DETENTE_HOME": str(settings.home),
        "DETENTE_EMBEDDINGS": "hash",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "DETENTE_SLACK_API_URL": slack.base_url,
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    command = [
        sys.executable,
        "-m",
        "assistant.cli",
        "slack",
        "--http",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen([*command, "--no-warm"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        body = event_body(mention(WATER, channel="C0GEN", user="U1", ts="9.1"), event_id="E2E-CLI")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/slack/events",
            data=body.encode(),
            headers=signed(body, content_type="application/json"),
        )
        assert urllib.request.urlopen(request, timeout=5).status == 200
        slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == "9.1", timeout=90)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        slack.close()
    log = proc.stderr.read() if proc.stderr else ""
    assert "listening on http://127.0.0.1" in log and "No clearance policy" in log
    assert BOT_TOKEN not in log and SECRET not in log
