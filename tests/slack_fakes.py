"""A fake Slack for tests: a real HTTP server on 127.0.0.1 that records Web API calls, signed request
builders (the real signing algorithm), and a Pipeline-like fake that returns hand-built Briefs.

Model: bolt-python's tests/mock_web_api_server. Nothing here patches Slack's SDKs: the app talks to this
server through a real `WebClient(base_url=...)`, and `response_url`s point at it too.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from assistant.brief import (
    QA,
    Brief,
    CheckResult,
    Citation,
    Confidence,
    PublicMessaging,
    ResponseOption,
    Statement,
)
from assistant.conversation import Conversation
from guardrails.markings import TLP

SECRET = "0123456789abcdef0123456789abcdef"
BOT_TOKEN = "xoxb-000000000000-000000000000-testtesttesttest"
BOT_USER = "UBOT"
TEAM = "T0TEAM"


@dataclass
class Call:
    method: str  # "chat.postMessage", or "respond/<name>" for a response_url
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)


class FakeSlack:
    """Records every call; answers {"ok": true, ...}; can fail a method with 429 (Retry-After) or an error."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.channels: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                self._answer(url.path, dict(urllib.parse.parse_qsl(url.query)))

            def do_POST(self) -> None:
                url = urllib.parse.urlparse(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(urllib.parse.parse_qsl(raw))
                    params.update(dict(urllib.parse.parse_qsl(url.query)))
                for key in ("blocks", "view"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                self._answer(url.path, params)

            def _answer(self, path: str, params: dict[str, Any]) -> None:
                method = path.removeprefix("/api/").strip("/")
                status, body, headers = fake._respond(method, params)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # a burst of calls must not overflow the listen backlog

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    # --- configuration ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    def fail(
        self, method: str, *, status: int = 429, times: int = 1, retry_after: int = 1, error: str = ""
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        body = {"ok": False, "error": error or ("ratelimited" if status == 429 else "fatal_error")}
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, body, headers)] * times)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- inspection ---------------------------------------------------------------------------------
    def calls_to(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (where is None or where(c))]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method and (where is None or where(c))]
                if len(found) >= count or time.monotonic() > deadline:
                    break
                self._changed.wait(timeout=0.05)
        if len(found) < count:
            seen = sorted({c.method for c in self.calls})
            raise AssertionError(
                f"expected {count} call(s) to {method}, got {len(found)}; calls seen: {seen}"
            )
        return found

    def quiet(self, seconds: float = 0.3) -> None:
        """Wait until no call has arrived for `seconds` (to assert that nothing more happens)."""
        last = -1
        while True:
            time.sleep(seconds)
            with self._lock:
                if len(self.calls) == last:
                    return
                last = len(self.calls)

    # --- answers ------------------------------------------------------------------------------------
    def _respond(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._changed:
            self.calls.append(Call(method, params))
            self._changed.notify_all()
            queue = self._failures.get(method)
            if queue:
                return queue.pop(0)
        if method.startswith("respond/"):
            return 200, {"ok": True}, {}
        body: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            body |= {
                "user_id": BOT_USER,
                "bot_id": "BBOT",
                "team_id": TEAM,
                "user": "detente",
                "team": "Test",
            }
        elif method in ("chat.postMessage", "chat.postEphemeral"):
            body |= {"channel": params.get("channel"), "ts": f"1800000000.{next(self._ts):06d}"}
            if method == "chat.postEphemeral":
                body["message_ts"] = body.pop("ts")
        elif method == "conversations.open":
            body["channel"] = {"id": "D" + str(params.get("users", "X"))}
        elif method == "conversations.info":
            channel = str(params.get("channel"))
            if channel not in self.channels:
                return 200, {"ok": False, "error": "channel_not_found"}, {}
            body["channel"] = {"id": channel, **self.channels[channel]}
        return 200, body, {}


# --- signed requests --------------------------------------------------------------------------------------
def signed(
    body: str, *, secret: str = SECRET, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
    }


def event_body(event: dict[str, Any], *, event_id: str, ext_shared: bool = False) -> str:
    return json.dumps(
        {
            "token": "unused",
            "team_id": TEAM,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "is_ext_shared_channel": ext_shared,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            "event": event,
        }
    )


def mention(text: str, *, channel: str, user: str, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "text": f"<@{BOT_USER}> {text}",
        "user": user,
        "channel": channel,
        "ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def dm(text: str, *, user: str, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {
        "type": "message",
        "channel_type": "im",
        "text": text,
        "user": user,
        "channel": "D" + user,
        "ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def command_body(
    text: str, *, channel: str, user: str, response_url: str, channel_name: str = "general"
) -> str:
    return urllib.parse.urlencode(
        {
            "token": "unused",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "command": "/detente",
            "text": text,
            "response_url": response_url,
            "trigger_id": f"trig-{time.perf_counter_ns()}",
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str,
    message_ts: str,
    response_url: str,
    thread_ts: str | None = None,
) -> str:
    message = {"ts": message_ts, "type": "message"}
    if thread_ts:
        message["thread_ts"] = thread_ts
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A0APP",
        "channel": {"id": channel},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "message": message,
        "trigger_id": "trig-1",
        "response_url": response_url,
        "actions": [{"action_id": action_id, "value": value, "type": "button", "block_id": "b"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def home_action_body(action_id: str, value: str, *, user: str) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A0APP",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "trigger_id": "trig-2",
        "actions": [{"action_id": action_id, "value": value, "type": "button", "block_id": "b"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def view_submission_body(callback_id: str, *, user: str, private_metadata: str, reason: str) -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A0APP",
        "view": {
            "id": "V2",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": {"reason": {"reason": {"type": "plain_text_input", "value": reason}}}},
        },
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def send(
    app: App, body: str, *, content_type: str, extra: dict[str, str] | None = None, **kw: Any
) -> BoltResponse:
    headers = signed(body, content_type=content_type, **kw) | (extra or {})
    return app.dispatch(BoltRequest(body=body, headers=headers))


def send_event(app: App, body: str, **kw: Any) -> BoltResponse:
    return send(app, body, content_type="application/json", **kw)


def send_form(app: App, body: str, **kw: Any) -> BoltResponse:
    return send(app, body, content_type="application/x-www-form-urlencoded", **kw)


# --- a Pipeline-like fake -----------------------------------------------------------------------------------
class FakePipeline:
    """Answers like the real Pipeline (same signature, remembers questions in the conversation).

    Words in the question steer it: "secret" needs TLP:AMBER sources; "explode" raises; "huge" gives a brief
    far past Slack's limits.
    """

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def answer(
        self,
        question: str,
        *,
        audience: str = "diplomat",
        clearance: str | TLP = TLP.CLEAR,
        conversation: Conversation | None = None,
    ) -> Brief:
        ceiling = TLP.parse(clearance)
        earlier = list(conversation.questions) if conversation else []
        with self._lock:
            self.calls.append(
                {"question": question, "audience": audience, "clearance": ceiling, "earlier": earlier}
            )
        if self.delay:
            time.sleep(self.delay)
        if conversation is not None:
            conversation.remember(question)
        if "explode" in question:
            raise RuntimeError("the drafter fell over")
        if "secret" in question and ceiling < TLP.AMBER:
            reason = f"This answer needs TLP:AMBER sources; this channel is cleared for {ceiling.label}."
            return Brief(
                question=question,
                audience=audience,  # type: ignore[arg-type]
                clearance=ceiling.label,
                marking=TLP.CLEAR.label,
                refused=True,
                refusal_reason=reason,
                bottom_line=(Statement(text=reason),),
                checks=(CheckResult(name="clearance_gate", passed=False, detail=reason),),
            )
        marking = TLP.AMBER if "secret" in question else min(ceiling, TLP.GREEN)
        return sample_brief(
            question, audience=audience, clearance=ceiling, marking=marking, huge="huge" in question
        )


def sample_brief(
    question: str,
    *,
    audience: str = "diplomat",
    clearance: TLP = TLP.GREEN,
    marking: TLP = TLP.GREEN,
    huge: bool = False,
) -> Brief:
    citations = tuple(
        Citation(
            n=n,
            doc_id=f"doc-{n}",
            chunk_id=f"doc-{n}#0",
            title=f"Joint advisory {n}: GRANITE TIDE in water utilities",
            source="National CERT",
            url=f"https://cert.example/advisories/{n}",
            published="2026-05-21",
            tlp=(TLP.CLEAR if n == 1 else marking).label,
            reliability="B2",
        )
        for n in range(1, (40 if huge else 3) + 1)
    )
    long = " ".join(
        ["The group used stolen passwords to reach engineering workstations."] * (80 if huge else 1)
    )
    options = tuple(
        ResponseOption(
            playbook_id=f"opt-{i}",
            kind=("defensive", "collaborative", "deterrent")[i % 3],  # type: ignore[arg-type]
            rung=min(i % 5, 4),
            title=f"Option {i}: share the advisory with water operators",
            action="Send the joint advisory to every water utility and offer help.",
            cost="Low. Staff time.",
            sequence="now",
            change_indicators=("The activity spreads to energy.",),
            de_escalation="Offer a joint investigation.",
        )
        for i in range(1, (120 if huge else 3) + 1)
    )
    public = PublicMessaging(
        headline="Water supplies are safe; we are working with utilities",
        key_messages=(Statement(text="Drinking water has stayed safe throughout.", cites=(1,)),),
        talking_points=(Statement(text="We are helping utilities check their systems.", cites=(1,)),),
        likely_questions=(QA(question="Who did it?", answer="We will not speculate while work continues."),),
        do_not_say=("Names of affected staff",),
    )
    return Brief(
        question=question,
        audience=audience,  # type: ignore[arg-type]
        clearance=clearance.label,
        marking=marking.label,
        bottom_line=(
            Statement(
                text="A state-linked group is inside some water utilities' office networks.", cites=(1,)
            ),
        ),
        what_happened=(
            Statement(text=long, cites=(1, 2)),
            Statement(text="<PERSON_1> reported it.", cites=(2,)),
        ),
        who_is_affected=(Statement(text="Water utilities in Lusenia.", cites=(1,)),),
        what_is_at_stake=(Statement(text="Drinking water safety.", cites=(1,)),),
        how_sure=(Statement(text="Several reliable sources agree.", cites=(1, 2)),),
        confidence=Confidence(level="moderate", likelihood="likely", basis="Three sources, graded A1 to B2."),
        timeline=(Statement(text="Reports are dated May 2026.", cites=(1,)),),
        options=options,
        public=public if audience == "public" else None,
        citations=citations,
        warnings=("1 identifier(s) found in the draft were removed before it was shown.",),
        checks=(
            CheckResult(name="grounding.cites", passed=True),
            CheckResult(name="plain_language", passed=True),
        ),
        redactions={"PERSON": 1},
        drafter="fake",
        prompt_version="test-1",
        latency_ms=12.0,
    )


# --- the app under test, wired to the fakes --------------------------------------------------------------------
POLICY = {
    "default": "GREEN",
    "channels": {"C0AMBER": "AMBER"},
    "users": {"U0CLEARED": "AMBER", "U0INTERN": "CLEAR"},
    "shared_channels": {"C0ALLIES": "GREEN"},
}
CHANNELS = {
    "C0GEN": {"is_channel": True},
    "C0AMBER": {"is_channel": True, "is_private": True},
    "C0EXT": {"is_channel": True, "is_ext_shared": True, "is_shared": True},
    "C0ALLIES": {"is_channel": True, "is_ext_shared": True, "is_shared": True},
    "DU0CLEARED": {"is_im": True, "user": "U0CLEARED"},  # the bot's DM with U0CLEARED
}


@dataclass
class Rig:
    app: App
    slack: FakeSlack
    pipeline: FakePipeline

    @property
    def runtime(self) -> Any:
        return self.app.detente  # type: ignore[attr-defined]

    def answers(self, channel: str | None = None) -> list[Call]:
        """Thread replies that carry an answer (an actions block with the answer buttons)."""
        return self.slack.calls_to(
            "chat.postMessage",
            where=lambda c: (
                (channel is None or c.params.get("channel") == channel) and answer_id_of(c) is not None
            ),
        )


def audit_rows(rig: Rig, count: int = 1, *, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The audit log once it holds `count` answers (rows are written just after the answer is posted)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = rig.runtime.audit.rows()
        if len(rows) >= count or time.monotonic() > deadline:
            assert len(rows) >= count, f"expected {count} audit rows, found {len(rows)}"
            return rows
        time.sleep(0.02)


def answer_id_of(call: Call) -> str | None:
    for block in call.params.get("blocks") or []:
        if block.get("type") == "actions" and str(block.get("block_id", "")).startswith("answer:"):
            return block["block_id"].split(":", 1)[1]
    return None


def texts(call: Call) -> str:
    """A message's fallback text and all visible text of its blocks (for assertions)."""
    return str(call.params.get("text") or "") + "\n" + block_texts(call.params.get("blocks") or [])


def block_texts(blocks: list[dict[str, Any]]) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                out.append(str(node.get("text")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


def make_rig(
    home: Any, *, pipeline: FakePipeline | None = None, risk: Any = None, policy: dict | None = None
) -> Rig:
    from assistant.config import Settings
    from assistant.slack.app import build_app, default_risk
    from assistant.slack.web import web_client
    from guardrails.policy import ClearancePolicy

    slack = FakeSlack()
    slack.channels.update(CHANNELS)
    pipeline = pipeline or FakePipeline()
    app = build_app(
        pipeline,
        Settings(home=home),
        web_client(BOT_TOKEN, slack.base_url),
        signing_secret=SECRET,
        policy=ClearancePolicy.from_dict(policy or POLICY),
        risk=risk or default_risk,
    )
    return Rig(app, slack, pipeline)
