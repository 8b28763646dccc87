"""Latency: how long the pipeline took to answer. Machine-dependent, so never diffed against a baseline;
a case fails on time only when it sets its own `max_latency_ms`."""

from __future__ import annotations

from evals.metrics.base import CaseInput, Check


class LatencyEvaluator:
    family = "latency"

    def evaluate(self, item: CaseInput) -> list[Check]:
        ms = item.brief.latency_ms
        if ms is None:
            return []
        checks = [Check(name="latency.ms", passed=True, score=ms, gating=False, reason=f"{ms:.0f} ms")]
        limit = item.expect.max_latency_ms
        if limit is not None:
            checks.append(
                Check(
                    name="latency.within_limit",
                    passed=ms <= limit,
                    reason=f"{ms:.0f} ms (limit {limit:.0f} ms)",
                )
            )
        return checks
