"""The CLI end to end on the bundled sample corpus (fake embeddings: fast, deterministic)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-home")
    env = {"DETENTE_HOME": str(home), "DETENTE_EMBEDDINGS": "hash"}
    result = _run(env, "ingest", "--sample")
    assert result.exit_code == 0, result.output
    return env


def _run(env, *args):
    from assistant.config import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), env=env)
    get_settings.cache_clear()
    return result


def test_ingest_sample_prints_a_summary_and_is_idempotent(sample_home):
    result = _run(sample_home, "ingest", "--sample")
    assert result.exit_code == 0, result.output
    assert "Ingest summary" in result.output
    assert "documents indexed" in result.output


def test_search_json_has_citation_fields_and_respects_clearance(sample_home):
    result = _run(
        sample_home, "search", "water utility control systems", "--clearance", "GREEN", "--json", "--k", "8"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 8
    for row in rows:
        assert {"rank", "doc_id", "title", "source", "url", "tlp", "score", "text"} <= set(row)
        assert row["tlp"] in ("TLP:CLEAR", "TLP:GREEN")


def test_search_with_filters(sample_home):
    result = _run(
        sample_home, "search", "ransomware", "--clearance", "RED", "--json", "--filter", "type=report"
    )
    assert result.exit_code == 0, result.output
    assert all(json.loads(result.output))
    bad = _run(sample_home, "search", "ransomware", "--filter", "colour=red")
    assert bad.exit_code == 2
    assert "KEY=VALUE" in bad.output


def test_search_batch_reads_jsonl_and_plain_lines(sample_home, tmp_path):
    batch = tmp_path / "queries.jsonl"
    batch.write_text(
        json.dumps({"query": "hospital ransomware", "clearance": "AMBER", "k": 3})
        + "\nwho defaced the tourism website?\n"
        + json.dumps({"nope": 1})
        + "\n",
        encoding="utf-8",
    )
    result = _run(sample_home, "search", "--batch", str(batch))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 3
    assert len(lines[0]["results"]) == 3
    assert all(r["tlp"] in ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER") for r in lines[0]["results"])
    assert lines[1]["results"]
    assert "error" in lines[2]


def test_stats_reports_counts_by_tlp_and_source(sample_home):
    result = _run(sample_home, "stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["documents"] >= 30
    assert data["chunks_in_store"] == data["chunks"]
    assert {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:RED"} <= set(data["by_tlp"])
    assert data["store_bytes"] > 0


def test_search_on_an_empty_store_says_what_to_do(tmp_path):
    result = _run({"DETENTE_HOME": str(tmp_path), "DETENTE_EMBEDDINGS": "hash"}, "search", "anything")
    assert result.exit_code == 2
    assert "detente ingest" in result.output


def test_ingest_bad_arguments_exit_with_a_message(tmp_path):
    env = {"DETENTE_HOME": str(tmp_path), "DETENTE_EMBEDDINGS": "hash"}
    assert "--sample" in _run(env, "ingest").output
    result = _run(env, "ingest", str(tmp_path), "--tlp", "purple")
    assert result.exit_code == 2 and "Unknown TLP" in result.output
    missing = _run(env, "ingest", str(tmp_path / "nope.json"))
    assert missing.exit_code == 1 and "no such file" in missing.output
