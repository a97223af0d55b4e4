# The two commands of the README: `make demo` (the main job) and `make test`. Both set up everything.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3.11

.PHONY: setup demo test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,test]'
	touch $@

demo: setup
	$(BIN)/twspulse --log-text demo

test: setup lint
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy twspulse connectors streams models simulator dashboards

clean:
	rm -rf .data
