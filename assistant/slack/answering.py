"""A question from Slack to a posted answer: clearance, the pipeline, rendering, posting, the audit row.

Runs on the job pool, never on Slack's acknowledgement path. Everything that can fail is caught here: the
user gets a short apology with an error id, the log gets the traceback under the same id, and the audit log
gets an `error` row with that id.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.brief import Brief
from assistant.conversation import Conversation
from assistant.slack import blocks, kit, notices
from assistant.slack.audit import AuditEntry, AuditLog, is_clearance_refusal
from assistant.slack.clearance import Clearances, Place
from assistant.slack.jobs import Jobs
from assistant.slack.kit import Message
from assistant.slack.replies import Target
from assistant.slack.threads import ThreadStore, thread_key
from guardrails.markings import TLP

log = logging.getLogger(__name__)
PROGRESS = "hourglass_flowing_sand"
_NEEDS = re.compile(r"needs (TLP:[A-Z+]+)")


class PipelineLike(Protocol):
    def answer(
        self,
        question: str,
        *,
        audience: str = ...,
        clearance: str | TLP = ...,
        conversation: Conversation | None = ...,
    ) -> Brief: ...


@dataclass(frozen=True)
class Ask:
    """One question to answer, and where the answer goes."""

    question: str
    place: Place
    target: Target
    trigger: str  # mention | dm | command:<sub> | action:<name> | dm_offer | home
    thread: str  # the conversation: the thread the question belongs to
    view: str = "brief"
    audience: str = "diplomat"
    progress_ts: str | None = None  # the message that shows the progress reaction
    ephemeral: bool = False  # answer only to the asker (e.g. "Show sources" after a restart)
    asked_by: bool = False  # say who asked (slash commands: the question is not otherwise visible)
    page: int = 0  # which page of the view to post ("More" after the answer was forgotten)
    received: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class Answered:
    """What the buttons under an answer need later."""

    brief: Brief
    question: str
    audience: str
    thread: str


def new_id(prefix: str = "a") -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


class Answerer:
    def __init__(
        self,
        *,
        client: WebClient,
        jobs: Jobs,
        clearances: Clearances,
        audit: AuditLog,
        threads: ThreadStore,
        keep_answers: int = 2000,
    ) -> None:
        self.client = client
        self.jobs = jobs
        self.clearances = clearances
        self.audit = audit
        self.threads = threads
        self._answers: OrderedDict[str, Answered] = OrderedDict()
        self._keep = keep_answers
        self._lock = threading.Lock()

    # --- the main flow --------------------------------------------------------------------------------
    def ask(self, ask: Ask) -> str:
        """Draft, post and audit one answer; returns its id (or the error id)."""
        answer_id = new_id()
        place = ask.place
        try:
            ceiling = self.clearances.ceiling(place)
            key = thread_key(place.team, place.channel, ask.thread)
            conversation = self.threads.get(
                key, earlier=lambda: self.audit.thread_questions(channel=place.channel, thread=ask.thread)
            )
            brief = self.jobs.draft(
                key,
                lambda p: p.answer(
                    ask.question, audience=ask.audience, clearance=ceiling, conversation=conversation
                ),
            )
            self.remember(answer_id, Answered(brief, ask.question, ask.audience, ask.thread))
            thread = self._deliver(ask, brief, answer_id, conversation)
            self._record(ask, brief, answer_id, thread)
            return answer_id
        except Exception as exc:
            return self._fail(ask, exc, answer_id)
        finally:
            self._clear_progress(ask)

    def show(self, ask: Ask, answer_id: str) -> None:
        """A view of an earlier answer (sources, simpler, next page): re-drafted only if it was forgotten."""
        answered = self.recall(answer_id)
        if answered is None:
            self.ask(ask)
            return
        try:
            pages = blocks.render(answered.brief, view=ask.view, answer_id=answer_id)
            message = pages[min(ask.page, len(pages) - 1)]
            ask.target.ephemeral(message) if ask.ephemeral else ask.target.post(message)
        except Exception as exc:
            self._fail(ask, exc, answer_id)
        finally:
            self._clear_progress(ask)

    # --- earlier answers (for buttons) --------------------------------------------------------------
    def remember(self, answer_id: str, answered: Answered) -> None:
        with self._lock:
            self._answers[answer_id] = answered
            while len(self._answers) > self._keep:
                self._answers.popitem(last=False)

    def recall(self, answer_id: str) -> Answered | None:
        with self._lock:
            return self._answers.get(answer_id)

    def question_of(self, answer_id: str) -> tuple[str, str, str] | None:
        """(question, audience, thread) of an answer, from memory or from the audit log."""
        answered = self.recall(answer_id)
        if answered:
            return answered.question, answered.audience, answered.thread
        row = self.audit.get(answer_id)
        if row is None:
            return None
        return row["question"], row["audience"] or "diplomat", row["thread"] or ""

    # --- pieces ------------------------------------------------------------------------------------
    def _deliver(self, ask: Ask, brief: Brief, answer_id: str, conversation: Conversation) -> str:
        target, place = ask.target, ask.place
        if is_clearance_refusal(brief):
            dm_ok = _dm_would_allow(brief, self.clearances.dm_ceiling(place.user))
            target.ephemeral(
                notices.clearance_refusal(
                    brief.refusal_reason or "", answer_id=answer_id, dm_possible=dm_ok, in_dm=place.is_dm
                )
            )
            return ask.thread
        if brief.refused:
            message = notices.refusal(brief.refusal_reason or "I could not answer that.")
            target.ephemeral(message) if ask.ephemeral else target.post(message)
            return ask.thread
        pages = blocks.render(brief, view=ask.view, answer_id=answer_id)
        first = pages[min(ask.page, len(pages) - 1)]
        if ask.asked_by:
            first = Message(text=first.text, blocks=[_asked_by(ask), *first.blocks])
            if len(first.blocks) > kit.MAX_BLOCKS:
                first = pages[min(ask.page, len(pages) - 1)]
        if ask.ephemeral:
            target.ephemeral(first)
            return ask.thread
        ts = target.post(first)
        if ts and ask.thread != ts and target.thread_ts is None:
            # A top-level answer (slash command) starts a thread: follow-ups there continue this conversation.
            self.threads.get(
                thread_key(place.team, place.channel, ts), earlier=lambda: list(conversation.questions)
            )
            return ts
        return ask.thread

    def _record(self, ask: Ask, brief: Brief, answer_id: str, thread: str) -> None:
        place = ask.place
        self.audit.record(
            AuditEntry.from_brief(
                brief,
                id=answer_id,
                trigger=ask.trigger,
                team=place.team,
                user=place.user,
                channel=place.channel,
                place=place.kind,
                thread=thread,
                total_ms=round((time.perf_counter() - ask.received) * 1000, 1),
            )
        )

    def _fail(self, ask: Ask, exc: Exception, answer_id: str) -> str:
        error_id = "E-" + answer_id.split("-", 1)[1]
        log.exception("answer %s failed (%s, trigger %s)", error_id, type(exc).__name__, ask.trigger)
        place = ask.place
        try:
            self.audit.record(
                AuditEntry(
                    id=error_id,
                    trigger=ask.trigger,
                    question=ask.question,
                    status="error",
                    team=place.team,
                    user=place.user,
                    channel=place.channel,
                    place=place.kind,
                    thread=ask.thread,
                    audience=ask.audience,
                    error=type(exc).__name__,
                    total_ms=round((time.perf_counter() - ask.received) * 1000, 1),
                )
            )
        except Exception:
            log.exception("could not write the audit row for %s", error_id)
        try:
            ask.target.ephemeral(notices.apology(error_id))
        except Exception:
            log.exception("could not tell the user about %s", error_id)
        return error_id

    def _clear_progress(self, ask: Ask) -> None:
        if not ask.progress_ts:
            return
        try:
            self.client.reactions_remove(channel=ask.place.channel, timestamp=ask.progress_ts, name=PROGRESS)
        except SlackApiError as exc:
            log.debug("could not remove the progress reaction: %s", exc.response.get("error"))
        except Exception:
            log.debug("could not remove the progress reaction", exc_info=True)


def show_progress(client: WebClient, *, channel: str, ts: str) -> bool:
    """Within a second of the question: a reaction on it (removed when the answer is posted)."""
    try:
        client.reactions_add(channel=channel, timestamp=ts, name=PROGRESS)
        return True
    except SlackApiError as exc:
        log.info("no progress reaction (%s)", exc.response.get("error"))
    except Exception:
        log.info("no progress reaction", exc_info=True)
    return False


def _dm_would_allow(brief: Brief, dm_ceiling: TLP) -> bool:
    texts = [brief.refusal_reason or "", *(c.detail for c in brief.checks if c.name == "clearance_gate")]
    for text in texts:
        if match := _NEEDS.search(text):
            try:
                return TLP.parse(match[1]) <= dm_ceiling
            except Exception:
                break
    return dm_ceiling > TLP.parse(brief.clearance)


def _asked_by(ask: Ask) -> dict[str, Any]:
    command = ask.trigger.split(":", 1)[-1]
    return kit.context(
        f"<@{ask.place.user}> asked with `/detente {command}`: {kit.escape(kit.cut(ask.question, 500))}"
    )
