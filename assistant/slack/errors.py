"""Start-up configuration for the Slack app: tokens from the environment only, checked before anything runs.

Every message names the variable and says where its value comes from; no message contains a secret.

>>> read_tokens("http", {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "0" * 32}).bot_token
'xoxb-1-2-abc'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["socket", "http"]

API_URL_VAR = "DETENTE_SLACK_API_URL"
DEFAULT_API_URL = "https://slack.com/api/"

_WHERE = {
    "SLACK_BOT_TOKEN": "OAuth & Permissions > Bot User OAuth Token (starts with xoxb-)",
    "SLACK_APP_TOKEN": "Basic Information > App-Level Tokens, with the connections:write scope (starts with xapp-)",
    "SLACK_SIGNING_SECRET": "Basic Information > App Credentials > Signing Secret (32 hexadecimal characters)",
}
_PREFIX = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}
_OTHER_PREFIXES = {
    "xoxp-": "a user token",
    "xoxb-": "a bot token",
    "xapp-": "an app-level token",
    "xoxe": "a token-rotation token",
}
_TOKEN_BODY = re.compile(r"^[A-Za-z0-9-]+$")
_SECRET = re.compile(r"^[0-9a-fA-F]{32,}$")


class SlackConfigError(Exception):
    """The Slack app cannot start; the message says which variable to fix and how."""


@dataclass(frozen=True)
class SlackTokens:
    mode: Mode
    bot_token: str = field(repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.bot_token, self.app_token, self.signing_secret) if s)


def required_vars(mode: Mode) -> tuple[str, ...]:
    return (
        ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN")
        if mode == "socket"
        else ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN")
    )


def read_tokens(mode: Mode, environ: Mapping[str, str] | None = None) -> SlackTokens:
    """The tokens `mode` needs, validated; raises SlackConfigError naming every problem at once."""
    env = os.environ if environ is None else environ
    problems = [p for name in required_vars(mode) if (p := _problem(name, env.get(name)))]
    if problems:
        raise SlackConfigError(
            f"Cannot start detente's Slack app in {mode} mode:\n  - "
            + "\n  - ".join(problems)
            + "\nSet them in the environment (never in detente.toml); see docs/slack.md."
        )
    return SlackTokens(
        mode=mode,
        bot_token=env["SLACK_BOT_TOKEN"],
        app_token=env.get("SLACK_APP_TOKEN") if mode == "socket" else None,
        signing_secret=env.get("SLACK_SIGNING_SECRET") if mode == "http" else None,
    )


def api_base_url(environ: Mapping[str, str] | None = None) -> str:
    """Slack Web API base URL: `DETENTE_SLACK_API_URL` (a test server, an egress proxy) or slack.com."""
    env = os.environ if environ is None else environ
    url = (env.get(API_URL_VAR) or "").strip()
    if not url:
        return DEFAULT_API_URL
    if not re.match(r"^https?://[^\s/]+", url):
        raise SlackConfigError(
            f"{API_URL_VAR}={url!r} is not an http(s) URL; use e.g. http://127.0.0.1:8080/api/ or unset it."
        )
    return url if url.endswith("/") else url + "/"


def _problem(name: str, value: str | None) -> str | None:
    where = _WHERE[name]
    if value is None or not value.strip():
        return f"{name} is not set. Copy it from your app's settings at api.slack.com/apps: {where}."
    if value != value.strip() or any(c in value for c in "\"' \t\r\n"):
        return f"{name} contains spaces, quotes or a line break; copy the value alone. ({where})"
    if name in _PREFIX:
        wanted = _PREFIX[name]
        if not value.startswith(wanted):
            found = next((desc for p, desc in _OTHER_PREFIXES.items() if value.startswith(p)), None)
            got = f"it looks like {found}" if found else "it has an unknown prefix"
            return f"{name} must start with {wanted!r} but {got}. Use {where}."
        if len(value) < len(wanted) + 8 or not _TOKEN_BODY.match(value):
            return f"{name} is malformed (too short or unexpected characters). Use {where}."
        return None
    if not _SECRET.match(value):
        return f"{name} is malformed: expected hexadecimal characters. Use {where}."
    return None
