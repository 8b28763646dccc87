"""YAML that remembers where things came from, so a bad key in a suite is reported with its line number.

`load_yaml` returns plain dicts and lists (subclasses that carry `line` and `key_lines`); `line_of` walks a
pydantic error location back to the line of the offending key or item.

>>> data = load_yaml("a: 1\\nb:\\n  - {c: 2}\\n", "x.yaml")
>>> line_of(data, ("b", 0, "c"))
3
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from evals.errors import SuiteError


class LineDict(dict):
    """A mapping with the line of the mapping itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A sequence with the line of the sequence and of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences keep their line numbers and refuse duplicate keys."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise SuiteError(
                f"{loader.name}:{key_node.start_mark.line + 1}: duplicate key {key!r}; each key may appear once."
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_yaml(text: str, name: str) -> Any:
    """Parse YAML text; syntax errors become SuiteError with the file and line."""
    loader = _Loader(text)
    loader.name = name
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise SuiteError(f"{name}{line}: not valid YAML: {exc.problem or exc}") from None
    finally:
        loader.dispose()


def line_of(data: Any, loc: Sequence[str | int]) -> int:
    """The line of the deepest element of `loc` that exists in `data` (0 when nothing is known)."""
    line = getattr(data, "line", 0)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        # else: a union member's tag ("SharedSlice") or a missing key: skip it, keep the parent's line
    return line
