"""Tool and malware names in plain words: explained on first mention, or replaced for the public.

Diplomats read "Cobalt Strike (a commercial hacking tool)" on first mention; the public reads the description
instead of the name. The glossary (`prompts/glossary.yaml`) describes the tools it lists; names it does not
list come from the passage's entities (`tool_notes`) with a generic description. `explain` in
`assistant.glossary` runs `_explain_tools` first; `explain_tools` runs it alone.

>>> from assistant.glossary import explain
>>> explain("They used Rclone and QUILLDROP.", audience="diplomat", tools=tool_notes(["QUILLDROP"]))
'They used Rclone (a file-copying tool often misused to steal data) and QUILLDROP (malicious software).'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from assistant.glossary import (
    _DEFINED_AFTER,
    _EXPLAINED_BEFORE,
    _GENERIC_NOUNS,
    _MARK,
    CVE_RE,
    PLAIN_AUDIENCES,
    TECHNIQUE_RE,
    TOOL_KIND,
    Glossary,
    _fix_articles,
    _inside_brackets,
    _starts_sentence,
    _tidy,
    _tool_pattern,
    load_glossary,
)

GENERIC_TOOL = "a hacking tool"
GENERIC_MALWARE = "malicious software"

_NAMED_BEFORE = re.compile(
    r"\b(?:call|calls|called|named|dubbed|known as|tracked as|referred to as)\W*$", re.I
)
# Words that, right after a tool's name, are part of the tool ("Cobalt Strike beacons"): plain text names the
# tool once, with its description, and drops them.
_TOOL_PARTS = re.compile(r"(?:beacons?|implants?|agents?|payloads?|samples?|binar(?:y|ies))(?![\w-])", re.I)
# Words near a name in its source that show it is a tool rather than malware ("a volunteer attack tool").
_TOOL_CONTEXT = re.compile(
    r"\b(?:tools?|toolkits?|utilit(?:y|ies)|frameworks?|programs?|legitimate|remote[- ](?:access|support|"
    r"management|monitoring|desktop) (?:software|program|tool)s?)\b",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"\b(?:the|a|an|this|that|these|those|its|their|his|her)\s+$", re.IGNORECASE)
_PLACEHOLDER = re.compile("\x01(\\d+)\x02")


def tool_notes(
    names: Iterable[str], *, context: str = "", glossary: Glossary | None = None
) -> dict[str, str]:
    """A few plain words for each tool or malware name a source lists (`Passage.entities.malware`).

    The glossary's description when it lists the name; otherwise "a hacking tool" when the source calls it a
    tool near one of its mentions (`context` is the source's text), else "malicious software". Names that
    are not names (lower-case words such as "cmd", ids, very short strings) are left out.
    """
    glossary = glossary or load_glossary()
    notes: dict[str, str] = {}
    for name in names:
        name = name.strip()
        if not _usable_name(name, glossary):
            continue
        note = glossary.tool(name)
        if note is None:
            near = [  # the words either side of each mention, in its sentence
                re.split(r"[.!?]\s", context[max(0, m.start() - 30) : m.start()])[-1]
                + re.split(r"[.!?]\s", context[m.end() : m.end() + 30])[0]
                for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", context)
            ]
            note = GENERIC_TOOL if any(_TOOL_CONTEXT.search(w) for w in near) else GENERIC_MALWARE
        notes.setdefault(name, note)
    return notes


def _usable_name(name: str, glossary: Glossary) -> bool:
    if len(name) < 3 or not any(c.isupper() for c in name) or CVE_RE.fullmatch(name):
        return False
    if TECHNIQUE_RE.fullmatch(name) or re.fullmatch(r"[GSC]\d{4}", name):
        return False
    surface = glossary.surface(name)
    if surface is not None and surface.term.kind != TOOL_KIND:
        return False  # a glossary term ("PowerShell" is not, "VPN" is): the glossary rewrites it
    return not (len(name) <= 4 and name[:1].isupper() and name[1:].islower())  # "Net", "Ping", "Tor"


def _explain_tools(
    text: str, *, audience: str, glossary: Glossary, tools: Mapping[str, str], notes: list[str]
) -> str:
    """Tool and malware names, before the other rewrites: each description goes in as a placeholder
    (\\x01n\\x02, its text in `notes`) so that no later rewrite changes it.

    Diplomats read "Cobalt Strike (a commercial hacking tool)" on first mention, unless the text already
    says what it is ("the Rclone tool", "HOLLOWLOCK ransomware", "X is a ...", "(...)" after it). The public reads the
    description instead of the name, or just the noun when the text has one ("the ransomware").
    """
    forms = tuple(sorted(glossary._tools))
    extra = tuple(sorted(n for n in tools if glossary.tool(n) is None))
    if not forms and not extra:
        return text
    pattern = _tool_pattern(forms, extra)
    out: list[str] = []
    pos = 0
    seen: set[str] = set()

    def placeholder(note: str) -> str:
        notes.append(note)
        return f"\x01{len(notes) - 1}\x02"

    for match in pattern.finditer(text):
        start, end, name = match.start(), match.end(), match.group(0)
        if start < pos:
            continue
        note = glossary.tool(name) or tools.get(name)
        if note is None:
            continue
        key = glossary.tool_key(name)
        before, after = text[pos:start], text[end:]
        word_after = re.match(r"\s+([A-Za-z][\w-]*)", after)
        word_before = re.search(r"([A-Za-z][\w-]*),?\s+$", text[:start])
        noun_after = bool(word_after and _GENERIC_NOUNS.fullmatch(word_after.group(1)))
        noun_before = bool(word_before and _GENERIC_NOUNS.fullmatch(word_before.group(1)))
        part = bool(word_after and _TOOL_PARTS.fullmatch(word_after.group(1)))
        at_start = _starts_sentence(text, start)
        if audience != "public":
            explained = (
                key in seen
                or noun_after
                or noun_before
                or after.lstrip(" \"'”’").startswith("(")
                or _DEFINED_AFTER.match(after)  # "PsExec is a free Microsoft tool"
                or _inside_brackets(text, start)
                or _EXPLAINED_BEFORE.search(text[max(0, start - 40) : start].rstrip("\"'“‘ "))
            )
            seen.add(key)
            out.append(before)
            if explained:
                out.append(name)
                pos = end
                continue
            out.append(f"{name} ({placeholder(note)})")
            pos = end + (word_after.end() if part and word_after else 0)  # "Cobalt Strike beacons"
            continue
        # public: the name goes, unless the sentence is about the name itself ("researchers call it X")
        if _NAMED_BEFORE.search(text[max(0, start - 40) : start].rstrip("\"'“‘ ")):
            out.append(before + name)
            pos = end
            continue
        if noun_after and word_after:
            noun = word_after.group(1)
            out.append(before)
            out.append(noun[:1].upper() + noun[1:] if at_start else noun)
            pos = end + word_after.end()
            continue
        if noun_before:
            out.append(re.sub(r",?\s+$", "", before) + " ")
            pos = end + (1 if after.startswith(",") else 0)
            continue
        if part and word_after:
            end += word_after.end()
        note = _public_note(note)
        if _DETERMINER.search(text[:start]):
            bare = re.sub(r"^(?:a|an|the)\s+", "", note)
            out.append(before + _MARK + placeholder(bare))
        else:
            out.append(before + placeholder(note[:1].upper() + note[1:] if at_start else note))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def shorten_repeated_notes(
    texts: Sequence[str], *, names: Iterable[str] = (), glossary: Glossary | None = None
) -> list[str]:
    """Texts read in order: a tool explained in an earlier text keeps only a short reminder later on.

    >>> shorten_repeated_notes(["Rclone (a file-copying tool often misused to steal data) ran.",
    ...                         "Rclone (a file-copying tool often misused to steal data) stopped."])[1]
    'Rclone (the file-copying tool) stopped.'
    """
    glossary = glossary or load_glossary()
    names = tuple(sorted({n for n in names if n}))
    forms = tuple(sorted(glossary._tools))
    if not names and not forms:
        return list(texts)
    pattern = _tool_pattern(forms, names)
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        pieces: list[str] = []
        pos = 0
        for match in pattern.finditer(text):
            note = re.match(r" \(([^()]{1,160})\)", text[match.end() :])
            if match.start() < pos or note is None:
                continue
            key = glossary.tool_key(match.group(0))
            if key in seen:
                pieces.append(text[pos : match.end()] + f" ({_short_note(note.group(1))})")
                pos = match.end() + note.end()
            seen.add(key)
        out.append("".join(pieces) + text[pos:])
    return out


def _public_note(note: str) -> str:
    """Public text names the kind of tool only: 'a file-copying tool often misused ...' -> 'a file-copying tool'."""
    head = _short_note(note)
    if head == note:
        return note
    head = head.removeprefix("the ")
    if head.endswith("software"):
        return head
    return ("an " if head[:1].lower() in "aeiou" else "a ") + head


def _short_note(note: str) -> str:
    """'a file-copying tool often misused to steal data' -> 'the file-copying tool' (kept whole when short)."""
    bare = re.sub(r"^(?:a|an)\s+", "", note)
    head = re.search(r"\b(?:tool|toolkit|program|service|software)\b", bare)
    if head is None or head.end() == len(bare) or len(bare[: head.end()].split()) < 2:
        return note
    return "the " + bare[: head.end()]


def explain_tools(
    text: str, *, audience: str, tools: Mapping[str, str] | None = None, glossary: Glossary | None = None
) -> str:
    """Only the tool and malware names of `explain`: for text whose asides were cut after it was explained.

    >>> explain_tools("They used Rclone.", audience="diplomat")
    'They used Rclone (a file-copying tool often misused to steal data).'
    """
    if audience not in PLAIN_AUDIENCES:
        return text
    glossary = glossary or load_glossary()
    notes: list[str] = []
    text = _explain_tools(text, audience=audience, glossary=glossary, tools=tools or {}, notes=notes)
    return _tidy(_fix_articles(_restore(text, notes))) if notes else text


def _restore(text: str, notes: Sequence[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: notes[int(m.group(1))], text)
