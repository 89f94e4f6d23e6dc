# Two commands on a fresh machine: `make run` serves the demo, `make test` passes every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

# The demo runs with DEBUG on and the embedded SQLite database unless DATABASE_URL says otherwise.
RUN_ENV := DEBUG=1
TEST_ENV := DEBUG=0 DEV_TOOLS=1 SECRET_KEY=tests-only-not-secret \
	STATICFILES_STORAGE=django.contrib.staticfiles.storage.StaticFilesStorage

.PHONY: run test setup install messages lint clean bench

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Compiled translations (.mo) are built, not committed; Babel compiles them without GNU gettext.
locale/fr/LC_MESSAGES/django.mo: locale/fr/LC_MESSAGES/django.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D django -d locale -l fr

setup: install locale/fr/LC_MESSAGES/django.mo

# Test-only JavaScript from the npm registry, at the versions package-lock.json pins: axe-core for the
# accessibility tests, html-validate for the valid-HTML test (issue 19). npm writes its own record of the
# tree, node_modules/.package-lock.json, on every install: a lock file newer than it installs again.
NODE_TOOLS := node_modules/.package-lock.json
$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

run: setup
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) seed_demo
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:8000

# The import contracts of pyproject.toml (README › Architecture) first, then every test.
test: setup $(NODE_TOOLS)
	$(BIN)/lint-imports --no-cache
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# Developers: refresh the French catalogue after changing strings (needs GNU gettext).
messages: install
	$(RUN_ENV) $(MANAGE) makemessages -l fr --no-obsolete --ignore .venv --ignore staticfiles --ignore tests --ignore var --ignore node_modules

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules staticfiles test-artifacts var db.sqlite3 locale/*/LC_MESSAGES/*.mo

# Page throughput and latency (wrk against gunicorn) and the billing clock, on SQLite and PostgreSQL.
bench: setup
	$(BIN)/python scripts/bench.py
