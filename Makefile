# The two commands of the README: `make demo` (the main job) and `make test`. Both set up everything.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3.11

.PHONY: setup timescaledb demo screenshots test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,test]'
	touch $@

# TimescaleDB for the embedded PostgreSQL, built once from ../shared/timescaledb (TWSPULSE_TIMESCALEDB_SOURCE)
# into .cache/timescaledb/ (~1.5 min on 2 cores); says which tool is missing if cmake or a compiler is.
timescaledb: setup
	$(BIN)/python -m twspulse.engines.timescaledb

demo: setup timescaledb
	$(BIN)/twspulse --log-text demo

# docs/screenshots/*.png: the four dashboards and the weekly report, redrawn from a fresh demo's data
screenshots: demo
	$(BIN)/twspulse dashboards screenshots --demo

test: setup lint timescaledb
	$(BIN)/pytest -q -n 2

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy twspulse
	$(BIN)/lint-imports

clean:
	rm -rf .data
