"""Guardrails benchmark: answer-time policy application and final-draft re-scan, against the issue's targets.

    python bench/bench_guardrails.py            # prints p50/p95 and PASS/FAIL per target
    python bench/bench_guardrails.py --strict   # exit 1 when a target is missed

Passages are ~250-token windows of the sample corpus (they carry planted names, hosts, keys and markings);
their spans are computed once, stored as JSON like at ingest, and re-applied per "question" with a fresh vault.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.offline import ensure_offline  # noqa: E402

ensure_offline()

from guardrails import (  # noqa: E402
    AllowList,
    Vault,
    analyze,
    analyze_many,
    redact,
    rescan,
    run_output_checks,
    screen,
    spans_for,
    spans_to_json,
)

POLICY_TARGET_MS = 20.0  # policy application on 10 retrieved passages, p50
RESCAN_TARGET_MS = 150.0  # re-scan of a 400-word draft, p50
SAMPLE = ROOT / "retrieval" / "sample_corpus" / "reports"
KB_NAMES = ["CINDER HERON", "GRANITE TIDE", "VELVET JACKAL", "HOLLOWLOCK", "FEATHERLIGHT", "PAPERWEIGHT",
            "OBSIDIAN LYNX", "NOISY GULL", "THUNDERCROW", "Lusenia", "Marentia", "Vostrania", "Karsovia"]  # fmt: skip


def _tokens(text: str) -> int:
    try:
        import tiktoken

        return len(tiktoken.get_encoding("cl100k_base").encode(text))
    except Exception:  # tiktoken missing: a rough word-based estimate is enough here
        return int(len(text.split()) * 1.3)


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL).strip()


def passages(n: int = 10, words: int = 165) -> list[str]:
    """~250-token windows from the sample reports (fall back to synthetic text if the corpus is absent)."""
    out = []
    for path in sorted(SAMPLE.glob("*.md")):
        body = _body(path).split(" ")
        if len(body) >= words:
            out.append(" ".join(body[:words]))
        if len(out) == n:
            return out
    filler = ("Analyst Priya Raman saw 203.0.113.45 reach exch-02.mfa.internal; source CORMORANT confirms. "
              "CINDER HERON used FEATHERLIGHT against the ministry (T1566.001), case CASE-2026-0419. ") * 8  # fmt: skip
    return (out + [filler] * n)[:n]


def draft(words: int = 400) -> str:
    """A 400-word draft that restates some identifiers and carries pseudonyms, as a model might write it."""
    base = " ".join(_body(p) for p in sorted(SAMPLE.glob("*.md"))[:6]) if SAMPLE.is_dir() else ""
    lead = ("Bottom line: <PERSON_1> reports that CINDER HERON phished the trade team; Priya Raman and "
            "m.rinaldi@mfa.gov.example were contacted from 203.0.113.45. ")  # fmt: skip
    text = (lead + re.sub(r"\s+", " ", base)).split(" ")
    while len(text) < words:
        text += lead.split(" ")
    return " ".join(text[:words])


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float], target: float | None = None) -> bool:
    p50 = statistics.median(samples)
    p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]
    verdict = (
        "" if target is None else (f"  target p50 < {target:.0f} ms: " + ("PASS" if p50 < target else "FAIL"))
    )
    print(f"{label:<48} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms{verdict}")
    return target is None or p50 < target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--runs", type=int, default=200, help="runs for the fast paths (default 200)")
    args = parser.parse_args()

    allow = AllowList(KB_NAMES)
    t0 = time.perf_counter()
    analyze("Warm-up: Jane Citizen met source CORMORANT.", allow=allow)
    print(
        f"engine build + first analysis: {time.perf_counter() - t0:.2f} s (includes importing Presidio and spaCy)"
    )

    texts = passages()
    stored = [spans_to_json(spans) for spans in analyze_many(texts, allow=allow)]
    print(f"passages: {len(texts)}, mean {statistics.mean(_tokens(t) for t in texts):.0f} tokens, "
          f"{sum(len(spans_for(text=t, annotations=s)) for t, s in zip(texts, stored, strict=True))} stored spans")  # fmt: skip

    def apply_policy() -> None:
        vault = Vault()
        for text, stored_spans in zip(texts, stored, strict=True):
            redact(
                text=text,
                spans=spans_for(text=text, annotations=stored_spans, allow=allow),
                audience="diplomat",
                vault=vault,
            )

    def screen_all() -> None:
        for text in texts:
            screen(text)

    draft_text = draft()
    vault = Vault()
    for text, stored_spans in zip(texts, stored, strict=True):
        redact(
            text=text,
            spans=spans_for(text=text, annotations=stored_spans, allow=allow),
            audience="diplomat",
            vault=vault,
        )

    def rescan_draft() -> None:
        rescan(text=draft_text, audience="diplomat", vault=vault, allow=allow)

    final = rescan(text=draft_text, audience="diplomat", vault=vault, allow=allow).text

    def checks() -> None:
        run_output_checks(
            text=final, vault=vault, ceiling="AMBER", cited_tlps=["GREEN", "AMBER"], audience="diplomat"
        )

    ok = report(
        "policy application, 10 passages (diplomat)", timed(apply_policy, args.runs), POLICY_TARGET_MS
    )
    report("injection screen, 10 passages", timed(screen_all, args.runs))
    print(f"draft: {len(draft_text.split())} words, {_tokens(draft_text)} tokens")
    ok &= report("re-scan of the draft (analyzer + policy)", timed(rescan_draft, 30), RESCAN_TARGET_MS)
    report("output checks on the re-scanned draft", timed(checks, 50))
    report("analysis of one ~250-token passage (ingest)", timed(lambda: analyze(texts[0], allow=allow), 30))
    batch = timed(lambda: analyze_many(texts, allow=allow), 5)
    report("batch analysis at ingest, per passage", [b / len(texts) for b in batch])
    print("all targets met" if ok else "TARGET MISSED")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
