# Each target sets itself up: a fresh machine needs only python3.
VENV    := .venv
UV      := $(VENV)/bin/uv
BIN     := $(VENV)/bin
PYTHON  ?= python3
# This environment sets PYTHONDONTWRITEBYTECODE; compiled bytecode halves Airflow and GX import time.
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: setup demo test lint format airflow bench clean chromium

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

test: setup lint chromium
	$(BIN)/python -m pytest -q

# The report's browser test (tests/test_report_browser.py) drives Debian's chromium; install it when absent.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium for the report's browser test"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache
