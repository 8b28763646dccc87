"""A de-obfuscated shadow of a text: leetspeak inside name-like words undone, character for character.

"J0lanta D0brev" is not a PERSON to spaCy; "Jolanta Dobrev" is. The analyzer runs the NER a second time on
the shadow (only when it differs) and keeps the PERSON spans that cover a changed character. Because every
substitution replaces one character with one character, a span found in the shadow has the same offsets in
the original.

Only words that look like an obfuscated word are changed: they start and end with a letter, have at least three letters and one or two leet characters, and contain no other digit. So "T1566",
"CVE-2023-4966", "S0154", "APT28", "Win32", "Log4j", hashes, IP addresses, versions, e-mail addresses and
domain names are left alone.

Example::

    deobfuscate("The finance manager, J0lanta D0brev, paid nothing.")
    # 'The finance manager, Jolanta Dobrev, paid nothing.'
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["LEET", "changed", "deobfuscate", "unleet_word"]

LEET = {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_VOWELS = frozenset("aeiouyAEIOUY")
_ANY_LEET = re.compile(r"[013457@$]")
# A word: letters, digits and leet symbols, not glued to an address, path, domain, version or identifier.
_WORD = re.compile(r"(?<![\w@$.\-/\\:#=&+%])[A-Za-z][A-Za-z0-9@$]*(?![\w@$\-/\\:#=&+%]|\.\w)")
# Identifiers that must never change, whatever the rules above say.
_KEEP = re.compile(
    r"^(?:[0-9a-f]{6,}|Log4[a-z]+|T\d{4}|TA\d{4}|[GSMC]\d{4}|DS\d{4}|CVE|CWE|KB\d+|MS\d+|(?:APT|UNC|FIN|TA|DEV|UAC)\d+)$",
    re.IGNORECASE,
)


def deobfuscate(text: str, *, keep: Callable[[str], bool] | None = None) -> str:
    """`text` with leetspeak undone inside name-like words; same length, same offsets.

    `keep(word)` may protect more words (the analyzer passes the allow-list: "Log4j" stays "Log4j").
    Returns `text` itself when nothing changed.
    """
    if not _ANY_LEET.search(text):
        return text
    pieces: list[str] = []
    cursor = 0
    for m in _WORD.finditer(text):
        word = m.group()
        plain = unleet_word(word)
        if plain == word or (keep is not None and keep(word)):
            continue
        pieces.append(text[cursor : m.start()])
        pieces.append(plain)
        cursor = m.end()
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)


def unleet_word(word: str) -> str:
    """One word with its leet characters replaced, or `word` unchanged when it does not look obfuscated."""
    leet = [i for i, c in enumerate(word) if c in LEET]
    letters = sum(c.isalpha() for c in word)
    if (
        not leet
        or len(leet) > 2
        or letters < 3
        or letters < 2 * len(leet)
        or not word[0].isalpha()
        or not word[-1].isalpha()
        or any(c.isdigit() and c not in LEET for c in word)
        or _KEEP.match(word)
    ):
        return word
    upper = word.isupper()  # "J0LANTA" -> "JOLANTA"
    chars = list(word)
    for i in leet:
        plain = LEET[word[i]]
        if word[i] == "1":
            plain = _one(word, i)
        chars[i] = plain.upper() if upper else plain
    return "".join(chars)


def changed(original: str, shadow: str, start: int, end: int) -> bool:
    """Whether the shadow differs from the original inside [start, end)."""
    return original[start:end] != shadow[start:end]


def _one(word: str, i: int) -> str:
    """'1' is an 'l' when doubled ("Wi11iam") or between vowels ("A1ex", "Ju1ia"), else an 'i' ("Em1ly")."""
    before = word[i - 1] if i > 0 else ""
    after = word[i + 1] if i + 1 < len(word) else ""
    if "1" in (before, after) or (before in _VOWELS and after in _VOWELS):
        return "l"
    return "i"
