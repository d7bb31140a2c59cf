"""tests/spark_windows.py: Spark's single-partition window warnings read from
a log and attributed to the dbt nodes running at their second."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from spark_windows import (
    attribute_warnings,
    has_single_partition_window,
    warning_times,
    window_sources,
)

WARNING = (
    "WARN WindowExec: No Partition Defined for Window operation! Moving all data to a"
    " single partition, this can cause serious performance degradation."
)


def test_windows_without_partition_by_are_found_in_sql() -> None:
    assert has_single_partition_window("select lag(x) over (order by report_month) from t")
    assert has_single_partition_window("select max(month) over () from t")
    # nested parentheses inside the clause; the second window lacks the partition
    assert has_single_partition_window(
        "select sum(a) over (partition by f(b, c) order by d),"
        " dense_rank() over (order by coalesce(e, 'x')) from t"
    )
    assert not has_single_partition_window(
        "select row_number() over (\n  PARTITION  BY member_id order by d) from t"
    )
    assert not has_single_partition_window("select 1 as over_limit from t")


def test_warning_times_are_read_after_a_progress_bar() -> None:
    log = (
        f"26/12/05 04:29:34 {WARNING}\n"
        f"[Stage 2:>   (0 + 1) / 1]26/12/05 04:29:35 {WARNING}\n"
        "26/12/05 04:29:36 WARN SparkSession: Using an existing Spark session\n"
    )
    assert warning_times(log) == [
        dt.datetime(2026, 12, 5, 4, 29, 34),
        dt.datetime(2026, 12, 5, 4, 29, 35),
    ]


def node(name: str, sql: str, materialized: str, parents: list[str]) -> dict:
    return {
        "name": name,
        "compiled_code": sql,
        "config": {"materialized": materialized},
        "depends_on": {"nodes": parents},
    }


MANIFEST = {
    "nodes": {
        # a view with a month-grid window, read by a table and tested
        "model.p.month_view": node(
            "month_view", "select lag(v) over (order by m) from g", "view", []
        ),
        "model.p.kpi_table": node(
            "kpi_table", "select * from month_view", "table", ["model.p.month_view"]
        ),
        "test.p.not_null_month_view": node(
            "not_null_month_view",
            "select * from month_view where m is null",
            "test",
            ["model.p.month_view"],
        ),
        # a table partitioned by member: no single partition
        "model.p.member_table": node(
            "member_table",
            "select row_number() over (partition by member_id order by d) from o",
            "table",
            [],
        ),
        # a table whose single-partition window reads every order
        "model.p.order_table": node(
            "order_table", "select row_number() over (order by order_id) from o", "table", []
        ),
        # a table reading a table with such a window: the window is not run again
        "model.p.after_orders": node(
            "after_orders", "select * from order_table", "table", ["model.p.order_table"]
        ),
    },
    "unit_tests": {
        "unit_test.p.order_table.t": {"depends_on": {"nodes": ["model.p.order_table"]}},
    },
}


def test_window_sources_follow_views_and_unit_tests_only() -> None:
    sources = window_sources(MANIFEST)
    assert sources["model.p.kpi_table"] == {"month_view"}
    assert sources["test.p.not_null_month_view"] == {"month_view"}
    assert sources["model.p.member_table"] == set()
    assert sources["model.p.after_orders"] == set()
    assert sources["unit_test.p.order_table.t"] == {"order_table"}


def utc_second(second: int) -> dt.datetime:
    return dt.datetime(2026, 12, 5, 4, 30, second, tzinfo=dt.UTC)


def utc(second: int, micro: int = 0) -> str:
    return f"2026-12-05T04:30:{second:02d}.{micro:06d}Z"


def test_each_warning_is_attributed_to_the_windowed_node_running_at_its_second(
    tmp_path: Path,
) -> None:
    run_results = {
        "results": [
            # 04:30:01.5-04:30:03.2 kpi_table; 04:30:02-04:30:09 member_table beside it
            {
                "unique_id": "model.p.kpi_table",
                "timing": [
                    {
                        "name": "compile",
                        "started_at": utc(1, 500000),
                        "completed_at": utc(1, 600000),
                    },
                    {
                        "name": "execute",
                        "started_at": utc(1, 600000),
                        "completed_at": utc(3, 200000),
                    },
                ],
            },
            {
                "unique_id": "model.p.member_table",
                "timing": [
                    {"name": "execute", "started_at": utc(2), "completed_at": utc(9)},
                ],
            },
            # 04:30:10-04:30:12 order_table
            {
                "unique_id": "model.p.order_table",
                "timing": [
                    {"name": "execute", "started_at": utc(10), "completed_at": utc(12)},
                ],
            },
        ]
    }
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST))
    (tmp_path / "run_results.json").write_text(json.dumps(run_results))
    # Spark logs in local time, run_results.json in UTC
    local = {second: utc_second(second).astimezone() for second in (1, 3, 7, 11)}
    log = "\n".join(f"{stamp:%y/%m/%d %H:%M:%S} {WARNING}" for stamp in local.values())
    found = attribute_warnings(log, tmp_path, allowed={"month_view"})
    # 04:30:01 and :03 fall in kpi_table (month_view); :07 only in member_table,
    # whose window is partitioned; :11 in order_table, not allowed
    assert found.by_source == {"month_view": 2, "order_table": 1}
    assert found.unattributed == [f"{local[7]:%H:%M:%S}: running ['model.p.member_table']"]
    assert len(found.not_allowed) == 1 and "['order_table']" in found.not_allowed[0]
    assert found.total == 4
