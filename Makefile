# Two commands: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
BUNDLE := webapp/static/build/.built
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Front-end libraries (bpmn-js …) come from npm through package-lock.json and are bundled here, never committed.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(BUNDLE): $(NODE_STAMP) $(wildcard webapp/frontend/*)
	npm run --silent build
	touch $(BUNDLE)

run: $(STAMP) $(BUNDLE)
	$(BIN)/motcua db upgrade
	$(BIN)/motcua demo
	$(BIN)/motcua load-procedures
	$(BIN)/motcua run --host $(HOST) --port $(PORT)

test: $(STAMP) $(BUNDLE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/engine_throughput.py
	$(BIN)/python bench/timers.py
	$(BIN)/python bench/web_queries.py
	$(BIN)/python bench/http_load.py
	$(BIN)/python bench/reports.py

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules webapp/static/build
