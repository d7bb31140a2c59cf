"""The benchmark's hand-written reference script (benchmarks/
reference_kpi_monthly.sql): it gives the spec example's expected values, and
equals metrics.kpi_monthly on generated data, so the bench compares a dbt
build with the same work done by hand."""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from benchmarks import bench
from benchmarks.bench import (
    BenchFailed,
    BenchResult,
    Measured,
    layer_seconds,
    layer_table,
    measure,
    node_timings,
    render,
    write_floor_child,
)
from benchmarks.reference import compare, reference_rows, run_reference
from conftest import GENERATED_END
from helpers import FIXTURES, Build, query
from reference_kpis import KPI_NAMES

EXAMPLE = FIXTURES / "spec_example"


def expected_rows() -> list[tuple[date, str, float | None]]:
    with (EXAMPLE / "expected_kpi_monthly.csv").open(encoding="utf-8") as handle:
        return [
            (
                date.fromisoformat(row["month"]),
                row["kpi"],
                float(row["value"]) if row["value"] else None,
            )
            for row in csv.DictReader(handle)
        ]


def test_reference_script_gives_the_spec_example() -> None:
    """All 49 KPIs x the example's 34 (complete) months, to 1e-9 relative."""
    connection = duckdb.connect()
    zone_before = connection.execute("select current_setting('TimeZone')").fetchall()
    elapsed = run_reference(connection, EXAMPLE / "raw", as_of_date=date(2024, 12, 31))
    rows = reference_rows(connection)
    assert elapsed > 0
    assert {kpi for _, kpi, _ in rows} == set(KPI_NAMES)
    assert len({month for month, _, _ in rows}) == 34
    wrong = compare(rows, expected_rows())
    assert not wrong, wrong[:20]
    # the caller's session TimeZone is left as it was
    assert connection.execute("select current_setting('TimeZone')").fetchall() == zone_before
    # running it again in the same connection replaces the result (sums of
    # doubles may differ in the last bits with the threads' order)
    run_reference(connection, EXAMPLE / "raw", as_of_date=date(2024, 12, 31))
    assert not compare(reference_rows(connection), rows, rel_tol=1e-12)


def test_compare_reports_values_nulls_and_missing_rows() -> None:
    month = date(2024, 1, 1)
    reference = [(month, "a", 1.0), (month, "b", None), (month, "c", 2.0), (month, "d", 0.0)]
    warehouse = [(month, "a", 1.0 + 1e-12), (month, "b", 0.0), (month, "d", 0.0)]
    warehouse.append((month, "e", None))
    found = {(mismatch.kpi, mismatch.missing) for mismatch in compare(reference, warehouse)}
    assert found == {("b", None), ("c", "warehouse"), ("e", "reference")}


@pytest.mark.slow
def test_reference_script_equals_kpi_monthly_on_generated_data(
    generated_build: Build,
) -> None:
    # the ops family is not in the hand-written reference (test_ops_kpis checks it)
    warehouse = query(
        generated_build.db_path,
        "select month, kpi, value from metrics.kpi_monthly where family <> 'ops'",
    )

    connection = duckdb.connect()
    run_reference(connection, generated_build.raw_dir, as_of_date=GENERATED_END)
    reference = reference_rows(connection)
    assert len(reference) == len(warehouse) > 0
    wrong = compare(reference, warehouse)
    assert not wrong, (Counter(mismatch.kpi for mismatch in wrong), wrong[:20])


def test_slowest_nodes_are_named_by_their_node_names(tmp_path: Path) -> None:
    """A data test's unique_id ends in a hash; the bench's table names the test."""
    results = [
        ("model.memberkpi.base_raw__orders", 56.2),
        ("test.memberkpi.unique_combination_base_raw__order_items_raw.e0b14a6ba6", 17.3),
        ("unit_test.memberkpi.int_orders_enriched.test_member_order_edges", 0.2),
    ]
    (tmp_path / "run_results.json").write_text(
        json.dumps({"results": [{"unique_id": u, "execution_time": t} for u, t in results]})
    )
    slowest, model_seconds, test_seconds = node_timings(tmp_path)
    assert slowest == [
        ("base_raw__orders", 56.2),
        ("unique_combination_base_raw__order_items_raw", 17.3),
        ("test_member_order_edges", 0.2),
    ]
    assert (model_seconds, test_seconds) == (56.2, 17.5)


def test_layer_seconds_sum_nodes_by_model_folder(tmp_path: Path) -> None:
    """Models count in their models/ folder, data and unit tests together."""
    timed = {
        "seed.memberkpi.channels": (0.5, ["memberkpi", "channels"]),
        "model.memberkpi.base_raw__orders": (56.2, ["memberkpi", "staging", "raw", "x"]),
        "model.memberkpi.stg_raw__orders": (0.3, ["memberkpi", "staging", "raw", "y"]),
        "model.memberkpi.fct_orders": (20.0, ["memberkpi", "marts", "core", "fct_orders"]),
        "model.memberkpi.kpi_monthly": (1.25, ["memberkpi", "metrics", "kpi_monthly"]),
        "test.memberkpi.unique_fct_orders_order_id.0a1b2c": (2.0, None),
        "unit_test.memberkpi.fct_orders.test_edges": (0.75, None),
    }
    (tmp_path / "run_results.json").write_text(
        json.dumps(
            {"results": [{"unique_id": u, "execution_time": s} for u, (s, _) in timed.items()]}
        )
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps({"nodes": {u: {"fqn": fqn} for u, (_, fqn) in timed.items() if fqn}})
    )
    layers = layer_seconds(tmp_path)
    assert layers == {
        "seeds": 0.5,
        "staging": 56.5,
        "intermediate": 0.0,
        "marts": 20.0,
        "metrics": 1.2,  # round(1.25, 1): banker's rounding of the float
        "data tests": 2.8,  # 2.0 + 0.75
    }

    result = BenchResult(
        members=100, years=1, seed=1, last_day="2025-12-31", machine={}, raw_rows={},
        full_build=Measured(90.0, 1.0), incremental_build=Measured(45.0, 1.0),
        reference=Measured(10.0, 1.0), slowest_nodes=[], incremental_slowest_nodes=[],
        dbt_model_seconds=78.0, dbt_test_seconds=2.8, layer_seconds=layers,
        incremental_layer_seconds={**layers, "staging": 28.25},
    )  # fmt: skip
    with bench.console.capture() as captured:
        bench.console.print(layer_table(result))
    staging_row = next(line for line in captured.get().splitlines() if "staging" in line)
    cells = [cell.strip() for cell in staging_row.split("│")[1:-1]]
    assert cells == ["staging", "56.5", "28.2", "50%"]


def test_a_bench_without_incremental_build_reports_no_incremental_ratio() -> None:
    """--no-incremental: the JSON says null for the incremental ratio, the
    table leaves the row out, and full / reference is still computed."""
    result = BenchResult(
        members=10_000_000, years=1, seed=42, last_day="2025-12-31", machine={},
        raw_rows={"orders": 3}, full_build=Measured(seconds=3000.0, peak_rss_mb=15000.0),
        incremental_build=None, reference=Measured(seconds=250.0, peak_rss_mb=9000.0),
        slowest_nodes=[("base_raw__orders", 400.0)], incremental_slowest_nodes=[],
        dbt_model_seconds=4000.0, dbt_test_seconds=900.0, warehouse_gb=41.46,
    )  # fmt: skip
    ratios = result.to_json()["ratios"]
    assert ratios == {
        "full_build_over_reference": 12.0,
        "incremental_over_full_build": None,
        "write_floor_over_reference": None,
        "fixed_cost_over_reference": None,
    }

    with bench.console.capture() as captured:
        render(result)
    printed = captured.get()
    assert "10,000,000 members, 1 year" in printed
    assert "full build / reference = 12.00x" in printed
    assert "warehouse file 41.5 GB" in printed
    assert "incremental" not in printed
    assert "write floor" not in printed
    assert "fixed cost" not in printed


def test_the_fixed_cost_is_reported_against_the_reference() -> None:
    """The build on next to no rows: 27 s against a 9 s reference is 3.00x,
    in the JSON ratios and the ratio line; the table has its row."""
    result = BenchResult(
        members=1_000_000, years=2, seed=42, last_day="2025-12-31", machine={},
        raw_rows={"orders": 3}, full_build=Measured(seconds=225.0, peak_rss_mb=6000.0),
        incremental_build=None, reference=Measured(seconds=9.0, peak_rss_mb=1600.0),
        slowest_nodes=[], incremental_slowest_nodes=[],
        dbt_model_seconds=300.0, dbt_test_seconds=100.0,
        fixed_cost=Measured(seconds=27.0, peak_rss_mb=400.0),
    )  # fmt: skip
    assert result.to_json()["ratios"]["fixed_cost_over_reference"] == 3.0
    with bench.console.capture() as captured:
        render(result)
    printed = captured.get()
    assert f"fixed cost: {bench.FIXED_COST_MEMBERS} members" in printed
    assert "fixed cost / reference = 3.00x" in printed


def test_write_floor_copies_every_raw_table_as_read(tmp_path: Path) -> None:
    """The floor's DuckDB file holds each raw file's rows unchanged (compared
    both ways with the file), one table per file; the bench reports it
    against the reference."""
    raw = tmp_path / "raw"
    raw.mkdir()
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select 'o' || i as order_id, i * 0.01::decimal(18, 2) as paid_amount,"
            f" timestamp '2025-01-01' + to_minutes(i) as paid_at from range(5000) t(i))"
            f" to '{raw / 'orders.parquet'}' (format parquet)"
        )
        connection.execute(
            f"copy (select i % 7 as channel, null::varchar as note from range(300) t(i))"
            f" to '{raw / 'channel_traffic.parquet'}' (format parquet)"
        )
    floor_file = tmp_path / "floor.duckdb"
    write_floor_child(str(raw), str(floor_file), "1GB", str(tmp_path / "spill"))
    with duckdb.connect(str(floor_file), read_only=True) as connection:
        tables = connection.execute("select table_name from duckdb_tables() order by 1").fetchall()
        assert tables == [("channel_traffic",), ("orders",)]
        for name, rows in (("orders", 5000), ("channel_traffic", 300)):
            file = raw / f"{name}.parquet"
            assert connection.execute(f"select count(*) from {name}").fetchall() == [(rows,)]
            for left, right in ((name, f"'{file}'"), (f"'{file}'", name)):
                missing = connection.execute(
                    f"select count(*) from (from {left} except all from {right})"
                ).fetchall()
                assert missing == [(0,)]

    result = BenchResult(
        members=1_000_000, years=2, seed=42, last_day="2025-12-31", machine={},
        raw_rows={"orders": 3}, full_build=Measured(seconds=280.0, peak_rss_mb=6500.0),
        incremental_build=None, reference=Measured(seconds=28.0, peak_rss_mb=4600.0),
        slowest_nodes=[], incremental_slowest_nodes=[], dbt_model_seconds=400.0,
        dbt_test_seconds=90.0, write_floor=Measured(seconds=21.0, peak_rss_mb=900.0),
    )  # fmt: skip
    assert result.to_json()["ratios"]["write_floor_over_reference"] == 0.75
    with bench.console.capture() as captured:
        render(result)
    assert "write floor / reference = 0.75x" in captured.get()


GRANDCHILD = "import time; ballast = b'x' * (300 * 2**20); time.sleep(1.5)"


def test_measure_reports_the_peak_of_the_child_tree_not_of_the_bench(tmp_path: Path) -> None:
    """The bench process's own high-water mark (here 600 MB of ballast, as when
    it generated data in-process) must not show up as the child's peak; a
    grandchild's 300 MB must."""
    ballast = b"x" * (600 * 2**20)
    assert len(ballast) == 600 * 2**20
    del ballast
    env = {"PATH": "/usr/bin:/bin"}
    # a child that lives 0.3 s: one that exits within milliseconds can be gone
    # before the first sample on a loaded machine (its /proc entry a zombie's)
    small_child = "import time; time.sleep(0.3)"
    small = measure([sys.executable, "-c", small_child], env, tmp_path / "small.log")
    assert 0 < small.peak_rss_mb < 100
    spawner = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {GRANDCHILD!r}])"
    tree = measure([sys.executable, "-c", spawner], env, tmp_path / "tree.log")
    assert 300 <= tree.peak_rss_mb < 450
    assert tree.seconds >= 1.5
    with pytest.raises(BenchFailed, match="exit 3"):
        measure([sys.executable, "-c", "raise SystemExit(3)"], env, tmp_path / "fails.log")
