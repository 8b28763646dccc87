"""Start-up checks (tokens, API URL), the CLI commands, and the small stores: dedup, audit, threads, jobs."""

from __future__ import annotations

import csv
import json
import logging
import sqlite3
import threading
import time

import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.slack.app import clean_text, parse_command
from assistant.slack.audit import AuditEntry, AuditLog, parse_since
from assistant.slack.dedup import Dedup
from assistant.slack.errors import SlackConfigError, api_base_url, read_tokens
from assistant.slack.jobs import Busy, Jobs
from assistant.slack.threads import ThreadStore
from assistant.slack.web import SecretFilter
from tests.slack_fakes import BOT_TOKEN, SECRET, FakeSlack

APP_TOKEN = "xapp-1-A0APP-1234567890-abcdef"


# --- tokens ------------------------------------------------------------------------------------------------
def test_valid_tokens_are_read_and_never_shown():
    tokens = read_tokens("http", {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET})
    assert tokens.bot_token == BOT_TOKEN and tokens.signing_secret == SECRET and tokens.app_token is None
    assert BOT_TOKEN not in repr(tokens) and SECRET not in repr(tokens)
    socket = read_tokens("socket", {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN})
    assert socket.app_token == APP_TOKEN


@pytest.mark.parametrize(
    ("mode", "env", "expected"),
    [
        ("http", {}, ["SLACK_SIGNING_SECRET is not set", "SLACK_BOT_TOKEN is not set"]),
        ("socket", {"SLACK_BOT_TOKEN": BOT_TOKEN}, ["SLACK_APP_TOKEN is not set", "connections:write"]),
        (
            "socket",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": BOT_TOKEN},
            ["SLACK_APP_TOKEN must start with 'xapp-' but it looks like a bot token"],
        ),
        (
            "http",
            {"SLACK_BOT_TOKEN": "xoxp-1-2-3-abcdefabcdef", "SLACK_SIGNING_SECRET": SECRET},
            ["looks like a user token"],
        ),
        (
            "http",
            {"SLACK_BOT_TOKEN": f'"{BOT_TOKEN}"', "SLACK_SIGNING_SECRET": SECRET},
            ["SLACK_BOT_TOKEN contains spaces, quotes"],
        ),
        (
            "http",
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET},
            ["SLACK_BOT_TOKEN is malformed"],
        ),
        (
            "http",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "not-a-secret"},
            ["SLACK_SIGNING_SECRET is malformed"],
        ),
    ],
)
def test_bad_tokens_name_the_variable(mode, env, expected):
    with pytest.raises(SlackConfigError) as err:
        read_tokens(mode, env)
    for fragment in expected:
        assert fragment in str(err.value)
    for value in env.values():
        if len(value) > 8:
            assert value.strip('"') not in str(err.value)


def test_api_base_url():
    assert api_base_url({}) == "https://slack.com/api/"
    assert api_base_url({"DETENTE_SLACK_API_URL": "http://127.0.0.1:9/api"}) == "http://127.0.0.1:9/api/"
    with pytest.raises(SlackConfigError, match="DETENTE_SLACK_API_URL"):
        api_base_url({"DETENTE_SLACK_API_URL": "slack.internal"})


# --- the CLI -----------------------------------------------------------------------------------------------
def _cli(*args, env=None):
    from assistant.config import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(cli, list(args), env=env or {})
    get_settings.cache_clear()
    return result


def test_slack_command_needs_exactly_one_mode():
    assert "Choose one mode" in _cli("slack").output
    assert _cli("slack", "--socket", "--http").exit_code == 2


@pytest.mark.parametrize(
    ("mode", "missing"),
    [("--http", ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"]), ("--socket", ["SLACK_APP_TOKEN"])],
)
def test_slack_command_reports_missing_tokens(home, mode, missing):
    env = {"SLACK_BOT_TOKEN": None, "SLACK_SIGNING_SECRET": None, "SLACK_APP_TOKEN": None}
    if mode == "--socket":
        env["SLACK_BOT_TOKEN"] = BOT_TOKEN
    result = _cli("slack", mode, env=env)
    assert result.exit_code == 2
    assert all(f"{name} is not set" in result.output for name in missing)


def test_slack_command_reports_a_rejected_token(home):
    slack = FakeSlack()
    slack.fail("auth.test", status=200, error="invalid_auth")
    try:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "DETENTE_SLACK_API_URL": slack.base_url,
        }
        result = _cli("slack", "--http", "--port", "0", env=env)
    finally:
        slack.close()
    assert result.exit_code == 2
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in " ".join(result.output.split())
    assert BOT_TOKEN not in result.output


def test_slack_command_reports_an_unreachable_api(home):
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "DETENTE_SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    result = _cli("slack", "--http", env=env)
    assert result.exit_code == 2 and "Cannot reach the Slack Web API" in " ".join(result.output.split())


def _filled_audit(home):
    log = AuditLog.open(home)
    for n, status in enumerate(["answered", "refused:clearance", "error"]):
        log.record(
            AuditEntry(
                id=f"a-{n}",
                trigger="mention",
                question=f"question {n} password: Hunter2!x",
                status=status,
                user="U1",
                channel="C1",
                marking="TLP:GREEN",
                sources=[
                    {
                        "n": 1,
                        "doc_id": "d",
                        "title": "t",
                        "source": "s",
                        "tlp": "TLP:GREEN",
                        "reliability": "B2",
                    }
                ],
                redactions={"PERSON": 2},
            )
        )
    log.feedback(answer_id="a-0", user="U2", rating="not_helpful", reason="too long")
    log.close()


def test_audit_command_lists_and_exports(home, tmp_path):
    _filled_audit(home)
    listed = _cli("audit")
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("U1@C1") == 3 and "refused:clearance" in listed.output
    assert "Hunter2" not in listed.output and "[CREDENTIAL]" in listed.output
    out = tmp_path / "audit.jsonl"
    assert _cli("audit", "--since", "1d", "--export", str(out)).exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["id"] for r in rows} == {"a-0", "a-1", "a-2"}
    feedback = next(r for r in rows if r["id"] == "a-0")["feedback"]
    assert feedback[0]["reason"] == "too long"
    table = tmp_path / "audit.csv"
    assert _cli("audit", "--export", str(table)).exit_code == 0
    with table.open() as fh:
        first = next(r for r in csv.DictReader(fh) if r["id"] == "a-0")
    assert first["not_helpful"] == "1" and json.loads(first["sources"])[0]["tlp"] == "TLP:GREEN"
    assert _cli("audit", "--since", "2999-01-01").output.strip() == "No entries."
    assert _cli("audit", "--since", "last tuesday").exit_code == 2
    assert _cli("audit", "--export", str(tmp_path / "x.xlsx")).exit_code == 2


def test_audit_command_without_a_log(home):
    result = _cli("audit")
    assert result.exit_code == 1 and "written by `detente slack`" in result.output


def test_audit_log_is_append_only(home):
    _filled_audit(home)
    db = sqlite3.connect(home / "audit.sqlite")
    for sql in ("UPDATE answers SET question = 'x'", "DELETE FROM answers", "DELETE FROM feedback"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    db.close()


def test_parse_since():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 28, tzinfo=UTC)
    assert parse_since("7d", now=now) == datetime(2026, 11, 21, tzinfo=UTC)
    assert parse_since("2026-11-01", now=now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since(None) is None


# --- dedup, threads, jobs, parsing ----------------------------------------------------------------------
def test_dedup_claims_once_across_processes_and_takes_over_abandoned_claims(tmp_path):
    one, two = Dedup(tmp_path / "d.sqlite", stale_after=60), Dedup(tmp_path / "d.sqlite", stale_after=60)
    assert one.claim("event:E1", now=1000.0)
    assert not two.claim("event:E1", now=1001.0)  # another process sees the claim
    assert two.claim("event:E1", now=1100.0)  # abandoned (never done): a late retry may answer it
    two.done("event:E1", now=1101.0)
    assert not one.claim("event:E1", now=5000.0)  # done: never again
    one.close()
    two.close()


def test_thread_store_is_bounded_and_seeds_from_earlier_questions():
    store = ThreadStore(max_threads=2)
    first = store.get("a", earlier=lambda: ["q1"])
    assert first.questions == ["q1"]
    assert store.get("a") is first
    store.get("b")
    store.get("c")
    assert len(store) == 2 and "a" not in store


def test_jobs_open_the_pipeline_on_its_own_thread_and_route_a_thread_to_one_worker():
    opened: list[str] = []

    class Probe:
        def answer(self, *a, **k):
            return threading.current_thread().name

    def factory():
        opened.append(threading.current_thread().name)
        return Probe()

    jobs = Jobs(factory, pipelines=2)
    try:
        assert jobs.wait_ready(5) and jobs.healthy()
        assert sorted(opened) == ["detente-pipeline-0", "detente-pipeline-1"]
        names = {jobs.draft("T:C:1.1", lambda p: p.answer()) for _ in range(5)}
        assert len(names) == 1 and names <= set(opened)
    finally:
        jobs.close()


def test_jobs_turn_work_away_when_full_and_report_a_broken_pipeline():
    def broken():
        raise RuntimeError("no index")

    jobs = Jobs(broken, max_pending=1)
    try:
        jobs.wait_ready(5)
        assert not jobs.healthy()
        with pytest.raises(RuntimeError, match="not available"):
            jobs.draft("k", lambda p: p)
        gate = threading.Event()
        jobs.background(gate.wait, 5)
        with pytest.raises(Busy):
            jobs.background(time.sleep, 0)
        gate.set()
    finally:
        jobs.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("help", "")),
        ("help", ("help", "")),
        ("Options   What now? ", ("options", "What now?")),
        ("message", ("message", "")),
        ("What is GRANITE TIDE?", ("brief", "What is GRANITE TIDE?")),
    ],
)
def test_parse_command(text, expected):
    assert parse_command(text) == expected


def test_clean_text():
    raw = "<@UBOT> what about <#C123|general> and <https://x.example/a|this> &amp; <https://y.example>?"
    assert (
        clean_text(raw, "UBOT") == "what about #general and this (https://x.example/a) & https://y.example?"
    )


def test_secret_filter_masks_tokens_and_known_secrets(caplog):
    logger = logging.getLogger("detente.test.secrets")
    flt = SecretFilter([SECRET])
    logger.addFilter(flt)
    try:
        with caplog.at_level(logging.INFO, logger="detente.test.secrets"):
            logger.info("token %s and secret %s", BOT_TOKEN, SECRET)
    finally:
        logger.removeFilter(flt)
    assert BOT_TOKEN not in caplog.text and SECRET not in caplog.text and caplog.text.count("[secret]") == 2
