"""Knowledge-base benchmark: ingest of all of ../shared/data/cti, query latency at that size and at a
synthetic 100k chunks (clearance filter included), peak memory, and retrieval quality on the dev set.

    .venv/bin/python bench/bench_retrieval.py [--skip-ingest] [--synthetic 100000] [--home DIR]

Prints figures and ratios against the goals, and writes bench/results/retrieval.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import assistant  # noqa: E402,F401 - offline start-up
from evals.retrieval import MODES, evaluate, load_devset  # noqa: E402
from guardrails.markings import TLP  # noqa: E402
from retrieval.embeddings import MiniLMEmbeddings  # noqa: E402
from retrieval.ingest import Ingester  # noqa: E402
from retrieval.kb import KnowledgeBase  # noqa: E402
from retrieval.search import search  # noqa: E402
from retrieval.store import ChromaStore, StoredChunk  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cti"
RESULTS = Path(__file__).parent / "results"
QUERIES = [
    "What has Fancy Bear been doing?",
    "Which Iranian-sponsored groups target energy?",
    "Is CVE-2023-4966 exploited by ransomware?",
    "How do attackers use spearphishing attachments?",
    "Volt Typhoon living off the land in critical infrastructure",
    "What should we patch first on Ivanti devices?",
    "North Korean groups stealing cryptocurrency",
    "Which mitigations stop credential dumping?",
    "APT40 advisory recommendations",
    "LockBit ransomware affiliates and Citrix Bleed",
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def time_queries(kb: KnowledgeBase, clearance: TLP, rounds: int = 5) -> tuple[float, float]:
    for q in QUERIES:  # warm: models, caches, lexical index
        search(kb, query=q, clearance=clearance, k=10)
    samples = []
    for r in range(rounds):
        for q in QUERIES:
            query = f"{q} {r}"  # defeat the query-embedding cache: the embedding is part of the latency
            start = time.perf_counter()
            search(kb, query=query, clearance=clearance, k=10)
            samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def bench_ingest(home: Path, embedder: MiniLMEmbeddings) -> dict:
    kb = KnowledgeBase(home=home, embedder=embedder)
    report = Ingester(kb).run([SHARED])
    out = {
        "files": report.files,
        "documents": report.documents,
        "chunks": report.chunks,
        "failed": report.failed,
        "seconds": round(report.seconds, 1),
        "embed_seconds": round(report.embed_seconds, 1),
        "chunks_per_second": round(report.chunks / report.seconds, 1),
        "ratio_total_to_embedding": round(report.seconds / max(report.embed_seconds, 1e-9), 2),
    }
    kb.close()
    return out


def bench_queries(home: Path, embedder: MiniLMEmbeddings) -> dict:
    kb = KnowledgeBase(home=home, embedder=embedder)
    out: dict = {"chunks": kb.store.count()}
    for level in (TLP.CLEAR, TLP.AMBER):
        p50, p95 = time_queries(kb, level)
        out[f"p50_ms_{level.name}"], out[f"p95_ms_{level.name}"] = round(p50, 1), round(p95, 1)
    cases = load_devset(corpus="shared")
    out["devset"] = {}
    for mode in MODES:
        score = evaluate(kb, cases, mode=mode)
        out["devset"][mode] = {
            "cases": score.cases,
            "recall@10": round(score.recall_at_k, 3),
            "mrr": round(score.mrr, 3),
            "misses": list(score.misses),
        }
    kb.close()
    return out


def bench_synthetic(home: Path, embedder: MiniLMEmbeddings, n: int) -> dict:
    """n synthetic chunks with random unit vectors and real-looking metadata, queried with real embeddings."""
    rng = np.random.default_rng(7)
    words = "phishing ransomware ministry energy water utility espionage credential vpn exploit patch".split()
    store = ChromaStore(embedder=embedder, path=home / "chroma")
    started = time.perf_counter()
    for start in range(0, n, 5000):
        size = min(5000, n - start)
        vectors = rng.standard_normal((size, embedder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        chunks = [
            StoredChunk(
                f"syn-{start + i}",
                " ".join(random.choices(words, k=40)),
                {
                    "doc_id": f"doc-{(start + i) // 3}",
                    "title": f"synthetic {(start + i) // 3}",
                    "source": "synthetic",
                    "doc_type": "report",
                    "tlp": int(rng.integers(0, 5)),
                    "published_ts": 20240101,
                    "entities": "{}",
                },
            )
            for i in range(size)
        ]
        store.upsert(chunks, vectors)
    load_seconds = time.perf_counter() - started
    kb = KnowledgeBase(home=home, embedder=embedder)
    kb.refresh()  # builds the lexical index over all n chunks
    out = {"chunks": kb.store.count(), "load_seconds": round(load_seconds, 1)}
    for level in (TLP.GREEN, TLP.AMBER):
        p50, p95 = time_queries(kb, level)
        out[f"p50_ms_{level.name}"], out[f"p95_ms_{level.name}"] = round(p50, 1), round(p95, 1)
    kb.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, default=None, help="Reuse a store (skips nothing by itself).")
    parser.add_argument("--skip-ingest", action="store_true", help="Use the existing store at --home.")
    parser.add_argument("--synthetic", type=int, default=100_000)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"Shared corpus not found at {SHARED}")
    home = args.home or Path(tempfile.mkdtemp(prefix="detente-bench-"))
    embedder = MiniLMEmbeddings()
    results: dict = {}
    if not args.skip_ingest:
        results["ingest"] = bench_ingest(home / "shared", embedder)
        print("ingest:", json.dumps(results["ingest"]))
    results["query_shared"] = bench_queries(home / "shared", embedder)
    print("query (shared corpus):", json.dumps(results["query_shared"]))
    if args.synthetic:
        results["query_synthetic"] = bench_synthetic(home / "synthetic", embedder, args.synthetic)
        print(f"query (synthetic {args.synthetic}):", json.dumps(results["query_synthetic"]))
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(f"peak memory: {results['peak_rss_mb']} MB")
    goals = []
    if "ingest" in results:
        ratio = results["ingest"]["ratio_total_to_embedding"]
        goals.append(f"ingest total/embedding = {ratio}x (goal < 1.5x): {'PASS' if ratio < 1.5 else 'FAIL'}")
    if "query_synthetic" in results:
        p50 = results["query_synthetic"]["p50_ms_GREEN"]
        goals.append(
            f"p50 at {args.synthetic} chunks = {p50} ms (goal < 50 ms): {'PASS' if p50 < 50 else 'FAIL'}"
        )
    for line in goals:
        print(line)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "retrieval.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
