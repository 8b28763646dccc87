"""The audit log: one append-only row per answer (or refusal, or error) and per piece of feedback.

SQLite in DETENTE_HOME (`audit.sqlite`). Triggers refuse UPDATE and DELETE, so rows are only ever added.
Stored: who asked (Slack ids), where, the question with secrets masked, sources used with their TLP,
redaction counts by type (never the values), check names and outcomes (not their details, which can quote
text), drafter, prompt version, latency and feedback. `detente audit` lists and exports it.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.brief import Brief

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, at TEXT NOT NULL, team TEXT, user TEXT, channel TEXT, place TEXT, thread TEXT,
    trigger TEXT NOT NULL, question TEXT NOT NULL, audience TEXT, clearance TEXT, marking TEXT,
    status TEXT NOT NULL, refusal_reason TEXT, sources TEXT NOT NULL DEFAULT '[]',
    redactions TEXT NOT NULL DEFAULT '{}', checks TEXT NOT NULL DEFAULT '[]', warnings INTEGER DEFAULT 0,
    drafter TEXT, prompt_version TEXT, pipeline_ms REAL, total_ms REAL, error TEXT
);
CREATE INDEX IF NOT EXISTS answers_at ON answers (at);
CREATE INDEX IF NOT EXISTS answers_thread ON answers (channel, thread);
CREATE TABLE IF NOT EXISTS feedback (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, answer_id TEXT NOT NULL, user TEXT,
    rating TEXT NOT NULL, reason TEXT
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id);
CREATE TRIGGER IF NOT EXISTS answers_no_update BEFORE UPDATE ON answers
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS answers_no_delete BEFORE DELETE ON answers
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS feedback_no_update BEFORE UPDATE ON feedback
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS feedback_no_delete BEFORE DELETE ON feedback
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
COLUMNS = (
    "id", "at", "team", "user", "channel", "place", "thread", "trigger", "question", "audience", "clearance",
    "marking", "status", "refusal_reason", "sources", "redactions", "checks", "warnings", "drafter",
    "prompt_version", "pipeline_ms", "total_ms", "error",
)  # fmt: skip
_JSON = ("sources", "redactions", "checks")
RATINGS = ("helpful", "not_helpful")


@dataclass(frozen=True)
class AuditEntry:
    id: str
    trigger: str
    question: str
    status: str  # answered | refused | refused:clearance | error
    team: str | None = None
    user: str | None = None
    channel: str | None = None
    place: str | None = None  # dm | channel | shared | mpim | home
    thread: str | None = None
    audience: str | None = None
    clearance: str | None = None
    marking: str | None = None
    refusal_reason: str | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    redactions: dict[str, int] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    warnings: int = 0
    drafter: str | None = None
    prompt_version: str | None = None
    pipeline_ms: float | None = None
    total_ms: float | None = None
    error: str | None = None  # the exception's type name; the traceback goes to the log
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))

    @classmethod
    def from_brief(cls, brief: Brief, *, id: str, trigger: str, **where: Any) -> AuditEntry:
        status = "answered"
        if brief.refused:
            status = "refused:clearance" if is_clearance_refusal(brief) else "refused"
        return cls(
            id=id,
            trigger=trigger,
            question=brief.question,
            status=status,
            audience=brief.audience,
            clearance=brief.clearance,
            marking=brief.marking,
            refusal_reason=brief.refusal_reason,
            sources=[
                {
                    "n": c.n,
                    "doc_id": c.doc_id,
                    "title": c.title,
                    "source": c.source,
                    "tlp": c.tlp,
                    "reliability": c.reliability,
                }  # fmt: skip
                for c in brief.citations
            ],
            redactions=dict(brief.redactions),
            checks=[{"name": c.name, "passed": c.passed} for c in brief.checks],
            warnings=len(brief.warnings),
            drafter=brief.drafter,
            prompt_version=brief.prompt_version,
            pipeline_ms=brief.latency_ms,
            **where,
        )


def is_clearance_refusal(brief: Brief) -> bool:
    return brief.refused and any(c.name == "clearance_gate" and not c.passed for c in brief.checks)


class AuditLog:
    """Thread-safe; one connection per process. `AuditLog.open(home)` uses `home/audit.sqlite`."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, home: Path) -> AuditLog:
        return cls(home / "audit.sqlite")

    def close(self) -> None:
        self._db.close()

    def record(self, entry: AuditEntry) -> None:
        row = asdict(entry)
        row["question"] = mask_secrets(row["question"])
        if row["refusal_reason"]:
            row["refusal_reason"] = mask_secrets(row["refusal_reason"])
        for key in _JSON:
            row[key] = json.dumps(row[key])
        marks = ",".join("?" * len(COLUMNS))
        with self._lock:
            self._db.execute(
                f"INSERT INTO answers ({','.join(COLUMNS)}) VALUES ({marks})", [row[c] for c in COLUMNS]
            )

    def feedback(self, *, answer_id: str, user: str | None, rating: str, reason: str | None = None) -> None:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        reason = mask_secrets(reason.strip())[:2000] if reason and reason.strip() else None
        with self._lock:
            self._db.execute(
                "INSERT INTO feedback (at, answer_id, user, rating, reason) VALUES (?, ?, ?, ?, ?)",
                (at, answer_id, user, rating, reason),
            )

    def get(self, answer_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {','.join(COLUMNS)} FROM answers WHERE id = ?", (answer_id,)
            ).fetchone()
        return _decode(row) if row else None

    def thread_questions(self, *, channel: str, thread: str, limit: int = 3) -> list[str]:
        """The thread's earlier questions, oldest first (a follow-up's context after a restart)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question FROM answers WHERE channel = ? AND thread = ? AND status != 'error'"
                " ORDER BY at DESC LIMIT ?",
                (channel, thread, limit),
            ).fetchall()
        return [q for (q,) in reversed(rows)]

    def rows(self, *, since: datetime | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Answers, newest first, each with its feedback list."""
        sql = f"SELECT {','.join(COLUMNS)} FROM answers"
        args: list[Any] = []
        if since is not None:
            sql += " WHERE at >= ?"
            args.append(since.astimezone(UTC).isoformat(timespec="milliseconds"))
        sql += " ORDER BY at DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            answers = [_decode(r) for r in self._db.execute(sql, args)]
            feedback: dict[str, list[dict[str, Any]]] = {}
            for at, answer_id, user, rating, reason in self._db.execute(
                "SELECT at, answer_id, user, rating, reason FROM feedback ORDER BY seq"
            ):
                feedback.setdefault(answer_id, []).append(
                    {"at": at, "user": user, "rating": rating, "reason": reason}
                )
        for row in answers:
            row["feedback"] = feedback.get(row["id"], [])
        return answers


def export(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write rows as JSON Lines (`.jsonl`) or CSV (`.csv`, nested fields as JSON); returns the count."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ValueError(f"Export to {path}: use a .jsonl or .csv file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        if suffix == ".jsonl":
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
            return count
        writer = csv.DictWriter(out, fieldnames=[*COLUMNS, "helpful", "not_helpful", "feedback"])
        writer.writeheader()
        for row in rows:
            flat = {k: json.dumps(v) if k in _JSON else v for k, v in row.items() if k != "feedback"}
            ratings = [f["rating"] for f in row["feedback"]]
            flat["helpful"] = ratings.count("helpful")
            flat["not_helpful"] = ratings.count("not_helpful")
            flat["feedback"] = json.dumps(row["feedback"], ensure_ascii=False)
            writer.writerow(flat)
            count += 1
    return count


def parse_since(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """'7d', '24h', '30m', or an ISO date/time (UTC when no zone is given)."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    match = re.fullmatch(r"\s*(\d+)\s*([dhm])\s*", value)
    if match:
        amount, unit = int(match[1]), match[2]
        return now - timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: amount})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--since {value!r}: use e.g. 7d, 24h, 30m or 2026-11-01.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def mask_secrets(text: str) -> str:
    """Secrets (passwords, API keys, tokens) typed into a question never reach the log."""
    from guardrails.recognizers import find_all
    from guardrails.redact import SECRET_TYPES

    spans = sorted((s for s in find_all(text) if s.entity_type in SECRET_TYPES), key=lambda s: s.start)
    out, pos = [], 0
    for span in spans:
        if span.start < pos:
            continue
        out += [text[pos : span.start], f"[{span.entity_type}]"]
        pos = span.end
    return "".join([*out, text[pos:]])


def _decode(row: tuple) -> dict[str, Any]:
    data = dict(zip(COLUMNS, row, strict=True))
    for key in _JSON:
        data[key] = json.loads(data[key] or ("{}" if key == "redactions" else "[]"))
    return data


def iter_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One short line per answer for the terminal."""
    for r in rows:
        ratings = "".join("+" if f["rating"] == "helpful" else "-" for f in r["feedback"])
        yield (
            f"{r['at'][:19]}  {r['id']}  {r['user'] or '-'}@{r['channel'] or '-'}  {r['status']:<17} "
            f"{(r['marking'] or '-'):<16} {len(r['sources'])} src  {ratings or ' '}  {r['question'][:60]}"
        )
