"""Clearance policy: which TLP ceiling applies where an answer is posted.

Administrators map Slack channels and users to a ceiling in a YAML file. The rules that keep mistakes
safe are in code, not in the file: unknown channels get the default (CLEAR unless set), shared (Slack
Connect) channels are CLEAR unless listed under `shared_channels`, and RED never goes to a channel.

Example::

    policy = ClearancePolicy.load("policy.yaml")
    policy.ceiling(channel="C0AMBER", user="U0ANALYST")   # TLP.AMBER
    policy.ceiling(channel=None, user="U0ANALYST", is_dm=True)  # TLP.RED, a named recipient
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from guardrails.errors import MarkingError, PolicyError
from guardrails.markings import TLP

CHANNEL_MAX = TLP.AMBER_STRICT  # RED: named recipients only, never a channel
_KEYS = {"default", "channels", "users", "shared_channels"}


@dataclass(frozen=True)
class ClearancePolicy:
    """Ceilings by channel and user; build with `load` or `from_dict`."""

    default: TLP = TLP.CLEAR
    channels: Mapping[str, TLP] = field(default_factory=lambda: MappingProxyType({}))
    users: Mapping[str, TLP] = field(default_factory=lambda: MappingProxyType({}))
    shared_channels: Mapping[str, TLP] = field(default_factory=lambda: MappingProxyType({}))
    source: str = "<defaults>"

    @classmethod
    def load(cls, path: str | Path) -> ClearancePolicy:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PolicyError(
                f"No clearance policy at {path}: copy guardrails/data/policy.example.yaml there and edit it."
            ) from None
        except yaml.YAMLError as exc:
            raise PolicyError(f"{path} is not valid YAML: {exc}") from None
        return cls.from_dict(data or {}, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<dict>") -> ClearancePolicy:
        if not isinstance(data, Mapping):
            raise PolicyError(f"{source}: expected a mapping with keys {sorted(_KEYS)}.")
        unknown = set(data) - _KEYS
        if unknown:
            raise PolicyError(
                f"{source}: unknown key(s) {sorted(unknown)}; allowed keys are {sorted(_KEYS)}."
            )
        default = _level(data.get("default"), source=source, key="default", fallback=TLP.CLEAR)
        if default > CHANNEL_MAX:
            raise PolicyError(f"{source}: key 'default' is RED, but RED is never posted to a channel.")
        channels = _table(data.get("channels"), source=source, key="channels")
        shared = _table(data.get("shared_channels"), source=source, key="shared_channels", allow_list=True)
        for key, table in (("channels", channels), ("shared_channels", shared)):
            for name, level in table.items():
                if level > CHANNEL_MAX:
                    raise PolicyError(
                        f"{source}: key '{key}.{name}' is RED, but RED is never posted to a channel; "
                        "use AMBER+STRICT or send RED material to named users in direct messages."
                    )
        users = _table(data.get("users"), source=source, key="users")
        return cls(
            default=default,
            channels=MappingProxyType(channels),
            users=MappingProxyType(users),
            shared_channels=MappingProxyType(shared),
            source=source,
        )

    def ceiling(
        self, *, channel: str | None, user: str | None, is_dm: bool = False, is_shared: bool = False
    ) -> TLP:
        """The highest TLP an answer may carry where it is posted.

        A direct message goes to one named user and gets that user's ceiling (RED possible). A channel gets
        its own ceiling, lowered to the asking user's if the user is listed, and never above AMBER+STRICT.
        """
        user_level = self.users.get(user) if user else None
        if is_dm:
            return user_level if user_level is not None else self.default
        if channel is not None and (is_shared or channel in self.shared_channels):
            level = self.shared_channels.get(channel, TLP.CLEAR)
        elif is_shared:
            level = TLP.CLEAR
        else:
            level = self.channels.get(channel, self.default) if channel else self.default
        if user_level is not None:
            level = min(level, user_level)
        return min(level, CHANNEL_MAX)


def _level(value: Any, *, source: str, key: str, fallback: TLP | None = None) -> TLP:
    if value is None and fallback is not None:
        return fallback
    try:
        return TLP.parse(value)
    except MarkingError as exc:
        raise PolicyError(f"{source}: key '{key}': {exc}") from None


def _table(value: Any, *, source: str, key: str, allow_list: bool = False) -> dict[str, TLP]:
    if value is None:
        return {}
    if allow_list and isinstance(value, list):  # a bare list of shared channels: all CLEAR
        return {str(name): TLP.CLEAR for name in value}
    if not isinstance(value, Mapping):
        raise PolicyError(f"{source}: key '{key}' must map ids to TLP levels, e.g. {{C0123ABC: AMBER}}.")
    return {str(name): _level(level, source=source, key=f"{key}.{name}") for name, level in value.items()}
