"""Where a question was asked, and the TLP ceiling that place allows (from the guardrails policy file).

Shared and Slack Connect channels are recognised from the event envelope (`is_ext_shared_channel`) or from
`conversations.info`; when Slack cannot tell us, the channel is treated as shared (TLP:CLEAR), so an error
can only make detente more careful, never less.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.config import Settings
from guardrails.markings import TLP
from guardrails.policy import ClearancePolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    team: str | None
    channel: str
    user: str
    is_dm: bool = False
    is_shared: bool = False
    is_mpim: bool = False

    @property
    def kind(self) -> str:
        if self.is_dm:
            return "dm"
        if self.is_shared:
            return "shared"
        return "mpim" if self.is_mpim else "channel"


def load_policy(settings: Settings) -> ClearancePolicy:
    """`DETENTE_POLICY_FILE`, else `$DETENTE_HOME/policy.yaml`, else the safe defaults (all TLP:CLEAR)."""
    path = settings.policy_file or settings.home / "policy.yaml"
    if settings.policy_file is None and not Path(path).is_file():
        log.warning(
            "No clearance policy (set DETENTE_POLICY_FILE or create %s): every channel and DM is TLP:CLEAR.",
            path,
        )
        return ClearancePolicy()
    return ClearancePolicy.load(path)


class Clearances:
    """Ceilings by place; channel facts from Slack are cached for `ttl` seconds."""

    def __init__(self, policy: ClearancePolicy, client: WebClient, *, ttl: float = 600.0) -> None:
        self.policy = policy
        self.client = client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def place(
        self,
        *,
        team: str | None,
        channel: str,
        user: str,
        channel_type: str | None = None,
        ext_shared: bool | None = None,
    ) -> Place:
        if channel_type == "im":  # from a message.im event: always the bot's own DM with this user
            return Place(team=team, channel=channel, user=user, is_dm=True)
        info = self._info(channel)
        if info.get("is_im"):
            # Only the bot's DM with this very user gets the user's own ceiling; a slash command typed in a DM
            # between two people is not visible to the bot (channel_not_found) and lands below as shared.
            mine = info.get("user") == user
            return Place(team=team, channel=channel, user=user, is_dm=mine, is_shared=not mine)
        shared = bool(
            ext_shared
            or info.get("is_ext_shared")
            or info.get("is_shared")
            or info.get("is_org_shared")
            or info.get("is_pending_ext_shared")
        )
        mpim = channel_type == "mpim" or bool(info.get("is_mpim"))
        return Place(team=team, channel=channel, user=user, is_shared=shared, is_mpim=mpim)

    def ceiling(self, place: Place) -> TLP:
        if place.is_dm:
            return self.dm_ceiling(place.user)
        return self.policy.ceiling(channel=place.channel, user=place.user, is_shared=place.is_shared)

    def dm_ceiling(self, user: str) -> TLP:
        return self.policy.ceiling(channel=None, user=user, is_dm=True)

    def _info(self, channel: str) -> dict:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(channel)
            if hit and now - hit[0] < self.ttl:
                return hit[1]
        try:
            info = dict(self.client.conversations_info(channel=channel).get("channel") or {})
        except Exception as exc:  # fail closed: an unknown channel is treated as shared
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning(
                "conversations.info failed for %s (%s): treating it as a shared channel (TLP:CLEAR)",
                channel,
                reason,
            )
            info = {"is_shared": True, "_unknown": True}
        with self._lock:
            if len(self._cache) > 5000:
                self._cache.clear()
            # A failed look-up is retried after a minute rather than after the full ttl.
            self._cache[channel] = (now - self.ttl + 60 if info.get("_unknown") else now, info)
        return info
