"""The long-lived parts behind the Slack listeners, reachable from the Bolt app as `app.detente`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from assistant.risk_picture import RiskPicture, risk_picture
from assistant.slack.answering import Answerer
from assistant.slack.audit import AuditLog
from assistant.slack.clearance import Clearances
from assistant.slack.dedup import Dedup
from assistant.slack.jobs import Busy, Jobs
from guardrails.markings import TLP

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The long-lived parts behind the listeners (reachable as `app.detente`)."""

    client: WebClient
    progress_client: WebClient  # best effort, no retries: a rate-limited reaction must not hold a listener
    jobs: Jobs
    answerer: Answerer
    audit: AuditLog
    dedup: Dedup
    clearances: Clearances
    risk: Callable[[Any, TLP], RiskPicture]
    home_ttl: float = 120.0
    _pictures: dict[TLP, tuple[float, RiskPicture]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, fn: Callable[..., Any], *args: Any) -> bool:
        try:
            self.jobs.background(fn, *args)
            return True
        except Busy:
            log.warning("job queue full: a request was turned away")
            return False

    def picture(self, ceiling: TLP) -> RiskPicture:
        """The App Home risk picture for a ceiling, recomputed at most every `home_ttl` seconds."""
        with self._lock:
            hit = self._pictures.get(ceiling)
        if hit and time.monotonic() - hit[0] < self.home_ttl:
            return hit[1]
        picture = self.jobs.draft("app-home", lambda p: self.risk(p, ceiling), timeout=60)
        with self._lock:
            self._pictures[ceiling] = (time.monotonic(), picture)
        return picture

    def close(self) -> None:
        self.jobs.close()
        self.audit.close()
        self.dedup.close()


def default_risk(pipeline: Any, ceiling: TLP) -> RiskPicture:
    kb = getattr(pipeline, "kb", None)
    if kb is None:
        raise RuntimeError("this pipeline has no knowledge base")
    return risk_picture(kb, ceiling=ceiling)
