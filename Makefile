# Each target bootstraps what it needs: a fresh machine only needs Python >= 3.11 (and npm for the checkers).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app masterclass
HOST ?= 127.0.0.1
PORT ?= 5000
# Where phones reach the site: this machine's address on the local network when it listens on
# every interface (HOST=0.0.0.0), else HOST itself.
BASE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),$(firstword $(shell hostname -I 2>/dev/null) 127.0.0.1),$(HOST)):$(PORT)

.PHONY: run test test-postgresql setup lint bench bench-postgresql clean lock translations

# Exactly the versions CI tested (requirements.lock, with hashes), then the project itself.
$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is needed" or 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# After changing a dependency in pyproject.toml: resolve again (newest versions the ranges allow,
# for every platform and Python >= 3.11) and commit requirements.lock with the change.
lock: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.9'
	$(BIN)/uv pip compile pyproject.toml --extra test --extra bench --extra postgresql --universal --python-version 3.11 \
		--generate-hashes --quiet -o requirements.lock

# Offline accessibility and HTML checkers for the tests (axe-core, the Nu HTML checker).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# Migrations, the demo séance when the database is empty, the demo moderator, and an open
# séance of today to join from a phone at once.
setup: $(BIN)/.installed
	$(FLASK) db upgrade
	$(FLASK) load-demo --if-empty
	$(FLASK) demo-moderator
	$(FLASK) demo-room --base-url $(BASE_URL)

run: setup
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

test: setup node_modules/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL with a Redis: a throwaway cluster and Redis on loopback ports
# (scripts/pg-cluster; as root, PostgreSQL runs as the "postgres" user), stopped whatever happens.
# Needs PostgreSQL's server and redis-server (Debian: postgresql, redis-server).
PG_PORT ?= 55432
REDIS_PORT ?= 56379
test-postgresql: $(BIN)/.installed node_modules/.installed
	@set -e; dir=$$(mktemp -d /tmp/masterclass-pg.XXXXXX); \
	trap "scripts/pg-cluster stop $$dir; rm -rf $$dir" EXIT; \
	scripts/pg-cluster start $$dir $(PG_PORT) $(REDIS_PORT) > $$dir/urls; \
	eval "$$(sed 's/^/export /' $$dir/urls)"; \
	test -n "$$MASTERCLASS_TEST_DATABASE_URL"; \
	echo "PostgreSQL: $$MASTERCLASS_TEST_DATABASE_URL, Redis: $$MASTERCLASS_TEST_REDIS_URL"; \
	$(BIN)/pytest $(PYTEST_ARGS)

# Not part of `make test`: the project beside a bare Flask app under the same gunicorn (wrk).
bench: $(BIN)/.installed
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The same bench with the project on PostgreSQL (a throwaway cluster, as for the tests); the
# bare app is the same. The growth case stays on SQLite (make bench).
bench-postgresql: $(BIN)/.installed
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@set -e; dir=$$(mktemp -d /tmp/masterclass-pg.XXXXXX); \
	trap "scripts/pg-cluster stop $$dir; rm -rf $$dir" EXIT; \
	scripts/pg-cluster start $$dir $(PG_PORT) $(REDIS_PORT) > $$dir/urls; \
	eval "$$(sed 's/^/export /' $$dir/urls)"; \
	BENCH_POSTGRESQL_URL=$${MASTERCLASS_TEST_DATABASE_URL%/postgres} $(BIN)/python bench/run.py $(BENCH_ARGS)

# The interface's catalogues: extract the strings of the code and templates, merge them into
# masterclass/translations/{fr,en}, compile the .mo files (committed). Translate the new English
# strings (msgstr "") in between: `make translations` again compiles them. README, Languages.
translations: $(BIN)/.installed
	$(FLASK) translate update
	$(FLASK) translate compile

# Style, then the dependency rules of pyproject.toml's [tool.importlinter] (features depend one
# way, the core imports no feature, no cycle).
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .bench
