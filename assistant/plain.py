"""Plain-language mechanics: clean source text, split and shorten sentences, measure readability.

Sentences are shortened by cutting, never by writing: splitting at semicolons, dropping parentheticals and
citation or link noise, and dropping non-restrictive clauses. Every word in the output is a word of the input
(apart from capitalising a new sentence's first letter and closing it with a full stop), so a shortened
sentence stays grounded in its passage.

Readability uses textstat's formulas with its pyphen-based syllable counter. textstat's default English mode
looks words up in NLTK's CMU dictionary and downloads it on first use; the language code "en-US" (hyphen, not
underscore) skips that look-up, so nothing is fetched at run time.

>>> shorten("The group sent emails (Citation: CERT 2026); staff opened two of them.")
['The group sent emails.', 'Staff opened two of them.']
>>> readability("The attackers sent about 60 emails. Staff opened two.").avg_sentence_words
4.5
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "approx.",
    "Dr.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Prof.",
    "St.",
    "No.",
    "Inc.",
    "Ltd.",
    "Co.",
    "Corp.",
    "Jan.",
    "Feb.",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
    "U.S.",
    "U.K.",
    "Fig.",
    "cf.",
)
_DOT = "\u2024"  # one-dot leader: stands in for a protected full stop while splitting
_ABBREV_RE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True)) + r")",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"(?:(?<=[.!?][\"'”’)\]])|(?<=[.!?]))\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_CITE_MARK = re.compile(r"\s*\[(\d+(?:\s*[,\-–]\s*\d+)*)\]")

# Noise that never belongs in a reader's sentence.
_CITATION = re.compile(r"\s*\(Citation:[^)]*\)")
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\((?:<[^>\n]*>|[^)\s]+)(?:\s+\"[^\"\n]*\")?\)")
_URL = re.compile(r"<?https?://[^\s<>)\]]+>?")
_JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
# HTML tags and comments, but not redaction pseudonyms (<PERSON_1>, <ORG_3>): removing those would leave
# sentences with a hole where a name was ("The was down for 72 hours").
_HTML = re.compile(r"<!--.*?-->|</?(?![A-Z][A-Z_]*_\d+>)[a-zA-Z][^>\n]*>", re.S)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_SPACES = re.compile(r"[ \t]+")

# Clause cuts used by `shorten`, in order of preference.
_SEMICOLON = re.compile(r"\s*;\s+")
_COLON = re.compile(r"(?<=\w):\s+(?=[a-z]+\s+\w+\s+\w+)")
_COORDINATE = re.compile(
    r",\s+(?:and|but|so|while|whereas)\s+(?=(?:they|it|he|she|we|the|this|that|these|those|its|their|"
    r"our|a|an|some|many|most|all|no|staff|attackers|officials)\b)",
    re.IGNORECASE,
)
# Only a trailing clause: a mid-sentence ", which ..." may end at a list comma, and cutting it would
# change the meaning ("at the network, which runs X, Y and Z").
_WHICH_CLAUSE = re.compile(r",\s+(?:which|who|whose)\s+(?:[^,;.]|(?<=\d)[,.](?=\d))+\.?$")
_LEADING_NOISE = re.compile(r"^\s*(?:[-*+>•]\s+|\d{1,2}[.)]\s+|#+\s+)+")


def wordset(words: str) -> frozenset[str]:
    """A word list written as one string (kept as data-like text rather than a long literal)."""
    return frozenset(words.split())


STOPWORDS = wordset(
    """
    a an the and or but if then than that this these those there their them they it its it's is are was
    were be been being am has have had having do does did done of in on at to for from by with without
    about into onto over under after before during since until as so such not no nor only also very more
    most much many some any all each every both either neither other another own same can could may
    might must shall should will would we our us you your he she his her him who whom whose which what
    when where why how i me my up down out off again further once here just too between among within
    while because although though can't won't don't isn't aren't wasn't weren't
    """
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def stem(word: str) -> str:
    """A crude stem: enough to match "exploited" with "exploits" without a language model."""
    word = word.casefold().replace("’", "'").removesuffix("'s")
    for suffix, keep in (
        ("ies", "y"),
        ("ing", ""),
        ("ied", "y"),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
        ("ly", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    return word[:7]


def content_words(text: str) -> list[str]:
    """Words longer than two letters that are not stopwords, in order (citation markers ignored)."""
    words = [w.strip("'’-") for w in _WORD.findall(_CITE_MARK.sub("", text))]
    return [w for w in words if len(w) > 2 and w.casefold() not in STOPWORDS]


@dataclass(frozen=True)
class Readability:
    grade: float  # Flesch-Kincaid grade (textstat, pyphen syllables)
    avg_sentence_words: float
    sentences: int
    words: int


def strip_noise(text: str) -> str:
    """Remove Markdown, link, citation and template noise from one line or paragraph of source text."""
    text = _JINJA.sub(" ", text)
    text = _HTML.sub(" ", text)
    text = _MD_IMAGE.sub(" ", text)
    text = text.replace("\\[", "[").replace("\\]", "]").replace("\\_", "_").replace("\\*", "*")
    text = _MD_LINK.sub(r"\1", text)
    text = _CITATION.sub("", text)
    text = _URL.sub(" ", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    text = _LEADING_NOISE.sub("", text)
    text = _SPACES.sub(" ", text)
    return re.sub(r"\s+([,.;:!?])", r"\1", text).strip()


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; abbreviations, decimals and version numbers do not end a sentence."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    protected = _ABBREV_RE.sub(lambda m: m.group(1).replace(".", _DOT), text)
    protected = re.sub(r"(?<=\d)\.(?=\d)", _DOT, protected)
    parts = _BOUNDARY.split(protected)
    return [p.replace(_DOT, ".").strip() for p in parts if p.strip()]


def word_count(text: str) -> int:
    """Words as a reader counts them: citation markers and bare punctuation are not words."""
    return len([w for w in _CITE_MARK.sub("", text).split() if re.search(r"[A-Za-z0-9]", w)])


def _finish(piece: str) -> str:
    piece = piece.strip(" ,;:-–—")
    if not piece:
        return ""
    piece = piece[0].upper() + piece[1:]
    if piece[-1] not in ".!?":
        piece = piece.rstrip(".") + "."
    return piece


def shorten(sentence: str, max_words: int = 25, *, min_words: int = 4) -> list[str]:
    """Cut a sentence into readable sentences of at most `max_words` where the grammar allows.

    Parentheticals, citation markers and link noise are dropped first; then the sentence is split at
    semicolons, at a colon that introduces a clause, and at ", and they ..."-style coordinations; then
    ", which ..." clauses are dropped. Pieces shorter than `min_words` are dropped. A sentence that cannot
    be cut stays long: the caller decides whether to use it.
    """
    text = strip_noise(sentence)
    text = _PARENTHETICAL.sub("", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text).strip()
    pieces = [text]
    for cutter in (_SEMICOLON, _COLON, _COORDINATE):
        pieces = [part for piece in pieces for part in _cut_if_long(piece, cutter, max_words)]
    out: list[str] = []
    for piece in pieces:
        if word_count(piece) > max_words:
            piece = _WHICH_CLAUSE.sub("", piece)
        finished = _finish(piece)
        if finished and word_count(finished) >= min_words:
            out.append(finished)
    return out


def _cut_if_long(piece: str, cutter: re.Pattern[str], max_words: int) -> list[str]:
    if word_count(piece) <= max_words and cutter is not _SEMICOLON:
        return [piece]
    parts = [p for p in cutter.split(piece) if p.strip()]
    return parts if len(parts) > 1 else [piece]


@cache
def _textstat() -> object:
    from textstat.textstat import textstatistics

    stats = textstatistics()
    stats.set_lang("en-US")  # pyphen syllables; "en_US" would download NLTK's CMU dictionary
    return stats


def readability(text: str | list[str] | tuple[str, ...]) -> Readability:
    """Flesch-Kincaid grade and average sentence length of prose (citation markers ignored).

    A list is read item by item (a heading or a statement without a full stop still counts as a sentence).
    """
    items = list(text) if isinstance(text, list | tuple) else [text]
    sentences = [s for item in items for s in split_sentences(item)]
    sentences = [
        t for t in (_CITE_MARK.sub("", s).strip() for s in sentences) if re.search(r"[A-Za-z0-9]", t)
    ]
    if not sentences:
        return Readability(grade=0.0, avg_sentence_words=0.0, sentences=0, words=0)
    words = sum(word_count(s) for s in sentences)
    joined = " ".join(s if s[-1] in ".!?" else s + "." for s in sentences)
    stats = _textstat()
    syllables = stats.syllable_count(joined)  # type: ignore[attr-defined]
    lexicon = max(1, stats.lexicon_count(joined))  # type: ignore[attr-defined]
    avg = words / len(sentences)
    # Flesch-Kincaid with our sentence count: textstat's own counter splits at "Dr." and "3.0.7".
    grade = 0.39 * (lexicon / len(sentences)) + 11.8 * (syllables / lexicon) - 15.59
    return Readability(
        grade=round(grade, 2), avg_sentence_words=round(avg, 2), sentences=len(sentences), words=words
    )


# --- sentence heuristics for drafting ------------------------------------------------------------
# Openers that lean on the sentence before: out of context they mislead ("If it was, we will contact ...").
_ANAPHORA = re.compile(
    r"^(?:(?:This|These|That|Those|It|Such|Each|He|She|They)\b(?!\s+(?:group|campaign|attack|operation|flaw|activity)\b)"
    r"|(?:However|But|And|Also|So|Then|Instead|Otherwise|Therefore|Thus|Meanwhile|In addition|If it|If so|If they)\b)"
)
_FIRST_PERSON = re.compile(
    r"^We(?P<adverb>\s+(?:also|now|still|currently|have not|do not|did not))?\s+(?P<verb>[a-z]+)\b"
)
_FIRST_PERSON_ANYWHERE = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us)\b")  # "US" is a country
_RELATIVE = re.compile(r"\b(?:who|whom|whose|which|that)\b", re.I)
_FINITE = wordset(
    """
    is are was were be has have had will would can could may might must shall should did does do began
    became took made sent found saw got went came led left held kept ran put set said told gave brought
    stole hit broke spread chose knew remains remain stayed won lost met paid
    """
)
_NOT_VERBS = wordset(
    """
    those these this its his hers ours theirs always perhaps whereas unless across various previous news
    series sometimes thus plus
    """
)
_DETERMINERS = wordset(
    """
    the a an its their our his her other all some many several these those of and or two three four five
    six each every both any no more most
    """
)
_PREPOSITIONS = wordset(
    """
    in on at to for from by with about into over under after before during since of as
    """
)
_OBJECT_STARTERS = wordset("a an the its their that to no not all any this these those his her our")
_IMPERATIVE_OPENERS = wordset("never always do don't please avoid keep")
_IMPERATIVE_NEXT = wordset(
    """
    the a an your all any it them this these those to on in for with by from at no not their its our
    """
)
_MODALS = wordset("will would can could may might must shall should")
_UNCHANGED = wordset("saw found sent made took gave had did were was got kept told met")


def leans_on_context(sentence: str) -> bool:
    """Starts with a word that points at the sentence before ("It is an example ...", "However, ...")."""
    return bool(_ANAPHORA.match(sentence))


def has_first_person(text: str) -> bool:
    """A source's "we" or "our": in a brief it would read as the brief's own voice."""
    return bool(_FIRST_PERSON_ANYWHERE.search(text))


def is_fragment(sentence: str) -> bool:
    """No main verb before the first relative pronoun: a list item that needs its heading to make sense.

    "Visitors who looked at the website." and "A known software flaw, a way to get past the login." are
    fragments; "The website shows events." is not. A cheap test, tuned to report prose.
    """
    main = _RELATIVE.split(sentence, maxsplit=1)[0]
    tokens = re.findall(r"[A-Za-z][\w'-]*|[,;:]", main)
    if len(tokens) > 1 and (
        tokens[0].casefold() in _IMPERATIVE_OPENERS
        or tokens[1].casefold() in _IMPERATIVE_NEXT
        and tokens[0].casefold() not in _DETERMINERS
    ):
        return False  # an instruction: "Never enter your password", "Come to the emergency department"
    for i, token in enumerate(tokens):
        word = token.casefold()
        if word in _FINITE or (word.endswith("ed") and i > 0 and len(word) > 3):
            return False
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (
            i > 0
            and word.endswith("s")
            and not word.endswith(("ss", "us", "is"))
            and len(word) > 3
            and word not in _NOT_VERBS
            and following[:1].isalpha()
            and tokens[i - 1].casefold() not in _DETERMINERS
        ):
            return False
        if (  # a plural subject and a bare verb: "the targets match a group"
            i > 0
            and tokens[i - 1].casefold().endswith("s")
            and word not in _DETERMINERS
            and word not in _PREPOSITIONS
            and following.casefold() in _OBJECT_STARTERS
        ):
            return False
    return True


def third_person(sentence: str, speaker: str) -> str:
    """A source's opening "We assess ..." becomes "The National CERT assesses ...": same facts, right voice."""
    match = _FIRST_PERSON.match(sentence)
    if not match:
        return sentence
    adverb, verb = match.group("adverb") or "", match.group("verb")
    if adverb.strip().startswith(("have not", "do not", "did not")):
        aux = adverb.split()[0]
        adverb = " " + {"have": "has", "do": "does", "did": "did"}[aux] + " not"
    elif verb in {"have", "are", "do"}:
        verb = {"have": "has", "are": "is", "do": "does"}[verb]
    elif verb not in _MODALS and verb not in _UNCHANGED and not verb.endswith("ed"):
        verb = _third_person_verb(verb)
    return f"{speaker}{adverb} {verb}{sentence[match.end() :]}"


def _third_person_verb(verb: str) -> str:
    if re.search(r"(?:s|sh|ch|x|z|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"
