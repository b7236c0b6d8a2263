# Ciné Creuse: every entry point. Only needs python3.11 (and apt for Chromium and nginx in tests).
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8866

.PHONY: all dashboard demo test bench report venv chromium nginx clean

all: dashboard

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

venv: $(VENV)/.installed

## Main job: real data (download, ingest, fit) then serve the dashboard on 127.0.0.1.
dashboard: venv
	$(PY) -m helpers build
	$(PY) -m helpers serve --port $(PORT)

## Offline: synthetic data (labelled as such), ingest, fit, serve.
demo: venv
	$(PY) -m helpers demo
	$(PY) -m helpers serve --demo --port $(PORT)

## Debian's Chromium for the browser tests (never `playwright install`).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium'"; fi; }

## Debian's nginx and brotli modules for the reverse-proxy tests (installed, not started).
nginx:
	@.ci/install-nginx

## All tests (unit, notebooks, real-sample ingest, evaluation, browser, nginx).
test: venv chromium nginx
	$(PY) -m pytest -n 2 --dist loadgroup

bench: venv
	$(PY) -m helpers bench all

report: venv
	$(PY) -m helpers report

clean:
	rm -rf $(VENV) data/raw data/processed data/models data/posters data/demo report/*.html
