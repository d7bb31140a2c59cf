"""A warehouse owns its outputs (issue 20, acceptance 2).

Two warehouses built and published by `memberkpi run` from one checkout,
side by side in one folder, told apart only by MEMBERKPI_DB, on different
raw data (the spec's example as snapshot files; the hand-made fixture with
five of its tables as daily drops, tests/fixtures/drops): each has its own
serving copy, dashboard, dbt Data Docs and Great Expectations Data Docs in
`<name>.outputs/` beside its DuckDB file, with its own numbers: a KPI read
from each serving copy equals the value counted independently for that
data set (the spec's expected_kpi_monthly.csv, a hand count) and the value
in its own build. The raw folders are only read. The drops brand also
shows `memberkpi run` on daily drops: the required tables found as drops,
every drop file validated, the stored drop rows giving the fixture's hand
counts.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from helpers import PROJECT_DIR, SPEC_EXAMPLE, file_hashes, fixture_drops_raw, query
from memberkpi.cli import app

# outputs that would otherwise be shared: the run must derive them from MEMBERKPI_DB
OUTPUT_ENV = ("MEMBERKPI_SERVING_DB", "DBT_TARGET_PATH", "DBT_LOG_PATH", "MEMBERKPI_TEMP_DIR")
KPI = "member_net_sales"
KPI_SQL = "select value from metrics.kpi_monthly where kpi = ? and month = cast(? as date)"
LATEST_COMPLETE = "select max(month) from metrics.kpi_monthly where is_complete_month"


def spec_expected(month: str) -> float:
    """The spec's own expected value of KPI in month (expected_kpi_monthly.csv)."""
    with (SPEC_EXAMPLE / "expected_kpi_monthly.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["month"] == month and row["kpi"] == KPI:
                return float(row["value"])
    raise AssertionError(f"{KPI} {month} not in expected_kpi_monthly.csv")


def spec_example_raw(raw_dir: Path) -> Path:
    """The spec's example raw files, as snapshot files."""
    shutil.copytree(SPEC_EXAMPLE / "raw", raw_dir)
    return raw_dir


@dataclass(frozen=True)
class Brand:
    """One warehouse of the test: how its raw folder is made and a KPI value
    known for it."""

    name: str
    make_raw: Callable[[Path], Path]
    month: str
    expected: float


BRANDS = (
    Brand("brand_a", spec_example_raw, "2024-12-01", spec_expected("2024-12-01")),
    # the drops' current rows are tests/fixtures/handmade, whose member orders
    # in 2025-01 tests/integration/test_handmade_kpis.py counts by hand
    Brand("brand_b", fixture_drops_raw, "2025-01-01", 706.0),
)


def memberkpi_run(raw_dir: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """`memberkpi run` with MEMBERKPI_DB = db and every output at its default."""
    env = {key: value for key, value in os.environ.items() if key not in OUTPUT_ENV}
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        MEMBERKPI_DB=str(db),
        MEMBERKPI_RAW_DIR=str(raw_dir),
        DBT_USE_COLORS="false",
    )
    return subprocess.run(
        [str(Path(sys.executable).with_name("memberkpi")), "run", "--lang", "en"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip


def kpi_value(db_path: Path, month: str) -> float:
    """KPI in month, read from a DuckDB file's metrics.kpi_monthly."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        row = connection.execute(KPI_SQL, [KPI, month]).fetchone()
    assert row is not None, (db_path, month)
    return row[0]


def catalog_databases(catalog: Path) -> set[str]:
    """The databases the dbt Data Docs catalog describes (DuckDB: the file's stem)."""
    nodes = json.loads(catalog.read_text(encoding="utf-8"))["nodes"].values()
    return {node["metadata"]["database"] for node in nodes}


@pytest.fixture(scope="module")
def run_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Both brands run one after the other; their DuckDB files share a folder.
    The folder and each run's output, by brand."""
    root = tmp_path_factory.mktemp("two_warehouses")
    (root / "warehouses").mkdir()
    outputs = {}
    for brand in BRANDS:
        raw_dir = brand.make_raw(root / f"{brand.name} raw")
        before = file_hashes(raw_dir)
        completed = memberkpi_run(raw_dir, root / "warehouses" / f"{brand.name}.duckdb")
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, output[-5000:]
        assert file_hashes(raw_dir) == before, f"{brand.name}: run wrote in the raw folder"
        outputs[brand.name] = output
    return root / "warehouses", outputs


@pytest.fixture(scope="module")
def two_warehouses(run_outputs: tuple[Path, dict[str, str]]) -> Path:
    return run_outputs[0]


@pytest.mark.slow
def test_each_warehouse_has_its_own_outputs(two_warehouses: Path) -> None:
    assert sorted(entry.name for entry in two_warehouses.iterdir()) == [
        "brand_a.duckdb",
        "brand_a.outputs",
        "brand_b.duckdb",
        "brand_b.outputs",
    ]
    for brand in BRANDS:
        outputs = two_warehouses / f"{brand.name}.outputs"
        assert (outputs / f"{brand.name}_serving.duckdb").is_file()
        assert (outputs / "dbt_target" / "index.html").is_file()
        assert (outputs / "data_docs" / "index.html").is_file()
        # the dbt Data Docs describe this warehouse and no other
        assert catalog_databases(outputs / "dbt_target" / "catalog.json") == {brand.name}
        # its build recorded itself, from its own raw folder
        raw_dirs = query(
            two_warehouses / f"{brand.name}.duckdb",
            "select raw_dir, build_status from memberkpi_meta.builds",
        )
        assert raw_dirs == [(str(two_warehouses.parent / f"{brand.name} raw"), "finished")]


@pytest.mark.slow
def test_each_serving_copy_holds_its_own_numbers(two_warehouses: Path) -> None:
    values = {}
    for brand in BRANDS:
        build = two_warehouses / f"{brand.name}.duckdb"
        serving = two_warehouses / f"{brand.name}.outputs" / f"{brand.name}_serving.duckdb"
        served = kpi_value(serving, brand.month)
        built = kpi_value(build, brand.month)
        assert served == pytest.approx(brand.expected, rel=1e-9)
        assert served == built
        assert query(serving, "select distinct source_db from metrics._published") == [
            (str(build),)
        ]
        values[brand.name] = served
    assert values["brand_a"] != values["brand_b"]


@pytest.mark.slow
def test_each_dashboard_shows_its_own_warehouse(two_warehouses: Path) -> None:
    pages = {}
    for brand in BRANDS:
        serving = two_warehouses / f"{brand.name}.outputs" / f"{brand.name}_serving.duckdb"
        (latest,) = query(serving, LATEST_COMPLETE)[0]
        found = sorted((two_warehouses / f"{brand.name}.outputs" / "dashboard").glob("*.html"))
        assert [page.name for page in found] == [f"memberkpi_{latest:%Y-%m}_en.html"]
        content = found[0].read_text(encoding="utf-8")
        assert f'data-month="{latest:%Y-%m}"' in content
        assert f"{brand.name}_serving.duckdb" in content  # the page names its source
        pages[brand.name] = content
    assert pages["brand_a"] != pages["brand_b"]


@pytest.mark.slow
def test_the_dashboard_command_writes_beside_the_warehouse_a_serving_copy_names(
    two_warehouses: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`memberkpi dashboard --db <serving copy>` without --out: the page goes
    to the dashboard folder of the build the copy was published from."""
    monkeypatch.setenv("MEMBERKPI_DB", str(two_warehouses / "brand_a.duckdb"))
    serving = two_warehouses / "brand_b.outputs" / "brand_b_serving.duckdb"
    result = CliRunner().invoke(app, ["dashboard", "--db", str(serving), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    (latest,) = query(serving, LATEST_COMPLETE)[0]
    page = two_warehouses / "brand_b.outputs" / "dashboard" / f"memberkpi_{latest:%Y-%m}_zh.html"
    assert page.is_file()
    assert not list((two_warehouses / "brand_a.outputs" / "dashboard").glob("*_zh.html"))


@pytest.mark.slow
def test_a_brand_on_daily_drops_runs_like_a_snapshot_brand(
    run_outputs: tuple[Path, dict[str, str]],
) -> None:
    """brand_b's required tables are found as drops and validate checks every
    drop file (the one planted break, O24's `shipped` in the 2025-01-15 drop,
    is a warning); the warehouse keeps the README's hand count of orders (47
    drop rows = 42 current + 4 superseded + 1 deleted) and the serving copy
    holds every monthly KPI of the build."""
    warehouses, outputs = run_outputs
    output = outputs["brand_b"]
    raw_dir = warehouses.parent / "brand_b raw"
    assert f"orders: {raw_dir}/orders (6 drop files)" in output
    assert "orders/ds=2025-01-15/part-0.csv: column status: 1 of 7 row(s)" in output
    db = warehouses / "brand_b.duckdb"
    assert query(db, "select count(*) from raw.orders") == [(42,)]
    assert query(
        db,
        'select count(*), count(*) filter (where drop_is_superseded) from raw."orders__drops_read"',
    ) == [(47, 4)]
    serving = warehouses / "brand_b.outputs" / "brand_b_serving.duckdb"
    kpis = "select month, kpi, value from metrics.kpi_monthly order by all"
    assert query(serving, kpis) == query(db, kpis)
