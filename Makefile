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

.PHONY: setup demo test build lint clean lock

setup:  ## create .venv with the pinned stack (idempotent)
	@bash scripts/setup.sh

demo: setup  ## demo data -> validate -> dbt build -> docs -> publish -> dashboard
	$(BIN)/memberkpi run --members $(MEMBERS) --years $(YEARS) --seed $(SEED)

test: setup  ## every test: sqlfluff, ruff, pytest (dbt builds included)
	@bash scripts/test.sh

build: setup  ## dbt build on MEMBERKPI_RAW_DIR as it is
	$(BIN)/dbt build

lint: setup
	$(BIN)/sqlfluff lint models macros tests/dbt
	$(BIN)/ruff check src tests

clean:
	rm -rf target logs data

lock:  ## re-resolve the pinned stack (needs network to the registries)
	rm -rf /tmp/memberkpi-lock && python3.11 -m venv /tmp/memberkpi-lock
	/tmp/memberkpi-lock/bin/pip install -q -e '.[dev,spark]'
	/tmp/memberkpi-lock/bin/pip freeze --exclude memberkpi > requirements.lock
