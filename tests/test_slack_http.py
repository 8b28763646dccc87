"""HTTP mode over a real socket on 127.0.0.1: Bolt's default /slack/events, request signing, /healthz."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

import pytest

from assistant.slack.run import EVENTS_PATH, make_http_server
from tests.slack_fakes import command_body, event_body, make_rig, mention, send_event, signed


@pytest.fixture
def served(home):
    rig = make_rig(home)
    server = make_http_server(rig.app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield rig, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    rig.runtime.close()
    rig.slack.close()


def _post(url, body, headers):
    request = urllib.request.Request(url + EVENTS_PATH, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _event(text="water?", event_id="EvH"):
    return event_body(mention(text, channel="C0GEN", user="U1", ts="1700000000.1"), event_id=event_id)


def test_signed_event_over_http_is_acknowledged_fast_and_answered(served):
    rig, url = served
    body = _event()
    started = time.perf_counter()
    status, _ = _post(url, body, signed(body, content_type="application/json"))
    assert status == 200 and time.perf_counter() - started < 0.5
    rig.slack.wait_for("chat.postMessage")


def test_slash_command_over_http(served):
    rig, url = served
    body = command_body("options water?", channel="C0GEN", user="U1", response_url=rig.slack.response_url())
    status, text = _post(url, body, signed(body, content_type="application/x-www-form-urlencoded"))
    assert status == 200 and "Working on it" in text
    rig.slack.wait_for("chat.postMessage")


def test_bad_signature_is_rejected(served):
    rig, url = served
    body = _event()
    headers = signed(body, content_type="application/json", secret="f" * 32)
    assert _post(url, body, headers)[0] == 401
    unsigned = {"content-type": "application/json"}
    assert _post(url, body, unsigned)[0] == 401
    tampered = signed(body, content_type="application/json")
    assert _post(url, body.replace("water", "fire"), tampered)[0] == 401
    rig.slack.quiet(0.2)
    assert not rig.pipeline.calls


def test_stale_timestamp_is_rejected(served):
    rig, url = served
    body = _event()
    old = signed(body, content_type="application/json", timestamp=int(time.time()) - 6 * 60)
    assert _post(url, body, old)[0] == 401
    rig.slack.quiet(0.2)
    assert not rig.pipeline.calls


def test_bad_signature_through_dispatch_too(home):
    rig = make_rig(home)
    try:
        assert send_event(rig.app, _event(), secret="0" * 32).status == 401
        assert send_event(rig.app, _event(), timestamp=int(time.time()) - 3600).status == 401
    finally:
        rig.runtime.close()
        rig.slack.close()


def test_healthz_and_unknown_paths(served):
    _, url = served
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        assert response.read() == b"ok"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url + "/other", timeout=5)
    assert err.value.code == 404
