# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run run-full test bench install migrate demo messages lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: export DEBUG ?= true
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --subjects 500 --messages 20000
	$(BIN)/python manage.py load_datamap
	$(BIN)/python manage.py seed_demo_cases
	$(BIN)/python manage.py create_demo_staff
	@echo "Portal: http://127.0.0.1:8000/   Staff: http://127.0.0.1:8000/staff/   Admin: http://127.0.0.1:8000/admin/"
	@# The beat's work (an erasure after its cooling-off, retries) by a sweeper next to the server.
	$(BIN)/python manage.py sweep --every 20 & sweeper=$$!; trap 'kill $$sweeper' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

# The production shape on this machine: PostgreSQL and Redis as they run here, gunicorn,
# a Celery worker and beat (deploy/Procfile, through honcho). Migrations run as the owner
# role (FULL_ADMIN), the processes as FULL_APP_ROLE, which `grant_app_role` lets only read
# and append the audit trail. Codes appear in the worker's output (console gateway).
FULL_PG ?= postgres://postgres@127.0.0.1:5432
FULL_ADMIN ?= $(FULL_PG)
FULL_DB ?= dsar_full
FULL_APP_ROLE ?= dsar_full_app
FULL_HOST := $(lastword $(subst @, ,$(FULL_PG)))
PORT ?= 8000
run-full: export DEBUG ?= true
run-full: export DATABASE_URL ?= postgres://$(FULL_APP_ROLE)@$(FULL_HOST)/$(FULL_DB)
run-full: export MIGRATE_DATABASE_URL ?= $(FULL_ADMIN)/$(FULL_DB)
run-full: export CUSTOMER_SERVICE_DATABASE_URL ?= $(FULL_ADMIN)/$(FULL_DB)_cs
run-full: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/2
run-full: export PORT := $(PORT)
run-full: $(STAMP)
	@command -v psql >/dev/null 2>&1 || { echo "psql (PostgreSQL's client) is needed"; exit 1; }
	printf '%s\n' \
	  "SELECT 'CREATE ROLE $(FULL_APP_ROLE) LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$(FULL_APP_ROLE)')\gexec" \
	  "SELECT 'CREATE DATABASE $(FULL_DB)' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$(FULL_DB)')\gexec" \
	  "SELECT 'CREATE DATABASE $(FULL_DB)_cs' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$(FULL_DB)_cs')\gexec" \
	  | psql "$(FULL_ADMIN)/postgres" -v ON_ERROR_STOP=1 -q
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py grant_app_role $(FULL_APP_ROLE)
	$(BIN)/python manage.py seed_demo --subjects 500 --messages 20000
	$(BIN)/python manage.py load_datamap
	$(BIN)/python manage.py seed_demo_cases
	$(BIN)/python manage.py create_demo_staff
	@echo "Portal: http://127.0.0.1:$(PORT)/   Staff: http://127.0.0.1:$(PORT)/staff/   Health: http://127.0.0.1:$(PORT)/health/"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile deploy/Procfile --app-root . start --port $(PORT)

test: $(STAMP)
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -m pytest tests/bench -p no:xdist -q -s --no-header -o addopts="" $(PYTEST_ARGS)

messages: export DEBUG ?= true
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l nl -l sv -l ru --ignore=.venv --ignore=tests --ignore=staticfiles --ignore=var --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv
	$(BIN)/dennis-cmd status locale/nl/LC_MESSAGES/django.po locale/sv/LC_MESSAGES/django.po locale/ru/LC_MESSAGES/django.po | grep -E "^(>>>|Untranslated|Fuzzy)" || true

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles
