"""Output checks run on every draft before it leaves: named findings that drafting, Slack and evals share.

Each check returns a `Finding(name, passed, detail)`. Details never repeat a leaked value: they name its
pseudonym or its kind, so a failing finding can itself be logged or shown.

Example::

    clearance_gate(needed=TLP.AMBER, ceiling=TLP.GREEN).detail
    # 'This answer needs TLP:AMBER sources; this channel is cleared for TLP:GREEN.'
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from guardrails.allowlist import names_in
from guardrails.audiences import Audience, get_audience
from guardrails.injection import hazards, strip_hidden
from guardrails.markings import TLP, highest
from guardrails.recognizers import find_all
from guardrails.vault import Vault

MIN_SQUASHED = 6  # shorter values are compared as whole words, not as letter runs
# Look-alike letters from other scripts, read as their Latin twins.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "ԁ": "d", "ӏ": "l", "ո": "n", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "м": "m", "н": "h", "т": "t", "в": "b", "к": "k", "μ": "m", "β": "b",
    }
)  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "l": "i", "8": "b"})
# Symbols may be letters in disguise ("p@ssw0rd") or plain punctuation ("Spring2026!Trade"): both readings are tried.
_LEET_SYMBOLS = str.maketrans({"@": "a", "$": "s", "!": "i", "|": "i"})
_B64 = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}){6,}\b")


class Finding(BaseModel):
    """One named check result."""

    model_config = ConfigDict(frozen=True)

    name: str
    passed: bool
    detail: str


def _tlp_list(values: Iterable[TLP | str]) -> list[TLP]:
    return [TLP.parse(v) for v in values]


def normalise_for_leaks(text: str) -> str:
    """Case, look-alike letters, leetspeak and invisible characters removed: 'J0HN\u200b S.mith' ~ 'john smith'."""
    text, _, smuggled = strip_hidden(text)
    text = unicodedata.normalize("NFKC", text + " " + smuggled).casefold().translate(_CONFUSABLES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.translate(_LEET)


def _forms(text: str) -> list[tuple[str, str]]:
    """(letter run, spaced words), read with symbols as letters and with symbols as punctuation."""
    norm = normalise_for_leaks(text)
    pairs = []
    for reading in (norm.translate(_LEET_SYMBOLS), norm):
        pair = (re.sub(r"[\W_]+", "", reading), " " + re.sub(r"[\W_]+", " ", reading).strip() + " ")
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def _decoded(text: str) -> str:
    """Base64 and hex runs decoded, so 'encode the name in base64' does not get past the check."""
    out = []
    for token in _B64.findall(text):
        try:
            raw = base64.b64decode(
                token + "=" * (-len(token) % 4), altchars=b"-_" if "-" in token or "_" in token else None
            )
            if raw and all(32 <= b < 127 for b in raw):
                out.append(raw.decode("ascii"))
        except (binascii.Error, ValueError):
            pass
    for token in _HEX.findall(text):
        raw = bytes.fromhex(token)
        if all(32 <= b < 127 for b in raw):
            out.append(raw.decode("ascii"))
    return " ".join(out)


def _found(value: str, haystacks: list[tuple[str, str]]) -> bool:
    for squashed, spaced in _forms(value.strip().lstrip("@")):  # a handle's "@" is easy to drop
        if not squashed:
            continue
        if len(squashed) >= MIN_SQUASHED:
            if any(squashed in hay for hay, _ in haystacks):
                return True
        elif any(spaced in hay for _, hay in haystacks):
            return True
    return False


def check_leakage(
    *, text: str, vault: Vault, canaries: Iterable[str] = (), secrets: Iterable[str] = ()
) -> Finding:
    """No redacted value, canary or secret reappears, even with case, spacing, dots, zero-width characters,
    look-alike letters, light leetspeak or base64 in between."""
    haystack = text + " " + _decoded(text)
    haystacks = _forms(haystack)
    leaks: list[str] = []
    for entry in vault.entries():
        if _found(entry.value, haystacks):
            leaks.append(f"{entry.entity_type} {entry.pseudonym}")
    for kind, values in (("canary", canaries), ("secret", secrets)):
        for i, value in enumerate(values, 1):
            if value and _found(value, haystacks):
                leaks.append(f"{kind} #{i}")
    leaks = sorted(set(leaks))
    if leaks:
        return Finding(
            name="leakage",
            passed=False,
            detail=f"{len(leaks)} protected value(s) reappear: {', '.join(leaks)}.",
        )
    return Finding(name="leakage", passed=True, detail="No redacted value, canary or secret reappears.")


def check_patterns(*, text: str, audience: Audience | str) -> Finding:
    """Pattern-only scan (no NLP): no credential, key, canary, marking or other stripped type is left."""
    policy = get_audience(audience)
    kinds = sorted({s.entity_type for s in find_all(text) if policy.action_for(s.entity_type)})
    if kinds:
        return Finding(name="patterns", passed=False, detail=f"The draft still contains: {', '.join(kinds)}.")
    return Finding(
        name="patterns", passed=True, detail=f"Nothing the {policy.name} audience strips was found."
    )


def check_citation_clearance(*, cited_tlps: Iterable[TLP | str], ceiling: TLP | str) -> Finding:
    ceiling = TLP.parse(ceiling)
    above = [t for t in _tlp_list(cited_tlps) if t > ceiling]
    if above:
        return Finding(
            name="citation_clearance",
            passed=False,
            detail=f"{len(above)} citation(s) above {ceiling.label} (highest {highest(above).label}).",
        )
    return Finding(
        name="citation_clearance", passed=True, detail=f"All citations are within {ceiling.label}."
    )


def clearance_gate(*, needed: TLP | str, ceiling: TLP | str, where: str = "this channel") -> Finding:
    """Refuse, with a short reason, an answer that would need sources above the clearance."""
    needed, ceiling = TLP.parse(needed), TLP.parse(ceiling)
    if needed <= ceiling:
        return Finding(
            name="clearance_gate",
            passed=True,
            detail=f"Needs {needed.label}; {where} is cleared for {ceiling.label}.",
        )
    extra = " TLP:RED goes only to named recipients in a direct message." if needed == TLP.RED else ""
    return Finding(
        name="clearance_gate",
        passed=False,
        detail=f"This answer needs {needed.label} sources; {where} is cleared for {ceiling.label}.{extra}",
    )


def check_answer_marking(*, declared: TLP | str, cited_tlps: Iterable[TLP | str]) -> Finding:
    """The answer carries the highest TLP among the passages it used (never lower)."""
    declared, needed = TLP.parse(declared), highest(_tlp_list(cited_tlps))
    if declared < needed:
        return Finding(
            name="answer_marking", passed=False, detail=f"Marked {declared.label} but cites {needed.label}."
        )
    return Finding(
        name="answer_marking",
        passed=True,
        detail=f"Marked {declared.label}; highest citation {needed.label}.",
    )


def check_public_sources(
    *,
    audience: Audience | str,
    cited_tlps: Iterable[TLP | str],
    text: str = "",
    source_texts: Sequence[str] = (),
    actor_names: Sequence[str] = (),
) -> Finding:
    """Public lines use only sources the audience admits (TLP:CLEAR), and name no actor or sponsor that
    those sources do not name themselves (no attribution beyond the official position)."""
    policy = get_audience(audience)
    above = [t for t in _tlp_list(cited_tlps) if not policy.admits(t)]
    if above:
        return Finding(
            name="public_sources",
            passed=False,
            detail=f"{len(above)} source(s) above {policy.max_source_tlp.label}, which the {policy.name} audience may not use.",
        )
    if policy.attribution_clear_only and actor_names:
        stated = set(names_in(" ".join(source_texts), actor_names))
        beyond = [n for n in names_in(text, actor_names) if n not in stated]
        if beyond:
            return Finding(
                name="public_sources",
                passed=False,
                detail=f"Attribution beyond the cited public sources: {', '.join(sorted(beyond))}.",
            )
    return Finding(name="public_sources", passed=True, detail=f"Sources fit the {policy.name} audience.")


def check_output_safety(*, text: str) -> Finding:
    """No hidden characters, remote images, data-carrying links or chat-role tags in what is posted."""
    problems = hazards(text)
    if problems:
        return Finding(name="output_safety", passed=False, detail="The draft " + "; ".join(problems) + ".")
    return Finding(name="output_safety", passed=True, detail="No hidden text, remote images or role tags.")


def run_output_checks(
    *,
    text: str,
    vault: Vault,
    ceiling: TLP | str,
    cited_tlps: Sequence[TLP | str],
    audience: Audience | str,
    canaries: Iterable[str] = (),
    secrets: Iterable[str] = (),
    declared_marking: TLP | str | None = None,
    source_texts: Sequence[str] = (),
    actor_names: Sequence[str] = (),
) -> list[Finding]:
    """Every check, in a fixed order; the draft may be posted only if all pass."""
    findings = [
        check_leakage(text=text, vault=vault, canaries=canaries, secrets=secrets),
        check_patterns(text=text, audience=audience),
        check_citation_clearance(cited_tlps=cited_tlps, ceiling=ceiling),
        check_public_sources(
            audience=audience,
            cited_tlps=cited_tlps,
            text=text,
            source_texts=source_texts,
            actor_names=actor_names,
        ),
        check_output_safety(text=text),
    ]
    if declared_marking is not None:
        findings.append(check_answer_marking(declared=declared_marking, cited_tlps=cited_tlps))
    return findings


def failures(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.passed]
