"""The final re-scan: analyse the whole draft once and replace anything sensitive that slipped through.

One analyzer pass over the joined draft (not one per sentence) keeps this within the answer's time budget;
values it finds are added to the conversation's vault and replaced everywhere in the brief by exact match.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.brief import QA, Brief, Statement
from assistant.glossary import explain
from guardrails.allowlist import AllowList
from guardrails.audiences import Audience
from guardrails.redact import rescan
from guardrails.vault import Vault


def brief_text(brief: Brief) -> str:
    """Everything a reader sees, as one text: prose, options, public lines and citation titles."""
    parts = [s.text for s in brief.all_statements()]
    parts += [f"{o.title}. {o.action}" for o in brief.options]
    if brief.public:
        parts.append(brief.public.headline)
        parts += [f"{qa.question} {qa.answer}" for qa in brief.public.likely_questions]
        parts += list(brief.public.do_not_say)
    parts += [c.title for c in brief.citations]
    return "\n".join(p for p in parts if p)


def scrub(*, brief: Brief, audience: Audience, vault: Vault, allow: AllowList) -> tuple[Brief, int]:
    """The brief with every sensitive value replaced by its pseudonym, and how many the re-scan found."""
    found = rescan(text=brief_text(brief), audience=audience, vault=vault, allow=allow)
    # Exact-match every vault value, not only the new ones: a drafter may reintroduce a value redacted from
    # a passage through metadata (a source or title).
    pseudonyms = {e.value.casefold(): e.pseudonym for e in vault.entries() if e.value.strip()}
    values = sorted(pseudonyms, key=len, reverse=True)  # longest first: "Dr. Jane Roe" before "Jane"
    pattern = re.compile("|".join(re.escape(v) for v in values), re.IGNORECASE) if values else None

    def clean(text: str) -> str:
        return pattern.sub(lambda m: pseudonyms[m.group(0).casefold()], text) if pattern else text

    def title(text: str) -> str:
        # ATT&CK titles carry raw technique ids ("Phishing (T1566)"); audiences that strip ids read words.
        return clean(explain(text, audience=audience.name) if audience.strips_technique_ids else text)

    def statements(items: tuple[Statement, ...]) -> tuple[Statement, ...]:
        return tuple(s.model_copy(update={"text": clean(s.text)}) for s in items)

    update: dict[str, Any] = {name: statements(getattr(brief, name)) for name in _SECTIONS}
    update["citations"] = tuple(c.model_copy(update={"title": title(c.title)}) for c in brief.citations)
    if brief.public:
        p = brief.public
        update["public"] = p.model_copy(
            update={
                "headline": clean(p.headline),
                "key_messages": statements(p.key_messages),
                "talking_points": statements(p.talking_points),
                "likely_questions": tuple(
                    QA(question=clean(q.question), answer=clean(q.answer)) for q in p.likely_questions
                ),
            }
        )
    return brief.model_copy(update=update), len(found.replacements)


_SECTIONS = ("bottom_line", "what_happened", "who_is_affected", "what_is_at_stake", "how_sure", "timeline")
__all__ = ["brief_text", "scrub"]
