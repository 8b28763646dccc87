"""Slack load test: HTTP mode on 127.0.0.1, N concurrent @mentions -> N answers, none duplicated or lost.

    .venv/bin/python bench/bench_slack_load.py [--mentions 50] [--retries 10] [--pipelines 1] [--delay 0.3 0.5]

The bot runs in its own process (`--serve`, the real HTTP-mode server and Bolt app) with a fake pipeline that
sleeps a realistic 300-500 ms per answer; the Slack Web API is the tests' fake server, also on 127.0.0.1.
Some events are sent twice more as Slack retries (same event id, retry headers) to exercise deduplication.
Prints ack latency p50/p99 (goal: p99 < 300 ms), answer latency p50/p99/max and the bot's peak RSS
(VmHWM), and writes bench/results/slack_load.json. Everything is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import assistant  # noqa: E402,F401 - offline start-up

RESULTS = ROOT / "bench" / "results"
ACK_GOAL_MS = 300.0


class SleepyPipeline:
    """Pipeline-like: sleeps like a real draft, then returns a realistic brief."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def answer(self, question, *, audience="diplomat", clearance="CLEAR", conversation=None):  # noqa: ANN001, ANN201
        from guardrails.markings import TLP
        from tests.slack_fakes import sample_brief

        time.sleep(random.uniform(self.low, self.high))
        if conversation is not None:
            conversation.remember(question)
        return sample_brief(question, audience=audience, clearance=TLP.parse(clearance), marking=TLP.CLEAR)


def serve(args: argparse.Namespace) -> None:
    """The bot process: the real Bolt app behind the real threaded WSGI server."""
    from assistant.config import Settings
    from assistant.slack.app import build_app
    from assistant.slack.run import serve as serve_http
    from assistant.slack.web import web_client
    from guardrails.policy import ClearancePolicy
    from tests.slack_fakes import BOT_TOKEN, SECRET

    app = build_app(
        lambda: SleepyPipeline(*args.delay),
        Settings(home=Path(args.home)),
        web_client(BOT_TOKEN, args.api_url),
        signing_secret=SECRET,
        policy=ClearancePolicy.from_dict({"default": "GREEN"}),
        pipelines=args.pipelines,
    )
    serve_http(app, host="127.0.0.1", port=args.port)
    app.detente.close()  # type: ignore[attr-defined]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _raw_request(port: int, body: str, headers: dict[str, str]) -> bytes:
    """The whole HTTP request, built before the clock starts (a real client's cost is not the bot's)."""
    lines = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body.encode())}",
             "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def _post(port: int, raw: bytes) -> tuple[int, float]:
    """Send, and time until the status line arrives (Slack's view of the acknowledgement)."""
    import socket

    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        first = conn.recv(64)
        elapsed = (time.perf_counter() - started) * 1000
        while conn.recv(65536):
            pass
    try:
        return int(first.split()[1]), elapsed
    except (IndexError, ValueError):
        return 0, elapsed


def _peak_rss_mb(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    kb = lambda name: float(fields.get(name, "0 kB").split()[0])  # noqa: E731
    return kb("VmHWM") / 1024, kb("VmRSS") / 1024


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def main(args: argparse.Namespace) -> int:
    from tests.slack_fakes import FakeSlack, event_body, mention, signed

    slack = FakeSlack()
    slack.channels["C0LOAD"] = {"is_channel": True}
    port = _free_port()
    home = tempfile.mkdtemp(prefix="detente-slack-load-")
    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--port",
            str(port),
            "--api-url",
            slack.base_url,
            "--home",
            home,
            "--pipelines",
            str(args.pipelines),
            "--delay",
            *map(str, args.delay),
        ],  # fmt: skip
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + args.timeout
    try:
        while True:  # wait for the server, bounded
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise SystemExit("the bot did not start") from None
                time.sleep(0.1)
        idle_peak, idle_rss = _peak_rss_mb(child.pid)

        requests = []
        for i in range(args.mentions):
            ts = f"1700000000.{i:06d}"
            event = mention(
                f"Question {i}: what about the water utilities?", channel="C0LOAD", user=f"U{i:04d}", ts=ts
            )
            requests.append((ts, event_body(event, event_id=f"EvLoad{i}"), {}))
        for i in random.Random(7).sample(range(args.mentions), min(args.retries, args.mentions)):
            retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
            requests.append((requests[i][0], requests[i][1], retry))

        sent_at: dict[str, float] = {}
        acks: list[tuple[int, float]] = []
        lock = threading.Lock()
        barrier = threading.Barrier(len(requests))

        def fire(ts: str, body: str, extra: dict[str, str]) -> None:
            raw = _raw_request(port, body, signed(body, content_type="application/json") | extra)
            barrier.wait(timeout=30)
            with lock:
                sent_at.setdefault(ts, time.perf_counter())
            result = _post(port, raw)
            with lock:
                acks.append(result)

        threads = [threading.Thread(target=fire, args=r) for r in requests]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic()))

        def answered(call) -> bool:  # noqa: ANN001
            return call.params.get("channel") == "C0LOAD" and bool(call.params.get("blocks"))

        remaining = max(1.0, deadline - time.monotonic())
        try:
            slack.wait_for("chat.postMessage", args.mentions, where=answered, timeout=remaining)
        except AssertionError as exc:
            print(f"LOST ANSWERS: {exc}")
        slack.quiet(1.0)  # anything extra (a duplicate) would arrive now
        posts = slack.calls_to("chat.postMessage", where=answered)
        per_thread: dict[str, int] = {}
        for p in posts:
            per_thread[p.params["thread_ts"]] = per_thread.get(p.params["thread_ts"], 0) + 1
        answer_ms = [
            (p.at - sent_at[p.params["thread_ts"]]) * 1000 for p in posts if p.params["thread_ts"] in sent_at
        ]
        reactions = slack.calls_to("reactions.add", where=lambda c: c.params.get("timestamp") in sent_at)
        progress_ms = [(r.at - sent_at[r.params["timestamp"]]) * 1000 for r in reactions]
        peak, rss = _peak_rss_mb(child.pid)
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
        slack.close()

    ack_ms = [ms for status, ms in acks if status == 200]
    duplicates = sum(n - 1 for n in per_thread.values() if n > 1)
    lost = args.mentions - len(per_thread)
    result = {
        "mentions": args.mentions,
        "retries_sent": min(args.retries, args.mentions),
        "pipelines": args.pipelines,
        "pipeline_delay_s": args.delay,
        "acks_200": len(ack_ms),
        "ack_ms": {
            "p50": round(_pct(ack_ms, 50), 1),
            "p99": round(_pct(ack_ms, 99), 1),
            "max": round(max(ack_ms), 1),
        },
        "progress_reaction_ms": {"p50": round(_pct(progress_ms, 50)), "p99": round(_pct(progress_ms, 99))}
        if progress_ms
        else None,
        "answers": len(posts),
        "duplicates": duplicates,
        "lost": lost,
        "answer_ms": {
            "p50": round(_pct(answer_ms, 50)),
            "p99": round(_pct(answer_ms, 99)),
            "max": round(max(answer_ms)) if answer_ms else None,
            "mean": round(statistics.fmean(answer_ms)) if answer_ms else None,
        },
        "bot_rss_mb": {
            "idle": round(idle_rss, 1),
            "idle_peak": round(idle_peak, 1),
            "peak": round(peak, 1),
            "end": round(rss, 1),
        },
    }
    ok = (
        lost == 0
        and duplicates == 0
        and len(ack_ms) == len(requests)
        and result["ack_ms"]["p99"] < ACK_GOAL_MS
    )
    print(
        f"{args.mentions} mentions (+{result['retries_sent']} retries), {args.pipelines} pipeline thread(s), "
        f"pipeline {args.delay[0]:.1f}-{args.delay[1]:.1f} s\n"
        f"  ack      p50 {result['ack_ms']['p50']:.1f} ms  p99 {result['ack_ms']['p99']:.1f} ms  "
        f"(goal p99 < {ACK_GOAL_MS:.0f} ms: {'PASS' if result['ack_ms']['p99'] < ACK_GOAL_MS else 'FAIL'})\n"
        f"  progress p50 {_pct(progress_ms, 50):.0f} ms  p99 {_pct(progress_ms, 99):.0f} ms  (reaction on the question)\n"
        f"  answer   p50 {result['answer_ms']['p50']} ms  p99 {result['answer_ms']['p99']} ms  max {result['answer_ms']['max']} ms\n"
        f"  answers  {len(posts)} for {args.mentions} questions: {duplicates} duplicated, {lost} lost\n"
        f"  bot RSS  idle {idle_rss:.0f} MB, peak {peak:.0f} MB\n"
        f"  {'PASS' if ok else 'FAIL'}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"slack_load_p{args.pipelines}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if ok or not args.strict else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentions", type=int, default=50)
    parser.add_argument("--retries", type=int, default=10, help="events re-sent as Slack retries")
    parser.add_argument("--pipelines", type=int, default=1, help="drafting threads in the bot")
    parser.add_argument("--delay", type=float, nargs=2, default=[0.3, 0.5], metavar=("LOW", "HIGH"))
    parser.add_argument("--timeout", type=float, default=120.0, help="bound on the whole run, seconds")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--home", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if arguments.serve:
        serve(arguments)
    else:
        sys.exit(main(arguments))
