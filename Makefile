# One place for the quality gates; CI runs `make check` through .ci/run.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: install check fmt lint types contracts test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

fmt: install
	$(BIN)/ruff format workbench tests benchmarks

lint: install
	$(BIN)/ruff format --check workbench tests benchmarks
	$(BIN)/ruff check workbench tests benchmarks

types: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

test: install
	$(BIN)/pytest -q

check: lint types contracts test

bench: install
	$(PY) benchmarks/bench_executor.py
	$(PY) benchmarks/bench_stall.py
	$(PY) benchmarks/bench_recorder.py
	$(PY) benchmarks/bench_session.py
	$(PY) benchmarks/bench_sessions.py
	$(PY) benchmarks/bench_timeline.py
	$(PY) benchmarks/bench_startup.py
	$(PY) benchmarks/bench_first_frame.py
	$(PY) benchmarks/bench_providers.py
	$(PY) benchmarks/bench_compare.py
	$(PY) benchmarks/bench_compare_screen.py
	$(PY) benchmarks/bench_analysis.py
	$(PY) benchmarks/bench_export.py
	$(PY) benchmarks/bench_mcp.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
