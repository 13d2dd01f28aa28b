# One place for the quality gates; CI runs `make check` through .ci/run.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: install check fmt lint types contracts test test-latest constraints bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
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

# The newest versions pyproject.toml's ranges allow, in a venv of their own, against the tests that
# meet the outside world first (the SDKs, Textual, MCP, OpenTelemetry, the agent frameworks).
LATEST_VENV ?= .venv-latest
LATEST_TESTS ?= tests/providers tests/emulator tests/tui tests/mcp tests/export tests/traces
test-latest:
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/pip install --quiet --upgrade -e '.[dev]'
	@echo 'newer than constraints.txt:'; $(LATEST_VENV)/bin/pip freeze --exclude-editable | grep -v '^-e' | grep -vxFf constraints.txt || true
	$(LATEST_VENV)/bin/pytest -q $(wildcard $(LATEST_TESTS))

# Pins what a fresh install of the ranges gives today into constraints.txt (review the diff).
constraints:
	rm -rf .venv-pin
	$(PYTHON) -m venv .venv-pin
	.venv-pin/bin/pip install --quiet -e '.[dev]'
	head -3 constraints.txt > constraints.new
	.venv-pin/bin/pip freeze --exclude-editable | grep -v '^-e' >> constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-pin

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
	$(PY) benchmarks/bench_import.py
	$(PY) benchmarks/bench_listen.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
