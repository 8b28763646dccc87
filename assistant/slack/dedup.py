"""Drop Slack's retries so that no question is answered twice.

Slack re-sends an event when it did not get a 200 within 3 seconds (headers `X-Slack-Retry-Num` and
`X-Slack-Retry-Reason`); the same `event_id` comes back. The same message can also arrive as two events (an
@mention in a direct message is both `app_mention` and `message.im`), so a message is claimed by
channel and timestamp too. Claims live in SQLite in DETENTE_HOME, so several processes on one host behind a
load balancer share them.

A claim that was never completed (the process died while answering) may be taken over by a later retry
once it is older than `stale_after` seconds, so a crash loses a question only if Slack stops retrying.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY, claimed_at REAL NOT NULL, done_at REAL
);
CREATE INDEX IF NOT EXISTS claims_at ON claims (claimed_at);
"""


class Dedup:
    """`claim(key)` is True exactly once per key (until it expires)."""

    def __init__(self, path: Path | str = ":memory:", *, stale_after: float = 240.0, keep: float = 86400.0):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # no fsync per claim: it is on the 3-second path
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self.stale_after = stale_after
        self.keep = keep
        self._last_purge = 0.0

    def claim(self, key: str, *, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._lock:
            self._purge(now)
            inserted = self._db.execute(
                "INSERT OR IGNORE INTO claims (key, claimed_at) VALUES (?, ?)", (key, now)
            ).rowcount
            if inserted:
                return True
            # Take over an abandoned claim (atomic: only one process's UPDATE matches).
            taken = self._db.execute(
                "UPDATE claims SET claimed_at = ? WHERE key = ? AND done_at IS NULL AND claimed_at < ?",
                (now, key, now - self.stale_after),
            ).rowcount
            return bool(taken)

    def done(self, key: str, *, now: float | None = None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE claims SET done_at = ? WHERE key = ?", (time.time() if now is None else now, key)
            )

    def close(self) -> None:
        self._db.close()

    def _purge(self, now: float) -> None:
        if now - self._last_purge < 60:
            return
        self._last_purge = now
        self._db.execute("DELETE FROM claims WHERE claimed_at < ?", (now - self.keep,))
