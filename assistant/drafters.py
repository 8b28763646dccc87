"""Drafters behind one interface, and a small registry that picks one from configuration.

The composer is the default: it needs no model and never reaches the network. The language-model drafter
is used when asked for by name, or by default when `DETENTE_LLM` is set.

>>> from assistant.config import Settings
>>> get_drafter(None, Settings(llm=None)).name
'composer'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from assistant.brief import Assessment, Brief, Confidence, ResponseOption
from assistant.compose import Composer
from assistant.config import Settings
from retrieval.documents import Passage


@runtime_checkable
class Drafter(Protocol):
    """Turns ranked passages plus the assessment, options and confidence into a cited Brief."""

    name: str

    def draft(
        self,
        *,
        question: str,
        audience: str,
        passages: Sequence[Passage],
        assessment: Assessment,
        options: Sequence[ResponseOption],
        confidence: Confidence,
        clearance: str,
    ) -> Brief: ...


DrafterFactory = Callable[[Settings], Drafter]
_REGISTRY: dict[str, DrafterFactory] = {}


class UnknownDrafterError(ValueError):
    """A drafter name that nothing registered."""


def register_drafter(name: str, factory: DrafterFactory) -> None:
    """Add or replace a drafter; `factory(settings)` builds it when asked for."""
    _REGISTRY[name] = factory


def drafter_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get_drafter(name: str | None, settings: Settings) -> Drafter:
    """The drafter called `name`; without a name, "llm" when DETENTE_LLM is set, else "composer"."""
    chosen = name or ("llm" if settings.llm else "composer")
    try:
        factory = _REGISTRY[chosen]
    except KeyError:
        raise UnknownDrafterError(f"Unknown drafter {chosen!r}: use one of {', '.join(_REGISTRY)}.") from None
    return factory(settings)


def _composer(settings: Settings) -> Drafter:
    return Composer()


def _llm(settings: Settings) -> Drafter:
    from assistant.llm import LLMDrafter, chat_model_from_settings  # lazy: LangChain loads only when used

    return LLMDrafter(chat_model_from_settings(settings.llm, settings.llm_base_url), fallback=Composer())


register_drafter("composer", _composer)
register_drafter("llm", _llm)
