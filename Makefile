# Each target sets itself up: a fresh machine needs only python3.
VENV    := .venv
UV      := $(VENV)/bin/uv
BIN     := $(VENV)/bin
PYTHON  ?= python3
# This environment sets PYTHONDONTWRITEBYTECODE; compiled bytecode halves Airflow and GX import time.
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: setup demo test lint format airflow airflow-cli bench clean chromium

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

setup: $(UV)
	$(UV) sync --locked --inexact

demo: setup
	$(BIN)/blindspot demo

# lint-imports: the architecture contract in pyproject.toml (imports point down the data flow).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: setup lint chromium
	$(BIN)/python -m pytest -q --durations=25

# The report's browser test (tests/test_report_browser.py) drives Debian's chromium; install it when absent.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium for the report's browser test"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `make airflow`: a local Airflow on 127.0.0.1:$(AIRFLOW_PORT) running dags/, its home under $BLINDSPOT_HOME
# (blindspot/airflow_local.py). Without BLINDSPOT_CONFIG it serves the demo world and collects that, with the
# collect schedule off. Ctrl-C stops every service it started; a second Ctrl-C forces.
# `make airflow-cli ARGS="dags trigger blindspot_collect"` runs the airflow CLI against that instance.
BLINDSPOT_HOME ?= $(CURDIR)/data
AIRFLOW_PORT   ?= 8080
AIRFLOW_ENV = BLINDSPOT_HOME="$(abspath $(BLINDSPOT_HOME))" AIRFLOW_PORT=$(AIRFLOW_PORT)

airflow: setup
	@$(AIRFLOW_ENV) exec $(BIN)/python -m blindspot.airflow_local

airflow-cli: setup
	@$(AIRFLOW_ENV) exec $(BIN)/python -m blindspot.airflow_local cli $(ARGS)

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache
