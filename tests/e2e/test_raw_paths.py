"""A raw directory whose path holds a space and a quote builds like any other.

Paths enter SQL as quoted literals (macro sql_string, the readers of
macros/raw_contract.sql; `memberkpi.core.sql_text.sql_string` in the GX
gate): the hand-made raw set copied under `it's raw data/` must build, give the KPIs of the same
files at a plain path, and pass `memberkpi validate`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import HANDMADE, Build, DbtResult, query, run_dbt
from memberkpi.quality.validate import Status, validate_raw_dir

ODD_NAME = "it's raw data"


@dataclass(frozen=True)
class PathBuilds:
    odd_raw: Path
    odd: DbtResult
    plain: Build  # the shared build of the same files (tests/conftest.py)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, handmade_build: Build) -> PathBuilds:
    root = tmp_path_factory.mktemp("raw_paths")
    odd_raw = root / "brand exports" / ODD_NAME
    shutil.copytree(HANDMADE, odd_raw)
    odd = run_dbt(["build"], work_dir=root / "odd_dbt", raw_dir=odd_raw)
    return PathBuilds(odd_raw, odd, handmade_build)


@pytest.mark.slow
def test_raw_dir_with_space_and_quote_builds(builds: PathBuilds) -> None:
    assert " " in str(builds.odd_raw) and "'" in str(builds.odd_raw)
    assert builds.odd.success, builds.odd.output[-4000:]
    assert f"raw: orders <- {builds.odd_raw}/orders.csv" in builds.odd.output
    # the plain path's build passed, or the shared fixture would have failed
    assert builds.plain.db_path.exists()


@pytest.mark.slow
def test_raw_dir_with_space_and_quote_gives_the_same_kpis(builds: PathBuilds) -> None:
    sql = "select cast(month as varchar), kpi, value from metrics.kpi_monthly order by 1, 2"
    odd_rows = query(builds.odd.db_path, sql)
    assert len(odd_rows) > 100  # every KPI of every month of the hand-made set
    assert odd_rows == query(builds.plain.db_path, sql)
    orders = "select count(*), sum(paid_amount) from marts.fct_orders"
    assert query(builds.odd.db_path, orders) == query(builds.plain.db_path, orders)


def test_validate_passes_on_a_raw_dir_with_space_and_quote(tmp_path: Path) -> None:
    raw = tmp_path / "brand exports" / ODD_NAME
    shutil.copytree(HANDMADE, raw)
    report = validate_raw_dir(raw, docs_dir=tmp_path / "docs")
    assert report.all_findings == []
    assert report.status is Status.OK
    assert [table.rows for table in report.tables] == [
        sum(1 for _ in (HANDMADE / f"{table.table}.csv").open(encoding="utf-8")) - 1
        for table in report.tables
    ]
