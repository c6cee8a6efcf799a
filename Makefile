# Two entry points: `make run` serves the registry, `make test` checks everything.
# Each installs what it needs into .venv first (again only when pyproject.toml changes).
# `make bench` measures it (docs/PERFORMANCE.md); `make bench-quick` is a short smoke run.
# `make reliability` runs the fault scenarios at full size and writes docs/RELIABILITY.md's figures.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The browser tests drive Debian's Chromium (never a browser Playwright downloads).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck pytest bench bench-quick reliability reliability-quick tools clean

run: $(VENV)/.installed
	$(BIN)/incidents serve

test: $(VENV)/.installed-test $(CHROMIUM) tools lint typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests examples bench
	$(BIN)/ruff format --check src tests examples bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test $(CHROMIUM)
	$(BIN)/pytest

$(CHROMIUM):
	@if command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "No apt-get here: install Chromium at $(CHROMIUM) for the browser tests."; \
	fi

bench: $(VENV)/.installed-bench tools
	$(BIN)/python -m bench

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

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --editable .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --editable '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --editable '.[test,bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
