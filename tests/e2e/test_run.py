"""`memberkpi run` on a brand's exports and `memberkpi demo`.

- run only reads the raw directory: a required table that is missing or has
  no data rows stops it before anything is built, with a one-line message
  naming the table and the file or folder, and every file of the folder
  byte-for-byte unchanged;
- demo writes only into the project's demo folder and its own warehouse,
  whatever MEMBERKPI_RAW_DIR, MEMBERKPI_DB and MEMBERKPI_SERVING_DB say.

The end-to-end `memberkpi run` on real exports is
tests/e2e/test_warehouse_outputs.py (two warehouses from one checkout, one
of them on daily drops).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from helpers import (
    HANDMADE,
    PROJECT_DIR,
    SPEC_EXAMPLE,
    file_hashes,
    fixture_drops_raw,
    query,
)
from memberkpi.cli import app
from memberkpi.core import paths

SOURCES_YML = PROJECT_DIR / "models" / "staging" / "raw" / "_raw__sources.yml"
# outputs a run may derive from its warehouse: none may appear when it stops
OUTPUT_ENV = ("MEMBERKPI_SERVING_DB", "DBT_TARGET_PATH", "DBT_LOG_PATH", "MEMBERKPI_TEMP_DIR")


def contract_required_tables() -> list[str]:
    """The raw tables _raw__sources.yml marks `config.meta.required`, read here
    from the YAML itself (not through memberkpi's contract loader)."""
    document = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))
    raw = next(source for source in document["sources"] if source["name"] == "raw")
    return [
        table["name"]
        for table in raw["tables"]
        if ((table.get("config") or {}).get("meta") or {}).get("required")
    ]


def memberkpi_run(raw_dir: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """`memberkpi run --raw-dir raw_dir --db db` with the outputs at their defaults."""
    env = {key: value for key, value in os.environ.items() if key not in OUTPUT_ENV}
    env.update(DBT_PROFILES_DIR=str(PROJECT_DIR), COLUMNS="200")
    return subprocess.run(
        [str(Path(sys.executable).with_name("memberkpi")), "run",
         "--raw-dir", str(raw_dir), "--db", str(db), "--lang", "en"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def assert_stopped_before_building(
    completed: subprocess.CompletedProcess[str], db: Path, needles: list[str]
) -> str:
    """Exit code != 0, one line naming what is wrong, nothing built or published."""
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output[-3000:]
    lines = [line for line in output.splitlines() if "memberkpi run stopped:" in line]
    assert len(lines) == 1, output[-3000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not db.exists()
    assert not paths.outputs_dir(db).exists()  # no serving copy, dashboard or docs
    assert "2/6" not in output  # stopped at step 1: no validation, no dbt
    return lines[0]


def assert_run_stops_and_leaves_raw_unchanged(raw_dir: Path, needles: list[str]) -> str:
    """`memberkpi run` on raw_dir stops before building (one line holding
    every needle) and leaves every file of raw_dir as it was; the line."""
    before = file_hashes(raw_dir)
    db = raw_dir.parent / "brand.duckdb"
    line = assert_stopped_before_building(memberkpi_run(raw_dir, db), db, needles)
    assert file_hashes(raw_dir) == before
    return line


def test_required_tables_come_from_the_raw_contract() -> None:
    from memberkpi.pipeline.run import required_tables

    assert contract_required_tables() == ["members", "member_bindings", "orders"]
    assert required_tables() == contract_required_tables()


@pytest.mark.parametrize("table", contract_required_tables())
def test_run_stops_when_a_required_table_is_missing(tmp_path: Path, table: str) -> None:
    raw_dir = tmp_path / "brand exports"
    shutil.copytree(HANDMADE, raw_dir)
    (raw_dir / f"{table}.csv").unlink()

    line = assert_run_stops_and_leaves_raw_unchanged(
        raw_dir, [f"'{table}'", "missing", str(raw_dir)]
    )

    assert f"{table}.csv" in line


def test_run_stops_on_a_header_only_orders_csv(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    shutil.copytree(HANDMADE, raw_dir)
    orders = raw_dir / "orders.csv"
    header = orders.read_text(encoding="utf-8").splitlines()[0]
    orders.write_text(header + "\n", encoding="utf-8")

    assert_run_stops_and_leaves_raw_unchanged(raw_dir, ["'orders'", "no data rows", str(orders)])


def test_run_stops_on_a_zero_row_parquet(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    shutil.copytree(SPEC_EXAMPLE / "raw", raw_dir)
    members = raw_dir / "members.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select * from read_parquet('{SPEC_EXAMPLE / 'raw' / 'members.parquet'}')"
            f" where false) to '{members}' (format parquet)"
        )
    with duckdb.connect() as connection:
        assert connection.execute(f"select count(*) from '{members}'").fetchone() == (0,)

    assert_run_stops_and_leaves_raw_unchanged(raw_dir, ["'members'", "no data rows", str(members)])


def test_run_stops_when_the_raw_directory_does_not_exist(tmp_path: Path) -> None:
    raw_dir = tmp_path / "no such folder"
    db = tmp_path / "brand.duckdb"

    assert_stopped_before_building(memberkpi_run(raw_dir, db), db, [str(raw_dir)])

    assert not raw_dir.exists()


def test_run_has_no_demo_options() -> None:
    result = CliRunner().invoke(app, ["run", "--regenerate"])
    assert result.exit_code != 0
    assert "No such option" in result.output
    for option in ("--members", "--years", "--seed", "--lang"):
        assert option in CliRunner().invoke(app, ["demo", "--help"]).output


@pytest.mark.slow
def test_demo_writes_only_its_own_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`memberkpi demo` builds its own warehouse from data it generates in the
    demo folder; a brand's raw folder, warehouse and serving copy named by the
    environment are not touched."""
    brand_raw = tmp_path / "brand_raw"
    shutil.copytree(HANDMADE, brand_raw)
    before = file_hashes(brand_raw)
    monkeypatch.setenv("MEMBERKPI_RAW_DIR", str(brand_raw))
    monkeypatch.setenv("MEMBERKPI_DB", str(tmp_path / "brand.duckdb"))
    monkeypatch.setenv("MEMBERKPI_SERVING_DB", str(tmp_path / "brand_serving.duckdb"))
    monkeypatch.setattr(paths, "DEMO_DIR", tmp_path / "demo")

    result = CliRunner().invoke(
        app, ["demo", "--members", "300", "--years", "1", "--seed", "5", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output[-4000:]

    assert file_hashes(brand_raw) == before
    assert sorted(item.name for item in tmp_path.iterdir()) == ["brand_raw", "demo"]
    demo_db = tmp_path / "demo" / "memberkpi_demo.duckdb"
    outputs = tmp_path / "demo" / "memberkpi_demo.outputs"
    assert (tmp_path / "demo" / "raw" / "orders.parquet").is_file()
    # the demo warehouse was built, cleanly, from the demo folder
    assert query(demo_db, "select raw_dir, build_status from memberkpi_meta.builds") == [
        (str(tmp_path / "demo" / "raw"), "finished")
    ]
    serving = outputs / "memberkpi_demo_serving.duckdb"
    kpis = "select month, kpi, value from metrics.kpi_monthly order by all"
    assert query(serving, kpis) == query(demo_db, kpis)
    assert len(list((outputs / "dashboard").glob("memberkpi_*_en.html"))) == 1
    assert (outputs / "dbt_target" / "index.html").is_file()
    assert (outputs / "data_docs" / "index.html").is_file()


def test_run_stops_when_a_required_table_is_an_empty_drops_folder(tmp_path: Path) -> None:
    raw_dir = fixture_drops_raw(tmp_path / "raw")
    shutil.rmtree(raw_dir / "member_bindings")
    (raw_dir / "member_bindings" / "ds=2025-01-01").mkdir(parents=True)

    assert_run_stops_and_leaves_raw_unchanged(
        raw_dir, ["'member_bindings'", "missing", f"{raw_dir}/member_bindings/ds=*/"]
    )
