"""Report writers: JSON (machine), JUnit XML (CI), Markdown (summary) and self-contained HTML.

>>> paths = write_reports(report, Path("eval-report"))  # doctest: +SKIP
>>> sorted(paths)  # doctest: +SKIP
['html', 'json', 'junit', 'markdown']
"""

from __future__ import annotations

from pathlib import Path

from evals.report.html import write_html
from evals.report.json_report import write_baseline, write_json
from evals.report.junit import write_junit
from evals.report.markdown import markdown_summary, write_markdown
from evals.results import RunReport


def write_reports(report: RunReport, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "json": write_json(report, folder / "report.json"),
        "junit": write_junit(report, folder / "junit.xml"),
        "markdown": write_markdown(report, folder / "summary.md"),
        "html": write_html(report, folder / "report.html"),
    }


__all__ = ["markdown_summary", "write_baseline", "write_reports"]
