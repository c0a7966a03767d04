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

# `make airflow`: Airflow standalone on 127.0.0.1:$(AIRFLOW_PORT) running dags/, its home under $BLINDSPOT_HOME.
# Without BLINDSPOT_CONFIG it serves the demo world and collects that. Ctrl-C stops Airflow's children first
# (SIGTERM to the standalone parent alone would orphan scheduler, api-server, dag-processor and triggerer).
BLINDSPOT_HOME ?= $(CURDIR)/data
AIRFLOW_PORT   ?= 8080

airflow: setup
	@export BLINDSPOT_HOME="$(abspath $(BLINDSPOT_HOME))"; mkdir -p "$$BLINDSPOT_HOME"; \
	export AIRFLOW_HOME="$$BLINDSPOT_HOME/airflow" AIRFLOW__CORE__LOAD_EXAMPLES=False \
	  AIRFLOW__CORE__DAGS_FOLDER="$(CURDIR)/dags" AIRFLOW__CORE__PARALLELISM=4 \
	  AIRFLOW__API__HOST=127.0.0.1 AIRFLOW__API__PORT=$(AIRFLOW_PORT) \
	  AIRFLOW__API__BASE_URL=http://127.0.0.1:$(AIRFLOW_PORT) \
	  AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$(AIRFLOW_PORT)/execution/ \
	  PYTHONPATH="$(CURDIR)" PATH="$(CURDIR)/$(BIN):$$PATH"; \
	demo=""; \
	if [ -z "$$BLINDSPOT_CONFIG" ]; then \
	  rm -f "$$BLINDSPOT_HOME/demo/config/sources.yml"; \
	  $(BIN)/blindspot demo serve > "$$BLINDSPOT_HOME/demo-serve.log" 2>&1 & demo=$$!; \
	  while [ ! -f "$$BLINDSPOT_HOME/demo/config/sources.yml" ]; do \
	    kill -0 $$demo 2>/dev/null || { cat "$$BLINDSPOT_HOME/demo-serve.log"; exit 1; }; sleep 1; done; \
	  export BLINDSPOT_CONFIG="$$BLINDSPOT_HOME/demo/config" BLINDSPOT_ALLOW_LOOPBACK=true; \
	  echo "serving the demo world (pid $$demo); registry $$BLINDSPOT_CONFIG"; \
	fi; \
	$(BIN)/airflow db migrate > "$$BLINDSPOT_HOME/airflow-migrate.log" 2>&1 || { tail "$$BLINDSPOT_HOME/airflow-migrate.log"; exit 1; }; \
	$(BIN)/airflow pools set blindspot_warehouse 1 "DuckDB allows a single writer" > /dev/null; \
	$(BIN)/airflow standalone & af=$$!; echo $$af > "$$AIRFLOW_HOME/standalone.pid"; \
	trap 'kill $$(ps -o pid= --ppid $$af) 2>/dev/null; sleep 2; kill $$af $$demo 2>/dev/null; wait' INT TERM EXIT; \
	wait $$af

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache
