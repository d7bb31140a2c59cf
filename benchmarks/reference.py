"""The benchmark's yardstick: one hand-written DuckDB SQL script, no dbt.

`reference_kpi_monthly.sql` (beside this module) computes the 49 monthly KPIs of KPI_SPEC.md
straight from a clean raw directory (see the assumptions at the top of the
script). `run_reference` runs it in a DuckDB connection and times it,
`reference_rows` reads its result, and `compare` lists where it disagrees
with `metrics.kpi_monthly` (the bench asserts there is no such place).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

SCRIPT_PATH = Path(__file__).with_name("reference_kpi_monthly.sql")
RESULT_TABLE = "reference_kpi_monthly"

Row = tuple[date, str, float | None]


@dataclass(frozen=True)
class Mismatch:
    """One (month, kpi) where the reference and the warehouse disagree.

    A value of None is SQL NULL; `missing` names the side that has no row at all.
    """

    month: date
    kpi: str
    reference: float | None
    warehouse: float | None
    missing: str | None = None


def reference_script() -> str:
    """The SQL text of the reference script."""
    return SCRIPT_PATH.read_text(encoding="utf-8")


def _statements(script: str) -> list[str]:
    """The script's statements, as DuckDB's own parser splits them."""
    return [statement.query for statement in duckdb.extract_statements(script)]


def run_reference(
    connection: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    as_of_date: date,
    business_timezone: str = "Asia/Shanghai",
) -> float:
    """Run the reference script on raw_dir in connection; elapsed wall seconds.

    The result is the temp table `reference_kpi_monthly(month, kpi, value)` of
    that connection. The script sets the session TimeZone to business_timezone;
    the caller's TimeZone is restored afterwards. The variables `raw_dir`,
    `as_of_date` and `business_timezone` are left set.
    """
    statements = _statements(reference_script())
    previous_zone = connection.execute("select current_setting('TimeZone')").fetchall()[0][0]
    started = time.perf_counter()
    try:
        connection.execute("set variable raw_dir = ?", [str(Path(raw_dir).resolve())])
        connection.execute("set variable as_of_date = cast(? as date)", [as_of_date.isoformat()])
        connection.execute("set variable business_timezone = ?", [business_timezone])
        for statement in statements:
            connection.execute(statement)
        elapsed = time.perf_counter() - started
    finally:
        connection.execute("set TimeZone = ?", [previous_zone])
    return elapsed


def reference_rows(connection: duckdb.DuckDBPyConnection) -> list[Row]:
    """(month, kpi, value) rows of the last `run_reference` in connection, sorted."""
    return [
        (month, kpi, None if value is None else float(value))
        for month, kpi, value in connection.execute(
            f"select month, kpi, value from {RESULT_TABLE} order by month, kpi"
        ).fetchall()
    ]


def agree(left: float | None, right: float | None, rel_tol: float = 1e-9) -> bool:
    """Equal to rel_tol (absolute 1e-12 near zero); NULL equals only NULL."""
    if left is None or right is None:
        return left is None and right is None
    if math.isnan(left) or math.isnan(right):
        return math.isnan(left) and math.isnan(right)
    return math.isclose(left, right, rel_tol=rel_tol, abs_tol=1e-12)


def compare(
    reference: list[Row] | list[tuple[date, str, float | None]],
    warehouse: list[Row] | list[tuple[date, str, float | None]],
    rel_tol: float = 1e-9,
) -> list[Mismatch]:
    """Every (month, kpi) where the two row sets differ, in (month, kpi) order.

    Both sides are (month, kpi, value) rows, e.g. `reference_rows(...)` and
    `select month, kpi, value from metrics.kpi_monthly`. A key present on one
    side only is a mismatch too (`missing` names the side lacking it).
    """
    left = {(month, kpi): value for month, kpi, value in reference}
    right = {(month, kpi): value for month, kpi, value in warehouse}
    found: list[Mismatch] = []
    for key in sorted(left.keys() | right.keys()):
        month, kpi = key
        if key not in right:
            found.append(Mismatch(month, kpi, left[key], None, missing="warehouse"))
        elif key not in left:
            found.append(Mismatch(month, kpi, None, right[key], missing="reference"))
        elif not agree(left[key], right[key], rel_tol):
            found.append(Mismatch(month, kpi, left[key], right[key]))
    return found
