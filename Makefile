# Each target bootstraps what it needs: a fresh machine only needs Python >= 3.11 (and npm for the checkers).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app masterclass
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is needed" or 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $@

# Offline accessibility and HTML checkers for the tests (axe-core, the Nu HTML checker).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# Migrations, the demo séance when the database is empty, the demo moderator.
setup: $(BIN)/.installed
	$(FLASK) db upgrade
	$(FLASK) load-demo --if-empty
	$(FLASK) demo-moderator

run: setup
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

test: setup node_modules/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# Not part of `make test`: the project beside a bare Flask app under the same gunicorn (wrk).
bench: $(BIN)/.installed
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .bench
