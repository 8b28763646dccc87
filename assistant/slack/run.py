"""`detente slack --socket` and `detente slack --http --port N`: validate, open, warm up, serve.

HTTP mode serves Bolt's default path `/slack/events` (events, slash commands and interactivity) and
`/healthz` for load balancers, from a threaded WSGI server. Several processes may run behind one load
balancer on one host: they share DETENTE_HOME, whose SQLite files deduplicate retries and hold the audit log.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.config import get_settings
from assistant.slack.errors import Mode, SlackConfigError, api_base_url, read_tokens
from assistant.slack.web import install_secret_filter, web_client

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
WARM_QUESTION = "What is the current cyber threat picture?"


def run(
    mode: Mode, *, host: str = "0.0.0.0", port: int = 3000, pipelines: int = 1, warm: bool = True
) -> None:
    tokens = read_tokens(mode)
    install_secret_filter(tokens.secrets())
    client = web_client(tokens.bot_token, api_base_url())
    bot = check_auth(client)
    log.info("Slack: signed in as %s in team %s", bot.get("user_id"), bot.get("team_id"))

    from assistant.ask_service import open_pipeline
    from assistant.slack.app import build_app

    started = time.perf_counter()
    app = build_app(
        open_pipeline,
        get_settings(),
        client,
        signing_secret=tokens.signing_secret or "",
        pipelines=pipelines,
        warm=warm_up if warm else None,
    )
    runtime = app.detente  # type: ignore[attr-defined]
    runtime.jobs.wait_ready()
    if not runtime.jobs.healthy():
        runtime.close()
        raise SlackConfigError(
            "The drafting pipeline could not be opened (see the error above). If the knowledge base is empty, "
            "run `detente ingest --sample` or `detente ingest <path>` first."
        )
    log.info("pipeline ready in %.1f s", time.perf_counter() - started)
    try:
        if mode == "socket":
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            SocketModeHandler(app, tokens.app_token, web_client=client).start()
        else:
            serve(app, host=host, port=port)
    finally:
        runtime.close()


def check_auth(client: WebClient) -> dict[str, Any]:
    try:
        return dict(client.auth_test().data)  # type: ignore[arg-type]
    except SlackApiError as exc:
        error = exc.response.get("error")
        raise SlackConfigError(
            f"Slack rejected SLACK_BOT_TOKEN ({error}). Reinstall the app to the workspace and copy the Bot User "
            "OAuth Token again (OAuth & Permissions)."
        ) from None
    except OSError as exc:
        raise SlackConfigError(
            f"Cannot reach the Slack Web API at {client.base_url} ({type(exc).__name__}). Check the network or "
            "proxy, or DETENTE_SLACK_API_URL if you set it."
        ) from None


def warm_up(pipeline: Any) -> None:
    """Load the NLP models before the first real question, so it is not the one that waits ~10 s."""
    started = time.perf_counter()
    pipeline.answer(WARM_QUESTION, audience="diplomat", clearance="CLEAR")
    log.info("warm-up answer in %.1f s", time.perf_counter() - started)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def wsgi_app(app: App) -> Callable[[dict, Callable], Iterable[bytes]]:
    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return application


def make_http_server(app: App, *, host: str, port: int) -> WSGIServer:
    return make_server(host, port, wsgi_app(app), server_class=_ThreadingServer, handler_class=_QuietHandler)


def serve(app: App, *, host: str, port: int) -> None:
    server = make_http_server(app, host=host, port=port)
    stop = threading.Event()

    def shutdown(signum: int, frame: object) -> None:
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    log.info("detente Slack app listening on http://%s:%d%s", host, server.server_port, EVENTS_PATH)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
