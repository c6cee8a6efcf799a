# Two entry points: `make run` serves the registry, `make test` checks everything.
# Each installs what it needs into .venv first, exactly as uv.lock pins it (hashes checked),
# and again only when pyproject.toml or uv.lock changes. `make lock` upgrades the lock.
# When pyproject.toml no longer matches uv.lock (a dependency added or changed), `make`
# relocks with the pins it already has (commit the new uv.lock); in CI (CI=true) it fails.
# `make bench` measures it (docs/PERFORMANCE.md, the stats endpoint: `make bench-stats`, and
# what a webhook subscription costs a create: bench/webhooks.py);
# `make bench-quick` is a short smoke run; `make bench-fairness` only the costly-work fairness
# run of docs/RELIABILITY.md (stats and deep searches against another key's reads).
# `make bench` also times a backup and restore each way (bench/backup.py;
# `.venv/bin/python -m bench.backup --incidents 1000000` for the full size).
# `make reliability` runs the fault scenarios at full size and writes docs/RELIABILITY.md's figures.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The browser tests drive Debian's Chromium (never a browser Playwright downloads).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The slow scenarios notify the registry from a real Prometheus Alertmanager (Debian's).
ALERTMANAGER := /usr/bin/prometheus-alertmanager
# The tests check the alerting rules in deploy/prometheus/ with promtool (Debian's prometheus).
PROMTOOL := /usr/bin/promtool
# uv installs from the lock and makes it; its own version and hashes are in deploy/uv.txt.
UV := $(VENV)/.uv/bin/uv
# Trust the system's certificates as pip does, and use the machine's own Python.
export UV_SYSTEM_CERTS := 1
export UV_PYTHON_DOWNLOADS := never

.PHONY: run lock test test-slow image lint typecheck pytest bench bench-quick bench-stats bench-fairness reliability reliability-quick tools clean

run: $(VENV)/.installed
	$(BIN)/incidents serve

test: $(VENV)/.installed-test $(CHROMIUM) $(PROMTOOL) lint typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests examples bench
	$(BIN)/ruff format --check src tests examples bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# Tests run in parallel, one worker per core (TEST_WORKERS=1 for one), each worker with its
# own databases. `--dist load`, not loadscope: schemathesis gives the contract test's cases
# one node id, which loadscope would run once. The slow scenarios (marked `slow`) are left
# to `make test-slow`; CI runs both.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest --numprocesses $(TEST_WORKERS) --dist load

# Python 3.11.7 can fail to rewrite a module's asserts when xdist workers do it at the same
# moment ("AST constructor recursion depth mismatch"): one process collects first, so the
# rewritten modules are cached (which needs bytecode writing on) and the workers load them.
unexport PYTHONDONTWRITEBYTECODE
COLLECT := $(BIN)/pytest --collect-only --quiet --numprocesses 0 -p no:cacheprovider > /dev/null

pytest: $(VENV)/.installed-test $(CHROMIUM) $(PROMTOOL)
	@$(COLLECT) -m "not slow" || true
	$(PYTEST) -m "not slow"

test-slow: $(VENV)/.installed-test tools $(CHROMIUM) $(ALERTMANAGER)
	@$(COLLECT) -m slow || true
	$(PYTEST) -m slow

# Builds the image and runs it and the compose stack (deploy/prove-image.sh); CI runs it.
image:
	deploy/prove-image.sh

$(ALERTMANAGER):
	@if command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus-alertmanager; \
	else \
		echo "No apt-get here: install Prometheus Alertmanager at $(ALERTMANAGER) for the slow tests."; \
	fi

$(PROMTOOL):
	@if command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus; \
	else \
		echo "No apt-get here: install Prometheus's promtool at $(PROMTOOL) for the rules' tests."; \
	fi

$(CHROMIUM):
	@if command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "No apt-get here: install Chromium at $(CHROMIUM) for the browser tests."; \
	fi

bench: $(VENV)/.installed-bench tools
	$(BIN)/python -m bench
	$(BIN)/python -m bench.stats
	$(BIN)/python -m bench.alertmanager
	$(BIN)/python -m bench.webhooks
	$(BIN)/python -m bench.fairness
	$(BIN)/python -m bench.backup

# GET /api/v1/stats over 100,000 incidents on PostgreSQL, against EXPLAIN ANALYZE (bench/stats.py).
bench-stats: $(VENV)/.installed-bench
	$(BIN)/python -m bench.stats

bench-fairness: $(VENV)/.installed-bench
	$(BIN)/python -m bench.fairness

bench-quick: $(VENV)/.installed-bench tools
	$(BIN)/python -m bench --quick

reliability: $(VENV)/.installed-test
	$(BIN)/python -m tests.reliability.figures --full

reliability-quick: $(VENV)/.installed-test
	$(BIN)/python -m tests.reliability.figures

# The load generator of the benchmark (and of its smoke test), from Debian's packages.
tools:
	@command -v wrk >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk) \
		|| echo "wrk could not be installed: the benchmark's smoke test will fail in CI (skip elsewhere)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(UV): deploy/uv.txt | $(VENV)/bin/python
	rm -rf $(VENV)/.uv
	$(BIN)/pip install --quiet --require-hashes --target $(VENV)/.uv -r deploy/uv.txt

# Upgrades every locked package (and uv itself) to the newest releases pyproject.toml allows.
lock: $(UV)
	$(UV) lock --upgrade
	echo uv | $(UV) pip compile --universal --generate-hashes --upgrade --quiet \
		--custom-compile-command 'make lock' - -o deploy/uv.txt

# Does uv.lock still satisfy pyproject.toml? (uv compares contents, not file times.)
$(VENV)/.locked: pyproject.toml uv.lock | $(UV)
	@$(UV) lock --check --quiet 2>/dev/null || { \
		if [ "$(CI)" = true ]; then \
			echo "uv.lock does not match pyproject.toml: run 'make lock' (or '$(UV) lock' to keep" \
				"the other pins) and commit uv.lock." >&2; \
			exit 1; \
		fi; \
		echo "pyproject.toml changed since uv.lock was made: relocking, keeping the other pins" \
			"(commit uv.lock)."; \
		$(UV) lock; \
	}
	touch $@

$(VENV)/.installed: $(VENV)/.locked
	$(UV) sync --locked --quiet
	touch $@

$(VENV)/.installed-test: $(VENV)/.locked
	$(UV) sync --locked --quiet --extra test
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: $(VENV)/.locked
	$(UV) sync --locked --quiet --extra test --extra bench
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
