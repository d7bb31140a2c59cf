# memberkpi: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export MEMBERKPI_RAW_DIR ?= $(CURDIR)/data/raw
export MEMBERKPI_DB ?= $(CURDIR)/target/memberkpi.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
MEMBERS ?= 20000
YEARS ?= 2
SEED ?= 42

.PHONY: setup demo run test test-fast build bench lint clean lock

setup:  ## create .venv with the pinned stack and the dev tools (idempotent)
	@bash scripts/setup.sh dev

demo:  ## demo data in data/demo -> validate -> dbt build -> docs -> publish -> dashboard
	@bash scripts/setup.sh
	$(BIN)/memberkpi demo --members $(MEMBERS) --years $(YEARS) --seed $(SEED)

run:  ## the main job on the brand's exports in MEMBERKPI_RAW_DIR (only read)
	@bash scripts/setup.sh
	$(BIN)/memberkpi run

test:  ## every test: sqlfluff, ruff, pytest (dbt builds, Spark and a browser included)
	@bash scripts/setup.sh dev,spark
	@bash scripts/test.sh

test-fast: setup  ## the inner loop: ruff, tests/unit and tests/integration on a few shared builds (aim: under 3 minutes on two cores)
	@bash scripts/test.sh --fast

build: setup  ## dbt build on MEMBERKPI_RAW_DIR as it is
	$(BIN)/dbt build

bench: setup  ## time a full build against the hand-written reference (benchmarks/)
	$(BIN)/python -m benchmarks.bench --members $(MEMBERS) --years $(YEARS)

lint: setup
	$(BIN)/sqlfluff lint models macros tests/dbt
	$(BIN)/ruff check src tests scripts benchmarks

clean:
	rm -rf target logs data

lock:  ## re-resolve the pinned stack (needs network to the registries)
	rm -rf target/lock-venv && python3.11 -m venv target/lock-venv
	target/lock-venv/bin/pip install -q -e '.[dev,spark]'
	target/lock-venv/bin/pip freeze --exclude memberkpi > requirements.lock
