"""The machine-readable report: the whole RunReport, briefs included (`--baseline` reads it back)."""

from __future__ import annotations

from pathlib import Path

from evals.results import RunReport


def write_json(report: RunReport, path: Path) -> Path:
    path.write_text(report.model_dump_json(indent=1) + "\n", encoding="utf-8")
    return path


def write_baseline(report: RunReport, path: Path) -> Path:
    """The slim, stable form kept in the repository: scores and verdicts, no briefs, no timings."""
    path.write_text(report.slim().model_dump_json(indent=1, exclude={"started", "seconds", "corpora"}) + "\n")
    return path
