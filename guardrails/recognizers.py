"""Custom recognizers as data (`data/recognizers.yaml`): markings, source code names, handles, internal
hosts, case numbers, credentials, API keys, canaries, ATT&CK ids, hashes, IPs and defanged URLs.

They are plain regex specs that run without NLP, so the same definitions serve three places: the Presidio
engine (wrapped as recognizers in `analyzer`), fast pattern-only checks on a draft, and unit tests that need
no spaCy model. A pattern's named group `value` (which may repeat) is the span; the rest is context, which
keeps "source CORMORANT" from turning every capitalised word into a code name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import regex
import yaml

from guardrails.errors import RecognizerConfigError
from guardrails.spans import Span

DEFAULT_PATH = Path(__file__).with_name("data") / "recognizers.yaml"
CONTEXT_BOOST = 0.15
_KEYS = {
    "name",
    "entity",
    "score",
    "patterns",
    "ignore_case",
    "context",
    "context_window",
    "negative_context",
    "exclude",
    "exclude_pattern",
    "validate",
}
_TRAILING = ".,;:!?)]}>\"'”’"
_PLACEHOLDER = regex.compile(r"<[A-Z][A-Z_]*_\d+>")


def _has_digit(value: str) -> bool:
    return any(c.isdigit() for c in value)


def _secret_like(value: str) -> bool:
    """A password or key has a digit or a symbol and some length; 'required' or 'weak' does not."""
    core = value.strip("\"'“”‘’")
    if len(core) < 4 or core.casefold() in {"required", "incorrect", "expired", "changed", "reset"}:
        return False
    if " " in core:  # a quoted passphrase
        return len(core) >= 8
    return any(c.isdigit() for c in core) or any(not c.isalnum() for c in core)


def _not_repeated(value: str) -> bool:
    return len(set(value.casefold())) > 4


def _ipv4(value: str) -> bool:
    plain = regex.sub(r"\[\.\]|\(\.\)|\[dot\]", ".", value).split("/")[0]
    try:
        return isinstance(ipaddress.ip_address(plain), ipaddress.IPv4Address)
    except ValueError:
        return False


def _ipv6(value: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(value), ipaddress.IPv6Address) and value.count(":") >= 2
    except ValueError:
        return False


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "has_digit": _has_digit,
    "secret_like": _secret_like,
    "not_repeated": _not_repeated,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
}


@dataclass(frozen=True)
class RecognizerSpec:
    """One recognizer from the YAML file, compiled."""

    name: str
    entity: str
    score: float
    patterns: tuple[regex.Pattern[str], ...]
    context: tuple[str, ...] = ()
    context_window: int = 40
    negative_context: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()
    exclude_pattern: regex.Pattern[str] | None = None
    validate: str | None = None

    def find(self, text: str) -> list[Span]:
        """Every match in `text`, as spans (the `value` group when the pattern has one)."""
        spans: dict[tuple[int, int], Span] = {}
        for pattern in self.patterns:
            grouped = "value" in pattern.groupindex
            for match in pattern.finditer(text):
                for start, end in match.spans("value") if grouped else [match.span()]:
                    span = self._accept(text, start, end, trim=grouped)
                    if span is not None:
                        spans.setdefault((span.start, span.end), span)
        return drop_contained(spans.values())

    def _accept(self, text: str, start: int, end: int, *, trim: bool) -> Span | None:
        if trim:  # trailing sentence punctuation is not part of a value; a password may end in "!" though
            while end - start > 1 and text[end - 1] in _TRAILING and not self._quoted(text[start:end]):
                if (
                    self.validate == "secret_like"
                    and text[end - 1] in "!?"
                    and text[end - 2] not in _TRAILING
                ):
                    break
                end -= 1
        else:  # a URL or path at the end of a sentence does not own the full stop
            while end - start > 1 and text[end - 1] in ".,;:":
                end -= 1
        value = text[start:end]
        if _PLACEHOLDER.search(value) or value.casefold() in self.exclude:  # "password: <CREDENTIAL_1>"
            return None
        if self.exclude_pattern is not None and self.exclude_pattern.search(value):
            return None
        if self.validate and not VALIDATORS[self.validate](value):
            return None
        before = text[max(0, start - self.context_window) : start].casefold()
        if self.negative_context and any(_word_in(word, before) for word in self.negative_context):
            return None
        score = self.score
        if self.context and any(_word_in(word, before) for word in self.context):
            score = min(1.0, score + CONTEXT_BOOST)
        return Span(self.entity, start, end, score, value)

    @staticmethod
    def _quoted(value: str) -> bool:
        return len(value) > 1 and value[0] in "\"'“‘" and value[-1] in "\"'”’"


def drop_contained(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans without those lying inside a longer span of the same type (NOFORN inside a banner)."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    kept: list[Span] = []
    for span in ordered:
        if any(
            k.entity_type == span.entity_type and k.start <= span.start and span.end <= k.end for k in kept
        ):
            continue
        kept.append(span)
    return sorted(kept, key=lambda s: (s.start, s.end))


def _word_in(word: str, window: str) -> bool:
    return regex.search(r"(?<!\w)" + regex.escape(word.casefold()) + r"(?!\w)", window) is not None


def find_all(text: str, specs: Iterable[RecognizerSpec] | None = None) -> list[Span]:
    """Run every spec (default: the shipped file) over `text`; no NLP, a few milliseconds."""
    spans: list[Span] = []
    for spec in load_specs() if specs is None else specs:
        spans.extend(spec.find(text))
    return sorted(spans, key=lambda s: (s.start, s.end, s.entity_type))


def load_specs(
    path: str | Path | None = None, *, settings: Mapping[str, Sequence[str]] | None = None
) -> tuple[RecognizerSpec, ...]:
    """Compile the recognizer file; `settings` extends its lists (e.g. `{"internal_domains": [...]}`)."""
    extra = tuple(sorted((k, tuple(v)) for k, v in (settings or {}).items()))
    return _load(str(path or DEFAULT_PATH), extra)


@cache
def _load(path: str, extra: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[RecognizerSpec, ...]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecognizerConfigError(f"No recognizer file at {path}.") from None
    except yaml.YAMLError as exc:
        raise RecognizerConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("recognizers"), list):
        raise RecognizerConfigError(f"{path}: expected a top-level list 'recognizers'.")
    settings: dict[str, list[str]] = {k: list(v or []) for k, v in (data.get("settings") or {}).items()}
    for key, values in extra:
        settings.setdefault(key, []).extend(values)
    return tuple(
        _spec(item, settings=settings, path=path, index=i) for i, item in enumerate(data["recognizers"])
    )


def _spec(item: Any, *, settings: Mapping[str, list[str]], path: str, index: int) -> RecognizerSpec:
    where = f"{path}: recognizers[{index}]"
    if not isinstance(item, Mapping):
        raise RecognizerConfigError(f"{where} must be a mapping.")
    where = f"{path}: recognizer {item.get('name', index)!r}"
    unknown = set(item) - _KEYS
    if unknown:
        raise RecognizerConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}.")
    for key in ("name", "entity", "patterns"):
        if not item.get(key):
            raise RecognizerConfigError(f"{where}: key '{key}' is required.")
    validate = item.get("validate")
    if validate is not None and validate not in VALIDATORS:
        raise RecognizerConfigError(f"{where}: validate {validate!r} is not one of {sorted(VALIDATORS)}.")
    flags = regex.MULTILINE | regex.V0 | (regex.IGNORECASE if item.get("ignore_case") else 0)
    patterns = []
    for raw in item["patterns"]:
        expanded = _expand(str(raw), settings=settings, where=where)
        if expanded is None:
            continue
        patterns.append(_compile(expanded, flags, where=where))
    exclude_pattern = item.get("exclude_pattern")
    return RecognizerSpec(
        name=str(item["name"]),
        entity=str(item["entity"]),
        score=float(item.get("score", 0.8)),
        patterns=tuple(patterns),
        context=tuple(str(w) for w in item.get("context") or ()),
        context_window=int(item.get("context_window", 40)),
        negative_context=tuple(str(w) for w in item.get("negative_context") or ()),
        exclude=frozenset(str(w).casefold() for w in item.get("exclude") or ()),
        exclude_pattern=_compile(exclude_pattern, regex.IGNORECASE, where=where) if exclude_pattern else None,
        validate=validate,
    )


def _expand(raw: str, *, settings: Mapping[str, list[str]], where: str) -> str | None:
    names = regex.findall(r"\{\{(\w+)\}\}", raw)
    for name in names:
        if name not in settings:
            raise RecognizerConfigError(f"{where}: pattern uses {{{{{name}}}}} but settings has no '{name}'.")
        values = sorted((str(v) for v in settings[name] if str(v).strip()), key=len, reverse=True)
        if not values:
            return None
        alternation = "|".join(regex.escape(v).replace(r"\ ", r"\s+") for v in values)
        raw = raw.replace("{{" + name + "}}", alternation)
    return raw


def _compile(pattern: str, flags: int, *, where: str) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern, flags)
    except regex.error as exc:
        raise RecognizerConfigError(f"{where}: invalid pattern {pattern!r}: {exc}") from None
