"""BM25 over every passage, with the same filters as the dense side applied as a mask inside scoring.

The index is derived state: it is rebuilt from the vector store after an ingest and saved beside it, tagged
with the store's generation so a stale copy is never used.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np

from retrieval.filters import LIST_FIELDS, SCALAR_FIELDS, Filter
from retrieval.store import StoredChunk

# Keep identifiers whole (CVE-2023-4966, T1566.001, G0007) so an exact id finds its documents.
_TOKEN = re.compile(r"cve-\d{4}-\d{4,7}|t\d{4}(?:\.\d{3})?|[a-z]\d{4}|\w\w+", re.UNICODE)
_STOP = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in into is it
    its me more most my no not of on or our should so some such than that the their them then there these
    they this those to us was we were what when where which who whom why will with would you your about
    any all also over under up out""".split()
)


logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


def tokenize(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


class LexicalIndex:
    """BM25 scores plus columnar metadata for masks; texts stay in the vector store."""

    def __init__(
        self,
        *,
        bm25: bm25s.BM25,
        ids: list[str],
        tlp: np.ndarray,
        published: np.ndarray,
        scalars: dict[str, np.ndarray],
        lists: dict[str, dict[str, np.ndarray]],
    ) -> None:
        self._bm25 = bm25
        self.ids = ids
        self._tlp = tlp
        self._published = published
        self._scalars = scalars
        self._lists = lists

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, chunks: Iterable[StoredChunk]) -> LexicalIndex:
        ids: list[str] = []
        corpus: list[list[str]] = []
        tlp: list[int] = []
        published: list[int] = []
        scalars: dict[str, list[str]] = {f: [] for f in SCALAR_FIELDS}
        lists: dict[str, dict[str, list[int]]] = {f: {} for f in LIST_FIELDS}
        for row, chunk in enumerate(chunks):
            meta = chunk.metadata
            ids.append(chunk.chunk_id)
            corpus.append(tokenize(f"{meta.get('title', '')}\n{chunk.text}") or ["∅"])
            tlp.append(int(meta.get("tlp", 0)))
            published.append(int(meta.get("published_ts", 0)))
            for f in SCALAR_FIELDS:
                scalars[f].append(str(meta.get(f, "")))
            for f in LIST_FIELDS:
                for value in meta.get(f) or ():
                    lists[f].setdefault(value, []).append(row)
        bm25 = bm25s.BM25()
        if corpus:
            bm25.index(corpus, show_progress=False)
        return cls(
            bm25=bm25,
            ids=ids,
            tlp=np.asarray(tlp, dtype=np.int8),
            published=np.asarray(published, dtype=np.int32),
            scalars={f: np.asarray(v, dtype=object) for f, v in scalars.items()},
            lists={f: {k: np.asarray(v, dtype=np.int32) for k, v in d.items()} for f, d in lists.items()},
        )

    def mask(self, flt: Filter) -> np.ndarray:
        keep = self._tlp <= int(flt.clearance)
        for name, values in flt.scalars:
            keep &= np.isin(self._scalars[name], list(values))
        for name, values in flt.lists:
            allowed = np.zeros(len(self.ids), dtype=bool)
            for value in values:
                rows = self._lists.get(name, {}).get(value)
                if rows is not None:
                    allowed[rows] = True
            keep &= allowed
        if flt.since:
            keep &= self._published >= flt.since
        if flt.until:
            keep &= (self._published <= flt.until) & (self._published > 0)
        return keep

    def search(self, query: str, *, n: int, flt: Filter) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        vocab = self._bm25.vocab_dict
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens) * self.mask(flt)
        n = min(n, int(np.count_nonzero(scores)))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top]

    # --- persistence --------------------------------------------------------------------------
    def save(self, folder: Path, *, generation: int) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:  # an empty index has no BM25 matrix to save
            self._bm25.save(str(tmp / "bm25"), show_progress=False)
        np.savez(
            tmp / "columns.npz",
            tlp=self._tlp,
            published=self._published,
            **{f"s_{k}": v.astype(str) for k, v in self._scalars.items()},
        )
        lists = {f: {k: v.tolist() for k, v in d.items()} for f, d in self._lists.items()}
        (tmp / "lists.json").write_text(json.dumps(lists))
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        (tmp / "generation").write_text(str(generation))  # written last: marks a complete index
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path, *, generation: int) -> LexicalIndex | None:
        """The saved index, or None when it is missing, incomplete or built for another generation."""
        try:
            if int((folder / "generation").read_text()) != generation:
                return None
            ids = json.loads((folder / "ids.json").read_text())
            bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if ids else bm25s.BM25()
            columns = np.load(folder / "columns.npz")
            lists = json.loads((folder / "lists.json").read_text())
        except (OSError, ValueError, KeyError):
            return None
        return cls(
            bm25=bm25,
            ids=ids,
            tlp=columns["tlp"],
            published=columns["published"],
            scalars={f: columns[f"s_{f}"].astype(object) for f in SCALAR_FIELDS},
            lists={f: {k: np.asarray(v, dtype=np.int32) for k, v in d.items()} for f, d in lists.items()},
        )
