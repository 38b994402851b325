# Homebase — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Spectral, pinned in tools/openapi-lint/package-lock.json, installed there by npm ci.
OPENAPI_LINT := tools/openapi-lint
SPECTRAL := $(OPENAPI_LINT)/node_modules/.bin/spectral

.PHONY: install system-deps run test lint lint-containers lint-openapi format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# caldav's HTTP client brings urllib3-future, whose .pth file overwrites urllib3 at every
	# start and breaks requests (schemathesis); keep the two apart, as its docs advise.
	rm -f $(VENV)/lib/python*/site-packages/urllib3_future.pth
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps "urllib3==$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("urllib3"))')"
	touch $(STAMP)

install: $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

run: $(STAMP)
	$(BIN)/homebase serve --host $(HOST) --port $(PORT)

# System packages the tests need besides PostgreSQL and Redis: Debian's PgBouncer.
system-deps:
	@command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -qq pgbouncer >/dev/null 2>&1 || \
	    { apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null; }; \
	  else echo "make test needs PgBouncer: sudo apt-get install pgbouncer" >&2; exit 1; fi; }

# One pytest worker per core, tests handed out one by one (the longest first, see conftest.py).
test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n auto --dist load

lint: $(STAMP) lint-containers lint-openapi
	$(BIN)/ruff check homebase tests bench tools
	$(BIN)/ruff format --check homebase tests bench tools
	$(BIN)/mypy homebase

$(SPECTRAL): $(OPENAPI_LINT)/package-lock.json
	npm ci --prefix $(OPENAPI_LINT) --no-audit --no-fund --loglevel=error
	touch $(SPECTRAL)

# The document the app serves at /openapi.json, against Spectral's rules and ours.
lint-openapi: $(STAMP) $(SPECTRAL)
	mkdir -p build
	$(BIN)/python $(OPENAPI_LINT)/dump.py > build/openapi.json
	$(SPECTRAL) lint --fail-severity=warn --ruleset $(OPENAPI_LINT)/.spectral.yaml build/openapi.json

# hadolint and Docker Compose come from PyPI (the dev extra): no Docker engine is needed.
lint-containers: $(STAMP)
	$(BIN)/hadolint Dockerfile
	HOMEBASE_SECRET_KEY=lint-only-placeholder $(BIN)/docker-compose -f compose.yaml config --quiet

format: $(STAMP)
	$(BIN)/ruff format homebase tests bench tools
	$(BIN)/ruff check --fix homebase tests bench tools

# `make bench BENCH_ARGS=--quick` for a short run; `BENCH_ARGS=--profile` for the py-spy profile.
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache $(OPENAPI_LINT)/node_modules
