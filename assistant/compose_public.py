"""Public messaging for the composer: key messages, talking points, likely questions and what not to say.

Key messages lead with the brief's own bottom line, what happened and what is at stake, then add a
resilience and an uncertainty sentence picked by the cues in `prompts/sections.yaml`; talking points come
from the sources' advice sections. Who is responsible is named only at high confidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.brief import QA, PublicMessaging, Statement
from assistant.compose_facts import Facts
from assistant.compose_rules import Draft, Rules
from assistant.compose_select import Selector, as_draft, heading_in, matches


class PublicWriter:
    """Builds one drafting job's public messaging from its selector and its facts."""

    def __init__(self, rules: Rules, selector: Selector, facts: Facts) -> None:
        self.rules = rules
        self.selector = selector
        self.facts = facts

    def drafts(self, drafts: Mapping[str, Draft]) -> dict[str, Draft]:
        """Key messages and talking points, before citation numbers, reusing no section's sentence."""
        used = {text for section in drafts.values() for text, _ in section}
        key: Draft = [
            *drafts["bottom_line"][:1],
            *drafts["what_happened"][:1],
            *drafts["what_is_at_stake"][:1],
        ]
        key += self._by_cue(self.rules.resilience_cues, used)
        key += self._by_cue(self.rules.uncertainty_cues, used)
        if len(key) < 3:
            key += drafts["who_is_affected"][:1]
        key = list(dict.fromkeys(key))[:5]
        talking = self._by_cue((), used, headings=self.rules.advice_headings, k=3)
        talking += [d for d in drafts["who_is_affected"][:1] if d not in key]
        return {"key_messages": key, "talking_points": talking}

    def _by_cue(
        self, cues: Sequence[str], used: set[str], *, headings: Sequence[str] = (), k: int = 1
    ) -> Draft:
        selector = self.selector
        pool = []
        for c in selector.candidates:
            if c.pieces[0] in used:
                continue
            in_heading = heading_in(c.heading, headings) if headings else False
            hits = matches(c.source_text.casefold(), c.words, cues) if cues else 0
            if headings and not in_heading:
                continue
            if not headings and (hits == 0 or selector.skipped(c)):
                continue
            pool.append((hits + 0.5 * in_heading + selector.relevance(c) - selector.penalty(c), c))
        picked = selector.select(pool, k, [])
        for c in picked:
            used.add(c.pieces[0])
        return as_draft(picked)

    def messaging(
        self,
        key_messages: tuple[Statement, ...],
        talking_points: tuple[Statement, ...],
        sections: Mapping[str, tuple[Statement, ...]],
        numbers: Mapping[int, int],
    ) -> PublicMessaging:
        def answer(statements: Sequence[Statement]) -> str:
            return " ".join(f"{s.text} {''.join(f'[{n}]' for n in s.cites)}".strip() for s in statements)

        questions = [QA(question="What happened?", answer=answer(key_messages[:1]))] if key_messages else []
        if sections["who_is_affected"]:
            questions.append(QA(question="Who is affected?", answer=answer(sections["who_is_affected"][:1])))
        questions.append(QA(question="Who is responsible?", answer=self._responsibility_answer(numbers)))
        if talking_points:
            questions.append(QA(question="What should people do?", answer=answer(talking_points[:1])))
        return PublicMessaging(
            headline=self._headline(),
            key_messages=key_messages,
            talking_points=talking_points,
            likely_questions=tuple(questions),
            do_not_say=tuple(self._do_not_say(numbers)),
        )

    def _responsibility_answer(self, numbers: Mapping[int, int]) -> str:
        actor, level = self.facts.actor, self.facts.level
        if actor and level == "high":
            cite = numbers.get(self.facts.cite_actor()[0])
            mark = f" [{cite}]" if cite else ""
            return f"The public reports name {actor}.{mark} We will not go beyond what they say."
        return "We will not guess who is responsible. The investigation is still going on."

    def _headline(self) -> str:
        kinds = self.rules.headline_kinds
        kind = next(
            (kinds[t] for t in self.facts.assessment.threat_types if t in kinds), self.rules.headline_default
        )
        sector = next((s.casefold() for p in self.facts.passages for s in p.entities.sectors), None)
        return f"{kind} affecting the {sector} sector: what we know" if sector else f"{kind}: what we know"

    def _do_not_say(self, numbers: Mapping[int, int]) -> list[str]:
        """What a spokesperson must not say. A name goes in only when a cited public source states it:
        naming a suspect the public sources do not name would itself go beyond the official position."""
        actor, level = self.facts.actor, self.facts.level
        items = [
            "Names of victims, patients or staff, even when a public report gives them.",
            "Technical details: flaw numbers, internet addresses, file names or tool names.",
        ]
        sponsor = self.facts.assessment.sponsor
        said = " ".join(self.facts.passages[i].text for i in numbers if i < len(self.facts.passages))
        if actor and level != "high":
            who = actor if _names(said, actor) else "any named group"
            items.append(f"That {who} is responsible: our confidence is only {level}.")
        elif not actor:
            items.append("Any guess about who is responsible.")
        if sponsor and level != "high":
            items.append(f"That {sponsor} is behind this: there is no public attribution at this confidence.")
        items.append(
            "Anything from non-public reporting, and any damage or timeline the sources do not state."
        )
        return items


def _names(text: str, name: str) -> bool:
    return bool(re.search(r"(?<![\w-])" + re.escape(name.casefold()) + r"(?![\w-])", text.casefold()))
