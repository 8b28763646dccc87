"""What the listeners hand off: resolve the place, then ask, show, open a DM or publish App Home.

`on_question` and `action_job` run in the listener (fast: a claim, a reaction, a submit); what they submit
(`question_job`, `command_job`, `run_action`, `answer_in_dm`, `publish_home`) runs on the job pool, where
waiting for the pipeline is fine.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from assistant.slack import home, notices
from assistant.slack.answering import Ask, new_id, show_progress
from assistant.slack.clearance import Place
from assistant.slack.kit import Message
from assistant.slack.replies import Target
from assistant.slack.runtime import Runtime

log = logging.getLogger(__name__)
SUBCOMMANDS = {  # sub-command -> (view, audience)
    "brief": ("brief", "diplomat"),
    "options": ("options", "diplomat"),
    "message": ("message", "public"),
    "sources": ("sources", "diplomat"),
}


def on_question(rt: Runtime, event: dict, body: dict, *, bot: str | None, trigger: str) -> None:
    channel, ts, user = event["channel"], event["ts"], event.get("user")
    claims = [f"msg:{channel}:{ts}", *([f"event:{body['event_id']}"] if body.get("event_id") else [])]
    if not user or not rt.dedup.claim(claims[0]):
        return
    thread = event.get("thread_ts") or ts
    text = clean_text(event.get("text") or "", bot)
    if not text:
        rt.submit(post_notice, rt, channel, thread, notices.help_message())
        return
    received = time.perf_counter()
    progress = show_progress(rt.progress_client, channel=channel, ts=ts)
    place_args = {
        "team": body.get("team_id") or event.get("team"),
        "channel": channel,
        "user": user,
        "channel_type": event.get("channel_type"),
        "ext_shared": body.get("is_ext_shared_channel"),
    }
    progress_ts = ts if progress else None
    if not rt.submit(question_job, rt, place_args, text, thread, progress_ts, trigger, received, claims):
        post_notice(rt, channel, thread, notices.busy())


def question_job(
    rt: Runtime,
    place_args: dict,
    question: str,
    thread: str,
    progress: str | None,
    trigger: str,
    received: float,
    claims: list[str],
) -> None:
    try:
        place = rt.clearances.place(**place_args)
        target = Target(rt.client, place.channel, place.user, thread_ts=thread)
        rt.answerer.ask(
            Ask(question, place, target, trigger, thread, progress_ts=progress, received=received)
        )
    finally:
        for key in claims:  # answered (or apologised for): a late retry must not answer it again
            rt.dedup.done(key)


def command_job(rt: Runtime, command: dict, sub: str, text: str) -> None:
    view, audience = SUBCOMMANDS[sub]
    channel, user = command["channel_id"], command["user_id"]
    # A DM is confirmed with Slack (conversations.info), never taken from the command's channel name.
    place = rt.clearances.place(team=command.get("team_id"), channel=channel, user=user)
    target = Target(rt.client, channel, user, response_url=command.get("response_url"))
    rt.answerer.ask(
        Ask(
            text,
            place,
            target,
            f"command:{sub}",
            thread=f"cmd-{command.get('trigger_id', new_id())}",
            view=view,
            audience=audience,
            asked_by=True,
        )  # fmt: skip
    )


def action_job(
    rt: Runtime,
    body: dict,
    *,
    view: str,
    trigger: str,
    audience: str | None = None,
    ephemeral: bool = False,
    redraft: bool = False,
    answer_id: str | None = None,
    page: int = 0,
) -> None:
    answer_id = answer_id or body["actions"][0]["value"]
    known = rt.answerer.question_of(answer_id)
    if known is None:
        rt.submit(send_ephemeral, rt, body, notices.expired())
        return
    question, asked_audience, _ = known
    channel = (body.get("channel") or {}).get("id") or ""
    message = body.get("message") or {}
    container = body.get("container") or {}
    thread = (
        message.get("thread_ts")
        or container.get("thread_ts")
        or message.get("ts")
        or container.get("message_ts")
    )
    progress = None
    if redraft and message.get("ts") and show_progress(rt.progress_client, channel=channel, ts=message["ts"]):
        progress = message["ts"]
    ask_args = {
        "question": question,
        "trigger": trigger,
        "thread": thread or "",
        "view": view,
        "audience": audience or asked_audience,
        "progress_ts": progress,
        "ephemeral": ephemeral,
        "page": page,
    }
    fn = rt.answerer.ask if redraft else (lambda ask: rt.answerer.show(ask, answer_id))
    if not rt.submit(run_action, rt, body, channel, thread, ask_args, fn):
        send_ephemeral(rt, body, notices.busy())


def run_action(
    rt: Runtime, body: dict, channel: str, thread: str | None, ask_args: dict, fn: Callable
) -> None:
    user = body["user"]["id"]
    place = rt.clearances.place(team=(body.get("team") or {}).get("id"), channel=channel, user=user)
    target = Target(rt.client, channel, user, thread_ts=thread, response_url=body.get("response_url"))
    fn(Ask(place=place, target=target, **ask_args))


def answer_in_dm(rt: Runtime, body: dict, question: str, trigger: str, origin: str | None) -> None:
    user = body["user"]["id"]
    try:
        dm = rt.client.conversations_open(users=user)["channel"]["id"]
        intro = rt.client.chat_postMessage(channel=dm, **notices.dm_intro(question, origin=origin).payload())
    except Exception:
        error_id = new_id("E")
        log.exception("could not open a direct message: %s", error_id)
        send_ephemeral(rt, body, notices.apology(error_id))
        return
    ts = str(intro["ts"])
    progress = ts if show_progress(rt.progress_client, channel=dm, ts=ts) else None
    place = Place(team=(body.get("team") or {}).get("id"), channel=dm, user=user, is_dm=True)
    rt.answerer.ask(
        Ask(question, place, Target(rt.client, dm, user, thread_ts=ts), trigger, ts, progress_ts=progress)
    )


def publish_home(rt: Runtime, user: str) -> None:
    try:
        view = home.home_view(rt.picture(rt.clearances.dm_ceiling(user)))
    except Exception:
        error_id = new_id("E")
        log.exception("App Home for a user failed: %s", error_id)
        view = home.unavailable_view(f"The risk picture is not available right now (error id {error_id}).")
    rt.client.views_publish(user_id=user, view=view)


def post_notice(rt: Runtime, channel: str, thread: str, message: Message) -> None:
    try:
        rt.client.chat_postMessage(channel=channel, thread_ts=thread, **message.payload())
    except Exception:
        log.exception("could not post a notice")


def send_ephemeral(rt: Runtime, body: dict, message: Message) -> None:
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or ""
    try:
        Target(rt.client, channel, user, response_url=body.get("response_url")).ephemeral(message)
    except Exception:
        log.exception("could not send an ephemeral notice")


# --- parsing ----------------------------------------------------------------------------------------------
def parse_command(text: str) -> tuple[str, str]:
    """'/detente options What now?' -> ('options', 'What now?'); no known word -> ('brief', text)."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return "help", ""
    first = words[0].lower()
    if first in SUBCOMMANDS or first == "help":
        return first, words[1].strip() if len(words) > 1 else ""
    return "brief", text.strip()


def clean_text(text: str, bot_user_id: str | None) -> str:
    """A message's text as the question: the bot's mention removed, Slack's link markup unwrapped."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = re.sub(r"<#[A-Z0-9]+\|([^>]*)>", r"#\1", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())
