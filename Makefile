# Torg: two commands on a fresh machine. `make run` serves the demo; `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= torg.settings

.PHONY: browser-setup run serve test lint typecheck pytest browser messages bench clean install

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check "pip>=24"
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "  Torg is running at http://$(HOST):$(PORT)/"
	@echo "  Demo login: admin@demo.torg.example / torg-demo  (any demo person has password torg-demo)"
	@echo ""
	@trap 'kill $$(jobs -p) 2>/dev/null' EXIT INT TERM; \
	  nice -n 10 $(PY) manage.py db_worker --queue-name '*' & \
	  nice -n 10 $(PY) manage.py run_periodic & \
	  $(PY) manage.py live_ingest & \
	  $(VENV)/bin/uvicorn torg.asgi:application --host $(HOST) --port $(PORT) --no-access-log

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy torg

# Browser journeys use the system's Chromium (/usr/bin/chromium, Debian's package) when present,
# otherwise Playwright's own Chromium, downloaded once where the machine can reach it.
browser-setup: install
	@if [ ! -x /usr/bin/chromium ] && [ -z "$$TORG_CHROMIUM" ]; then $(VENV)/bin/playwright install chromium; fi

pytest: install browser-setup
	DJANGO_SETTINGS_MODULE=torg.settings_test $(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test: lint typecheck pytest

# Each app keeps its own catalogue (torg/<app>/locale/nb); compiled .mo files are committed so a
# machine without GNU gettext still runs Torg in Norwegian.
messages: install
	for app in torg/*/locale; do (cd $$(dirname $$app) && ../../$(PY) ../../manage.py makemessages -l nb --no-location --ignore 'tests/*' -v 0); done
	$(PY) manage.py compilemessages -v 0

# Benchmarks (bench/README.md): the small preset on SQLite in var/bench.sqlite3, or the large
# one on TORG_BENCH_DATABASE_URL (PostgreSQL). Generation is skipped when the dataset exists.
bench: $(VENV)/.installed
	@if [ -n "$(TORG_BENCH_DATABASE_URL)" ]; then \
	  url="$(TORG_BENCH_DATABASE_URL)"; \
	  case "$$url" in postgres*) preset=large;; *) preset=small;; esac; \
	else url="sqlite:///$(CURDIR)/var/bench.sqlite3"; preset=small; fi; \
	$(PY) -m bench.generate --preset "$${BENCH_PRESET:-$$preset}" --database-url "$$url" && \
	$(PY) -m bench.feed --database-url "$$url" $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var
