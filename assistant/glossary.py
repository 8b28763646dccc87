"""Jargon to plain words, from the glossary in `prompts/glossary.yaml` (data, not code).

Diplomats and the public get technique ids, acronyms and technical terms replaced by plain phrases, and
CVE numbers removed ("a known software flaw"); analysts keep the terms, with a short explanation in
parentheses on first use. Tool and malware names are explained on first mention for diplomats
("Cobalt Strike (a commercial hacking tool)") and replaced by that description for the public; names the
glossary does not list come from the passage's entities (`tool_notes`) with a generic description; that
part lives in `assistant.glossary_tools`.
`unexplained_jargon` is what the plain-language check uses to flag what is left.

>>> explain("The group used T1566 and a VPN flaw (CVE-2024-21887).", audience="diplomat")
'The group used targeted fake emails and a remote-access gateway flaw.'
>>> explain("The group used T1566.", audience="analyst")
'The group used T1566 (targeted fake emails).'
>>> unexplained_jargon("Block the C2 servers listed in the IOC (warning sign) table.")
['C2']
>>> explain("They used Rclone.", audience="diplomat")
'They used Rclone (a file-copying tool often misused to steal data).'
>>> explain("They used Rclone to copy files.", audience="public")
'They used a file-copying tool to copy files.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import yaml

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
GLOSSARY_PATH = PROMPTS_DIR / "glossary.yaml"

PLAIN_AUDIENCES = ("diplomat", "public")
JARGON_KINDS = ("acronym", "technical")
TOOL_KIND = "tool"
CVE_PLAIN = "known software flaw"

CVE_RE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)
TECHNIQUE_RE = re.compile(r"\bT(?:A\d{4}|\d{4}(?:\.\d{3})?)\b")
_CVE_LIST = re.compile(
    r"(?P<lead>\b(?:flaws?|vulnerabilit(?:y|ies)|bugs?|weakness(?:es)?|issues?)\s+)?"
    r"(?P<ids>CVE-\d{4}-\d{4,7}(?:(?:\s*,\s*|\s*,?\s+(?:and|or)\s+)CVE-\d{4}-\d{4,7})*)"
    r"(?P<trail>\s+(?:flaws?|vulnerabilit(?:y|ies)|bugs?)\b)?",
    re.IGNORECASE,
)
_TECHNIQUE_IN_PROSE = re.compile(
    r"(?P<prep>\s+(?:using|via|through|with|by means of)\s+)?(?P<id>" + TECHNIQUE_RE.pattern + ")"
)
_BRACKETED = re.compile(r"\s*(?:\(([^()\n]{1,160})\)|\[([^\[\]\n]{1,160})\])")
_FILLER = re.compile(
    r"\b(?:MITRE|ATT&CK|ATT\s*&\s*CK|Enterprise|technique|techniques|sub-technique|tactic|tactics|see|and|or|"
    r"e\.g\.|i\.e\.|also|known\s+as|ID|IDs)\b|[,;:/&.\-\s]",
    re.IGNORECASE,
)
_NUMBER_WORDS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_MARK = "\x00"  # marks where a replacement starts, so a preceding "a"/"an" can be corrected
# A capitalised term followed by one of these is part of an organisation's name, not jargon.
_ORGANISATION = re.compile(
    r"\s+(?:General|Bureau|Directorate|Agency|Office|Centre|Center|Service|Unit|Department|Command|Division|"
    r"Administration|Authority|Ministry|Council|Committee|Institute)\b"
)
_DEFINED_AFTER = re.compile(r"\s+(?:is|was)\s+(?:a|an)\s")
_EXPLAINED_BEFORE = re.compile(
    r"(?:known as|called|call this|calls this|call this technique|calls this technique|tracked as|named|dubbed|"
    r"referred to as)\W*$",
    re.IGNORECASE,
)
_GENERIC_NOUNS = re.compile(
    r"\b(?:tool|tools|malware|ransomware|software|program|backdoor|back door|downloader|loader|web shell|"
    r"implant|trojan|virus|worm|botnet|wiper|spyware|app|utility)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Term:
    term: str
    kind: str
    plain: str
    plural: str | None = None
    forms: tuple[str, ...] = ()
    variants: Mapping[str, str] = field(default_factory=dict)
    audiences: tuple[str, ...] = ()

    @property
    def jargon(self) -> bool:
        return self.kind in JARGON_KINDS

    def plural_plain(self) -> str:
        return self.plural or _pluralise(self.plain)


@dataclass(frozen=True)
class Technique:
    id: str
    plain: str
    name: str = ""


@dataclass(frozen=True)
class _Surface:
    term: Term
    replacement: str


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    techniques: Mapping[str, Technique]
    _exact: Mapping[str, _Surface]
    _folded: Mapping[str, _Surface]
    _pattern: re.Pattern[str]
    _names: Mapping[str, Technique]
    _name_pattern: re.Pattern[str] | None
    _tools: Mapping[str, str] = field(default_factory=dict)  # tool and malware names -> description

    def technique(self, attack_id: str) -> Technique | None:
        """The entry for an id, falling back to the parent technique for an unknown sub-technique."""
        return self.techniques.get(attack_id) or self.techniques.get(attack_id.split(".")[0])

    def surface(self, text: str) -> _Surface | None:
        return self._exact.get(text) or self._folded.get(text.casefold())

    def tool(self, name: str) -> str | None:
        """The glossary's description of a tool or malware name ("a commercial hacking tool"), if listed."""
        surface = self.surface(name)
        return surface.replacement if surface and surface.term.kind == TOOL_KIND else None

    def tool_key(self, name: str) -> str:
        """One key per tool, whichever of its names is used ("QBot" and "QakBot" are one tool)."""
        surface = self.surface(name)
        return (surface.term.term if surface and surface.term.kind == TOOL_KIND else name).casefold()

    def vocabulary(self) -> set[str]:
        """Every word the glossary can put into a text: grounding accepts these as not invented."""
        phrases = [t.plain for t in self.terms] + [t.plural_plain() for t in self.terms]
        phrases += [v for t in self.terms for v in t.variants.values()]
        phrases += [t.plain for t in self.techniques.values()] + [CVE_PLAIN + "s"]
        return {w.casefold() for p in phrases for w in re.findall(r"[A-Za-z][\w'-]*", p)} | set(
            _NUMBER_WORDS[1:]
        )


def _pluralise(phrase: str) -> str:
    head, _, last = phrase.rpartition(" ")
    if re.search(r"(s|sh|ch|x)$", last):
        last += "es"
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}".strip()


def _case_sensitive(form: str) -> bool:
    """Acronyms ("OT", "RaaS", "C&C") match as written; words and phrases match in any case."""
    if " " in form:
        return False
    return any(c.isupper() for c in form[1:]) or (len(form) <= 3 and form[0].isupper())


def _bounded(alternatives: Iterable[str]) -> str:
    return r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])"


def _term(raw: Mapping[str, object]) -> Term:
    kind = str(raw.get("kind", "technical"))
    default_audiences = PLAIN_AUDIENCES if kind in (*JARGON_KINDS, TOOL_KIND) else ("public",)
    audiences = raw.get("audiences", default_audiences)
    return Term(
        term=str(raw["term"]),
        kind=kind,
        plain=str(raw["plain"]),
        plural=str(raw["plural"]) if raw.get("plural") else None,
        forms=tuple(str(f) for f in raw.get("forms") or [raw["term"]]),  # type: ignore[union-attr]
        variants={str(k): str(v) for k, v in (raw.get("variants") or {}).items()},  # type: ignore[union-attr]
        audiences=tuple(str(a) for a in audiences),  # type: ignore[union-attr]
    )


def build_glossary(data: Mapping[str, object]) -> Glossary:
    """Compile a glossary from its YAML structure (see the header of prompts/glossary.yaml)."""
    terms = tuple(_term(raw) for raw in data.get("terms") or [])  # type: ignore[union-attr]
    exact: dict[str, _Surface] = {}
    folded: dict[str, _Surface] = {}
    for term in terms:
        surfaces: dict[str, str] = {}
        for form in term.forms:
            surfaces.setdefault(form, term.plain)
            if term.kind == TOOL_KIND:
                continue  # a name has no plural
            if not form.endswith("s") and (term.kind == "acronym" or term.plural or " " not in term.plain):
                surfaces.setdefault(form + "s", term.plural_plain())
        surfaces.update(term.variants)
        for form, replacement in surfaces.items():
            surface = _Surface(term, replacement)
            if _case_sensitive(form):
                exact.setdefault(form, surface)
            else:
                folded.setdefault(form.casefold(), surface)
    alternatives = sorted(exact, key=len, reverse=True), sorted(folded, key=len, reverse=True)
    pattern = re.compile(
        _bounded(
            sorted(
                [re.escape(f) for f in alternatives[0]] + [f"(?i:{re.escape(f)})" for f in alternatives[1]],
                key=lambda alt: len(alt.replace("(?i:", "")),
                reverse=True,
            )
        )
    )
    techniques: dict[str, Technique] = {}
    for attack_id, raw in (data.get("techniques") or {}).items():  # type: ignore[union-attr]
        techniques[str(attack_id)] = Technique(
            id=str(attack_id), plain=str(raw["plain"]), name=str(raw.get("name", ""))
        )
    names = {t.name: t for t in techniques.values() if len(t.name.split()) >= 2}
    name_pattern = (
        re.compile(_bounded(re.escape(n) for n in sorted(names, key=len, reverse=True))) if names else None
    )
    tools = {form: term.plain for term in terms if term.kind == TOOL_KIND for form in term.forms}
    return Glossary(terms, techniques, exact, folded, pattern, names, name_pattern, tools)


@cache
def load_glossary(path: str = str(GLOSSARY_PATH)) -> Glossary:
    """The glossary, parsed once per process."""
    with open(path, encoding="utf-8") as handle:
        return build_glossary(yaml.safe_load(handle) or {})


def _starts_sentence(text: str, index: int) -> bool:
    before = text[:index].rstrip(" \"'“‘" + _MARK)
    return not before or before[-1] in ".!?:\n"


def _cased(replacement: str, original: str, text: str, index: int) -> str:
    if original[:1].isupper() and _starts_sentence(text, index):
        return _MARK + replacement[:1].upper() + replacement[1:]
    return _MARK + replacement


def _jargon_only(inner: str, glossary: Glossary) -> bool:
    """True when a bracketed aside holds nothing but ids, acronyms and filler ("MITRE ATT&CK T1566")."""
    rest = CVE_RE.sub(" ", inner)
    rest = TECHNIQUE_RE.sub(" ", rest)
    had_jargon = rest != inner
    for match in glossary._pattern.finditer(rest):
        surface = glossary.surface(match.group(0))
        if surface and surface.term.jargon:
            had_jargon = True
            rest = rest.replace(match.group(0), " ")
    return had_jargon and not _FILLER.sub("", rest).strip()


def _drop_jargon_asides(text: str, glossary: Glossary) -> str:
    def repl(match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        return "" if _jargon_only(inner, glossary) else match.group(0)

    return _BRACKETED.sub(repl, text)


def _replace_cves(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        count = len(CVE_RE.findall(match.group("ids")))
        if match.group("lead") or match.group("trail"):
            kept = (match.group("lead") or "") + (match.group("trail") or "").strip()
            return kept.rstrip() if match.group("lead") else kept
        words = _NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else str(count)
        phrase = f"a {CVE_PLAIN}" if count == 1 else f"{words} {CVE_PLAIN}s"
        return _cased(phrase, match.group(0), text, match.start())

    return _CVE_LIST.sub(repl, text)


def _fix_articles(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        article, first = match.group(1), match.group(2)
        vowel = first.lower() in "aeiou"
        wanted = "an" if vowel else "a"
        if article[0].isupper():
            wanted = wanted.capitalize()
        return f"{wanted} {first}"

    text = re.sub(r"\b([Aa]n?)\s+" + _MARK + r"(\w)", repl, text)
    return text.replace(_MARK, "")


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r",\s*,", ",", text)
    return text.strip()


_DEFINITION = re.compile(
    r"((?:[A-Z][\w'-]*|of|and|for|the|on)(?:\s+(?:[A-Z][\w'-]*|of|and|for|the|on)){1,7})\s+\(([A-Z]{2,6})\)"
)


def local_definitions(text: str, glossary: Glossary | None = None) -> dict[str, str]:
    """Acronyms a document defines for itself with another meaning: "Ministry of Foreign Affairs (MFA)".

    The glossary's meaning would be wrong there ("MFA" is also two-step sign-in), so `explain` spells
    these out with the document's own words instead.
    """
    glossary = glossary or load_glossary()
    found: dict[str, str] = {}
    for match in _DEFINITION.finditer(text):
        words, acronym = match.group(1).split(), match.group(2)
        for start in range(len(words)):
            long_form = words[start:]
            initials = "".join(w[0] for w in long_form if w[0].isupper())
            if initials == acronym and long_form[0][0].isupper():
                surface = glossary.surface(" ".join(long_form))
                if surface is None or acronym not in surface.term.forms:
                    found.setdefault(acronym, " ".join(long_form))
                break
    return found


@lru_cache(maxsize=256)
def _tool_pattern(glossary_forms: tuple[str, ...], names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = [
        f"(?i:{re.escape(f)})" if not _case_sensitive(f) else re.escape(f) for f in glossary_forms
    ]
    alternatives += [re.escape(n) for n in names]  # a source's names match as written
    alternatives.sort(key=lambda alt: len(alt.replace("(?i:", "")), reverse=True)
    return re.compile(_bounded(alternatives))


def explain(
    text: str,
    *,
    audience: str,
    glossary: Glossary | None = None,
    defined: Mapping[str, str] | None = None,
    tools: Mapping[str, str] | None = None,
) -> str:
    """Rewrite jargon for `audience`: replaced for diplomats and the public, explained once for analysts.

    `defined` maps acronyms that the source defines with its own meaning (see `local_definitions`) to
    their long form; those are spelled out instead of being read with the glossary's meaning. `tools`
    maps the source's tool and malware names to a few plain words (`tool_notes`); the glossary's own
    tool names are explained without it.
    """
    from assistant.glossary_tools import (  # lazily: glossary_tools imports this module
        _explain_tools,
        _restore,
    )

    glossary = glossary or load_glossary()
    if audience not in PLAIN_AUDIENCES:
        return _explain_first_use(text, glossary)
    text = _drop_jargon_asides(text, glossary)
    for acronym, long_form in (defined or {}).items():
        text = re.sub(r"(?<![\w-])" + re.escape(acronym) + r"(?![\w-])", long_form, text)
    notes: list[str] = []
    text = _explain_tools(text, audience=audience, glossary=glossary, tools=tools or {}, notes=notes)
    text = _replace_cves(text)

    def technique(match: re.Match[str]) -> str:
        entry = glossary.technique(match.group("id"))
        plain = entry.plain if entry else "an attack technique"
        if match.group("prep") and plain.split()[0].endswith("ing"):
            return " by " + _MARK + plain  # "using T1567" -> "by stealing data through web services"
        return (match.group("prep") or "") + _cased(plain, match.group("id"), text, match.start("id"))

    text = _TECHNIQUE_IN_PROSE.sub(technique, text)

    def name(match: re.Match[str]) -> str:
        if re.search(r"\b(?:the|a|an)\s+$", text[: match.start()], re.IGNORECASE):
            return match.group(0)  # "the Remote Desktop Protocol" is a noun here, not a technique
        return _cased(glossary._names[match.group(0)].plain, match.group(0), text, match.start())

    if glossary._name_pattern is not None:
        text = glossary._name_pattern.sub(name, text)

    def term(match: re.Match[str]) -> str:
        surface = glossary.surface(match.group(0))
        if surface is None or audience not in surface.term.audiences or surface.term.kind == TOOL_KIND:
            return match.group(0)
        if _EXPLAINED_BEFORE.search(text[max(0, match.start() - 40) : match.start()].rstrip("\"'“‘ ")):
            return match.group(
                0
            )  # the source explains the term itself: 'a method known as "living off the land"'
        if _in_organisation_name(text, match):
            return match.group(0)  # part of a name: "Reconnaissance General Bureau"

        return _cased(surface.replacement, match.group(0), text, match.start())

    text = glossary._pattern.sub(term, text)
    return _tidy(_fix_articles(_restore(text, notes)))


def _explain_first_use(text: str, glossary: Glossary) -> str:
    seen: set[str] = set()

    def note(match: re.Match[str], plain: str | None) -> str:
        key = match.group(0).casefold()
        following = text[match.end() : match.end() + 2]
        if (
            plain is None
            or key in seen
            or following.lstrip().startswith("(")
            or _inside_brackets(text, match.start())
        ):
            return match.group(0)
        seen.add(key)
        return f"{match.group(0)} ({plain})"

    def technique(match: re.Match[str]) -> str:
        entry = glossary.technique(match.group(0))
        return note(match, entry.plain if entry else None)

    def term(match: re.Match[str]) -> str:
        surface = glossary.surface(match.group(0))
        return note(match, surface.replacement if surface and surface.term.kind == "acronym" else None)

    text = TECHNIQUE_RE.sub(technique, text)
    return glossary._pattern.sub(term, text)


def _in_organisation_name(text: str, match: re.Match[str]) -> bool:
    """A capitalised term that starts an organisation's name ("Reconnaissance General Bureau")."""
    return match.group(0)[:1].isupper() and bool(_ORGANISATION.match(text, match.end()))


def _inside_brackets(text: str, index: int) -> bool:
    before = text[:index]
    return max(before.rfind("("), before.rfind("[")) > max(before.rfind(")"), before.rfind("]"))


def _explained(text: str, start: int, end: int, plain: str | None) -> bool:
    """Followed by "(...)", inside "(...)" after words, introduced by "known as", or its plain phrase nearby."""
    after = text[end : end + 3].lstrip("\"'”’ ")
    if after.startswith("("):
        return True
    before = text[:start]
    if before.rstrip().endswith("(") and before.rstrip()[:-1].strip():
        return True
    if _EXPLAINED_BEFORE.search(before[-40:].rstrip("\"'“‘ ")):
        return True
    return bool(plain) and plain.casefold() in _sentence_around(text, start, end).casefold()


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i != -1]
    right = min(right_candidates) if right_candidates else len(text)
    return text[left + 1 : right]


def unexplained_jargon(
    text: str, *, names: Iterable[str] = (), glossary: Glossary | None = None
) -> list[str]:
    """Technique ids, CVE numbers, jargon terms and the given tool names used without explanation, in order."""
    glossary = glossary or load_glossary()
    found: list[tuple[int, str]] = []
    for match in TECHNIQUE_RE.finditer(text):
        entry = glossary.technique(match.group(0))
        if not _explained(text, match.start(), match.end(), entry.plain if entry else None):
            found.append((match.start(), match.group(0)))
    for match in CVE_RE.finditer(text):
        sentence = _sentence_around(text, match.start(), match.end())
        if not re.search(r"\b(?:flaw|vulnerabilit|bug|weakness)", sentence, re.IGNORECASE) and not _explained(
            text, match.start(), match.end(), None
        ):
            found.append((match.start(), match.group(0)))
    for match in glossary._pattern.finditer(text):
        surface = glossary.surface(match.group(0))
        if (
            surface
            and surface.term.jargon
            and not _explained(text, match.start(), match.end(), surface.term.plain)
            and not _in_organisation_name(text, match)
        ):
            found.append((match.start(), match.group(0)))
    # Tool and malware names (the given ones and the glossary's): explained once, a later mention is fine.
    names = tuple(sorted({n for n in names if n}))
    forms = tuple(sorted(glossary._tools))
    explained: set[str] = set()
    for match in _tool_pattern(forms, names).finditer(text) if names or forms else ():
        key = glossary.tool_key(match.group(0))
        window = text[max(0, match.start() - 30) : match.end() + 30]
        if (
            key in explained
            or _GENERIC_NOUNS.search(window)
            or _explained(text, match.start(), match.end(), None)
            or _DEFINED_AFTER.match(text, match.end())  # "Mimikatz is a password dumper ..."
        ):
            explained.add(key)
        else:
            found.append((match.start(), match.group(0)))
    return list(dict.fromkeys(token for _, token in sorted(found)))
