# Two commands for everyone: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= demo-makassar-2026
PYTEST_ARGS ?=
# pytest-xdist workers for `make test`: one per CPU by default (docs/testing.md has the measurements).
PYTEST_WORKERS ?= auto
export FLASK_APP := wsgi
# `flask run` serves there, and the default BASE_URL (the address in QR codes) follows.
export FLASK_RUN_HOST := $(HOST)
export FLASK_RUN_PORT := $(PORT)

CATALOGUES := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test setup migrate seed translations bench bench-report clean

run: setup migrate seed ## Set everything up and serve the portal on http://$(HOST):$(PORT) (default 127.0.0.1:5000)
	$(BIN)/flask run

test: $(VENV)/.dev-installed $(COMPILED) ## Run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/bandit --quiet --recursive portal --severity-level medium
	$(BIN)/ruff check --quiet --select F portal tests bench migrations wsgi.py
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

setup: $(VENV)/.installed $(COMPILED)

migrate: setup
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed reference
	$(BIN)/flask seed demo --password "$(DEMO_PASSWORD)"

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

# Every benchmark the issues ask for, at city scale on PostgreSQL (needs wrk and a local
# PostgreSQL; about 30 minutes), then docs/benchmarks.md rendered from their results. Each
# script writes bench/results/<benchmark>.json (its printout goes to <benchmark>.txt); the
# old result files are removed first, so the document shows this run only. A failing
# benchmark stops the run (pipefail); `make bench-report` renders whatever results exist.
BENCH_DB ?= postgresql://postgres@127.0.0.1:5432
bench: SHELL := /bin/bash
bench: .SHELLFLAGS := -o pipefail -c
bench: $(VENV)/.dev-installed $(COMPILED)
	mkdir -p bench/results
	rm -f bench/results/*.json
	psql $(BENCH_DB)/postgres -q -c "DROP DATABASE IF EXISTS portal_bench_lists WITH (FORCE)" -c "CREATE DATABASE portal_bench_lists"
	$(BIN)/python bench/list_import.py --database-url $(subst postgresql://,postgresql+psycopg://,$(BENCH_DB))/portal_bench_lists | tee bench/results/list_import.txt
	BENCH_DATABASE_URL=$(BENCH_DB)/portal_bench_review $(BIN)/python bench/review_queue.py | tee bench/results/review_queue.txt
	$(BIN)/python bench/entry_page.py --persons 200000 --database-url $(BENCH_DB)/portal_bench_entry | tee bench/results/entry_page.txt
	$(BIN)/python bench/printing.py --cards 250,1000,2000 | tee bench/results/printing.txt
	$(BIN)/python bench/dashboard.py --members 200000 --database-url $(BENCH_DB)/portal_bench_dashboard | tee bench/results/dashboard.txt
	$(BIN)/python bench/status_check.py --persons 200000 --pre-ping-comparison --database-url $(BENCH_DB)/portal_bench_status | tee bench/results/status_check.txt
	$(BIN)/python bench/hospital_lookup.py --persons 200000 --database-url $(BENCH_DB)/portal_bench_hospital | tee bench/results/hospital_lookup.txt
	$(BIN)/python bench/renewal.py --members 100000 --database-url $(BENCH_DB)/portal_bench_renewal | tee bench/results/renewal.txt
	$(BIN)/python bench/budget_check.py --members 100000 --database-url $(BENCH_DB)/portal_bench_budget | tee bench/results/budget_check.txt
	$(BIN)/python bench/notifications.py --messages 10000 --send 1000 --database-url $(BENCH_DB)/portal_bench_notifications | tee bench/results/notifications.txt
	$(BIN)/python bench/seed_scale.py --persons 200000 --database-url $(BENCH_DB)/portal_bench_scale | tee bench/results/seed_scale.txt
	$(BIN)/python bench/case_list.py --persons 200000 --cases 10000 --database-url $(BENCH_DB)/portal_bench_cases | tee bench/results/case_list.txt
	$(BIN)/python bench/request_desk.py --persons 200000 --requests-stored 20000 --database-url $(BENCH_DB)/portal_bench_requests | tee bench/results/request_desk.txt
	$(BIN)/python bench/bulk_accounts.py --database-url $(BENCH_DB)/portal_bench_accounts | tee bench/results/bulk_accounts.txt
	$(BIN)/python bench/institutional_import.py --persons 200000 --database-url $(BENCH_DB)/portal_bench_institutional | tee bench/results/institutional_import.txt
	$(BIN)/python bench/contribution_statement.py --members 100000 --database-url $(BENCH_DB)/portal_bench_statement | tee bench/results/contribution_statement.txt
	$(BIN)/python bench/bill_reconciliation.py --members 100000 --lines 100000 --database-url $(BENCH_DB)/portal_bench_bills | tee bench/results/bill_reconciliation.txt
	$(BIN)/python bench/report.py

bench-report: ## Render docs/benchmarks.md again from bench/results/*.json (standard library only)
	$(PYTHON) bench/report.py

translations: $(VENV)/.installed ## Extract texts from the code and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --omit-header -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d portal/translations

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
