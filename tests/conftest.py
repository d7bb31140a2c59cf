"""Shared pytest fixtures. Helpers for dbt builds live in tests/helpers.py."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import PARSE_CACHE_ENV, generate_raw, run_dbt

# `memberkpi generate`'s default --end-date: the generated data's last day,
# and the as-of date of the shared build (tests do not depend on today)
GENERATED_END = dt.date(2025, 12, 31)


PARSE_CACHE = pytest.StashKey[Path]()

# Run first: the longest module (a DuckDB and three Spark builds), so that
# under xdist the other worker is not left idle at the end of the run.
FIRST_MODULES = ("test_spark",)


def pytest_configure(config: pytest.Config) -> None:
    """A parse cache for this process's dbt builds (tests/dbt_parsed_once.py);
    each xdist worker has its own."""
    cache = Path(tempfile.mkdtemp(prefix="memberkpi-parse-cache-"))
    config.stash[PARSE_CACHE] = cache
    os.environ[PARSE_CACHE_ENV] = str(cache)


def pytest_unconfigure(config: pytest.Config) -> None:
    cache = config.stash.get(PARSE_CACHE, None)
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)
        os.environ.pop(PARSE_CACHE_ENV, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start with the longest module, keeping the order of the rest.

    scripts/test.sh runs pytest with `-n auto --dist loadfile
    --no-loadscope-reorder`: each module runs whole on one worker (its
    module-scoped builds are made once) and modules are handed out in the
    order of `items`.
    """
    items.sort(key=lambda item: item.path.stem not in FIRST_MODULES)


@dataclass(frozen=True)
class GeneratedBuild:
    """A warehouse built on the project's generated demo data."""

    raw_dir: Path
    work_dir: Path

    @property
    def db_path(self) -> Path:
        return self.work_dir / "warehouse.duckdb"


@pytest.fixture(scope="session")
def generated_build(tmp_path_factory: pytest.TempPathFactory) -> GeneratedBuild:
    """Demo data (3,000 members, two years, seed 7) and a `dbt build` on it as
    of the data's last day, shared by the tests that compare the warehouse
    with other paths."""
    root = tmp_path_factory.mktemp("generated_build")
    raw_dir = root / "raw"
    generate_raw(raw_dir, "--members", "3000", "--years", "2", "--seed", "7")
    result = run_dbt(
        ["build"],
        work_dir=root / "dbt",
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": GENERATED_END.isoformat()},
    )
    assert result.success, result.output[-4000:]
    return GeneratedBuild(raw_dir=raw_dir, work_dir=root / "dbt")


@pytest.fixture
def dbt_work_dir(tmp_path: Path) -> Path:
    """A private directory for one test's dbt target, logs and DuckDB file."""
    work_dir = tmp_path / "dbt"
    work_dir.mkdir()
    return work_dir


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """An empty raw directory for a test to write its raw files into."""
    directory = tmp_path / "raw"
    directory.mkdir()
    return directory
