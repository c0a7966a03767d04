# Each target sets itself up: a fresh machine needs only python3.
VENV    := .venv
UV      := $(VENV)/bin/uv
BIN     := $(VENV)/bin
PYTHON  ?= python3
# This environment sets PYTHONDONTWRITEBYTECODE; compiled bytecode halves Airflow and GX import time.
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: setup demo test lint format airflow bench clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

setup: $(UV)
	$(UV) sync --locked --inexact

demo: setup
	$(BIN)/blindspot demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/python -m pytest -q

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache
