"""A conversation (a Slack thread, a CLI session): its earlier questions and its pseudonym vault.

The vault keeps `<PERSON_1>` the same person for the whole conversation; it lives in memory only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guardrails.vault import Vault

MAX_CONTEXT_QUESTIONS = 3


@dataclass
class Conversation:
    vault: Vault = field(default_factory=Vault)
    questions: list[str] = field(default_factory=list)

    def retrieval_query(self, question: str) -> str:
        """A follow-up is read together with the thread's recent questions."""
        recent = self.questions[-MAX_CONTEXT_QUESTIONS:]
        return " ".join([*recent, question]) if recent else question

    def remember(self, question: str) -> None:
        self.questions.append(question)
