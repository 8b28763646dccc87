# detente: `make demo` sets up and runs the main job on the embedded default; `make test` runs the tests.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-fast lint format bench eval clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: pip then takes the local CPU wheel instead of a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

demo: setup
	$(BIN)/detente ingest --sample
	$(BIN)/detente ask "What is the water utility intrusion and who is behind it?" --clearance GREEN

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not integration and not server"

lint: setup
	$(BIN)/ruff check assistant retrieval guardrails prompts evals tests bench
	$(BIN)/ruff format --check assistant retrieval guardrails prompts evals tests bench

format: setup
	$(BIN)/ruff check --fix assistant retrieval guardrails prompts evals tests bench
	$(BIN)/ruff format assistant retrieval guardrails prompts evals tests bench

bench: setup
	$(BIN)/python bench/bench_retrieval.py
	$(BIN)/python bench/bench_guardrails.py
	$(BIN)/python bench/bench_answer.py
	$(BIN)/python bench/bench_slack_load.py

eval: setup
	$(BIN)/detente eval run accuracy proportionality leakage plain_language --baseline evals/baseline.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
