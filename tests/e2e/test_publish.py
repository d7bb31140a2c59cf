"""Publishing the metric tables to a serving copy, and build reliability.

- publish copies schema `metrics` (and nothing else) plus metrics._published;
- publish reads the warehouse's own build record (memberkpi_meta, written by
  macros/build_records.sql) and refuses a build that never finished, failed
  or left metric tables older than itself, naming the build and why;
- a failed publish, a killed build and a build on new data running beside
  readers never touch or lock the last good serving copy; a killed
  publish's temporary file goes at the next publish; an unwritable target
  is one line, no traceback;
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
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from helpers import FIXTURES, NO_TESTS, PROJECT_DIR, Build, query, run_dbt, start_dbt
from memberkpi.cli import app
from memberkpi.publish import serving as publish_module
from memberkpi.publish.serving import PublishError, publish

EXAMPLE_RAW = FIXTURES / "spec_example" / "raw"
KPI_MONTHLY = "select * from metrics.kpi_monthly order by all"
PUBLISHED_AT = "select max(published_at) from metrics._published"
LAST_BUILD = (
    "select invocation_id, build_status from memberkpi_meta.builds order by started_at desc limit 1"
)
CHECKSUM_SCHEMAS = ("marts", "metrics")
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
# Doubles are compared rounded to 1e-6: a parallel float sum or average may
# differ in its last bit from one run to the next without the result changing.
FLOAT_DECIMALS = 6
# Rebuilds leave dbt's data and unit tests out: they change no table, and the
# first build runs them.
METRIC_TABLES = ("kpi_catalog", "kpi_monthly")


# --- small warehouse files, no dbt ------------------------------------------


def record_build(
    path: Path,
    build_status: str = "finished",
    written: tuple[str, ...] = METRIC_TABLES,
    nodes: tuple[tuple[str, str], ...] = (),
    started_at: datetime | None = None,
) -> str:
    """A build record as macros/build_records.sql writes it: the build's row
    and one node row per metric table written (status success) plus `nodes`
    (unique_id, status); returns the invocation id."""
    invocation_id = str(uuid.uuid4())
    started_at = started_at or datetime.now(UTC)
    finished_at = started_at + timedelta(seconds=5) if build_status == "finished" else None
    ended_at = None if build_status == "running" else started_at + timedelta(seconds=5)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists memberkpi_meta")
        connection.execute(
            """
            create table if not exists memberkpi_meta.builds (
                invocation_id varchar, dbt_command varchar, raw_dir varchar,
                started_at timestamptz, ended_at timestamptz, finished_at timestamptz,
                build_status varchar)
            """
        )
        connection.execute(
            """
            create table if not exists memberkpi_meta.build_nodes (
                invocation_id varchar, unique_id varchar, resource_type varchar,
                relation_schema varchar, relation_name varchar, node_status varchar,
                execution_seconds double)
            """
        )
        connection.execute(
            "insert into memberkpi_meta.builds values (?, 'build', 'raw', ?, ?, ?, ?)",
            [invocation_id, started_at, ended_at, finished_at, build_status],
        )
        rows = [
            [invocation_id, f"model.memberkpi.{table}", "model", "metrics", table, "success", 0.1]
            for table in written
        ]
        rows += [
            [invocation_id, unique_id, "test", None, None, status, 0.1]
            for unique_id, status in nodes
        ]
        if rows:
            connection.executemany(
                "insert into memberkpi_meta.build_nodes values (?, ?, ?, ?, ?, ?, ?)", rows
            )
    return invocation_id


def make_build_db(path: Path, kpi_rows: int = 3, record: bool = True) -> Path:
    """A stand-in build file: two metric tables and one mart table, and a
    clean build record (unless not `record`)."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema metrics")
        connection.execute("create schema marts")
        connection.execute(
            "create table metrics.kpi_monthly as "
            f"select range as kpi_order, 'k' || range as kpi from range({kpi_rows})"
        )
        connection.execute("create table metrics.kpi_catalog as select 'k0' as kpi")
        connection.execute("create table marts.fct_orders as select 1 as order_id")
    if record:
        record_build(path)
    return path


def tables_of(path: Path) -> list[tuple[str, str]]:
    return query(
        path,
        "select table_schema, table_name from information_schema.tables order by all",
    )


def leftovers(serving: Path) -> list[str]:
    return sorted(item.name for item in serving.parent.iterdir() if ".tmp-" in item.name)


def invoke_publish(build: Path, serving: Path) -> tuple[int, str]:
    """`memberkpi publish --db build --serving serving`: exit code and output."""
    result = CliRunner().invoke(app, ["publish", "--db", str(build), "--serving", str(serving)])
    return result.exit_code, result.output


def refusal(output: str) -> str:
    """The one line that says publish refused."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("publish refused: "), output
    return lines[0]


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
    (invocation_id,) = query(build, "select invocation_id from memberkpi_meta.builds")[0]
    published = query(
        serving,
        "select source_db, build_invocation_id, table_name, row_count, published_at is not null "
        "from metrics._published order by table_name",
    )
    assert published == [
        (str(build.resolve()), invocation_id, "kpi_catalog", 1, True),
        (str(build.resolve()), invocation_id, "kpi_monthly", 3, True),
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
    unrecorded = make_build_db(tmp_path / "unrecorded.duckdb", record=False)
    with pytest.raises(PublishError, match="has no build record"):
        publish(unrecorded, serving)

    assert serving.read_bytes() == before
    assert leftovers(serving) == []


def test_publish_reads_the_warehouse_not_run_results_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed run_results.json where dbt's artifacts used to be is not this
    warehouse's status: a cleanly finished build is published."""
    target = tmp_path / "target"
    target.mkdir()
    run_results = {"results": [{"unique_id": "model.memberkpi.kpi_monthly", "status": "error"}]}
    (target / "run_results.json").write_text(json.dumps(run_results))
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    build = make_build_db(tmp_path / "build.duckdb")
    serving = tmp_path / "serving.duckdb"

    code, output = invoke_publish(build, serving)

    assert code == 0, output
    assert query(serving, "select count(*) from metrics.kpi_monthly") == [(3,)]
    assert "--force" not in CliRunner().invoke(app, ["publish", "--help"]).output


def test_publish_defaults_to_the_serving_copy_of_its_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two warehouses published with only MEMBERKPI_DB set: two serving copies."""
    monkeypatch.delenv("MEMBERKPI_SERVING_DB", raising=False)
    kpi_rows = {"brand_a": 4, "brand_b": 6}
    for brand, rows in kpi_rows.items():
        monkeypatch.setenv("MEMBERKPI_DB", str(make_build_db(tmp_path / f"{brand}.duckdb", rows)))
        result = CliRunner().invoke(app, ["publish"])
        assert result.exit_code == 0, result.output
    for brand, rows in kpi_rows.items():
        serving = tmp_path / f"{brand}.outputs" / f"{brand}_serving.duckdb"
        assert query(serving, "select count(*) from metrics.kpi_monthly") == [(rows,)]


def test_publish_refuses_a_build_that_never_finished(tmp_path: Path) -> None:
    build = make_build_db(tmp_path / "build.duckdb")
    serving = tmp_path / "serving.duckdb"
    publish(build, serving)
    before = serving.read_bytes()
    started = (datetime.now(UTC) + timedelta(minutes=1)).replace(microsecond=0)
    killed = record_build(build, "running", written=(), started_at=started)

    code, output = invoke_publish(build, serving)

    assert code == 1
    line = refusal(output)
    assert killed in line and f"{started:%Y-%m-%d %H:%M:%S} UTC" in line
    assert "never finished" in line and "killed" in line
    assert serving.read_bytes() == before


def test_publish_refuses_a_failed_build_and_names_its_nodes(tmp_path: Path) -> None:
    build = make_build_db(tmp_path / "build.duckdb")
    serving = tmp_path / "serving.duckdb"
    nodes = (
        ("test.memberkpi.assert_quarantine_share_below_error", "fail"),
        ("test.memberkpi.assert_quarantine_share_below_warn", "warn"),
        ("model.memberkpi.kpi_monthly_by_channel", "skipped"),
    )
    failed = record_build(build, "failed", nodes=nodes)

    code, output = invoke_publish(build, serving)

    assert code == 1
    line = refusal(output)
    assert failed in line and "failed in 2 nodes" in line
    assert "assert_quarantine_share_below_error (fail)" in line
    assert "kpi_monthly_by_channel (skipped)" in line
    assert "below_warn" not in line  # a warn is a pass
    assert not serving.exists()


def test_publish_refuses_metric_tables_older_than_the_last_build(tmp_path: Path) -> None:
    build = make_build_db(tmp_path / "build.duckdb")
    partial = record_build(build, written=("kpi_catalog",))
    serving = tmp_path / "serving.duckdb"

    code, output = invoke_publish(build, serving)

    assert code == 1
    line = refusal(output)
    assert partial in line and "metrics.kpi_monthly" in line and "older" in line
    assert "metrics.kpi_catalog" not in line
    assert not serving.exists()


def test_a_warn_does_not_block_publishing(tmp_path: Path) -> None:
    build = make_build_db(tmp_path / "build.duckdb")
    record_build(build, nodes=(("test.memberkpi.assert_quarantine_share_below_warn", "warn"),))

    code, output = invoke_publish(build, tmp_path / "serving.duckdb")

    assert code == 0, output


def dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_publish_removes_the_temporary_file_of_a_killed_publish(tmp_path: Path) -> None:
    serving = tmp_path / "serving" / "memberkpi_serving.duckdb"
    serving.parent.mkdir()
    gone = dead_pid()
    dead = [serving.with_name(f"{serving.name}.tmp-{gone}{end}") for end in ("", ".wal")]
    for leftover in dead:
        leftover.write_bytes(b"half a copy")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = serving.with_name(f"{serving.name}.tmp-{sleeper.pid}")
        alive.write_bytes(b"a publish still writing")

        publish(make_build_db(tmp_path / "build.duckdb"), serving)

        assert leftovers(serving) == [alive.name]  # another live publish's file stays
        assert alive.read_bytes() == b"a publish still writing"
    finally:
        sleeper.kill()
        sleeper.wait()
    assert query(serving, "select count(*) from metrics.kpi_monthly") == [(3,)]


READ_ONLY_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def read_only_command(directory: Path, command: list[str]) -> list[str]:
    """command, run where directory cannot be written: chmod for a user; for
    root (whom permissions do not stop) a read-only bind mount in a private
    user and mount namespace."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        return command
    if shutil.which("unshare") is None:
        pytest.skip("root without unshare: cannot make a read-only directory")
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", READ_ONLY_MOUNT, str(directory), "true"],
        capture_output=True, check=False,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"no user namespaces here: {probe.stderr.decode()[:200]}")
    return ["unshare", "-rm", "sh", "-c", READ_ONLY_MOUNT, str(directory), *command]


def test_an_unwritable_target_is_one_line_and_keeps_the_serving_copy(tmp_path: Path) -> None:
    build = make_build_db(tmp_path / "build.duckdb")
    locked = tmp_path / "locked"
    locked.mkdir()
    serving = locked / "memberkpi_serving.duckdb"
    publish(make_build_db(tmp_path / "old.duckdb", kpi_rows=2), serving)
    before = serving.read_bytes()
    memberkpi = str(Path(sys.executable).with_name("memberkpi"))
    cases = {
        "read-only directory": (locked, serving),
        "a file where the directory should be": (None, tmp_path / "build.duckdb" / "s.duckdb"),
    }
    try:
        for case, (directory, target) in cases.items():
            command = [memberkpi, "publish", "--db", str(build), "--serving", str(target)]
            if directory is not None:
                command = read_only_command(directory, command)
            completed = subprocess.run(
                command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
                env={**os.environ, "COLUMNS": "200"},
            )  # fmt: skip
            output = completed.stdout + completed.stderr
            assert completed.returncode == 1, (case, output)
            assert "Traceback" not in output, (case, output)
            line = refusal(output)
            assert "cannot write" in line and str(target.parent) in line, (case, line)
    finally:
        locked.chmod(0o755)
    assert serving.read_bytes() == before
    assert leftovers(serving) == []


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
def first_build(spec_example_build: Build) -> Build:
    """One build on the example data (tests/conftest.py: built once per
    session); each test copies it before changing it."""
    return spec_example_build


def copy_build(first_build: Build, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the first build: (work dir, raw dir)."""
    work_dir = tmp_path / "dbt"
    work_dir.mkdir()
    shutil.copy2(first_build.db_path, work_dir / "warehouse.duckdb")
    raw_dir = tmp_path / "raw"
    shutil.copytree(first_build.raw_dir, raw_dir)
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


def last_build(db_path: Path) -> tuple[str, str]:
    """(invocation id, status) of the build that started last, from the warehouse."""
    return query(db_path, LAST_BUILD)[0]


@pytest.mark.slow
def test_a_killed_build_is_not_published(first_build: Build, tmp_path: Path) -> None:
    """A3: SIGKILL after the first metrics-layer table is written (what the OOM
    killer sends): publish refuses, the last serving copy stays whole and
    readable; after a clean rebuild publish succeeds."""
    work_dir, raw_dir = copy_build(first_build, tmp_path)
    build_db = work_dir / "warehouse.duckdb"
    serving = tmp_path / "serving" / "memberkpi_serving.duckdb"
    publish(build_db, serving)
    snapshot = query(serving, KPI_MONTHLY)
    assert snapshot == query(build_db, KPI_MONTHLY)
    before = serving.read_bytes()

    assert drop_some_orders(raw_dir) > 0
    build = start_dbt(["build", "--full-refresh", *NO_TESTS], work_dir=work_dir, raw_dir=raw_dir)
    try:
        wait_for_line(
            work_dir / "dbt_output.log", "OK created sql table model metrics.", build, timeout=300
        )
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
    assert build.returncode == -signal.SIGKILL

    killed, status = last_build(build_db)
    assert status == "running"
    code, output = invoke_publish(build_db, serving)
    assert code == 1
    line = refusal(output)
    assert killed in line and "never finished" in line
    assert serving.read_bytes() == before
    assert query(serving, KPI_MONTHLY) == snapshot
    assert leftovers(serving) == []

    result = run_dbt(["build", "--full-refresh", *NO_TESTS], work_dir=work_dir, raw_dir=raw_dir)
    assert result.success, result.output[-4000:]
    rebuilt, status = last_build(build_db)
    assert status == "finished"
    code, output = invoke_publish(build_db, serving)
    assert code == 0, output
    rebuilt_kpis = query(build_db, KPI_MONTHLY)
    assert query(serving, KPI_MONTHLY) == rebuilt_kpis != snapshot
    assert query(serving, "select distinct build_invocation_id from metrics._published") == [
        (rebuilt,)
    ]


@pytest.mark.slow
def test_a_partial_build_leaves_older_metric_tables_unpublished(
    first_build: Build, tmp_path: Path
) -> None:
    """A clean `dbt run` of one metric table: the others are older than the
    last build, and publish says which."""
    work_dir, raw_dir = copy_build(first_build, tmp_path)
    build_db = work_dir / "warehouse.duckdb"
    result = run_dbt(["run", "--select", "kpi_catalog"], work_dir=work_dir, raw_dir=raw_dir)
    assert result.success, result.output[-4000:]
    partial, status = last_build(build_db)
    assert status == "finished"

    code, output = invoke_publish(build_db, tmp_path / "serving.duckdb")

    assert code == 1
    line = refusal(output)
    assert partial in line and "older" in line
    tables = query(
        build_db,
        "select table_name from information_schema.tables "
        "where table_schema = 'metrics' and table_type = 'BASE TABLE' order by table_name",
    )
    older = [f"metrics.{name}" for (name,) in tables if name != "kpi_catalog"]
    assert len(older) > publish_module.SHOWN_NAMES, older
    # the first names (in order), then how many more; never the rebuilt table
    assert ", ".join(older[: publish_module.SHOWN_NAMES]) in line
    assert f"and {len(older) - publish_module.SHOWN_NAMES} more" in line
    assert "metrics.kpi_catalog" not in line


def set_bad_channel(raw_dir: Path, one_in: int) -> int:
    """Give one order in `one_in` a channel code the contract does not know
    (quarantined as a bad code); orders changed."""
    orders = raw_dir / "orders.parquet"
    with duckdb.connect() as connection:
        connection.execute("create table orders as select * from read_parquet(?)", [str(orders)])
        connection.execute(
            f"update orders set channel = 'nowhere' where hash(order_id) % {one_in} = 0"
        )
        (changed,) = connection.execute(
            "select count(*) from orders where channel = 'nowhere'"
        ).fetchone() or (0,)
        connection.execute(f"copy orders to '{orders}' (format parquet)")
    return int(changed)


@pytest.mark.slow
def test_a_warned_build_is_published_and_a_failed_one_is_not(
    first_build: Build, tmp_path: Path
) -> None:
    """About 2% of orders quarantined: the warn-severity share test warns and
    the build still publishes. About 20%: the error test fails, and publish
    names the nodes that dbt itself reports as failed or skipped."""
    work_dir, raw_dir = copy_build(first_build, tmp_path)
    build_db = work_dir / "warehouse.duckdb"
    serving = tmp_path / "serving.duckdb"

    assert set_bad_channel(raw_dir, 50) > 0
    warned = run_dbt(["build"], work_dir=work_dir, raw_dir=raw_dir)
    assert warned.success, warned.output[-4000:]
    assert warned.with_status("warn"), "expected the quarantine share warning"
    code, output = invoke_publish(build_db, serving)
    assert code == 0, output
    published = serving.read_bytes()

    assert set_bad_channel(raw_dir, 5) > 0
    failed = run_dbt(["build"], work_dir=work_dir, raw_dir=raw_dir)
    assert not failed.success
    failed_id, status = last_build(build_db)
    assert status == "failed"
    code, output = invoke_publish(build_db, serving)
    assert code == 1
    line = refusal(output)
    not_passed = failed.with_status("error", "fail", "skipped", "runtime error")
    count = len(not_passed)
    assert failed_id in line and f"failed in {count} node{'' if count == 1 else 's'}:" in line
    for unique_id in not_passed[:5]:
        assert unique_id in line
    assert serving.read_bytes() == published


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
    first_build: Build, tmp_path: Path
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
def test_two_builds_in_a_row_give_the_same_tables(first_build: Build, tmp_path: Path) -> None:
    work_dir, raw_dir = copy_build(first_build, tmp_path)
    build_db = work_dir / "warehouse.duckdb"
    first = table_checksums(build_db)
    assert {"marts.fct_orders", "metrics.kpi_monthly"} <= set(first)

    result = run_dbt(["build", *NO_TESTS], work_dir=work_dir, raw_dir=raw_dir)
    assert result.success, result.output[-4000:]
    second = table_checksums(build_db)

    changed = {name: (first.get(name), second.get(name)) for name in first.keys() | second}
    assert {name: pair for name, pair in changed.items() if pair[0] != pair[1]} == {}
