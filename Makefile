# Spinup: `make run` serves the app on http://127.0.0.1:8000 ; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python 3.12+ found: python3.13, python3.12, python3, then pyenv's installs.
PYTHON_CANDIDATES := python3.13 python3.12 python3 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3)
PYTHON ?= $(shell for p in $(PYTHON_CANDIDATES); do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	command -v $$p; break; fi; done)

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# PostgreSQL used by `make test` (and required when CI is set).
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/spinup

.PHONY: help venv sandbox sandbox-user runtime runtime-image check-labs run test test-sqlite test-postgres system-deps bench lint format check-content clean

help:
	@echo "make run     set everything up and serve Spinup on http://$(HOST):$(PORT) (SQLite, demo accounts)"
	@echo "make test    set up and run the whole suite (SQLite, then PostgreSQL)"
	@echo "make bench   benchmarks (ratios against a baseline measured in the same run)"
	@echo "make lint    ruff check and format check"

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "Spinup needs Python 3.12 or newer: install python3.12 or python3.13 (e.g. 'apt install python3.12' or 'pyenv install 3.12')." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

# The bubblewrap lab runtime: a venv of Debian's Python (the Docker image's Python, under /usr so the
# sandbox user can read it) with the pinned lab packages, bound read-only into each sandbox; and, as root,
# the unprivileged host user that bubblewrap runs as.
RUNTIME := .runtime/venv
RUNTIME_STAMP := $(RUNTIME)/.installed
RUNTIME_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) $(PYTHON))
SANDBOX_USER ?= spinup-sandbox
$(RUNTIME_STAMP): labs/runtime/requirements.txt | $(STAMP)
	@test -x $(RUNTIME)/bin/python3 || $(RUNTIME_PYTHON) -m venv $(RUNTIME)
	$(RUNTIME)/bin/python3 -m pip install --quiet --disable-pip-version-check -r labs/runtime/requirements.txt
	@chmod -R a+rX .runtime
	@touch $(RUNTIME_STAMP)

sandbox-user:
	@if [ "$$(id -u)" = 0 ] && ! id -u $(SANDBOX_USER) >/dev/null 2>&1; then \
		useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $(SANDBOX_USER); \
		echo "Created the sandbox user $(SANDBOX_USER) (bubblewrap runs as it, never as root)."; fi

runtime: $(RUNTIME_STAMP) sandbox-user

# Local development: debug on, SQLite by default, the curriculum synced and demo accounts created.
run: export DJANGO_DEBUG ?= true
run: venv sandbox runtime
	@$(PY) -m config.dotenv
	$(PY) manage.py migrate --no-input
	$(PY) manage.py sync_content
	@echo "Demo accounts (debug only):"
	@$(PY) manage.py create_demo_accounts
	@echo "Serving Spinup on http://$(HOST):$(PORT)/  (Ctrl-C stops the server and the worker)"
	@$(PY) manage.py run_dev $(HOST):$(PORT)

# Debian packages the suite drives: Chromium (browser tests), bubblewrap and the Docker engine (lab
# sandboxes), debootstrap (the offline base of the Docker lab image), python3-venv (Debian's Python makes the
# bubblewrap lab runtime: the same Python as the Docker image, readable by the sandbox user), iproute2 (the
# network namespace of the student-image builder). Installed when running as root.
SYSTEM_PACKAGES := chromium bubblewrap docker.io debootstrap python3-venv iproute2
system-deps:
	@labs/runtime/apt-install.sh $(SYSTEM_PACKAGES) || [ -z "$$CI" ]

# What `make run` needs to grade labs: bubblewrap and Debian's Python for its runtime (Docker is optional:
# with its engine running and the lab image built, `auto` prefers it).
SANDBOX_PACKAGES := bubblewrap python3-venv
sandbox:
	@labs/runtime/apt-install.sh $(SANDBOX_PACKAGES) || echo "Without them labs cannot be graded here (the lab pages say so)."

# The Docker lab image, built offline (the engine is started first when it is not running), then the isolated
# engine that builds students' images for the Docker lab (labs/runtime/start-builder.sh; needs root).
runtime-image: venv
	@if labs/runtime/start-dockerd.sh; then PY=$(PY) labs/runtime/build-image.sh && \
		{ labs/runtime/start-builder.sh || [ -z "$$CI" ]; }; \
	elif [ -n "$$CI" ]; then echo "CI needs the Docker engine." >&2; exit 1; \
	else echo "No Docker engine: the Docker sandbox is left out (bubblewrap still runs labs)."; fi

# Every lab's self-test, on each sandbox backend (a missing backend fails only in CI).
check-labs: venv runtime
	@for backend in bwrap docker; do \
		if DJANGO_DEBUG=true $(PY) manage.py check_labs --backend $$backend; then :; \
		elif [ -n "$$CI" ] || DJANGO_DEBUG=true $(PY) -c "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings');django.setup();from labs import sandbox;import sys;sys.exit(0 if sandbox.BACKENDS['$$backend'].available()[0] else 1)"; then exit 1; \
		else echo "check_labs on $$backend left out: that sandbox is not available here."; fi; \
	done

test: venv system-deps runtime runtime-image
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_DEBUG=false $(PY) manage.py sync_content --check --settings=config.settings_test
	$(MAKE) --no-print-directory check-labs
	@# The browser tests drive pages, not the database: with PostgreSQL reachable they run once, in its pass
	@# (keeping CI under 30 minutes); without it, in the SQLite pass.
	@if $(POSTGRES_UP); then $(MAKE) --no-print-directory test-sqlite SQLITE_MARKS='-m "not browser"'; \
	else $(MAKE) --no-print-directory test-sqlite; fi
	$(MAKE) --no-print-directory test-postgres

POSTGRES_UP = $(PY) -c "import psycopg; psycopg.connect('$(TEST_POSTGRES_URL)'.replace('/spinup','/postgres'), connect_timeout=3).close()" 2>/dev/null

test-sqlite: venv
	@echo "== Test suite on SQLite"
	env -u DATABASE_URL $(PY) -m pytest $(SQLITE_MARKS) $(PYTEST_ARGS)

test-postgres: venv
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(TEST_POSTGRES_URL)'.replace('/spinup','/postgres'), connect_timeout=3).close()" 2>/dev/null; then \
		echo "== Test suite on PostgreSQL ($(TEST_POSTGRES_URL))"; \
		DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL), and CI needs it." >&2; exit 1; \
	else \
		echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL): the PostgreSQL run was left out (set TEST_POSTGRES_URL)."; \
	fi

bench: venv runtime
	$(PY) bench/run.py
	$(PY) bench/labs_bench.py
	BENCH_EXAM_POSTGRES_URL=$${BENCH_EXAM_POSTGRES_URL:-$(subst /spinup,/spinup_exam_bench,$(TEST_POSTGRES_URL))} $(PY) bench/exam_bench.py
	BENCH_ITEMS_POSTGRES_URL=$${BENCH_ITEMS_POSTGRES_URL:-$(subst /spinup,/spinup_items_bench,$(TEST_POSTGRES_URL))} $(PY) bench/items_bench.py
	@if $(PY) -c "import psycopg; psycopg.connect('$(TEST_POSTGRES_URL)'.replace('/spinup','/postgres'), connect_timeout=3).close()" 2>/dev/null; then \
		BENCH_POSTGRES_URL=$${BENCH_POSTGRES_URL:-$(subst /spinup,/spinup_bench,$(TEST_POSTGRES_URL))} $(PY) bench/review_bench.py; \
	else echo "PostgreSQL is not reachable: the review-at-scale benchmark needs it (set TEST_POSTGRES_URL)."; fi

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

check-content: venv
	DJANGO_DEBUG=true $(PY) manage.py sync_content --check

clean:
	rm -rf $(VENV) .runtime staticfiles .pytest_cache .pytest-db.sqlite3*
