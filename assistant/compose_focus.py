"""The brief's focus: which retrieved passages are about the thing asked, and how closely.

Retrieval returns the top passages by similarity, and the lower-ranked ones are often about other incidents
(a different actor, another campaign's malware, an unrelated flaw). A brief about one incident must not
borrow their sentences, so the composer first settles on a focus and keeps only the passages that share it:

- the focal actor: the one the question names (or one of its aliases), else the one the passages support
  best (higher-ranked passages, in documents sharing more of the question's rare terms), which is the
  assessment's attribution unless its support is much weaker; a passage whose document names other actors
  and not this one is about another incident and is left out. When the top-ranked passage names no actor
  and every document naming that actor shares far fewer of the question's rare terms than the best
  document, the actor is a side note of retrieval (a Notepad++ question with an unrelated group's profile
  ranked sixth): there is no focal actor, and the brief is about what the question asks;
- the focal tools and flaws: malware and CVEs the question names, that on-topic documents list, or that
  their text mentions; a passage with no actor is judged by these the same way, unless its text names the
  focal actor (a CL0P advisory that mentions TA505 in passing lists no actor of its own);
- the question's key terms, weighted by how rare they are among the retrieved documents: a passage that
  names no actor, tool or flaw stays only if its document shares them (or it is the top-ranked passage),
  and then lends only sentences that share them too.

Kept passages also get a weight (documents that share more of the question's rare terms and rank higher
weigh more), which the selector uses to prefer sentences from the documents closest to the question: the
bottom line leads with the asked incident, not a side note from a related report.

The focus is a pure function of the question, the passages in rank order and the assessment: deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assistant.plain import STOPWORDS, stem, wordset
from retrieval.documents import Passage

_WORD = re.compile(r"[a-z][a-z0-9]*|\d+[a-z]+[a-z0-9]*", re.I)
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.I)
# Question scaffolding: words that ask rather than say what about ("what happened", "who is behind it").
_ASKING = wordset(
    """
    happen happened happening behind stake respond response mean means meaning doing know tell going
    latest current situation explain describe summary summarise summarize brief briefing concern concerns
    worry worried should need needs done affected affect impact
    """
)
MIN_WEIGHT = 0.35
# an unasked actor whose documents fit the question this much worse than the best document is no focus
WEAK_ACTOR_FIT = 0.4
NEUTRAL_FIT = 0.34  # share of the question's weighted terms a passage naming no actor or tool needs


def term(word: str) -> str:
    """A word's matching key: its crude stem, cut to five letters ("utilities" and "utility" match)."""
    return stem(word)[:5]


def terms(text: str) -> frozenset[str]:
    """The matching keys of a text's content words (hyphenated words also count by their parts)."""
    words = [w for w in _WORD.findall(text.casefold()) if len(w) > 2 and w not in STOPWORDS]
    return frozenset(term(w) for w in words)


def question_terms(question: str) -> frozenset[str]:
    asking = {term(w) for w in _ASKING}
    return frozenset(t for t in terms(question) if t not in asking)


def _folded(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n.casefold() for n in names if n and n.strip())


def _named_in(text: str, names: Iterable[str]) -> frozenset[str]:
    """The names (casefolded) that occur in `text` as whole words."""
    folded = text.casefold()
    return frozenset(
        n.casefold()
        for n in names
        if n and re.search(r"(?<![\w-])" + re.escape(n.casefold()) + r"(?![\w-])", folded)
    )


@dataclass(frozen=True)
class Focus:
    """What the brief is about: the kept passages (in rank order) and how closely each fits."""

    passages: tuple[Passage, ...]
    weights: tuple[float, ...]  # per kept passage, MIN_WEIGHT..1
    actor: str | None = None  # the focal actor, as the sources write it
    off_focus_attribution: bool = False  # the assessment names an actor of a left-out incident
    actors: frozenset[str] = frozenset()  # casefolded focal actor names and aliases
    names: frozenset[str] = frozenset()  # casefolded focal names: actors, aliases, malware, CVEs
    others: frozenset[str] = frozenset()  # casefolded actor names of left-out incidents
    terms: dict[str, float] = field(default_factory=dict)  # question key -> rarity weight
    loose: frozenset[int] = frozenset()  # kept passages (by index) that name no focal actor or tool
    dropped: int = 0

    def relevance(self, text: str) -> float:
        """0..1: how much of the question's weighted key terms (and focal names) a sentence carries."""
        hit = _fit(text, self.terms)
        named = 0.25 if self.names and _named_in(text, self.names) else 0.0
        return min(1.0, hit + named)

    def strays(self, text: str) -> bool:
        """True when a sentence names an actor of another incident and none of the focal names."""
        return bool(self.others and _named_in(text, self.others) and not _named_in(text, self.names))


def find_focus(question: str, passages: Sequence[Passage], *, attribution: str | None = None) -> Focus:
    """Settle the brief's focus and keep only the passages that share it (see the module docstring)."""
    if not passages:
        return Focus(passages=(), weights=())
    docs = _documents(passages)
    asked = question_terms(question)
    rarity = _rarity(asked, (f"{title}\n{body}" for title, body in docs.values()))
    # a document's title says what it is about: a question term there counts as much as in all its text
    fits = {
        doc: 0.5 * _fit(title, rarity) + 0.5 * _fit(f"{title}\n{body}", rarity)
        for doc, (title, body) in docs.items()
    }
    actors, actor = _focal_actors(question, passages, attribution, fits)
    on_topic = [p for p in passages if _actor_names(p) & actors] if actors else []
    tools = _focal_tools(question, on_topic or passages[:1])
    kept: list[tuple[int, Passage]] = []
    for i, p in enumerate(passages):
        if _belongs(i, p, question, actors, tools, fits[p.doc_id]):
            kept.append((i, p))
    loose = frozenset(
        j for j, (_, p) in enumerate(kept) if not (_actor_names(p) & actors or _tools(p) & tools)
    )
    if not kept:  # nothing shares the focus (it should not happen): keep what retrieval gave
        kept = list(enumerate(passages))
    best = max((fits[p.doc_id] for _, p in kept), default=0.0)
    weights = []
    for i, p in kept:
        closeness = fits[p.doc_id] / best if best else 1.0
        rank = 1 / (1 + 0.15 * i)
        weights.append(round(max(MIN_WEIGHT, 0.6 * closeness + 0.4 * rank), 4))
    focal = [p for _, p in kept]
    names = actors | tools | _folded(a for p in focal if _actor_names(p) & actors for a in p.entities.aliases)
    others = (
        _folded(a for p in passages if p not in focal for a in (*p.entities.actors, *p.entities.aliases))
        - names
    )
    listed = attribution is not None and any(attribution.casefold() in _actor_names(p) for p in passages)
    return Focus(
        passages=tuple(focal),
        weights=tuple(weights),
        actor=actor,
        off_focus_attribution=listed and attribution is not None and attribution.casefold() not in actors,
        actors=actors,
        names=names,
        others=others,
        terms=rarity,
        loose=loose if actors or tools else frozenset(),
        dropped=len(passages) - len(focal),
    )


def _documents(passages: Sequence[Passage]) -> dict[str, tuple[str, str]]:
    """Each retrieved document's title, and its headings and retrieved passages in rank order."""
    docs: dict[str, tuple[str, list[str]]] = {}
    for p in passages:
        docs.setdefault(p.doc_id, (p.title, []))[1].extend((p.heading, p.text))
    return {doc: (title, "\n".join(parts)) for doc, (title, parts) in docs.items()}


def _rarity(asked: frozenset[str], docs: Iterable[str]) -> dict[str, float]:
    """Each question key's weight: rarer among the retrieved documents weighs more (smoothed IDF)."""
    texts = [terms(d) for d in docs]
    n = len(texts)
    out = {}
    for t in sorted(asked):
        df = sum(1 for d in texts if t in d)
        out[t] = math.log((n + 1) / (df + 0.5))
    return {t: w for t, w in out.items() if w > 0}


def _fit(text: str, rarity: dict[str, float]) -> float:
    """0..1: the share of the question's weighted key terms that a text carries."""
    total = sum(rarity.values())
    if not total:
        return 0.0
    present = terms(text)
    return sum(w for t, w in rarity.items() if t in present) / total


def _actor_names(p: Passage) -> frozenset[str]:
    return _folded((*p.entities.actors, *p.entities.aliases))


def _focal_actors(
    question: str, passages: Sequence[Passage], attribution: str | None, fits: dict[str, float]
) -> tuple[frozenset[str], str | None]:
    """The focal actor's names (with aliases) and display name.

    The actor the question names; else the one the retrieved passages support best (ranked higher, in
    documents that share more of the question's rare terms), which is the assessment's attribution unless
    that has much weaker support (the assessment counts passages; the focus weighs them).
    """
    groups: dict[str, set[str]] = {}
    display: dict[str, str] = {}
    support: dict[str, float] = {}
    for i, p in enumerate(passages):
        for actor in p.entities.actors:
            key = actor.casefold()
            display.setdefault(key, actor)
            group = groups.setdefault(key, {key})
            if len(p.entities.actors) == 1:
                group |= _folded(p.entities.aliases)
            support[key] = support.get(key, 0.0) + (0.5 + fits.get(p.doc_id, 0.0)) / (1 + i)
    if not groups:
        return frozenset(), None
    asked = [k for k in groups if _named_in(question, groups[k])]
    if asked:
        chosen = sorted(asked, key=lambda k: (-support[k], k))
        return frozenset(n for k in chosen for n in groups[k]), display[chosen[0]]
    best = max(sorted(support), key=lambda k: support[k])
    named = attribution.casefold() if attribution else ""
    if named in support and support[named] >= 0.5 * support[best]:
        best = named
    if not passages[0].entities.actors:  # the best-ranked passage is about no actor: is this one a side note?
        actor_fit = max(
            (fits.get(p.doc_id, 0.0) for p in passages if best in _folded(p.entities.actors)), default=0.0
        )
        if actor_fit < WEAK_ACTOR_FIT * max(fits.values(), default=0.0):
            return frozenset(), None
    return frozenset(groups[best]), display[best]


def _tools(p: Passage) -> frozenset[str]:
    return _folded((*p.entities.malware, *p.entities.cves))


def _focal_tools(question: str, on_topic: Sequence[Passage]) -> frozenset[str]:
    """Malware and CVEs of the on-topic passages (listed or mentioned), plus any the question names."""
    tools = {n.casefold() for p in on_topic for n in (*p.entities.malware, *p.entities.cves)}
    tools |= {m.casefold() for p in on_topic for m in _CVE.findall(p.text)}
    tools |= {m.casefold() for m in _CVE.findall(question)}
    return frozenset(tools)


def _belongs(
    index: int, p: Passage, question: str, actors: frozenset[str], tools: frozenset[str], fit: float
) -> bool:
    """Whether a passage is about the focus: shared actor or tool, else shared rare question terms."""
    own_actors = _actor_names(p)
    own_tools = _tools(p)
    if _named_in(question, (*own_actors, *own_tools)):
        return True  # the question names it
    if own_actors and actors:
        return bool(own_actors & actors)
    if own_tools and (actors or tools):
        # another flaw or tool than the focus's, unless its text names the focal actor: a CL0P advisory
        # lists MOVEit's CVE and no actor, but says that TA505 runs CL0P
        return bool(own_tools & tools) or bool(_named_in(p.text, actors))
    return index == 0 or fit >= NEUTRAL_FIT
