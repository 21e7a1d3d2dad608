# Suiji — every entry point a developer or CI needs. `make help` lists them.
PY := .venv/bin/python
PYTEST := $(PY) -m pytest -n 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run migrate demo-data test test-sqlite test-postgres test-dates test-draw lint format \
        typecheck check draw-demo bench-draw bench-registry bench-public lock clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install: ## Install Debian packages and pinned Python dependencies into .venv, compile translations
	@scripts/bootstrap.sh
	@DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=var

migrate: install
	@$(PY) manage.py migrate --noinput -v0

demo-data: migrate ## Load the division tree and the demo county (idempotent)
	@$(PY) manage.py load_regions
	@$(PY) manage.py load_demo

run: demo-data ## Set up and run the platform with demo data on http://127.0.0.1:8000
	@$(PY) manage.py demo_credentials
	@echo "==> 平台地址 http://127.0.0.1:8000  （Ctrl-C 停止 / stop）"
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py db_worker --no-reload & \
	  $(PY) manage.py runserver 127.0.0.1:8000 --noreload

lint: install ## ruff (lint + format check), Django checks, missing migrations
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check . >/dev/null || { $(PY) -m ruff format --check . ; exit 1; }
	@DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	@DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run -v0

typecheck: install ## mypy (strict for the draw engine)
	@$(PY) -m mypy .

test-sqlite: install
	@echo "==> tests on SQLite"
	@$(PYTEST) -p no:cacheprovider

test-postgres: install
	@echo "==> tests on PostgreSQL 15"
	@scripts/with-postgres.sh $(PYTEST) -p no:cacheprovider

# The suite pins its clock (conftest.py: 2026-11-26 10:00 Beijing). The apps that count days,
# deadlines and periods run again with the clock moved: the day before the National Day
# holiday, New Year's Eve at 07:30 (the UTC date is still the 30th) and a day in 2027, beyond
# the bundled official holiday calendar; the New Year's Eve run also on PostgreSQL.
DATE_SENSITIVE := stats reports inspections planning core public archives registry \
                  e2e/test_stats.py e2e/test_reports.py
SHIFTED_DATES := 2026-09-30T10:00 2026-12-31T07:30 2027-03-15T10:00

test-dates: install ## The date-sensitive apps with the test clock moved to three other days
	@for d in $(SHIFTED_DATES); do \
	  echo "==> date-sensitive tests with the clock at $$d (SQLite)"; \
	  SUIJI_TEST_NOW=$$d $(PYTEST) -p no:cacheprovider $(DATE_SENSITIVE) || exit 1; \
	done
	@echo "==> date-sensitive tests with the clock at 2026-12-31T07:30 (PostgreSQL 15)"
	@SUIJI_TEST_NOW=2026-12-31T07:30 scripts/with-postgres.sh $(PYTEST) -p no:cacheprovider $(DATE_SENSITIVE)

test-draw: install ## The draw engine alone (no database, no Django)
	@$(PY) -m pytest -p no:cacheprovider -p no:django draw

bench-registry: install ## Registry import/search benchmark at 1M entities on SQLite and PostgreSQL (long)
	@DATABASE_URL=sqlite:////tmp/regbench.sqlite3 $(PY) bench/registry_bench.py 1000000
	@scripts/with-postgres.sh $(PY) bench/registry_bench.py 1000000

bench-public: install ## Public-site load test at 1M entities / 100k published results on PostgreSQL (long)
	@scripts/with-postgres.sh $(PY) bench/public_load.py --entities 1000000 --results 100000 --duration 30

bench-draw: install ## Draw engine benchmark (see docs/performance.md; takes long at full scale)
	@$(PY) bench/draw_bench.py

test: lint typecheck test-sqlite test-postgres test-dates ## Set up and run everything CI runs
	@echo "==> all checks passed"

check: test

draw-demo: install ## Run a draw on generated data, verify it, tamper with it, watch it fail
	@$(PY) -m draw.demo var/draw-demo

format: install
	@$(PY) -m ruff check --fix . && $(PY) -m ruff format .

lock: install ## Re-pin dependencies after editing requirements/*.in
	@cd requirements && ../.venv/bin/pip-compile -q --strip-extras --allow-unsafe -o base.lock base.in \
	  && ../.venv/bin/pip-compile -q --strip-extras --allow-unsafe -o dev.lock dev.in

clean:
	rm -rf var/static .mypy_cache .ruff_cache
