"""The bench's --layout drops, without dbt: the raw folder of the full build
holds every drop but the last day's, the incremental build gets all of
them, raw rows count every drop row, and the build equality check finds a
table that differs.

A whole bench run builds the warehouse three times (minutes even at a few
hundred members): like the snapshot layout's, it is run by hand
(`python -m benchmarks.bench --layout drops`), not here.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks.bench import (
    last_drop_day,
    point_raw_dir_at_drops,
    raw_relations,
    raw_row_counts,
    unequal_tables,
    write_floor_child,
)
from helpers import FIXTURES

DROPS = FIXTURES / "drops"


def linked_files(raw_dir: Path) -> list[str]:
    return sorted(str(path.relative_to(raw_dir)) for path in raw_dir.rglob("*") if path.is_file())


def test_the_full_build_leaves_out_the_last_days_drop(tmp_path: Path) -> None:
    # the fixture's drops: members 5, member_bindings 4, orders 6, order_items 5,
    # tier_changes 1 = 21 files; only orders has a drop on the last day, 2025-02-10
    assert last_drop_day(DROPS) == "2025-02-10"
    raw_dir = tmp_path / "raw"
    assert point_raw_dir_at_drops(raw_dir, DROPS, "2025-02-10") == 20
    assert "orders/ds=2025-02-10/part-0.csv" not in linked_files(raw_dir)
    assert "orders/ds=2025-01-31/part-0.csv" in linked_files(raw_dir)

    assert point_raw_dir_at_drops(raw_dir, DROPS, None) == 21
    assert "orders/ds=2025-02-10/part-0.csv" in linked_files(raw_dir)
    target = raw_dir / "orders" / "ds=2025-02-10" / "part-0.csv"
    assert target.is_symlink()
    assert target.resolve() == (DROPS / "orders" / "ds=2025-02-10" / "part-0.csv").resolve()


def test_raw_rows_and_the_write_floor_count_every_drop_row(tmp_path: Path) -> None:
    """Parquet drops of orders (two days, one file lacking is_deleted) and a
    snapshot file of members: rows 3 + 2 and 4."""
    raw = tmp_path / "raw"
    for day, rows, deleted in (("2025-01-01", 3, ""), ("2025-01-02", 2, ", false as is_deleted")):
        folder = raw / "orders" / f"ds={day}"
        folder.mkdir(parents=True)
        duckdb.sql(
            f"copy (select 'O' || i as order_id{deleted} from range({rows}) t(i))"
            f" to '{folder / 'data_0.parquet'}' (format parquet)"
        )
    duckdb.sql(
        f"copy (select 'M' || i as member_id from range(4) t(i))"
        f" to '{raw / 'members.parquet'}' (format parquet)"
    )
    assert sorted(raw_relations(raw)) == ["members", "orders"]
    assert raw_row_counts(raw) == {"members": 4, "orders": 5}

    floor = tmp_path / "floor.duckdb"
    write_floor_child(str(raw), str(floor), "1GB", str(tmp_path / "spill"))
    with duckdb.connect(str(floor), read_only=True) as connection:
        assert connection.execute("select count(*) from orders").fetchall() == [(5,)]
        columns = connection.execute("select column_name from (describe orders)").fetchall()
        # the union of the files' columns, without the ds of the folder names
        assert sorted(name for (name,) in columns) == ["is_deleted", "order_id"]


def test_unequal_tables_names_each_table_that_differs(tmp_path: Path) -> None:
    def warehouse(path: Path, amount: float) -> Path:
        with duckdb.connect(str(path)) as connection:
            connection.execute("create schema marts")
            connection.execute("create schema metrics")
            connection.execute("create table marts.fct_x as select * from range(2) t(id)")
            connection.execute(
                f"create table metrics.kpi as select * from (values (1, 10.0), (2, {amount}))"
                " t(id, value)"
            )
        return path

    same = warehouse(tmp_path / "a.duckdb", 20.0)
    assert unequal_tables(same, warehouse(tmp_path / "b.duckdb", 20.0)) == (2, [])
    compared, differing = unequal_tables(same, warehouse(tmp_path / "c.duckdb", 21.0))
    # the row (2, 20.0) is unmatched one way and (2, 21.0) the other: 2
    assert (compared, differing) == (2, ["metrics.kpi: 2 vs 2 rows, 2 unmatched"])
