"""Where a reply goes: in the thread (Web API), or through the request's `response_url`.

Slash commands and buttons carry a `response_url` that works in any channel, even one the bot is not a
member of; a thread reply that Slack refuses for that reason falls back to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.slack.kit import Message
from assistant.slack.web import webhook

log = logging.getLogger(__name__)
_NOT_MEMBER = {"not_in_channel", "channel_not_found", "is_archived"}


@dataclass(frozen=True)
class Target:
    client: WebClient
    channel: str
    user: str
    thread_ts: str | None = None
    response_url: str | None = None

    def post(self, message: Message) -> str | None:
        """A visible reply in the thread; returns its ts (None when sent through response_url)."""
        try:
            result = self.client.chat_postMessage(
                channel=self.channel,
                thread_ts=self.thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **message.payload(),
            )
            return str(result.get("ts"))
        except SlackApiError as exc:
            if self.response_url and exc.response.get("error") in _NOT_MEMBER:
                self._respond(message, "in_channel")
                return None
            raise

    def ephemeral(self, message: Message) -> None:
        """Seen only by the asker."""
        if self.response_url:
            self._respond(message, "ephemeral")
            return
        self.client.chat_postEphemeral(
            channel=self.channel, user=self.user, thread_ts=self.thread_ts, **message.payload()
        )

    def _respond(self, message: Message, response_type: str) -> None:
        assert self.response_url
        response = webhook(self.response_url).send(
            response_type=response_type, replace_original=False, **message.payload()
        )
        if response.status_code != 200:
            raise RuntimeError(f"response_url answered HTTP {response.status_code}")
