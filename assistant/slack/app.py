"""The Bolt app: thin listeners that acknowledge at once and hand the work to the job pool.

    app = build_app(lambda: Pipeline.open(settings), settings, client=web_client(token, api_url))
    app.detente.close()  # on shutdown: finish queued jobs

Every listener acknowledges first (Slack wants a reply within 3 seconds), shows progress, and submits a
background job (`flows`); nothing in a listener waits for the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from assistant.config import Settings, get_settings
from assistant.risk_picture import RiskPicture
from assistant.slack import blocks, flows, home, notices
from assistant.slack.answering import Answerer, new_id
from assistant.slack.audit import AuditLog
from assistant.slack.clearance import Clearances, load_policy
from assistant.slack.dedup import Dedup
from assistant.slack.flows import clean_text, parse_command
from assistant.slack.jobs import Jobs
from assistant.slack.runtime import Runtime, default_risk
from assistant.slack.threads import ThreadStore
from guardrails.markings import TLP
from guardrails.policy import ClearancePolicy

__all__ = ["build_app", "clean_text", "default_risk", "parse_command"]
log = logging.getLogger(__name__)


def build_app(
    pipeline: Any,
    settings: Settings | None = None,
    client: WebClient | None = None,
    *,
    signing_secret: str | None = None,
    policy: ClearancePolicy | None = None,
    risk: Callable[[Any, TLP], RiskPicture] = default_risk,
    pipelines: int = 1,
    warm: Callable[[Any], None] | None = None,
    process_before_response: bool = False,
) -> App:
    """`pipeline`: a Pipeline-like object with `answer(...)`, or a zero-argument factory that opens one
    (a real `Pipeline` must be opened by its factory on the thread that uses it)."""
    settings = settings or get_settings()
    if client is None:
        import os

        from assistant.slack.errors import api_base_url
        from assistant.slack.web import web_client

        client = web_client(os.environ.get("SLACK_BOT_TOKEN", ""), api_base_url())
    jobs = Jobs(pipeline, pipelines=pipelines, warm=warm)
    audit = AuditLog.open(settings.home)
    clearances = Clearances(policy or load_policy(settings), client)
    rt = Runtime(
        client=client,
        progress_client=WebClient(token=client.token, base_url=client.base_url, timeout=3, retry_handlers=[]),
        jobs=jobs,
        answerer=Answerer(
            client=client, jobs=jobs, clearances=clearances, audit=audit, threads=ThreadStore()
        ),
        audit=audit,
        dedup=Dedup(settings.home / "slack_dedup.sqlite"),
        clearances=clearances,
        risk=risk,
    )
    app = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=process_before_response,
        name="detente",
        # Listeners only acknowledge, react and enqueue; enough threads that a burst never delays an ack.
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="detente-listener"),
    )
    app.detente = rt  # type: ignore[attr-defined]
    _register(app, rt)
    return app


def _register(app: App, rt: Runtime) -> None:
    a = rt.answerer

    @app.middleware
    def drop_retries(req: Any, resp: Any, next: Callable[[], Any]) -> Any:
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not rt.dedup.claim(f"event:{event_id}"):
            retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("dropped a repeated event %s (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return next()

    @app.event("app_mention")
    def on_mention(event: dict, body: dict, context: Any) -> None:
        flows.on_question(rt, event, body, bot=context.bot_user_id, trigger="mention")

    @app.event("message")
    def on_message(event: dict, body: dict, context: Any) -> None:
        if event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id"):
            flows.on_question(rt, event, body, bot=context.bot_user_id, trigger="dm")

    @app.command("/detente")
    def on_command(ack: Callable[..., None], command: dict) -> None:
        sub, text = parse_command(command.get("text") or "")
        if sub == "help" or not text:
            ack(**notices.help_message().payload())
            return
        ack(text=notices.working(text).text)
        if not rt.submit(flows.command_job, rt, command, sub, text):
            flows.send_ephemeral(rt, {"user": {"id": command["user_id"]}, **command}, notices.busy())

    @app.action(blocks.A_PUBLIC)
    def on_public(ack: Callable[[], None], body: dict) -> None:
        ack()
        flows.action_job(rt, body, view="message", audience="public", trigger="action:public", redraft=True)

    @app.action(blocks.A_SOURCES)
    def on_sources(ack: Callable[[], None], body: dict) -> None:
        ack()
        flows.action_job(rt, body, view="sources", trigger="action:sources", ephemeral=True)

    @app.action(blocks.A_SIMPLER)
    def on_simpler(ack: Callable[[], None], body: dict) -> None:
        ack()
        flows.action_job(rt, body, view="simpler", trigger="action:simpler")

    @app.action(blocks.A_MORE)
    def on_more(ack: Callable[[], None], body: dict) -> None:
        ack()
        answer_id, view, page = blocks.parse_more(body["actions"][0]["value"])
        flows.action_job(rt, body, view=view, trigger="action:more", answer_id=answer_id, page=page)

    @app.action(blocks.A_HELPFUL)
    def on_helpful(ack: Callable[[], None], body: dict) -> None:
        try:  # recorded before the acknowledgement, so "recorded" is true when the user sees it
            rt.audit.feedback(
                answer_id=body["actions"][0]["value"], user=body["user"]["id"], rating="helpful"
            )
        finally:
            ack()
        rt.submit(flows.send_ephemeral, rt, body, notices.thanks())

    @app.action(blocks.A_NOT_HELPFUL)
    def on_not_helpful(ack: Callable[[], None], body: dict, client: WebClient) -> None:
        answer_id = body["actions"][0]["value"]
        try:
            rt.audit.feedback(answer_id=answer_id, user=body["user"]["id"], rating="not_helpful")
        finally:
            ack()
        client.views_open(trigger_id=body["trigger_id"], view=notices.feedback_modal(answer_id))

    @app.view(notices.FEEDBACK_VIEW)
    def on_feedback_reason(ack: Callable[[], None], body: dict, view: dict) -> None:
        reason = (((view.get("state") or {}).get("values") or {}).get("reason") or {}).get("reason") or {}
        try:
            if reason.get("value"):
                rt.audit.feedback(
                    answer_id=view["private_metadata"],
                    user=body["user"]["id"],
                    rating="not_helpful",
                    reason=reason["value"],
                )
        finally:
            ack()

    @app.action(blocks.A_DM)
    def on_dm_offer(ack: Callable[[], None], body: dict) -> None:
        ack()
        question = a.question_of(body["actions"][0]["value"])
        origin = (body.get("channel") or {}).get("id")
        if question is None:
            rt.submit(flows.send_ephemeral, rt, body, notices.expired())
        else:
            rt.submit(flows.answer_in_dm, rt, body, question[0], "dm_offer", origin)

    @app.action(home.A_HOME_ASK)
    def on_home_ask(ack: Callable[[], None], body: dict) -> None:
        ack()
        rt.submit(flows.answer_in_dm, rt, body, home.ask_question(body["actions"][0]["value"]), "home", None)

    @app.event("app_home_opened")
    def on_home(event: dict, body: dict) -> None:
        if event.get("tab", "home") == "home":
            rt.submit(flows.publish_home, rt, event["user"])

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        log.error("listener error %s: %s", new_id("E"), type(error).__name__, exc_info=error)
