"""Conformed core: incremental marts equal a full refresh; no PII in marts.

The raw data are the example files of the spec, cut at a day D (rows not
known yet on D are left out, later timestamps nulled) and then given whole,
with one order refunded late: a paid order 20 days old on the last day
becomes fully refunded. The incremental build (D, then D + 1) must give the
same marts as a full refresh on the D + 1 files, row for row.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import pytest

from helpers import (
    SPEC_EXAMPLE,
    ExportLosses,
    query,
    run_dbt,
    write_export_losses,
    write_raw_snapshot,
)

EXAMPLE_RAW = SPEC_EXAMPLE / "raw"
LAST_DAY = dt.date(2024, 12, 31)
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
MARTS = ["build", "--select", "+tag:marts", *NO_TESTS]
# the data are cut on these days for the first of two builds
CUT_DAYS = (LAST_DAY - dt.timedelta(days=1), dt.date(2024, 11, 30))  # day before last first
CUT_DAY_IDS = ("day_before_last", "month_end_before_last_month")



def write_raw(raw_dir: Path, cut_day: dt.date | None) -> str:
    """Write the example raw files as known on cut_day (None: all of them,
    with the late refund); returns the late-refunded order id."""
    return write_raw_snapshot(EXAMPLE_RAW, raw_dir, cut_day, LAST_DAY)


def mart_tables(db_path: Path) -> list[str]:
    rows = query(
        db_path,
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' order by table_name",
    )
    return [row[0] for row in rows]


def differing_rows(full_db: Path, incremental_db: Path) -> dict[str, int]:
    """Per mart table: rows in one build and not in the other (EXCEPT ALL
    both ways); tables that are equal are left out."""
    connection = duckdb.connect()
    connection.execute(f"attach '{full_db}' as full_build (read_only)")
    connection.execute(f"attach '{incremental_db}' as inc_build (read_only)")
    differences = {}
    for table in mart_tables(full_db):
        full_table = f"full_build.marts.{table}"
        inc_table = f"inc_build.marts.{table}"
        count = 0
        for left, right in ((full_table, inc_table), (inc_table, full_table)):
            count += connection.execute(
                f"select count(*) from (select * from {left} except all select * from {right})"
            ).fetchone()[0]
        if count:
            differences[table] = count
    connection.close()
    return differences


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A full refresh of the marts on the complete (late-refunded) data; the
    late-refunded order's id."""
    root = tmp_path_factory.mktemp("core_full")
    raw_dir = root / "raw"
    refunded_order = write_raw(raw_dir, None)
    result = run_dbt(MARTS, work_dir=root / "dbt", raw_dir=raw_dir)
    assert result.success, result.output[-3000:]
    return {"raw_dir": raw_dir, "db": result.db_path, "refunded_order": refunded_order}


@pytest.fixture(scope="module")
def first_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[dt.date, Path]:
    """The marts built on the data known at each cut day, made once: the
    tests copy the warehouse file and build incrementally on top of it."""
    built: dict[dt.date, Path] = {}
    for cut_day in CUT_DAYS:
        root = tmp_path_factory.mktemp(f"core_cut_{cut_day:%Y%m%d}")
        write_raw(root / "raw_cut", cut_day)
        first = run_dbt(MARTS, work_dir=root / "dbt", raw_dir=root / "raw_cut")
        assert first.success, first.output[-3000:]
        built[cut_day] = first.db_path
    return built


def build_incrementally(
    first_build: Path, work_dir: Path, full_raw_dir: Path, lookback_days: int
) -> Path:
    """Build incrementally on all the data, on a copy of a first build."""
    work_dir.mkdir(parents=True)
    for path in (first_build, first_build.with_name(first_build.name + ".wal")):
        if path.exists():
            shutil.copyfile(path, work_dir / path.name)
    second = run_dbt(
        MARTS,
        work_dir=work_dir,
        raw_dir=full_raw_dir,
        dbt_vars={"incremental_lookback_days": lookback_days},
    )
    assert second.success, second.output[-3000:]
    return second.db_path


@pytest.mark.slow
@pytest.mark.parametrize("cut_day", CUT_DAYS, ids=CUT_DAY_IDS)
def test_incremental_equals_full_refresh(
    full_build: dict[str, Any],
    first_builds: dict[dt.date, Path],
    tmp_path: Path,
    cut_day: dt.date,
) -> None:
    incremental_db = build_incrementally(
        first_builds[cut_day], tmp_path / "dbt", full_build["raw_dir"], lookback_days=45
    )
    tables = mart_tables(full_build["db"])
    assert {"fct_orders", "fct_order_items", "fct_member_monthly"} <= set(tables)
    assert differing_rows(full_build["db"], incremental_db) == {}


@pytest.mark.slow
def test_incremental_without_lookback_misses_the_late_refund(
    full_build: dict[str, Any], first_builds: dict[dt.date, Path], tmp_path: Path
) -> None:
    """Negative control: with no look-back the 20-day-old refund is not
    picked up, so the comparison above can fail."""
    day_before_last = CUT_DAYS[0]
    incremental_db = build_incrementally(
        first_builds[day_before_last], tmp_path / "dbt", full_build["raw_dir"], lookback_days=0
    )
    assert "fct_orders" in differing_rows(full_build["db"], incremental_db)
    stale = query(
        incremental_db,
        f"select is_valid from marts.fct_orders where order_id = '{full_build['refunded_order']}'",
    )
    assert stale == [(True,)]


def write_raw_with_rows_gone(source_dir: Path, raw_dir: Path, db_path: Path) -> dict[str, str]:
    """source_dir's raw files as a later export that lost rows
    (helpers.write_export_losses), the orders picked from the marts of a
    build on source_dir (db_path): an old member order that is the member's
    third or later (so the first-order columns stay) is deleted, another is
    quarantined, a recent order is deleted, an old order of two or more
    lines loses one, and a member with orders older than the look-back is
    removed. Returns the picked ids."""
    old = LAST_DAY - dt.timedelta(days=90)
    recent = LAST_DAY - dt.timedelta(days=10)
    picked_old = query(
        db_path,
        "select order_id from marts.fct_orders where is_member_order"
        f" and member_order_number >= 3 and order_date < date '{old}'"
        " order by member_id, order_id",
    )
    losses = ExportLosses(
        deleted_old=picked_old[0][0],
        quarantined_old=picked_old[-1][0],
        deleted_recent=query(
            db_path,
            f"select min(order_id) from marts.fct_orders where order_date >= date '{recent}'",
        )[0][0],
        lost_line_order="",
        removed_member="",
    )
    losses.removed_member = query(
        db_path,
        "select min(member_id) from marts.fct_orders"
        f" where is_member_order and order_date < date '{old}' and member_id not in"
        " (select member_id from marts.fct_orders"
        f" where order_id in ('{losses.deleted_old}', '{losses.quarantined_old}'))",
    )[0][0]
    losses.lost_line_order = query(
        db_path,
        "select order_id from marts.fct_order_items"
        f" where order_date < date '{old}'"
        f" and order_id not in ('{losses.deleted_old}', '{losses.quarantined_old}')"
        " group by order_id having count(*) >= 2 order by order_id limit 1",
    )[0][0]
    write_export_losses(source_dir, raw_dir, losses)
    return asdict(losses)


@pytest.mark.slow
def test_incremental_drops_orders_and_lines_gone_from_the_export(
    full_build: dict[str, Any], tmp_path: Path
) -> None:
    """Orders deleted from the export or newly quarantined, inside or outside
    the look-back, a line gone from an old order and a member removed leave
    the incremental facts as they leave a full refresh: the members' other
    orders are renumbered, their member-months recounted, and the removed
    member's orders become orders of no member."""
    raw_dir = tmp_path / "raw_gone"
    gone = write_raw_with_rows_gone(full_build["raw_dir"], raw_dir, full_build["db"])
    refreshed = run_dbt(MARTS, work_dir=tmp_path / "full", raw_dir=raw_dir)
    assert refreshed.success, refreshed.output[-3000:]
    incremental_db = build_incrementally(full_build["db"], tmp_path / "dbt", raw_dir, 45)

    gone_orders = [gone["deleted_old"], gone["quarantined_old"], gone["deleted_recent"]]
    listed = ", ".join(f"'{order_id}'" for order_id in gone_orders)
    gone_order_rows = f"select count(*) from marts.fct_orders where order_id in ({listed})"
    assert query(full_build["db"], gone_order_rows) == [(3,)]
    assert query(incremental_db, gone_order_rows) == [(0,)]
    lost_line_order = gone["lost_line_order"]
    lines = f"select count(*) from marts.fct_order_items where order_id = '{lost_line_order}'"
    assert query(incremental_db, lines)[0][0] == query(full_build["db"], lines)[0][0] - 1
    removed = gone["removed_member"]
    member_rows = (
        f"select (select count(*) from marts.fct_orders where member_id = '{removed}'),"
        f" (select count(*) from marts.fct_member_monthly where member_id = '{removed}')"
    )
    assert min(query(full_build["db"], member_rows)[0]) > 0
    assert query(incremental_db, member_rows) == [(0, 0)]
    assert differing_rows(refreshed.db_path, incremental_db) == {}


def pii_leaks(db_path: Path, raw_dir: Path) -> list[str]:
    """Columns of marts and metrics tables holding a raw mobile hash or
    channel customer id of raw_dir, whole or inside a longer value."""
    connection = duckdb.connect()
    connection.execute(f"attach '{db_path}' as warehouse (read_only)")
    connection.execute(
        f"""
        create table pii as
        select distinct pii_value from (
            select mobile_hash as pii_value
            from read_parquet('{raw_dir}/members.parquet')
            union all
            select mobile_hash from read_parquet('{raw_dir}/orders.parquet')
            union all
            select customer_id from read_parquet('{raw_dir}/orders.parquet')
            union all
            select customer_id
            from read_parquet('{raw_dir}/member_bindings.parquet')
        )
        where pii_value is not null
        """
    )
    assert connection.execute("select count(*) from pii").fetchone()[0] > 100
    columns = connection.execute(
        """
        select table_schema, table_name, column_name
        from information_schema.columns
        where table_catalog = 'warehouse'
            and table_schema in ('marts', 'metrics')
        order by all
        """
    ).fetchall()
    assert {schema for schema, _, _ in columns} == {"marts", "metrics"}
    leaks = []
    for schema, table, column in columns:
        found = connection.execute(
            f"""
            select count(*)
            from (
                select distinct cast("{column}" as varchar) as cell
                from warehouse.{schema}.{table}
            ) as cells
            inner join pii
                on contains(cells.cell, pii.pii_value)
            """
        ).fetchone()[0]
        if found:
            leaks.append(f"{schema}.{table}.{column}: {found}")
    connection.close()
    return leaks


@pytest.mark.slow
def test_no_pii_in_marts_and_metrics(tmp_path: Path) -> None:
    """No column of any marts or metrics table holds a raw mobile hash or
    channel customer id, whole or inside a longer value."""
    raw_dir = tmp_path / "raw"
    write_raw(raw_dir, None)
    result = run_dbt(["build", *NO_TESTS], work_dir=tmp_path / "dbt", raw_dir=raw_dir)
    assert result.db_path.exists(), result.output[-3000:]
    assert pii_leaks(result.db_path, raw_dir) == []
    assert result.success, result.output[-3000:]


def test_pii_scan_finds_a_planted_value(tmp_path: Path) -> None:
    """The scan itself: a customer id hidden inside a longer marts value
    and a mobile hash in a metrics table are both reported."""
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    connection = duckdb.connect()
    connection.execute(
        f"copy (select 'm1' as mobile_hash) to '{raw_dir}/members.parquet' (format parquet)"
    )
    connection.execute(
        "copy (select 'cust0000001' as customer_id, "
        "cast(null as varchar) as mobile_hash from range(101)) "
        f"to '{raw_dir}/orders.parquet' (format parquet)"
    )
    connection.execute(
        "copy (select 'cust' || lpad(cast(range as varchar), 7, '0') "
        "as customer_id from range(2, 200)) "
        f"to '{raw_dir}/member_bindings.parquet' (format parquet)"
    )
    connection.close()
    db_path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db_path)) as warehouse:
        warehouse.execute("create schema marts")
        warehouse.execute("create schema metrics")
        warehouse.execute(
            "create table marts.t as select 'account:jd:cust0000001' as person_key, 1 as n"
        )
        warehouse.execute("create table metrics.k as select 'm1' as label")
    assert pii_leaks(db_path, raw_dir) == [
        "marts.t.person_key: 1",
        "metrics.k.label: 1",
    ]
