"""The manifest asks for exactly what the app uses: its events, command, interactivity, App Home and the
scopes of every Web API method the code calls."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
# Web API method (as slack_sdk names it) -> the bot scopes that allow it (any one suffices).
SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "reactions_add": {"reactions:write"},
    "reactions_remove": {"reactions:write"},
    "conversations_info": {"channels:read", "groups:read", "mpim:read", "im:read"},
    "conversations_open": {"im:write"},
    "views_publish": set(),
    "views_open": set(),
    "auth_test": set(),
}


def test_events_command_interactivity_and_home():
    settings, features = MANIFEST["settings"], MANIFEST["features"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "app_home_opened",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert [c["command"] for c in features["slash_commands"]] == ["/detente"]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        features["slash_commands"][0]["url"],
    ]
    assert all(u.endswith("/slack/events") for u in urls)
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]


def test_scopes_cover_every_method_called_and_nothing_more():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "assistant" / "slack").glob("*.py"))
    called = set(re.findall(r"\.(" + "|".join(SCOPES) + r")\(", source))
    unknown = set(re.findall(r"client\.([a-z]+_[A-Za-z]+)\(", source)) - set(SCOPES)
    assert not unknown, f"add these Web API methods to SCOPES and the manifest: {unknown}"
    granted = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    for method in called:
        assert not SCOPES[method] or SCOPES[method] & granted, method
    needed = {"app_mentions:read", "commands", "im:history"} | {
        s for m in called for s in SCOPES[m] if s in granted
    }
    assert granted == needed
