"""Publishing the metric tables to a serving copy, and build reliability.

- publish copies schema `metrics` (and nothing else) plus metrics._published;
- a failed publish, a killed build and a build on new data running beside
  readers never touch or lock the last good serving copy;
- two builds in a row on the same data give the same marts and metrics.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from helpers import query, run_dbt, start_dbt
from memberkpi import publish as publish_module
from memberkpi.cli import app
from memberkpi.publish import PublishError, publish

EXAMPLE_RAW = Path(__file__).parent / "fixtures" / "spec_example" / "raw"
KPI_MONTHLY = "select * from metrics.kpi_monthly order by all"
PUBLISHED_AT = "select max(published_at) from metrics._published"
CHECKSUM_SCHEMAS = ("marts", "metrics")
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
# Doubles are compared rounded to 1e-6: a parallel float sum or average may
# differ in its last bit from one run to the next without the result changing.
FLOAT_DECIMALS = 6
# Rebuilds leave dbt's data and unit tests out: they change no table, and the
# first build runs them.
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


# --- small warehouse files, no dbt ------------------------------------------


def make_build_db(path: Path, kpi_rows: int = 3) -> Path:
    """A stand-in build file: two metric tables and one mart table."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema metrics")
        connection.execute("create schema marts")
        connection.execute(
            "create table metrics.kpi_monthly as "
            f"select range as kpi_order, 'k' || range as kpi from range({kpi_rows})"
        )
        connection.execute("create table metrics.kpi_catalog as select 'k0' as kpi")
        connection.execute("create table marts.fct_orders as select 1 as order_id")
    return path


def tables_of(path: Path) -> list[tuple[str, str]]:
    return query(
        path,
        "select table_schema, table_name from information_schema.tables order by all",
    )


def leftovers(serving: Path) -> list[str]:
    return sorted(item.name for item in serving.parent.iterdir() if ".tmp-" in item.name)


def test_publish_copies_only_the_metrics_schema(tmp_path: Path) -> None:
    build = make_build_db(tmp_path / "build.duckdb")
    serving = tmp_path / "serving" / "memberkpi_serving.duckdb"

    assert publish(build, serving) == serving.resolve()

    assert tables_of(serving) == [
        ("metrics", "_published"),
        ("metrics", "kpi_catalog"),
        ("metrics", "kpi_monthly"),
    ]
    assert query(serving, "select kpi from metrics.kpi_monthly order by kpi_order") == [
        ("k0",),
        ("k1",),
        ("k2",),
    ]
    published = query(
        serving,
        "select source_db, table_name, row_count, published_at is not null "
        "from metrics._published order by table_name",
    )
    assert published == [
        (str(build.resolve()), "kpi_catalog", 1, True),
        (str(build.resolve()), "kpi_monthly", 3, True),
    ]
    assert leftovers(serving) == []


def test_a_failed_publish_leaves_the_serving_copy_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = tmp_path / "serving.duckdb"
    publish(make_build_db(tmp_path / "old.duckdb", kpi_rows=3), serving)
    before = serving.read_bytes()
    new_build = make_build_db(tmp_path / "new.duckdb", kpi_rows=5)

    def die_before_rename(source: Path, target: Path) -> None:
        raise KeyboardInterrupt("killed just before the rename")

    monkeypatch.setattr(publish_module.os, "replace", die_before_rename)
    with pytest.raises(KeyboardInterrupt):
        publish(new_build, serving)
    monkeypatch.undo()

    assert serving.read_bytes() == before
    assert query(serving, "select count(*) from metrics.kpi_monthly") == [(3,)]
    assert leftovers(serving) == []


def test_a_build_without_metric_tables_is_not_published(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    publish(make_build_db(tmp_path / "good.duckdb"), serving)
    before = serving.read_bytes()
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()

    with pytest.raises(PublishError, match="no tables in schema metrics"):
        publish(empty, serving)
    with pytest.raises(PublishError, match="no build file"):
        publish(tmp_path / "missing.duckdb", serving)

    assert serving.read_bytes() == before
    assert leftovers(serving) == []


def test_cli_refuses_to_publish_after_a_failed_dbt_invocation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = make_build_db(tmp_path / "build.duckdb")
    serving = tmp_path / "serving.duckdb"
    target = tmp_path / "target"
    target.mkdir()
    run_results = {"results": [{"unique_id": "model.memberkpi.kpi_monthly", "status": "error"}]}
    (target / "run_results.json").write_text(json.dumps(run_results))
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    arguments = ["publish", "--db", str(build), "--serving", str(serving)]

    refused = CliRunner().invoke(app, arguments)
    assert refused.exit_code == 1, refused.output
    assert "model.memberkpi.kpi_monthly" in refused.output
    assert not serving.exists()

    forced = CliRunner().invoke(app, [*arguments, "--force"])
    assert forced.exit_code == 0, forced.output
    assert query(serving, "select count(*) from metrics.kpi_monthly") == [(3,)]


# --- real builds on the spec's example data ----------------------------------


def table_checksums(db_path: Path) -> dict[str, tuple[Any, ...]]:
    """Per table of marts and metrics: row count and an order-free row hash."""
    checksums: dict[str, tuple[Any, ...]] = {}
    with duckdb.connect(str(db_path), read_only=True) as connection:
        tables = connection.execute(
            """
            select table_schema, table_name
            from information_schema.tables
            where table_schema in (?, ?) and table_type = 'BASE TABLE'
            order by all
            """,
            list(CHECKSUM_SCHEMAS),
        ).fetchall()
        for schema, table in tables:
            columns = connection.execute(
                """
                select column_name, data_type
                from information_schema.columns
                where table_schema = ? and table_name = ?
                order by ordinal_position
                """,
                [schema, table],
            ).fetchall()
            row = ", ".join(
                f'round("{name}", {FLOAT_DECIMALS})' if kind in FLOAT_TYPES else f'"{name}"'
                for name, kind in columns
            )
            checksum = connection.execute(
                f'select count(*), sum(hash(row({row}))) from {schema}."{table}"'
            ).fetchone()
            checksums[f"{schema}.{table}"] = tuple(checksum or ())
    return checksums


def test_checksums_ignore_row_order_and_float_noise_but_see_changes(tmp_path: Path) -> None:
    paths = [tmp_path / f"{name}.duckdb" for name in ("base", "shuffled", "changed")]
    rows = {
        "base": "(1, 'a', 0.1 + 0.2), (2, 'b', 1.5)",
        "shuffled": "(2, 'b', 1.5), (1, 'a', 0.3)",  # 0.1 + 0.2 != 0.3 in the last bit
        "changed": "(1, 'a', 0.3), (2, 'c', 1.5)",
    }
    for path in paths:
        with duckdb.connect(str(path)) as connection:
            connection.execute("create schema marts")
            connection.execute("create table marts.t (k integer, code varchar, x double)")
            connection.execute(f"insert into marts.t values {rows[path.stem]}")
    base, shuffled, changed = (table_checksums(path) for path in paths)
    assert base == shuffled
    assert base != changed


def drop_some_orders(raw_dir: Path) -> int:
    """Remove about a tenth of the orders that nothing else refers to; rows dropped.

    Their order lines go too, so the raw files stay consistent and the build
    passes its quarantine tests.
    """
    with duckdb.connect() as connection:
        for table in ("orders", "order_items", "reviews", "service_tickets", "points_ledger"):
            connection.execute(
                f"create table {table} as select * from read_parquet(?)",
                [str(raw_dir / f"{table}.parquet")],
            )
        connection.execute(
            """
            create table dropped as
            select order_id
            from orders
            where hash(order_id) % 10 = 0
                and order_id not in (select order_id from reviews)
                and order_id not in (select order_id from service_tickets)
                and order_id not in (
                    select order_id from points_ledger where order_id is not null
                )
            """
        )
        (dropped,) = connection.execute("select count(*) from dropped").fetchone() or (0,)
        for table in ("orders", "order_items"):
            connection.execute(
                f"copy (select * from {table} where order_id not in "
                f"(select order_id from dropped)) to '{raw_dir / table}.parquet' (format parquet)"
            )
    return int(dropped)


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build on the example data; each test copies it before changing it."""
    work_dir = tmp_path_factory.mktemp("first_build")
    raw_dir = work_dir / "raw"
    shutil.copytree(EXAMPLE_RAW, raw_dir)
    result = run_dbt(["build"], work_dir=work_dir, raw_dir=raw_dir)
    assert result.success, result.output[-4000:]
    return work_dir


def copy_build(first_build: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the first build: (work dir, raw dir)."""
    work_dir = tmp_path / "dbt"
    work_dir.mkdir()
    shutil.copy2(first_build / "warehouse.duckdb", work_dir / "warehouse.duckdb")
    raw_dir = tmp_path / "raw"
    shutil.copytree(first_build / "raw", raw_dir)
    return work_dir, raw_dir


def wait_for_line(log: Path, needle: str, process: subprocess.Popen[str], timeout: float) -> None:
    """Wait until the dbt output has a line with needle (or fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and needle in log.read_text(encoding="utf-8", errors="replace"):
            return
        assert process.poll() is None, log.read_text()[-3000:]
        time.sleep(0.05)
    pytest.fail(f"dbt never printed {needle!r}")


@pytest.mark.slow
def test_a_killed_build_leaves_the_last_serving_copy(first_build: Path, tmp_path: Path) -> None:
    work_dir, raw_dir = copy_build(first_build, tmp_path)
    build_db = work_dir / "warehouse.duckdb"
    serving = tmp_path / "serving" / "memberkpi_serving.duckdb"
    publish(build_db, serving)
    snapshot = query(serving, KPI_MONTHLY)
    assert snapshot == query(build_db, KPI_MONTHLY)
    orders_before = query(build_db, "select count(*) from staging.base_raw__orders")[0][0]

    assert drop_some_orders(raw_dir) > 0
    build = start_dbt(["build", "--full-refresh", *NO_TESTS], work_dir=work_dir, raw_dir=raw_dir)
    try:
        # fct_orders starts once staging has the new orders; kill it mid-way
        wait_for_line(work_dir / "dbt_output.log", "model marts.fct_orders ", build, timeout=120)
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
    assert build.returncode == -signal.SIGKILL

    # the build file already holds the new data; the serving copy does not
    orders_after = query(build_db, "select count(*) from staging.base_raw__orders")[0][0]
    assert orders_after < orders_before
    assert query(serving, KPI_MONTHLY) == snapshot
    assert leftovers(serving) == []


READER = """
import json, sys, time
from pathlib import Path

import duckdb

mode, serving, stop, ready, report = sys.argv[1:6]
kpi_sum = "select count(*), sum(value) from metrics.kpi_monthly"
stamp = "select max(published_at) from metrics._published"
# "held": one connection open through the publish. "fresh": a new connection
# per read (DuckDB shares one open database per file within a process, so
# the fresh reader must not hold another connection).
held = duckdb.connect(serving, read_only=True) if mode == "held" else None
held_before = held.execute(kpi_sum).fetchone() if held else None
stamps, errors, reads = set(), [], 0
while not Path(stop).exists():
    try:
        if held:
            held.execute(kpi_sum).fetchone()
            stamps.add(str(held.execute(stamp).fetchone()[0]))
        else:
            with duckdb.connect(serving, read_only=True) as connection:
                connection.execute(kpi_sum).fetchone()
                stamps.add(str(connection.execute(stamp).fetchone()[0]))
        reads += 1
    except Exception as error:
        errors.append(repr(error))
    Path(ready).touch()
    time.sleep(0.02)
Path(report).write_text(json.dumps({
    "reads": reads,
    "errors": errors[:10],
    "stamps": sorted(stamps),
    "held_unchanged": held.execute(kpi_sum).fetchone() == held_before if held else None,
}))
"""


def start_reader(mode: str, serving: Path, work: Path) -> subprocess.Popen[str]:
    """A reader process looping over the serving copy until work/stop exists."""
    work.mkdir()
    arguments = [str(serving), str(work.parent / "stop"), str(work / "ready")]
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, mode, *arguments, str(work / "report.json")], text=True
    )
    deadline = time.monotonic() + 60
    while not (work / "ready").exists():
        assert reader.poll() is None and time.monotonic() < deadline, f"{mode} reader did not start"
        time.sleep(0.05)
    return reader


@pytest.mark.slow
def test_readers_are_never_locked_out_by_a_build_and_publish(
    first_build: Path, tmp_path: Path
) -> None:
    work_dir, raw_dir = copy_build(first_build, tmp_path)
    build_db = work_dir / "warehouse.duckdb"
    serving = tmp_path / "serving" / "memberkpi_serving.duckdb"
    publish(build_db, serving)
    old_kpis = query(serving, KPI_MONTHLY)
    old_stamp = str(query(serving, PUBLISHED_AT)[0][0])

    readers_dir = tmp_path / "readers"
    readers_dir.mkdir()
    readers = {}
    try:
        for mode in ("fresh", "held"):
            readers[mode] = start_reader(mode, serving, readers_dir / mode)
        assert drop_some_orders(raw_dir) > 0
        # a full refresh, so that dropped orders leave the incremental marts too
        result = run_dbt(["build", "--full-refresh", *NO_TESTS], work_dir=work_dir, raw_dir=raw_dir)
        assert result.success, result.output[-4000:]
        publish(build_db, serving)
        new_stamp = str(query(serving, PUBLISHED_AT)[0][0])
        time.sleep(0.5)  # let the readers read the published copy a few times
    finally:
        (readers_dir / "stop").touch()
        for reader in readers.values():
            reader.wait(timeout=60)
    assert {mode: reader.returncode for mode, reader in readers.items()} == {
        "fresh": 0,
        "held": 0,
    }

    fresh = json.loads((readers_dir / "fresh" / "report.json").read_text())
    held = json.loads((readers_dir / "held" / "report.json").read_text())
    assert (fresh["errors"], held["errors"]) == ([], [])
    assert fresh["reads"] > 20 and held["reads"] > 20, (fresh, held)
    # a new connection after the publish sees the new copy ...
    assert fresh["stamps"] == sorted([old_stamp, new_stamp])
    # ... a connection open through the publish keeps reading the old one
    assert held["stamps"] == [old_stamp]
    assert held["held_unchanged"]

    new_kpis = query(serving, KPI_MONTHLY)
    assert new_kpis == query(build_db, KPI_MONTHLY)
    assert new_kpis != old_kpis


@pytest.mark.slow
def test_two_builds_in_a_row_give_the_same_tables(first_build: Path, tmp_path: Path) -> None:
    work_dir, raw_dir = copy_build(first_build, tmp_path)
    build_db = work_dir / "warehouse.duckdb"
    first = table_checksums(build_db)
    assert {"marts.fct_orders", "metrics.kpi_monthly"} <= set(first)

    result = run_dbt(["build", *NO_TESTS], work_dir=work_dir, raw_dir=raw_dir)
    assert result.success, result.output[-4000:]
    second = table_checksums(build_db)

    changed = {name: (first.get(name), second.get(name)) for name in first.keys() | second}
    assert {name: pair for name, pair in changed.items() if pair[0] != pair[1]} == {}
