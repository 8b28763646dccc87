"""Apply an audience policy to detected spans: pseudonymise or drop, consistently within a conversation.

`redact` is the fast path (stored spans, no NLP, well under a millisecond per passage); `rescan` runs the
analyzer on a final draft, because a drafting model can restate what the passages hid.

Example::

    vault = Vault()
    spans = analyze(text, allow=allow)          # at ingest, stored with spans_to_json
    redact(text=text, spans=spans, audience="diplomat", vault=vault).text
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from guardrails.allowlist import AllowList
from guardrails.audiences import Audience, get_audience
from guardrails.spans import Span
from guardrails.vault import PSEUDONYM, Vault

SECRET_TYPES = frozenset({"CREDENTIAL", "API_KEY", "CANARY", "CLASSIFICATION_MARKING"})
# When spans of different types overlap, a secret wins; otherwise the longest span does, then this order.
PRIORITY = (
    "CREDENTIAL",
    "API_KEY",
    "CANARY",
    "CLASSIFICATION_MARKING",
    "SOURCE_CODENAME",
    "HANDLE",
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "INTERNAL_HOST",
    "CASE_NUMBER",
    "IP_ADDRESS",
    "URL",
    "FILE_HASH",
    "ORGANIZATION",
    "ATTACK_ID",
)
_RANK = {t: i for i, t in enumerate(PRIORITY)}


@dataclass(frozen=True, slots=True)
class Replacement:
    """What replaced `original[start:end]`: a pseudonym, or '' when the value was dropped."""

    entity_type: str
    start: int
    end: int
    replacement: str


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    replacements: tuple[Replacement, ...] = ()

    def counts(self) -> Mapping[str, int]:
        out: dict[str, int] = {}
        for r in self.replacements:
            out[r.entity_type] = out.get(r.entity_type, 0) + 1
        return out


def redact(
    *,
    text: str,
    spans: Iterable[Span],
    audience: Audience | str,
    vault: Vault,
    allow: AllowList | None = None,
) -> Redaction:
    """Replace every span the audience strips; overlapping spans are merged so nothing leaks at the edges."""
    policy = get_audience(audience)
    spans = list(spans)
    if allow is not None:  # the knowledge base may have learnt names since the passage was analysed
        spans = allow.filter(spans, text)
    acted = [s for s in spans if policy.action_for(s.entity_type) and 0 <= s.start < s.end <= len(text)]
    if not acted:
        return Redaction(text=text)
    pieces: list[str] = []
    replacements: list[Replacement] = []
    cursor = 0
    for cluster in _clusters(acted):
        start, end = min(s.start for s in cluster), max(s.end for s in cluster)
        if start < cursor:  # a previous drop swallowed a separator that belongs to this span
            start = cursor
        chosen = _representative(cluster)
        if all(policy.action_for(s.entity_type) == "drop" for s in cluster):
            start, end = _drop_range(text, start, end, cursor)
            pieces.append(text[cursor:start])
            replacements.append(Replacement(chosen.entity_type, start, end, ""))
        else:
            pseudo_type = _representative(
                [s for s in cluster if policy.action_for(s.entity_type) == "pseudonym"]
            ).entity_type
            placeholder = vault.pseudonym(pseudo_type, text[start:end])
            pieces.append(text[cursor:start])
            pieces.append(placeholder)
            replacements.append(Replacement(pseudo_type, start, end, placeholder))
        cursor = end
    pieces.append(text[cursor:])
    out = "".join(pieces)
    if any(not r.replacement for r in replacements):
        out = _EMPTY_BRACKETS.sub("", out)
    return Redaction(text=out, replacements=tuple(replacements))


def rescan(
    *,
    text: str,
    audience: Audience | str,
    vault: Vault,
    allow: AllowList | None = None,
    settings: Mapping[str, Sequence[str]] | None = None,
) -> Redaction:
    """Analyse a final draft and redact it; values already in the vault are caught by exact match too."""
    from guardrails.analyzer import analyze

    policy = get_audience(audience)
    protected = [m.span() for m in PSEUDONYM.finditer(text)]
    spans = [
        piece for s in analyze(text, allow=allow, settings=settings) for piece in _outside(s, protected, text)
    ]
    spans.extend(_vault_hits(text, vault, policy, protected))
    return redact(text=text, spans=spans, audience=policy, vault=vault)


def _clusters(spans: list[Span]) -> list[list[Span]]:
    clusters: list[list[Span]] = []
    end = -1
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if clusters and span.start < end:
            clusters[-1].append(span)
            end = max(end, span.end)
        else:
            clusters.append([span])
            end = span.end
    return clusters


def _representative(cluster: list[Span]) -> Span:
    secrets = [s for s in cluster if s.entity_type in SECRET_TYPES]
    pool = secrets or cluster
    return min(pool, key=lambda s: (-(s.end - s.start), _RANK.get(s.entity_type, len(_RANK)), -s.score))


def _drop_range(text: str, start: int, end: int, floor: int) -> tuple[int, int]:
    """Widen a dropped span over its own brackets and one separator: "(T1566)", "T1059, T1105"."""
    if start - 1 >= floor and text[start - 1] == "(" and end < len(text) and text[end] == ")":
        start, end = start - 1, end + 1
    elif end < len(text) and text[end] in ",;/" and (start == floor or text[start - 1] in " (\n"):
        end += 1
    while end < len(text) and text[end] in " \t" and (start == floor or text[start - 1] in " \t(\n"):
        end += 1
    if start - 1 >= floor and text[start - 1] in " \t" and (end >= len(text) or text[end] in ",.;:)!?\n"):
        start -= 1
    return start, end


# Left over when every id inside brackets or a Markdown link was dropped: "()", "[](https://...)".
_EMPTY_BRACKETS = re.compile(r" ?\(\s*\)|\[\s*\]\([^)\s]*\)")


def _outside(span: Span, protected: list[tuple[int, int]], text: str) -> list[Span]:
    """The parts of a span that are not existing pseudonyms (spaCy likes to tag '<PERSON_1>')."""
    pieces = [(span.start, span.end)]
    for p_start, p_end in protected:
        next_pieces = []
        for start, end in pieces:
            if p_end <= start or end <= p_start:
                next_pieces.append((start, end))
                continue
            next_pieces.extend(((start, p_start), (p_end, end)))
        pieces = next_pieces
    out = []
    for start, end in pieces:
        while start < end and not text[start].isalnum():
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        if end - start >= 2:
            out.append(
                span
                if (start, end) == (span.start, span.end)
                else Span(span.entity_type, start, end, span.score, text[start:end])
            )
    return out


def _vault_hits(text: str, vault: Vault, policy: Audience, protected: list[tuple[int, int]]) -> list[Span]:
    spans = []
    for entry in vault.entries():
        if not policy.action_for(entry.entity_type) or len(entry.value) < 3:
            continue
        pattern = r"(?<!\w)" + re.escape(entry.value).replace(r"\ ", r"\s+") + r"(?!\w)"
        for m in re.finditer(pattern, text, flags=re.IGNORECASE):
            if not any(m.start() < p_end and p_start < m.end() for p_start, p_end in protected):
                spans.append(Span(entry.entity_type, m.start(), m.end(), 1.0, m.group()))
    return spans
