"""A SQLite-backed STIX graph: relationships become searchable facts in the documents of both endpoints.

Relationships often arrive in another file (ATT&CK ships them in their own bundle) or in a later ingest, so
the loader only parses objects; this graph stores them, tells the ingest which documents changed, and renders
those documents from the whole graph (the Markdown itself is built by `retrieval.stix_render`).

Example::

    graph = StixGraph(home / "stix.sqlite")
    changed = graph.add(result.stix_objects, options=IngestOptions(), origin="enterprise-attack.json")
    documents = graph.render(changed)  # chunk and index these
    gone = graph.withdrawn(changed)  # delete these from the index: revoked, deprecated or unknown
    graph.mark_rendered(changed)  # until then `graph.pending()` still lists them, across restarts
    graph.close()

Related content is rendered into a document only when its TLP is not above the document's own marking, so a
document never carries text from a more restricted object or relationship (see `stix_render._Builder.admits`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from guardrails.markings import PAP, STIX_TLP_MARKINGS, TLP
from retrieval.documents import Document
from retrieval.loaders.base import IngestOptions
from retrieval.stix_render import (
    ATTACK_SOURCES,
    INDEXABLE,
    Context,
    Link,
    Node,
    marking_levels,
    one_line,
    render_documents,
)

_REF = (
    "@"  # edge kinds starting with this are references (object_refs, created_by_ref, ...), not relationships
)
_CHUNK = 900  # ids per IN (...) list; at most 3 lists per query stay far below SQLite's 32,766 variables

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, version TEXT NOT NULL, hidden INTEGER NOT NULL,
    name TEXT, ext_id TEXT, markings TEXT NOT NULL, options TEXT NOT NULL, origin TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_type ON objects(type);
CREATE TABLE IF NOT EXISTS edges (
    owner TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL, kind TEXT NOT NULL, description TEXT
);
CREATE INDEX IF NOT EXISTS edges_owner ON edges(owner);
CREATE INDEX IF NOT EXISTS edges_src ON edges(src, kind);
CREATE INDEX IF NOT EXISTS edges_dst ON edges(dst, kind);
CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY);
"""
_NODE_COLUMNS = "id, type, hidden, name, ext_id, markings, options, origin"


# ---------------------------------------------------------------- stored rows


@dataclass(frozen=True)
class _Row:
    """One object as stored: the `objects` columns plus the edges it states."""

    id: str
    type: str
    version: str
    hidden: bool
    name: str
    ext_id: str | None
    markings: str
    options: str
    origin: str
    body: str
    edges: list[tuple[str, str, str, str, str | None]]

    def columns(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.type,
            self.version,
            int(self.hidden),
            self.name,
            self.ext_id,
            self.markings,
            self.options,
            self.origin,
            self.body,
        )

    def is_change(self, stored: tuple[str, str, str] | None) -> bool:
        """Newer versions replace; the same version replaces only if its content or ingest options differ."""
        if stored is None:
            return True
        version, body, options = stored
        if self.version != version:
            return self.version > version
        return self.body != body or self.options != options


def _type_of(stix_id: str) -> str:
    return stix_id.split("--", 1)[0]


def _version(obj: dict[str, Any]) -> str:
    """A sortable version: `modified` (or `created`) normalised, so '...00Z' and '...00.000Z' compare equal."""
    raw = str(obj.get("modified") or obj.get("created") or "")
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%S.%f")
    except ValueError:
        return raw


def _markings_of(obj: dict[str, Any]) -> list[str]:
    refs = [r for r in obj.get("object_marking_refs") or [] if isinstance(r, str)]
    refs += [g.get("marking_ref") for g in obj.get("granular_markings") or [] if isinstance(g, dict)]
    return sorted({r for r in refs if isinstance(r, str)})


def _ext_id(obj: dict[str, Any]) -> str | None:
    """ATT&CK id (T1566, G0007, ...) or, for vulnerabilities, the CVE id."""
    wanted = {"cve"} if obj["type"] == "vulnerability" else ATTACK_SOURCES
    for ref in obj.get("external_references") or []:
        if isinstance(ref, dict) and ref.get("source_name") in wanted and ref.get("external_id"):
            return str(ref["external_id"])
    return None


def _name_of(obj: dict[str, Any]) -> str:
    for key in ("name", "abstract", "pattern"):
        if obj.get(key):
            return one_line(str(obj[key]))[:200]
    return obj["id"]


def _options_json(options: IngestOptions) -> str:
    return json.dumps(
        {
            "tlp": options.tlp.name if options.tlp is not None else None,
            "pap": options.pap.name if options.pap is not None else None,
            "source": options.source,
            "reliability": options.reliability,
        },
        sort_keys=True,
    )


@lru_cache(maxsize=256)
def _options_from(text: str) -> IngestOptions:
    data = json.loads(text)
    return IngestOptions(
        tlp=TLP[data["tlp"]] if data.get("tlp") else None,
        pap=PAP[data["pap"]] if data.get("pap") else None,
        source=data.get("source"),
        reliability=data.get("reliability"),
    )


def _edges_of(obj: dict[str, Any], hidden: bool) -> list[tuple[str, str, str, str, str | None]]:
    """(owner, src, dst, kind, description) rows: what this object points at, for rendering and invalidation."""
    oid = obj["id"]
    rows: list[tuple[str, str, str, str, str | None]] = []
    if obj["type"] == "relationship" and not hidden:
        rows.append(
            (oid, obj["source_ref"], obj["target_ref"], obj["relationship_type"], obj.get("description"))
        )
    for ref in obj.get("object_refs") or []:
        if isinstance(ref, str):
            rows.append((oid, oid, ref, _REF + "object-ref", None))
    if isinstance(obj.get("created_by_ref"), str):
        rows.append((oid, oid, obj["created_by_ref"], _REF + "created-by", None))
    rows += [(oid, oid, ref, _REF + "marking", None) for ref in _markings_of(obj)]
    for phase in obj.get("kill_chain_phases") or []:
        if isinstance(phase, dict) and phase.get("phase_name"):
            rows.append((oid, oid, "phase:" + str(phase["phase_name"]), _REF + "phase", None))
    return rows


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    items = list(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


# ---------------------------------------------------------------- the graph


class StixGraph:
    """STIX objects and relationships in one SQLite file (WAL), keyed by STIX id; newest `modified` wins."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> StixGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writing

    def add(self, objects: list[dict[str, Any]], *, options: IngestOptions, origin: str) -> set[str]:
        """Upsert objects; return the ids of the documents whose rendering changed (empty if nothing did).

        A changed object affects its own document, the other endpoint of each of its relationships and every
        object that references it (reports, objects it marks or created); a changed relationship affects both
        endpoints; `revoked-by` also withdraws its source from every list that showed it.
        """
        rows = [_row(obj, options, origin) for obj in _newest_per_id(objects).values()]
        stored = self._stored_versions([row.id for row in rows])
        changed = [row for row in rows if row.is_change(stored.get(row.id))]
        if not changed:
            return set()
        ids = [row.id for row in changed]
        with self._conn:
            old_ends = self._query(
                "SELECT src, dst FROM edges WHERE owner IN ({}) AND kind NOT LIKE '@%'", ids
            )
            for chunk in _chunks(ids):
                self._conn.execute(f"DELETE FROM edges WHERE owner IN ({_marks(chunk)})", chunk)
            self._conn.executemany(
                "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [row.columns() for row in changed],
            )
            self._conn.executemany(
                "INSERT INTO edges VALUES (?, ?, ?, ?, ?)", [e for row in changed for e in row.edges]
            )
            affected = {i for i in self._affected(changed, old_ends) if _type_of(i) in INDEXABLE}
            self._conn.executemany("INSERT OR IGNORE INTO pending VALUES (?)", [(i,) for i in affected])
        return affected

    def pending(self) -> set[str]:
        """Ids returned by `add` and not yet `mark_rendered`: survives a crash between adding and indexing."""
        return {r[0] for r in self._conn.execute("SELECT id FROM pending")}

    def mark_rendered(self, ids: set[str]) -> None:
        """Forget `ids` from `pending` once their documents are indexed (or withdrawn)."""
        with self._conn:
            for chunk in _chunks(ids):
                self._conn.execute(f"DELETE FROM pending WHERE id IN ({_marks(chunk)})", chunk)

    def _stored_versions(self, ids: list[str]) -> dict[str, tuple[str, str, str]]:
        rows = self._query("SELECT id, version, body, options FROM objects WHERE id IN ({})", ids)
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def _affected(self, changed: list[_Row], old_ends: list[tuple[str, str]]) -> set[str]:
        """Documents that show something of the changed objects."""
        affected = {end for pair in old_ends for end in pair}
        seeds: set[str] = set()
        for row in changed:
            affected.add(row.id)
            if row.type != "relationship":
                seeds.add(row.id)
            for _, src, dst, edge_kind, _ in row.edges:
                if not edge_kind.startswith(_REF):
                    affected |= {src, dst}
                    if edge_kind == "revoked-by":
                        seeds.add(src)
        phases = [
            "phase:" + json.loads(row.body).get("x_mitre_shortname", "")
            for row in changed
            if row.type == "x-mitre-tactic"
        ]
        affected |= self._neighbours(seeds | set(phases))
        markings = [row.id for row in changed if row.type == "marking-definition"]
        if markings:
            marked = {
                r[0]
                for r in self._query(
                    "SELECT src FROM edges WHERE dst IN ({}) AND kind = '@marking'", markings
                )
            }
            affected |= self._neighbours(marked)
        return affected

    def _neighbours(self, ids: set[str]) -> set[str]:
        """Other endpoints of relationships touching `ids`, endpoints of relationships among `ids`, referrers."""
        found: set[str] = set()
        sql = "SELECT src, dst, kind FROM edges WHERE src IN ({0}) OR dst IN ({0}) OR owner IN ({0})"
        for chunk in _chunks(ids):
            for src, dst, kind in self._conn.execute(sql.format(_marks(chunk)), chunk * 3):
                if not kind.startswith(_REF):
                    found |= {src, dst}
                elif dst in ids:
                    found.add(src)
        return found

    # ------------------------------------------------------------ reading

    def withdrawn(self, ids: set[str]) -> set[str]:
        """The indexable ids among `ids` that have no document any more (revoked, deprecated or unknown)."""
        wanted = {i for i in ids if _type_of(i) in INDEXABLE}
        nodes = self._nodes(wanted)
        revoked = self._revoked(wanted)
        return {i for i in wanted if i not in nodes or nodes[i].hidden or i in revoked}

    def render(self, ids: set[str]) -> list[Document]:
        """Documents for the indexable, current objects among `ids`, sorted by id."""
        wanted = sorted(i for i in ids if _type_of(i) in INDEXABLE)
        nodes = self._nodes(wanted, with_body=True)
        revoked = self._revoked(nodes)
        targets = sorted(i for i, n in nodes.items() if not n.hidden and i not in revoked)
        if not targets:
            return []
        return render_documents(self._context(nodes, targets, revoked), targets)

    def _context(self, nodes: dict[str, Node], targets: list[str], revoked: set[str]) -> Context:
        """Everything the renderer needs for `targets`, fetched up front: neighbours, references, markings."""
        links = self._links(targets)
        refs = self._query("SELECT src, dst FROM edges WHERE src IN ({}) AND kind = '@object-ref'", targets)
        ref_links = self._links([dst for _, dst in refs if _type_of(dst) == "relationship"], by_owner=True)
        wanted = {x for link in links + ref_links for x in (link.src, link.dst)} | {dst for _, dst in refs}
        wanted |= {str(nodes[t].body.get("created_by_ref") or "") for t in targets}
        everything = dict(nodes)
        everything.update(self._nodes(wanted - set(nodes)))
        revoked = revoked | self._revoked(set(everything) - set(nodes))
        marking_ids = {m for n in everything.values() for m in n.markings}
        marking_ids |= {m for link in links + ref_links for m in link.markings}
        return Context.build(
            nodes=everything,
            revoked=revoked,
            links=links,
            ref_links=ref_links,
            refs=refs,
            markings=self._marking_levels(marking_ids),
            tactics=self._tactics(),
        )

    def _nodes(self, ids: Iterable[str], *, with_body: bool = False) -> dict[str, Node]:
        columns = _NODE_COLUMNS + (", body" if with_body else "")
        rows = self._query(f"SELECT {columns} FROM objects WHERE id IN ({{}})", [i for i in ids if i])
        return {
            r[0]: Node(
                id=r[0],
                type=r[1],
                hidden=bool(r[2]),
                name=r[3] or r[0],
                ext_id=r[4],
                markings=tuple(json.loads(r[5])),
                options=_options_from(r[6]),
                origin=r[7],
                body=json.loads(r[8]) if with_body else {},
            )
            for r in rows
        }

    def _revoked(self, ids: Iterable[str]) -> set[str]:
        """Ids that a `revoked-by` relationship replaced, even if the loader never stored the revoked version."""
        rows = self._query("SELECT src FROM edges WHERE src IN ({}) AND kind = 'revoked-by'", list(ids))
        return {r[0] for r in rows}

    def _links(self, ids: list[str], *, by_owner: bool = False) -> list[Link]:
        where = "e.owner IN ({0})" if by_owner else "(e.src IN ({0}) OR e.dst IN ({0}))"
        sql = (
            "SELECT e.owner, e.kind, e.src, e.dst, e.description, o.markings, o.options FROM edges e "
            f"JOIN objects o ON o.id = e.owner WHERE {where} AND e.kind NOT LIKE '@%'"
        )
        links: dict[str, Link] = {}
        for chunk in _chunks(ids):
            params = chunk if by_owner else chunk * 2
            for r in self._conn.execute(sql.format(_marks(chunk)), params):
                links[r[0]] = Link(
                    r[0], r[1], r[2], r[3], r[4] or "", tuple(json.loads(r[5])), _options_from(r[6])
                )
        return list(links.values())

    def _marking_levels(self, ids: set[str]) -> dict[str, tuple[TLP | None, PAP | None]]:
        """TLP/PAP of each marking id: the well-known TLP ids, else marking-definitions stored in the graph."""
        stored = self._nodes(ids - STIX_TLP_MARKINGS.keys(), with_body=True)
        return marking_levels(ids, {oid: node.body for oid, node in stored.items()})

    def _tactics(self) -> dict[str, str]:
        rows = self._conn.execute("SELECT body FROM objects WHERE type = 'x-mitre-tactic' AND hidden = 0")
        tactics = (json.loads(r[0]) for r in rows)
        return {
            t["x_mitre_shortname"]: str(t.get("name") or "") for t in tactics if t.get("x_mitre_shortname")
        }

    def _query(self, sql: str, ids: list[str]) -> list[tuple[Any, ...]]:
        """Run `sql` with its `{}` replaced by placeholders, over chunks of `ids`."""
        rows: list[tuple[Any, ...]] = []
        for chunk in _chunks(dict.fromkeys(ids)):
            rows += self._conn.execute(sql.format(_marks(chunk)), chunk).fetchall()
        return rows


def _row(obj: dict[str, Any], options: IngestOptions, origin: str) -> _Row:
    hidden = obj.get("revoked") is True or obj.get("x_mitre_deprecated") is True
    return _Row(
        id=obj["id"],
        type=obj["type"],
        version=_version(obj),
        hidden=hidden,
        name=_name_of(obj),
        ext_id=_ext_id(obj),
        markings=json.dumps(_markings_of(obj)),
        options=_options_json(options),
        origin=origin,
        body=json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        edges=_edges_of(obj, hidden),
    )


def _marks(chunk: list[str]) -> str:
    return ", ".join("?" * len(chunk))


def _newest_per_id(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    newest: dict[str, dict[str, Any]] = {}
    for obj in objects:
        current = newest.get(obj["id"])
        if current is None or _version(obj) >= _version(current):
            newest[obj["id"]] = obj
    return newest
