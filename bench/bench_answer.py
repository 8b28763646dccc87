"""End-to-end answer benchmark on the full shared corpus (plus the sample corpus), composer drafter.

    .venv/bin/python bench/bench_answer.py [--home DIR]

Ingests (once, with the same ingest-time annotation as `detente ingest`) into --home, then prints the warm
answer latency p50/p95 (goal: p50 < 500 ms) and the cold CLI time from start to printed brief (goal: < 15 s).
Writes bench/results/answer.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import assistant  # noqa: E402,F401 - offline start-up
from assistant.annotate import make_annotator  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.pipeline import Pipeline  # noqa: E402
from assistant.services import open_kb, sample_corpus_paths  # noqa: E402
from retrieval.ingest import Ingester  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cti"
RESULTS = Path(__file__).parent / "results"
QUESTIONS = [
    ("What has Fancy Bear been doing and what should we do about it?", "diplomat", "CLEAR"),
    ("Which Iranian-sponsored groups target energy?", "diplomat", "CLEAR"),
    ("Is CVE-2023-4966 being exploited by ransomware gangs?", "diplomat", "CLEAR"),
    ("What does Volt Typhoon's living off the land mean for critical infrastructure?", "diplomat", "CLEAR"),
    ("What should we patch first on Ivanti devices?", "analyst", "CLEAR"),
    ("Draft public lines on the hospital ransomware incident", "public", "CLEAR"),
    ("What is the water utility intrusion and who is behind it?", "diplomat", "GREEN"),
    ("Who defaced the tourism website?", "diplomat", "AMBER"),
    ("What are North Korean groups doing to steal cryptocurrency?", "diplomat", "CLEAR"),
    ("What did APT40 do according to the joint advisory?", "diplomat", "CLEAR"),
]


def ingest_if_needed(settings: Settings) -> dict:
    kb = open_kb(settings)
    try:
        if kb.store.count():
            return {"reused_store": True, "chunks": kb.store.count()}
        annotate = make_annotator(mode=settings.annotate, known_names=kb.catalog.entity_names())
        report = Ingester(kb, annotate=annotate).run([SHARED, *sample_corpus_paths()])
        return {
            "documents": report.documents,
            "chunks": report.chunks,
            "failed": report.failed,
            "seconds": round(report.seconds, 1),
            "embed_seconds": round(report.embed_seconds, 1),
            "ratio_total_to_embedding": round(report.seconds / max(report.embed_seconds, 1e-9), 2),
        }
    finally:
        kb.close()


def warm_latency(settings: Settings, rounds: int = 3) -> dict:
    pipeline = Pipeline.open(settings)
    for q, audience, clearance in QUESTIONS:  # warm: models, engines, caches
        pipeline.answer(q, audience=audience, clearance=clearance)
    samples = []
    for r in range(rounds):
        for q, audience, clearance in QUESTIONS:
            start = time.perf_counter()
            pipeline.answer(f"{q}{' ' * (r + 1)}", audience=audience, clearance=clearance)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
    }


def cold_cli(home: Path, runs: int = 3) -> dict:
    exe = Path(sys.executable).with_name("detente")
    env = {**os.environ, "DETENTE_HOME": str(home)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [
                str(exe),
                "ask",
                "What is the water utility intrusion and who is behind it?",
                "--clearance",
                "GREEN",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(times), 1), "runs_s": [round(t, 1) for t in times]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="detente-answer-"))
    os.environ["DETENTE_HOME"] = str(home)
    settings = Settings(home=home)
    results = {"ingest": ingest_if_needed(settings)}
    print("ingest:", json.dumps(results["ingest"]))
    results["warm"] = warm_latency(settings)
    print("warm answer:", json.dumps(results["warm"]))
    results["cold_cli"] = cold_cli(home)
    print("cold CLI start to printed brief:", json.dumps(results["cold_cli"]))
    p50, cold = results["warm"]["p50_ms"], results["cold_cli"]["median_s"]
    print(f"warm p50 = {p50} ms (goal < 500 ms): {'PASS' if p50 < 500 else 'FAIL'}")
    print(f"cold CLI = {cold} s (goal < 15 s): {'PASS' if cold < 15 else 'FAIL'}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "answer.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
