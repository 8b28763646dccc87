"""Throw-away knowledge bases for evaluation: each distinct corpus is built once per run, in a temp folder.

A corpus is the bundled sample corpus, slices of the real data in ../shared/data/cti (cut down at run time,
never copied into the repository), and inline fixture documents, ingested through the same path as
`detente ingest` (loaders, chunking, the guardrails' span annotator, the configured embedder).

>>> cache = CorpusCache(Path(tempfile.mkdtemp()))  # doctest: +SKIP
>>> built = cache.get(CorpusSpec(sample=True), "hash")  # doctest: +SKIP
>>> built.kb.store.count()  # doctest: +SKIP
160
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from assistant.annotate import make_annotator
from assistant.services import sample_corpus_paths
from evals.errors import CorpusError
from evals.suite import CorpusSpec, Fixture, SharedSlice
from guardrails.audiences import get_audience
from guardrails.markings import TLP
from retrieval.embeddings import Embedder, load_embedder
from retrieval.ingest import Ingester
from retrieval.kb import KnowledgeBase

SHARED_CTI = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cti"
_SUPPORT_TYPES = frozenset({"marking-definition", "identity"})
# Manifest kinds of planted identifiers -> the audience group that strips them (guardrails/data/audiences.yaml).
_KIND_GROUP = {
    "PERSON": "persons",
    "EMAIL": "contacts",
    "PHONE": "contacts",
    "SOURCE": "sources",
    "HOST": "internal_names",
    "CASE": "internal_names",
    "MARKING": "markings",
    "CREDENTIAL": "secrets",
    "CANARY": "secrets",
    "IP": "indicators",
}


@dataclass
class BuiltCorpus:
    key: str
    label: str
    embedder: str
    kb: KnowledgeBase
    documents: int
    chunks: int
    seconds: float


class CorpusCache:
    """Builds each (spec, embedder) once under `root`; embedders are loaded once and shared."""

    def __init__(
        self,
        root: Path,
        *,
        shared_root: Path = SHARED_CTI,
        annotate: str = "auto",
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root
        self.shared_root = shared_root
        self.annotate = annotate
        self.progress = progress or (lambda _msg: None)
        self._built: dict[str, BuiltCorpus] = {}
        self._embedders: dict[str, Embedder] = {}

    def embedder(self, name: str) -> Embedder:
        if name not in self._embedders:
            self._embedders[name] = load_embedder(name)
        return self._embedders[name]

    def get(self, spec: CorpusSpec, embedder: str) -> BuiltCorpus:
        key = spec.key(embedder)
        if key not in self._built:
            self._built[key] = self._build(key, spec, embedder)
        return self._built[key]

    def built(self) -> list[BuiltCorpus]:
        """The corpora built so far, in build order."""
        return list(self._built.values())

    def close(self) -> None:
        for built in self._built.values():
            built.kb.close()
        self._built.clear()

    def _build(self, key: str, spec: CorpusSpec, embedder: str) -> BuiltCorpus:
        started = time.perf_counter()
        self.progress(f"building corpus {spec.label()} ({embedder})")
        sources = self.root / f"{key}-sources"
        paths = materialise(spec, sources, shared_root=self.shared_root)
        kb = KnowledgeBase(home=self.root / key, embedder=self.embedder(embedder))
        annotate = make_annotator(mode=self.annotate, known_names=kb.catalog.entity_names())
        report = Ingester(kb, annotate=annotate).run(paths)
        if report.failed:
            kb.close()
            failed = "; ".join(f"{path}: {reason}" for path, reason in report.failed[:5])
            raise CorpusError(
                f"Corpus {spec.label()}: {len(report.failed)} file(s) failed to ingest: {failed}"
            )
        return BuiltCorpus(
            key=key,
            label=spec.label(),
            embedder=embedder,
            kb=kb,
            documents=report.documents,
            chunks=report.chunks,
            seconds=round(time.perf_counter() - started, 1),
        )


def materialise(spec: CorpusSpec, folder: Path, *, shared_root: Path = SHARED_CTI) -> list[Path]:
    """The paths to ingest for `spec`: the sample corpus in place, shared slices and fixtures written out."""
    paths: list[Path] = list(sample_corpus_paths()) if spec.sample else []
    if spec.shared:
        if not shared_root.is_dir():
            raise CorpusError(
                f"Real CTI data not found at {shared_root}: put ../shared/data/cti beside the repository "
                "(see its README) or run only the suites that use the sample corpus."
            )
        target = folder / "shared"
        for entry in spec.shared:
            write_slice(
                entry if isinstance(entry, SharedSlice) else SharedSlice(path=entry), shared_root, target
            )
        paths.append(target)
    if spec.fixtures:
        target = folder / "fixtures"
        target.mkdir(parents=True, exist_ok=True)
        for fixture in spec.fixtures:
            (target / f"{fixture.id}.md").write_text(fixture_markdown(fixture), encoding="utf-8")
        paths.append(target)
    return paths


def write_slice(entry: SharedSlice, shared_root: Path, target: Path) -> None:
    """Copy the matching files (or the selected items of one JSON file) to the same relative path."""
    matched = sorted(p for p in shared_root.glob(entry.path) if p.is_file())
    if not matched:
        raise CorpusError(f"No file under {shared_root} matches {entry.path!r}.")
    if not entry.select:
        if entry.limit:
            matched = matched[: entry.limit]
        for path in matched:
            dest = target / path.relative_to(shared_root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        return
    if len(matched) != 1:
        raise CorpusError(f"`select` needs one file; {entry.path!r} matches {len(matched)}.")
    source = matched[0]
    data = _read_json(source)
    key = next((k for k in ("objects", "values", "vulnerabilities") if isinstance(data.get(k), list)), None)
    if key is None:
        raise CorpusError(
            f"{source}: not a STIX bundle, MISP galaxy or KEV catalogue; cannot `select` from it."
        )
    chosen = [item for item in data[key] if _selected(item, entry.select)]
    if entry.limit:
        chosen = chosen[: entry.limit]
    if not chosen:
        raise CorpusError(f"{entry.path}: `select` {dict(entry.select)} matches nothing.")
    if key == "objects":
        chosen = _with_stix_context(data[key], chosen, entry, shared_root)
    dest = target / source.relative_to(shared_root)
    dest = dest.with_name(dest.name.removesuffix(".gz"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps({**data, key: chosen}), encoding="utf-8")


def _with_stix_context(
    objects: list[dict[str, Any]], chosen: list[dict[str, Any]], entry: SharedSlice, shared_root: Path
) -> list[dict[str, Any]]:
    """Selected objects, the identities and markings they refer to, and (if asked) their relationships."""
    keep = {o["id"]: o for o in chosen}
    if entry.relationships:
        rels = _read_json(shared_root / entry.relationships).get("objects", [])
        by_id = {o["id"]: o for o in objects}
        selected = set(keep)
        for rel in rels:
            if (
                rel.get("type") != "relationship"
                or rel.get("relationship_type") not in entry.relationship_types
            ):
                continue
            ends = (rel.get("source_ref"), rel.get("target_ref"))
            if not selected.intersection(ends):
                continue
            other = by_id.get(ends[1] if ends[0] in selected else ends[0])
            if other is None or other.get("revoked") or other.get("x_mitre_deprecated"):
                continue
            wanted = other["type"] in entry.related_types and (
                not entry.related_names or other.get("name") in entry.related_names
            )
            if other["id"] in selected or wanted:
                keep.setdefault(other["id"], other)
                keep[rel["id"]] = rel
    support = [o for o in objects if o.get("type") in _SUPPORT_TYPES]
    return [*support, *(o for o in keep.values() if o.get("type") not in _SUPPORT_TYPES)]


def _selected(item: dict[str, Any], select: dict[str, tuple[str, ...]]) -> bool:
    for field, wanted in select.items():
        value = item.get(field)
        values = value if isinstance(value, list) else [value]
        if not any(isinstance(v, str) and v in wanted for v in values):
            return False
    return True


def _read_json(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
        return json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{path}: cannot read it as JSON ({exc}).") from None


def fixture_markdown(fixture: Fixture) -> str:
    """A fixture as the Markdown loader reads it: YAML front matter, then the text."""
    front: dict[str, Any] = {
        "id": fixture.id,
        "title": fixture.title,
        "tlp": fixture.tlp.removeprefix("TLP:"),
        "source": fixture.source,
    }
    optional = {
        "pap": fixture.pap,
        "reliability": fixture.reliability,
        "credibility": fixture.credibility,
        "date": fixture.date,
        "url": fixture.url,
        "type": fixture.type,
    }
    front.update({k: v for k, v in optional.items() if v is not None})
    for field in ("actors", "aliases", "malware", "countries", "sectors", "sponsors", "cves"):
        if getattr(fixture, field):
            front[field] = list(getattr(fixture, field))
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True)
    return f"---\n{header}---\n\n{fixture.text.strip()}\n"


# --- what a reader must never see ---------------------------------------------------------------------
@cache
def _manifest() -> tuple[tuple[TLP, str, str], ...]:
    """(document TLP, kind, value) for every planted identifier in the sample corpus manifest."""
    path = Path(str(files("retrieval") / "sample_corpus" / "manifest.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        (TLP.parse(doc["tlp"]), item["kind"], item["text"])
        for doc in data["documents"].values()
        for item in doc.get("planted") or ()
    )


def planted_values(spec: CorpusSpec, *, audience: str, clearance: str) -> tuple[str, ...]:
    """Planted identifiers this reader must not see: above their clearance, or of a kind their audience strips.

    A value also planted in a document within the clearance is not "above" it; whether it may appear is then
    decided by its kind (an analyst keeps IP addresses from GREEN reports, a diplomat never sees them).
    """
    policy = get_audience(audience)
    ceiling = policy.ceiling(TLP.parse(clearance))
    out: dict[str, None] = {}
    if spec.sample:
        rows = _manifest()
        within = {value for tlp, _, value in rows if tlp <= ceiling}
        for tlp, kind, value in rows:
            group = _KIND_GROUP.get(kind, "secrets")
            if (tlp > ceiling and value not in within) or policy.strips(group) or group == "secrets":
                out[value] = None
    for fixture in spec.fixtures:
        out.update(dict.fromkeys(fixture.planted))
    return tuple(out)
