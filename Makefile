# Portal Koperasi. `make run` serves a demo on SQLite; `make test` runs every check on PostgreSQL.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The test suite's services; override DATABASE_URL / REDIS_URL to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/koperasi
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?= -n 2

.PHONY: run test journeys lint bench install install-dev messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: the portal on SQLite with demo data, tasks in-process, at http://$(HOST):$(PORT)
run: install
	@test -f .env || (printf '# Development settings written by make run (see .env.example)\nDEBUG=true\n' > .env && echo "Wrote .env with DEBUG=true: manage.py commands now run in development mode.")
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py compiletranslations
	DEBUG=true $(PY) manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

## test: ruff, missing migrations, then the whole suite (browser tests included) on PostgreSQL + Redis
test: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	DEBUG=true $(PY) manage.py compiletranslations
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest $(PYTEST_ARGS)

## journeys: only the browser journeys, screenshots at 390 and 1280 px in artifacts/screenshots/
journeys: install-dev
	DEBUG=true $(PY) manage.py compiletranslations
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest -m e2e $(PYTEST_ARGS)
	@echo "Screenshots: artifacts/screenshots/index.html"

lint: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## messages: refresh the Indonesian catalogue after changing strings (needs GNU gettext)
messages: install
	DEBUG=true $(PY) manage.py makemessages -l id --no-obsolete --ignore=.venv --ignore=staticfiles

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

## bench: PostgreSQL database koperasi_bench (BENCH_DATABASE_URL), 50,000 members x 24 months; prints a table
bench: install
	$(PY) -m bench.run

## bench-load: only the load part of make bench: gunicorn + wrk, member dashboard beside a trivial page
.PHONY: bench-load
bench-load: install
	$(PY) -m bench.load

## prodlike: production-like run: PostgreSQL (koperasi_prodlike), Redis db 1, DEBUG off, gunicorn + Celery worker + beat
.PHONY: prodlike
prodlike: install
	bin/prodlike
