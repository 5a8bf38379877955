# Datawaarden: `make run` and `make test` bootstrap everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: run test lint lock fmt migration messages extract-messages bootstrap system-packages schema bench mutate clean-db

$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

# The Python packages are exactly those of requirements.lock (versions and hashes; `make lock`
# renews it). uv installs them; uv itself comes from the lock too, installed by pip with its
# hashes checked. A lock that no longer answers pyproject.toml fails here.
UV := $(VENV)/uv-tool/bin/uv
$(UV): requirements.lock | $(BIN)/python
	awk '/^uv==/{p=1;print;next} p&&/^ /{print;next} {p=0}' requirements.lock > $(VENV)/uv.lock.txt
	@pip="$(PYTHON) -m pip"; $$pip --version >/dev/null 2>&1 \
	  || { $(PYTHON) -m venv $(VENV)/pip-venv && pip=$(VENV)/pip-venv/bin/pip; }; \
	  echo "$$pip install uv from requirements.lock"; \
	  $$pip install -q --require-hashes --no-deps --upgrade --target $(VENV)/uv-tool -r $(VENV)/uv.lock.txt
	touch $@

$(VENV)/.installed: requirements.lock pyproject.toml | $(UV)
	$(UV) pip sync -q --python $(BIN)/python --require-hashes requirements.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps --no-build-isolation -e .
	$(BIN)/python scripts/check_lock.py
	touch $@

# Renew requirements.lock from pyproject.toml (the newest versions it allows), then commit it.
lock: | $(UV)
	$(UV) pip compile -q pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command "make lock" -o requirements.lock

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

CATALOGS := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))
app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d app/translations -D messages -l $*

messages: $(CATALOGS)

bootstrap: $(VENV)/.installed node_modules/.installed messages

# The web app and, beside it, the background worker (reminders and the mail outbox, README
# "Reminders and the job runner"); the worker stops when the app stops.
run: bootstrap
	$(BIN)/datawaarden init --demo-users
	@$(BIN)/datawaarden jobs run & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	  $(BIN)/datawaarden serve --host $(HOST) --port $(PORT)

system-packages:
	@scripts/ensure-system-packages.sh

# The PostgreSQL half runs when a local server answers (scripts/postgres-env.sh).
test: bootstrap system-packages lint
	@. scripts/postgres-env.sh && $(BIN)/python -m pytest $(PYTEST_ARGS)

# Style, types and the package contracts (pyproject.toml [tool.importlinter]).
lint: bootstrap
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench
	$(BIN)/mypy app
	$(BIN)/lint-imports

fmt: bootstrap
	$(BIN)/ruff check --fix app tests migrations bench
	$(BIN)/ruff format app tests migrations bench

migration: bootstrap
	@test -n "$(m)" || (echo 'usage: make migration m="what changed"' && exit 2)
	$(BIN)/alembic upgrade head
	$(BIN)/alembic revision --autogenerate -m "$(m)"

extract-messages: bootstrap
	$(BIN)/pybabel extract --ignore-dirs=".* .venv node_modules" -F babel.cfg -k N_ -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output . >/dev/null
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -D messages --no-fuzzy-matching --ignore-obsolete >/dev/null
	$(BIN)/python scripts/fill_source_catalog.py app/translations/en/LC_MESSAGES/messages.po

schema: bootstrap
	$(BIN)/datawaarden questionnaire schema > questionnaires/schema.json

bench: bootstrap
	$(BIN)/python bench/run_all.py

# Mutation testing of the rule modules ([tool.mutmut] in pyproject.toml; README, "Mutation
# testing"). Slow: about 90 minutes on two cores. PostgreSQL-only branches need a local server.
mutate: bootstrap
	@. scripts/postgres-env.sh && $(BIN)/mutmut run --max-children 2; $(BIN)/mutmut results | grep -v ": killed"
