"""Audience policies: what each kind of reader may see, as data (`data/audiences.yaml`).

The same stored spans serve every audience; only the policy applied at answer time differs. An analyst
keeps indicators, a diplomat loses them with internal names and raw technique ids, and public lines are
built from TLP:CLEAR sources only, with victims' and staff names removed too.

Example::

    get_audience("diplomat").action_for("IP_ADDRESS")   # "pseudonym"
    get_audience("analyst").action_for("IP_ADDRESS")    # None: kept
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from guardrails.errors import AudienceError, MarkingError
from guardrails.markings import TLP

Action = Literal["pseudonym", "drop"]
ALWAYS_STRIPPED = "secrets"
DEFAULT_PATH = Path(__file__).with_name("data") / "audiences.yaml"
_ACTIONS = ("pseudonym", "drop")


@dataclass(frozen=True)
class Audience:
    """One named policy: the entity types it strips (and how) and the highest source TLP it may use."""

    name: str
    description: str
    max_source_tlp: TLP
    actions: Mapping[str, Action]  # entity type -> action; absent types are kept
    groups: frozenset[str]
    attribution_clear_only: bool = False

    def action_for(self, entity_type: str) -> Action | None:
        return self.actions.get(entity_type)

    def strips(self, group: str) -> bool:
        return group in self.groups

    @property
    def strips_indicators(self) -> bool:
        return self.strips("indicators")

    @property
    def strips_internal_names(self) -> bool:
        return self.strips("internal_names")

    @property
    def strips_sources(self) -> bool:
        return self.strips("sources")

    @property
    def strips_technique_ids(self) -> bool:
        return self.strips("technique_ids")

    def admits(self, tlp: TLP) -> bool:
        """May a passage marked `tlp` be used for this audience at all?"""
        return tlp <= self.max_source_tlp

    def ceiling(self, channel_ceiling: TLP) -> TLP:
        """The effective source ceiling: the lower of the channel's and the audience's."""
        return min(channel_ceiling, self.max_source_tlp)


def get_audience(name: str | Audience, *, path: str | Path | None = None) -> Audience:
    """The named audience; an unknown name raises `AudienceError` listing the known ones."""
    if isinstance(name, Audience):
        return name
    audiences = load_audiences(str(path or DEFAULT_PATH))
    try:
        return audiences[str(name).strip().lower()]
    except KeyError:
        raise AudienceError(
            f"Unknown audience {name!r}: use one of {', '.join(sorted(audiences))}."
        ) from None


def audience_names(*, path: str | Path | None = None) -> tuple[str, ...]:
    return tuple(load_audiences(str(path or DEFAULT_PATH)))


@cache
def load_audiences(path: str) -> Mapping[str, Audience]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AudienceError(f"No audience file at {path}.") from None
    except yaml.YAMLError as exc:
        raise AudienceError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("groups"), Mapping):
        raise AudienceError(f"{path}: expected top-level keys 'groups' and 'audiences'.")
    groups = {name: _group(spec, path=path, name=name) for name, spec in data["groups"].items()}
    if ALWAYS_STRIPPED not in groups:
        raise AudienceError(
            f"{path}: group '{ALWAYS_STRIPPED}' is required (credentials, API keys, canaries)."
        )
    audiences = {}
    for name, spec in (data.get("audiences") or {}).items():
        audiences[str(name)] = _audience(str(name), spec, groups=groups, path=path)
    if not audiences:
        raise AudienceError(f"{path}: no audiences defined under 'audiences'.")
    return MappingProxyType(audiences)


def _group(spec: Any, *, path: str, name: str) -> tuple[tuple[str, ...], Action]:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("entities"), list):
        raise AudienceError(f"{path}: groups.{name} needs a list 'entities' and an 'action'.")
    action = spec.get("action", "pseudonym")
    if action not in _ACTIONS:
        raise AudienceError(f"{path}: groups.{name}.action is {action!r}; use one of {_ACTIONS}.")
    return tuple(str(e) for e in spec["entities"]), action


def _audience(
    name: str, spec: Any, *, groups: Mapping[str, tuple[tuple[str, ...], Action]], path: str
) -> Audience:
    if not isinstance(spec, Mapping):
        raise AudienceError(f"{path}: audiences.{name} must be a mapping.")
    strip = [str(g) for g in spec.get("strip") or []]
    unknown = [g for g in strip if g not in groups]
    if unknown:
        raise AudienceError(f"{path}: audiences.{name}.strip names unknown group(s) {unknown}.")
    if ALWAYS_STRIPPED not in strip:
        strip.append(ALWAYS_STRIPPED)
    try:
        max_tlp = TLP.parse(spec.get("max_source_tlp"), default=TLP.CLEAR)
    except MarkingError as exc:
        raise AudienceError(f"{path}: audiences.{name}.max_source_tlp: {exc}") from None
    actions: dict[str, Action] = {}
    for group in strip:
        entities, action = groups[group]
        for entity in entities:
            # pseudonymising beats dropping when two groups claim a type: the value is gone either way.
            if actions.get(entity) != "pseudonym":
                actions[entity] = action
    return Audience(
        name=name,
        description=str(spec.get("description", "")),
        max_source_tlp=max_tlp,
        actions=MappingProxyType(actions),
        groups=frozenset(strip),
        attribution_clear_only=bool(spec.get("attribution_clear_only", False)),
    )
