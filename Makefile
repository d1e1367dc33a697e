# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test bench install migrate demo messages lint clean

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
	$(BIN)/python manage.py runserver 127.0.0.1:8000

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
