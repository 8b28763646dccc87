"""Rendering STIX objects into searchable Markdown `Document`s: pure functions over what the graph fetched.

`retrieval.stix_graph.StixGraph.render` gathers the nodes, relationship links, references, marking levels and
tactic names a set of documents needs into a `Context`, then calls `render_documents`; nothing here touches
SQLite. Relationships become facts in the documents of both endpoints (a group lists the techniques it uses,
a technique the groups that use it), and ATT&CK prose is cleaned of citation noise (`clean_prose`).

Example::

    ctx = Context.build(nodes=..., revoked=..., links=..., ref_links=..., refs=..., markings=..., tactics=...)
    documents = render_documents(ctx, sorted(targets))

Related content is rendered into a document only when its TLP is not above the document's own marking, so a
document never carries text from a more restricted object or relationship (see `_Builder.admits`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from guardrails.markings import PAP, STIX_TLP_MARKINGS, TLP
from retrieval.documents import Document, Entities
from retrieval.loaders.base import IngestOptions, apply_options

INDEXABLE = frozenset(
    {
        "intrusion-set",
        "campaign",
        "malware",
        "tool",
        "attack-pattern",
        "course-of-action",
        "report",
        "vulnerability",
        "indicator",
        "note",
    }
)
SOFTWARE = frozenset({"malware", "tool"})
ATTACK_SOURCES = frozenset({"mitre-attack", "mitre-mobile-attack", "mitre-ics-attack"})
CATALOGUES = ATTACK_SOURCES | {"cve", "nvd", "capec", "cwe", "mitre-atlas"}
PROCEDURE_MAX = 300  # longer relationship descriptions are left out: the line keeps only the name
LIST_MAX = 300  # entries per report/note reference list


# ---------------------------------------------------------------- prose cleaning

_CITATION = re.compile(r"\s*\(Citation:(?:[^()]|\([^()]*\))*\)")
_ATTACK_LINK = re.compile(r"\[([^\]]+)\]\(https?://attack\.mitre\.org[^)\s]*\)")
_CODE_TAG = re.compile(r"</?code>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_prose(text: str | None) -> str:
    """ATT&CK prose without citation markers, site links or <code> tags, which only add noise to search."""
    if not text:
        return ""
    text = _CODE_TAG.sub("", _ATTACK_LINK.sub(r"\1", _CITATION.sub("", text)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def one_line(text: str | None) -> str:
    return " ".join(clean_prose(text).split())


# ---------------------------------------------------------------- what the graph hands over


@dataclass(frozen=True)
class Node:
    """An object as the renderer needs it; `body` is parsed only for the documents being rendered."""

    id: str
    type: str
    hidden: bool
    name: str
    ext_id: str | None
    markings: tuple[str, ...]
    options: IngestOptions
    origin: str
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """'Spearphishing Attachment (T1566.001)': the name with its catalogue id."""
        if self.ext_id and self.ext_id not in self.name:
            return f"{self.name} ({self.ext_id})"
        return self.name


@dataclass(frozen=True)
class Link:
    """One relationship edge with the marking data of the relationship object."""

    rel_id: str
    kind: str
    src: str
    dst: str
    description: str
    markings: tuple[str, ...]
    options: IngestOptions


@dataclass(frozen=True)
class Context:
    """Everything one `StixGraph.render` call fetched, so each document is built without further queries."""

    nodes: dict[str, Node]
    revoked: set[str]
    links: dict[str, list[Link]]
    rel_index: dict[str, Link]
    refs: dict[str, list[str]]
    markings: dict[str, tuple[TLP | None, PAP | None]]
    tactics: dict[str, str]

    def visible(self, oid: str) -> Node | None:
        node = self.nodes.get(oid)
        return node if node is not None and not node.hidden and oid not in self.revoked else None

    def levels(self, markings: tuple[str, ...], options: IngestOptions) -> tuple[TLP, PAP]:
        """Highest TLP and PAP among the markings and the ingest options; unmarked means CLEAR."""
        found = [self.markings.get(m, (None, None)) for m in markings]
        tlps = [t for t, _ in found if t is not None] + ([options.tlp] if options.tlp is not None else [])
        paps = [p for _, p in found if p is not None] + ([options.pap] if options.pap is not None else [])
        return max(tlps, default=TLP.CLEAR), max(paps, default=PAP.CLEAR)

    @classmethod
    def build(
        cls,
        *,
        nodes: dict[str, Node],
        revoked: set[str],
        links: list[Link],
        ref_links: list[Link],
        refs: list[tuple[str, str]],
        markings: dict[str, tuple[TLP | None, PAP | None]],
        tactics: dict[str, str],
    ) -> Context:
        """Index what the graph fetched: `links` touch the documents, `ref_links` are relationships that
        reports and notes refer to, `refs` are (referrer, referenced id) pairs."""
        return cls(
            nodes=nodes,
            revoked=revoked,
            links=_group_links(links),
            rel_index={link.rel_id: link for link in ref_links},
            refs=_group_pairs(refs),
            markings=markings,
            tactics=tactics,
        )


def _group_links(links: list[Link]) -> dict[str, list[Link]]:
    grouped: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        grouped[link.src].append(link)
        if link.dst != link.src:
            grouped[link.dst].append(link)
    return grouped


def _group_pairs(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for src, dst in pairs:
        grouped[src].append(dst)
    return grouped


def _marking_level(body: dict[str, Any]) -> tuple[TLP | None, PAP | None]:
    """TLP 1.0 (`definition_type: tlp`), TLP 2.0 (`extensions` with `tlp_2_0`), or 'TLP:'/'PAP:' names."""
    definition = body.get("definition") if isinstance(body.get("definition"), dict) else {}
    name = str(body.get("name") or "")
    try:
        if body.get("definition_type") == "tlp" and definition.get("tlp"):
            return TLP.parse(str(definition["tlp"])), None
        for extension in (body.get("extensions") or {}).values():
            if isinstance(extension, dict) and extension.get("tlp_2_0"):
                return TLP.parse(str(extension["tlp_2_0"])), None
        if name.upper().startswith("TLP:"):
            return TLP.parse(name), None
        if name.upper().startswith("PAP:"):
            return None, PAP.parse(name)
    except ValueError:
        return None, None
    return None, None


def marking_levels(
    ids: Iterable[str], definitions: Mapping[str, dict[str, Any]]
) -> dict[str, tuple[TLP | None, PAP | None]]:
    """TLP/PAP of each marking id: the well-known TLP ids, else the bodies of stored marking-definitions."""
    levels: dict[str, tuple[TLP | None, PAP | None]] = {
        i: (STIX_TLP_MARKINGS[i], None) for i in ids if i in STIX_TLP_MARKINGS
    }
    for oid, body in definitions.items():
        if oid not in levels:
            levels[oid] = _marking_level(body)
    return levels


# ---------------------------------------------------------------- rendering

OUT, IN, BOTH = "out", "in", "both"
_NOT_LISTED = frozenset({"relationship", "marking-definition", "x-mitre-tactic"})
_ENTITY_FIELDS = {"intrusion-set": "actors", "malware": "malware", "tool": "malware", "vulnerability": "cves"}


def render_documents(ctx: Context, ids: Iterable[str]) -> list[Document]:
    """One document per id, in the order given; every id must be a visible, indexable node of `ctx`."""
    return [_render(ctx, ctx.nodes[i]) for i in ids]


class _Builder:
    """Collects the Markdown parts, entities and marking of one document."""

    def __init__(self, ctx: Context, node: Node) -> None:
        self.ctx, self.node, self.body = ctx, node, node.body
        self.tlp, self.pap = ctx.levels(node.markings, IngestOptions())
        self.ceiling = max(self.tlp, node.options.tlp or TLP.CLEAR)
        self.title = node.name
        self.intro: list[str] = []
        self.sections: list[str] = []
        self.used: set[str] = set()
        self.entities: dict[str, list[str]] = defaultdict(list)
        self.subject: tuple[str, ...] = ()
        self.add("attack_ids", node.ext_id if node.type != "vulnerability" else None)

    def add(self, field_name: str, *values: str | None) -> None:
        self.entities[field_name] += [v for v in values if v]

    def note(self, nodes: Iterable[Node]) -> None:
        """Record neighbours as entities: actors, malware, CVEs and their ATT&CK ids."""
        for node in nodes:
            if node.type in _ENTITY_FIELDS:
                self.add(
                    _ENTITY_FIELDS[node.type], node.ext_id if node.type == "vulnerability" else node.name
                )
            if node.type != "vulnerability":
                self.add("attack_ids", node.ext_id)

    def admits(self, *items: Node | Link) -> bool:
        """Related content may appear only if its TLP is not above this document's; its PAP then applies."""
        levels = [self.ctx.levels(item.markings, item.options) for item in items]
        if any(tlp > self.ceiling for tlp, _ in levels):
            return False
        self.pap = max([self.pap, *(pap for _, pap in levels)])
        return True

    def links(
        self, kind: str | None, direction: str, types: Iterable[str] | None, *, hidden: bool = False
    ) -> Iterator[tuple[Link, Node]]:
        """Relationships not shown yet whose other end is known and whose marking this document admits."""
        for link in self.ctx.links.get(self.node.id, []):
            other_id = _other_end(link, self.node.id, direction)
            if other_id is None or (kind is not None and link.kind != kind) or link.rel_id in self.used:
                continue
            other = self.ctx.nodes.get(other_id) if hidden else self.ctx.visible(other_id)
            if other is None or (types is not None and other.type not in types):
                continue
            if self.admits(link, other):
                self.used.add(link.rel_id)
                yield link, other

    def related(
        self, kind: str | None, direction: str, types: Iterable[str] | None, *, hidden: bool = False
    ) -> list[tuple[Node, str]]:
        """(neighbour, short relationship description) pairs, one per neighbour, sorted by name."""
        best: dict[str, tuple[Node, str]] = {}
        for link, other in self.links(kind, direction, types, hidden=hidden):
            text = _procedure(link.description)
            # Several relationships to one neighbour: keep one line, preferring a description, deterministically.
            if other.id not in best or (not text, text) < (not best[other.id][1], best[other.id][1]):
                best[other.id] = (other, text)
        return sorted(best.values(), key=lambda p: (p[0].name.casefold(), p[0].ext_id or "", p[0].id))

    def line(self, label: str, value: Any) -> None:
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value if v)
        if value:
            self.intro.append(f"{label}: {value}")

    def section(self, heading: str, entries: list[str], *, level: int = 2) -> None:
        if entries:
            self.sections.append(f"{'#' * level} {heading}\n" + "\n".join(entries))

    def aliases(self, key: str) -> list[str]:
        names = [str(a) for a in self.body.get(key) or [] if a]
        return [a for a in dict.fromkeys(names) if a.casefold() != self.node.name.casefold()]

    def document(self) -> Document:
        text = "\n\n".join(p for p in [clean_prose(self.body.get("description")), *self.intro] if p)
        text = "\n\n".join(p for p in [text, *self.sections] if p)
        creator = self.ctx.nodes.get(str(self.body.get("created_by_ref") or ""))
        confidence = self.body.get("confidence")
        doc = Document(
            doc_id=self.node.id,
            title=self.title,
            text=text or self.title,
            doc_type=self.node.type,
            source=creator.name if creator else (self.node.origin or "unknown STIX source"),
            url=_url(self.body),
            published=_iso_date(self.body.get("published") or self.body.get("created")),
            modified=_iso_date(self.body.get("modified")),
            tlp=self.tlp,
            pap=self.pap,
            confidence=confidence
            if isinstance(confidence, int) and not isinstance(confidence, bool)
            else None,
            created_by=creator.name if creator else None,
            entities=Entities(**{k: tuple(dict.fromkeys(v)) for k, v in self.entities.items()}),
            subject=self.subject,
            origin=self.node.origin,
        )
        return apply_options(doc, self.node.options)


def _other_end(link: Link, oid: str, direction: str) -> str | None:
    if link.src == oid and direction in (OUT, BOTH):
        return link.dst
    if link.dst == oid and direction in (IN, BOTH):
        return link.src
    return None


def _procedure(description: str) -> str:
    text = one_line(description)
    return text if len(text) <= PROCEDURE_MAX else ""


def _entry(node: Node, text: str = "") -> str:
    return f"- {node.label}: {text}" if text else f"- {node.label}"


def _url(body: dict[str, Any]) -> str | None:
    refs = [r for r in body.get("external_references") or [] if isinstance(r, dict) and r.get("url")]
    known = [r for r in refs if r.get("source_name") in CATALOGUES]
    return str((known or refs)[0]["url"]) if refs else None


def _iso_date(value: Any) -> str | None:
    text = str(value or "")
    return text[:10] if re.match(r"\d{4}-\d{2}-\d{2}", text) else None


def _render(ctx: Context, node: Node) -> Document:
    builder = _Builder(ctx, node)
    replaced = builder.related("revoked-by", IN, INDEXABLE, hidden=True)
    builder.line("Replaces", [n.label for n, _ in replaced])
    _RENDERERS[node.type](builder)
    _rest(builder)
    return builder.document()


def _group(b: _Builder) -> None:
    aliases = b.aliases("aliases")
    b.line("Also known as", aliases)
    b.subject = (b.node.name, *aliases)
    b.add("actors", b.node.name)
    b.add("aliases", *aliases)
    _techniques_and_software(b)
    campaigns = b.related("attributed-to", IN, {"campaign"})
    b.section("Campaigns attributed", [_entry(n) for n, _ in campaigns])
    groups = b.related(None, BOTH, {"intrusion-set"})
    b.section("Related groups", [_entry(n, text) for n, text in groups])


def _campaign(b: _Builder) -> None:
    aliases = b.aliases("aliases")
    b.line("Also known as", aliases)
    b.line("First seen", _iso_date(b.body.get("first_seen")))
    b.line("Last seen", _iso_date(b.body.get("last_seen")))
    b.subject = (b.node.name, *aliases)
    b.add("aliases", *aliases)
    groups = b.related("attributed-to", OUT, {"intrusion-set", "identity"})
    b.section("Attributed to", [_entry(n) for n, _ in groups])
    b.note(n for n, _ in groups)
    _techniques_and_software(b)


def _techniques_and_software(b: _Builder) -> None:
    techniques = b.related("uses", OUT, {"attack-pattern"})
    b.section("Techniques used", [_entry(n, text) for n, text in techniques])
    software = b.related("uses", OUT, SOFTWARE)
    b.section("Software used", [_entry(n) for n, _ in software])
    b.note(n for n, _ in techniques + software)


def _software(b: _Builder) -> None:
    aliases = b.aliases("x_mitre_aliases") or b.aliases("aliases")
    b.line("Also known as", aliases)
    b.line("Type", b.node.type)
    b.line("Platforms", b.body.get("x_mitre_platforms"))
    b.subject = (b.node.name, *aliases)
    b.add("malware", b.node.name, *aliases)
    users = b.related("uses", IN, {"intrusion-set", "campaign"})
    b.section("Used by", [_entry(n, text) for n, text in users])
    b.add("actors", *(n.name for n, _ in users if n.type == "intrusion-set"))
    techniques = b.related("uses", OUT, {"attack-pattern"})
    b.section("Techniques used", [_entry(n, text) for n, text in techniques])
    b.add("attack_ids", *(n.ext_id for n, _ in techniques))


def _technique(b: _Builder) -> None:
    b.title = b.node.label
    phases = [p.get("phase_name", "") for p in b.body.get("kill_chain_phases") or [] if isinstance(p, dict)]
    b.line("Tactics", [b.ctx.tactics.get(p) or p.replace("-", " ").title() for p in phases])
    b.line("Platforms", b.body.get("x_mitre_platforms"))
    parents = b.related("subtechnique-of", OUT, {"attack-pattern"})
    b.line("Sub-technique of", [n.label for n, _ in parents])
    b.add("attack_ids", *(n.ext_id for n, _ in parents))
    children = b.related("subtechnique-of", IN, {"attack-pattern"})
    b.section("Sub-techniques", [_entry(n) for n, _ in children])
    groups = b.related("uses", IN, {"intrusion-set"})
    software = b.related("uses", IN, SOFTWARE)
    campaigns = b.related("uses", IN, {"campaign"})
    if groups or software or campaigns:
        b.sections.append("## Used by")
    b.section("Groups", [_entry(n, text) for n, text in groups], level=3)
    b.section("Software", [_entry(n) for n, _ in software], level=3)
    b.section("Campaigns", [_entry(n) for n, _ in campaigns], level=3)
    b.add("actors", *(n.name for n, _ in groups))
    mitigations = b.related("mitigates", IN, {"course-of-action"})
    b.section("Mitigations", [_entry(n, text) for n, text in mitigations])


def _mitigation(b: _Builder) -> None:
    techniques = b.related("mitigates", OUT, {"attack-pattern"})
    b.section("Mitigates", [_entry(n, text) for n, text in techniques])
    b.note(n for n, _ in techniques)


def _vulnerability(b: _Builder) -> None:
    b.title = b.node.label
    b.add("cves", b.node.ext_id)


def _indicator(b: _Builder) -> None:
    if b.body.get("pattern"):
        b.intro.append(f"Pattern ({b.body.get('pattern_type') or 'stix'}): `{b.body['pattern']}`")
    b.line("Indicator types", b.body.get("indicator_types"))
    b.line("Valid from", _iso_date(b.body.get("valid_from")))
    b.line("Valid until", _iso_date(b.body.get("valid_until")))
    targets = b.related("indicates", OUT, INDEXABLE | {"identity"})
    b.section("Indicates", [_entry(n, text) for n, text in targets])
    b.note(n for n, _ in targets)


def _report(b: _Builder) -> None:
    b.line("Report types", b.body.get("report_types"))
    b.line("Published", _iso_date(b.body.get("published")))
    b.section("Referenced objects", _references(b))


def _note(b: _Builder) -> None:
    b.title = one_line(b.body.get("abstract")) or one_line(b.body.get("content"))[:80] or b.node.name
    b.line("Abstract", one_line(b.body.get("abstract")))
    if b.body.get("content"):
        b.intro.append(clean_prose(str(b.body["content"])))
    b.line("Authors", b.body.get("authors"))
    b.section("About", _references(b))


def _references(b: _Builder) -> list[str]:
    """Names of the objects a report or note refers to; relationships read as 'A uses B'."""
    entries: list[str] = []
    for ref in b.ctx.refs.get(b.node.id, []):
        link = b.ctx.rel_index.get(ref)
        if link is not None:
            src, dst = b.ctx.visible(link.src), b.ctx.visible(link.dst)
            if src and dst and b.admits(link, src, dst):
                entries.append(f"- {src.label} {link.kind.replace('-', ' ')} {dst.label}")
            continue
        node = b.ctx.visible(ref)
        if node is not None and node.type not in _NOT_LISTED and b.admits(node):
            entries.append(f"- {node.label} ({node.type})")
            b.note([node])
    entries = sorted(set(entries), key=str.casefold)
    if len(entries) > LIST_MAX:
        entries = entries[:LIST_MAX] + [f"- ... and {len(entries) - LIST_MAX} more"]
    return entries


def _rest(b: _Builder) -> None:
    """Relationships no section showed, as sentences, so no fact of the graph is lost."""
    entries = set()
    for link, other in b.links(None, BOTH, None):
        if link.kind == "revoked-by":
            continue
        ends = (b.title, other.label) if link.src == b.node.id else (other.label, b.title)
        text = _procedure(link.description)
        entries.add(f"- {ends[0]} {link.kind.replace('-', ' ')} {ends[1]}" + (f": {text}" if text else ""))
        b.note([other])
    b.section("Related", sorted(entries, key=str.casefold))


_RENDERERS = {
    "intrusion-set": _group,
    "campaign": _campaign,
    "malware": _software,
    "tool": _software,
    "attack-pattern": _technique,
    "course-of-action": _mitigation,
    "vulnerability": _vulnerability,
    "indicator": _indicator,
    "report": _report,
    "note": _note,
}
