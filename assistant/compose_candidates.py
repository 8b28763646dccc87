"""Candidate sentences for the composer: source sentences a brief may use, rewritten for its audience.

A passage is read as Markdown blocks (paragraphs and list items under their heading; quotes, tables, code and
label lines are left out) and split into sentences. A sentence is kept when it is brief material (no quoted
speech, addresses or host names, no flat attribution below high confidence); it is then put in the third
person, its jargon explained with the glossary (tool and malware names with a few words) and shortened.
Public text also names no one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from assistant.brief import ConfidenceLevel
from assistant.compose_rules import GRADE_TARGETS, MAX_SENTENCE_WORDS
from assistant.confidence import LEVELS, cap_likelihood, likelihood_words, stated_levels
from assistant.glossary import explain, local_definitions
from assistant.glossary_tools import explain_tools, tool_notes
from assistant.plain import (
    content_words,
    has_first_person,
    is_fragment,
    readability,
    shorten,
    split_sentences,
    stem,
    strip_noise,
    third_person,
    wordset,
)
from retrieval.documents import Passage

_HEADING_LINE = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_LABEL_LINE = re.compile(r"^[A-Z][A-Za-z /()-]{1,40}:\s+\S")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
_HOST = re.compile(
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:internal|local|lan|corp|example|com|net|org|gov|io|ru|cn)\b", re.I
)
_QUOTED = re.compile(r"[\"“]([^\"”]+)[\"”]")
_AUTHORITY = re.compile(
    r"\b(?:CERT|CSIRT|NCSC|CISA|agency|agencies|ministry|police|centre|center|authority|government)\b", re.I
)
_NAME_TOKEN = re.compile(r"(?<![\w-])[A-Z][\w&'’-]*")
_EVERYDAY_CAPITALS = wordset(
    """
    i we our it they the a an this these those there us windows internet monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august september october
    november december
    """
)
_DANGLING = wordset(
    """
    a an the and or but nor because since although though if unless whether that which who whom whose
    it its their our your his her to of for with by from into onto at in on as than so such
    """
)
_HEDGES = re.compile(
    r"\b(?:assess|assesses|assessed|likely|probabl|suspect|may|might|could|possibl|consistent|match|linked|"
    r"tracks?|tracked|believe|judge|confidence|reported|claim)",
    re.I,
)


@dataclass(frozen=True)
class Candidate:
    """A source sentence, rewritten for the audience, with the passage (by index) it came from."""

    passage: int
    order: int
    heading: str
    source_text: str
    pieces: tuple[str, ...]
    stems: frozenset[str]
    words: tuple[str, ...] = field(default=())


def read_candidates(
    passages: Sequence[Passage], *, audience: str, actor: str | None, level: str, sponsor: str | None
) -> list[Candidate]:
    """Every usable sentence of the passages; very hard ones are left out when enough easier ones remain."""
    names = allowed_names(passages, level=level, sponsor=sponsor)
    reader = _Reader(
        audience=audience,
        actor=actor,
        level=level,
        allowed_names=names,
        sponsor=sponsor,
        tools=_tool_notes(passages),
    )
    candidates = [c for i, p in enumerate(passages) for c in reader.candidates(i, p)]
    # Very hard sentences sink a brief's grade; leave them out when enough easier ones remain, but not from
    # the passage closest to the question when it has too few easier ones of its own: its hard sentences
    # may be all it says on the question ("GRU Unit 29155 have been responsible for ..." in an advisory).
    cap = GRADE_TARGETS.get(audience, 99.0) + 4
    easy = [c for c in candidates if readability(c.pieces[0]).grade <= cap]
    if len(easy) < 3:
        return candidates
    top_is_hard = sum(1 for c in easy if c.passage == 0) < 2
    return [c for c in candidates if c in easy or (top_is_hard and c.passage == 0)]


def _tool_notes(passages: Sequence[Passage]) -> dict[str, str]:
    """A few words for each tool or malware name any of the passages lists ("Rclone (a file-copying tool
    ...)"), for every passage: a report that names Snake without listing it is about the same malware.
    Names that are also an actor's are left alone."""
    groups = {n.casefold() for p in passages for n in (*p.entities.actors, *p.entities.aliases)}
    listed = [n for p in passages for n in p.entities.malware if n.casefold() not in groups]
    return tool_notes(dict.fromkeys(listed), context="\n".join(p.text for p in passages))


def allowed_names(passages: Sequence[Passage], *, level: str, sponsor: str | None) -> frozenset[str]:
    """Capitalised words public text may use: places, sectors and (at high confidence) the actor."""
    names: list[str] = []
    withheld: list[str] = []
    for p in passages:
        names += [*p.entities.countries, *p.entities.sectors]
        attributed = [*p.entities.actors, *p.entities.aliases, *p.entities.sponsors]
        (names if level == "high" else withheld).extend(attributed)
        withheld.extend(p.entities.malware)  # tool names are technical detail
        if p.entities.cves or p.doc_type in ("kev", "vulnerability"):
            names.append(p.title)  # a flaw advisory's title names the vendor and product, not a victim
    if sponsor and level != "high":
        withheld.append(sponsor)
    names += [short_source(p.source) for p in passages if _AUTHORITY.search(p.source)]
    words = {w.casefold() for n in names for w in re.findall(r"[\w'-]+", n)}
    words -= {w.casefold() for n in withheld for w in re.findall(r"[\w'-]+", n)}
    return frozenset(words) | _EVERYDAY_CAPITALS


def short_source(source: str) -> str:
    """'National CERT (joint advisory ...)' -> 'The National CERT'; 'X - public statement' -> 'X'."""
    name = re.split(r"\s+[-–—]\s+|\s*\(", source.strip())[0].strip() or source.strip()
    first = name.split()[0] if name.split() else ""
    if first.casefold() == "the" or (first.isupper() and len(first) > 1):
        return name[0].upper() + name[1:]
    return "The " + name[0].upper() + name[1:] if name else "The source"


def blocks(passage: Passage) -> list[tuple[str, str]]:
    """(heading, paragraph or list item) pairs; quotes, tables, code and label lines are left out."""
    heading = passage.heading.split(">")[-1].strip().casefold()
    out: list[tuple[str, str]] = []
    current: list[str] = []
    in_code = False

    def flush() -> None:
        if current:
            out.append((heading, " ".join(current)))
            current.clear()

    for line in passage.text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            flush()
            continue
        match = _HEADING_LINE.match(line)
        if in_code or match or not stripped or stripped.startswith((">", "|")) or _LABEL_LINE.match(stripped):
            flush()
            if match:
                heading = re.sub(r"\s*\(continued\)$", "", match.group(1)).strip().casefold()
            continue
        if _LIST_ITEM.match(line):
            flush()
        current.append(stripped)
    flush()
    return out


def own_voice(sentence: str, speaker: str) -> str:
    """A source's "we" and "our" in the brief's voice: "We have rebuilt our build system" becomes "The
    vendor has rebuilt its build system"; "part of our build system" becomes "part of the vendor's ...";
    "alerted us" becomes "alerted the vendor"."""
    voiced = third_person(sentence, speaker)
    if voiced != sentence:  # "We ..." became "<speaker> ...": later "our" is the subject's own
        return re.sub(r"\bour\b", "its", voiced)
    name = speaker[4:] if speaker.startswith("The ") else speaker
    owner = name + ("'" if name.endswith("s") else "'s")
    lead = ("The " if speaker.startswith("The ") else "") + owner
    inner = ("the " if speaker.startswith("The ") else "") + owner
    voiced = re.sub(r"^Our\b", lead, sentence)
    voiced = re.sub(r"\bour\b", inner, voiced)
    return re.sub(r"(?<=[a-z] )us\b", ("the " if speaker.startswith("The ") else "") + name, voiced)


def _dangles(piece: str) -> bool:
    """A piece cut off mid-clause: "The submission is kept for analysts because it."."""
    words = re.findall(r"[A-Za-z']+", piece)
    return bool(words) and words[-1].casefold() in _DANGLING


def _overclaims(sentence: str, actor: str) -> bool:
    """A flat statement that the actor did it, with no hedge: not for use below high confidence."""
    if actor.casefold() not in sentence.casefold():
        return False
    flat = re.search(
        r"\b(?:carried out|was behind|is behind|is responsible|was responsible|conducted|perpetrated)\b",
        sentence,
        re.I,
    )
    return bool(flat) and not _HEDGES.search(sentence)


@dataclass(frozen=True)
class _Reader:
    """Turns one passage's sentences into candidates for a given audience and attribution level."""

    audience: str
    actor: str | None
    level: str
    allowed_names: frozenset[str]
    sponsor: str | None = None
    tools: Mapping[str, str] = field(default_factory=dict)  # tool and malware names -> a few words

    def candidates(self, index: int, passage: Passage) -> list[Candidate]:
        out: list[Candidate] = []
        order = 0
        defined = local_definitions(passage.text)
        speaker = self._speaker(passage)
        for heading, block in blocks(passage):
            for sentence in split_sentences(strip_noise(block)):
                order += 1
                if not self._usable(sentence):
                    continue
                rewritten = explain(
                    own_voice(sentence, speaker), audience=self.audience, defined=defined, tools=self.tools
                )
                pieces = tuple(
                    explain_tools(p, audience=self.audience, tools=self.tools)  # shorten() drops "(...)"
                    for p in shorten(rewritten, MAX_SENTENCE_WORDS)
                    if not is_fragment(p) and not _dangles(p)
                )[:2]
                if any(has_first_person(piece) for piece in pieces):
                    continue  # a source's "we" would read as the brief's own voice
                if not pieces or (self.audience == "public" and not all(self._public_ok(p) for p in pieces)):
                    continue
                words = tuple(w.casefold() for w in re.findall(r"[A-Za-z][\w'-]*", sentence))
                stems = frozenset(stem(w) for w in content_words(sentence))
                out.append(Candidate(index, order, heading, sentence, pieces, stems, words))
        return out

    def _speaker(self, passage: Passage) -> str:
        """Who "we" is in a source: its publisher, or a neutral word when public text may not name it."""
        name = short_source(passage.source)
        if self.audience == "public" and not _AUTHORITY.search(name):
            return "The organisation"  # a victim's own statement: public text does not name it
        return name

    def _usable(self, sentence: str) -> bool:
        words = sentence.split()
        if not 5 <= len(words) <= 60 or sentence.rstrip().endswith("?") or "[removed" in sentence:
            return False
        if is_fragment(sentence):
            return False
        if any(len(q.split()) >= 5 for q in _QUOTED.findall(sentence)):
            return False  # quoted speech or a lure: attributable words, not ours to restate
        if _EMAIL.search(sentence) or _IP.search(sentence) or _HOST.search(sentence):
            return False  # technical details: addresses and host names are not brief material
        if self.actor and self.level != "high" and _overclaims(sentence, self.actor):
            return False
        return not self._overstates(sentence)

    def _overstates(self, sentence: str) -> bool:
        """A source's confidence or likelihood about the actor or sponsor beyond our own level: "It is linked
        to Vostrania with low to moderate confidence" does not go in a brief whose attribution is low."""
        if self.level not in LEVELS or self.level == "high":
            return False
        folded = sentence.casefold()
        if not any(n and n.casefold() in folded for n in (self.actor, self.sponsor)):
            return False
        level = cast("ConfidenceLevel", self.level)
        if any(LEVELS.index(stated) > LEVELS.index(level) for stated in stated_levels(sentence)):
            return True
        return any(cap_likelihood(word, level) != word for word in likelihood_words(sentence))

    def _public_ok(self, text: str) -> bool:
        """Public text names no one: any capitalised word must be a place, sector or everyday word, and a
        redacted name (a pseudonym such as <ORG_3>) means the sentence is about someone public lines omit."""
        if re.search(r"<[A-Z][A-Z_]*_\d+>", text):
            return False
        for match in _NAME_TOKEN.finditer(text):
            before = text[: match.start()].rstrip()
            if (not before or before[-1] in ".!?:") and not match.group(0).isupper():
                continue
            if match.group(0).casefold() not in self.allowed_names:
                return False
        return not re.search(r"\d{1,3}(?:\.\d+){2,}", text)  # version numbers
