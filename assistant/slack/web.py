"""Slack Web API clients with bounded retries: 429 waits `Retry-After` (capped), then gives up loudly.

slack_sdk's own rate-limit handler sleeps whatever `Retry-After` says; a misbehaving proxy saying 3600 would
freeze a worker for an hour. Here the wait is capped and the attempts are counted, so a question's
answer is either posted within a bounded time or logged as failed.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RetryHandler, RetryState
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)

MAX_RETRIES = 3
MAX_WAIT_S = 30.0


class BoundedRateLimitRetry(RetryHandler):
    """Retry HTTP 429 at most `max_retry_count` times, waiting Retry-After seconds (capped at `max_wait`)."""

    def __init__(self, max_retry_count: int = MAX_RETRIES, max_wait: float = MAX_WAIT_S) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = _retry_after(response) + random.random() * 0.1
        wait = min(wait, self.max_wait)
        log.warning(
            "Slack rate limit (429) on %s; retry %d/%d in %.1f s",
            _method(request.url),
            state.current_attempt + 1,
            self.max_retry_count,
            wait,
        )
        time.sleep(wait)
        state.increment_current_attempt()


def retry_handlers() -> list[RetryHandler]:
    return [ConnectionErrorRetryHandler(max_retry_count=1), BoundedRateLimitRetry()]


def web_client(token: str, base_url: str, *, timeout: int = 10) -> WebClient:
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers())


def webhook(url: str, *, timeout: int = 10) -> WebhookClient:
    """For `response_url`s (slash commands, buttons): same bounded retries."""
    return WebhookClient(url=url, timeout=timeout, retry_handlers=retry_handlers())


def _retry_after(response: HttpResponse | None) -> float:
    if response is None:
        return 1.0
    for key, values in response.headers.items():
        if key.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                return 1.0
    return 1.0


def _method(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0] or "?"


_TOKENS = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")


class SecretFilter(logging.Filter):
    """Masks Slack tokens and the given secrets in every log record (message, arguments and traceback)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 8)

    def mask(self, text: str) -> str:
        text = _TOKENS.sub("[secret]", text)
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            import traceback

            record.exc_text = self.mask("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        return True


def install_secret_filter(secrets: Iterable[str] = ()) -> SecretFilter:
    """On the root handlers, so records from every library pass through it."""
    flt = SecretFilter(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        handler.addFilter(flt)
    return flt
