"""Small helpers for tests that build the warehouse with dbt.

Every build runs the project's own `dbt` executable in a subprocess with its
own target, log and DuckDB paths, so tests never share state with each other
or with anyone else running dbt in the project.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
REQUIRED_RAW_TABLES = ("members", "member_bindings", "orders")


@dataclass
class DbtResult:
    """What one dbt invocation did."""

    returncode: int
    output: str
    statuses: dict[str, str]  # unique_id -> status, from run_results.json
    db_path: Path

    @property
    def success(self) -> bool:
        return self.returncode == 0

    def with_status(self, *statuses: str) -> list[str]:
        """Unique ids of the nodes that ended in one of the statuses."""
        return sorted(
            unique_id for unique_id, status in self.statuses.items() if status in statuses
        )


def dbt_executable() -> Path:
    """The dbt next to the running Python (the project's .venv)."""
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return beside_python
    return PROJECT_DIR / ".venv" / "bin" / "dbt"


def dbt_env(work_dir: Path, raw_dir: Path) -> dict[str, str]:
    """Environment pointing dbt at raw_dir and at paths under work_dir (the
    DuckDB file, and for `--target spark` the warehouse and metastore)."""
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DBT_TARGET_PATH=str(work_dir / "target"),
        DBT_LOG_PATH=str(work_dir / "logs"),
        DBT_USE_COLORS="false",
        MEMBERKPI_DB=str(work_dir / "warehouse.duckdb"),
        MEMBERKPI_RAW_DIR=str(raw_dir),
        MEMBERKPI_TEMP_DIR=str(work_dir / "duckdb_tmp"),
        MEMBERKPI_SPARK_DIR=str(work_dir / "spark"),
    )
    return env


def run_dbt(
    args: Sequence[str],
    *,
    work_dir: Path,
    raw_dir: Path,
    dbt_vars: dict[str, Any] | None = None,
    timeout: int = 900,
) -> DbtResult:
    """Run `dbt <args>` on raw_dir; target, logs and DuckDB under work_dir."""
    work_dir.mkdir(parents=True, exist_ok=True)
    run_results = work_dir / "target" / "run_results.json"
    run_results.unlink(missing_ok=True)
    command = [str(dbt_executable()), *args]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    completed = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=dbt_env(work_dir, raw_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    statuses: dict[str, str] = {}
    if run_results.exists():
        for result in json.loads(run_results.read_text())["results"]:
            statuses[result["unique_id"]] = result["status"]
    return DbtResult(
        returncode=completed.returncode,
        output=completed.stdout + completed.stderr,
        statuses=statuses,
        db_path=work_dir / "warehouse.duckdb",
    )


def start_dbt(args: Sequence[str], *, work_dir: Path, raw_dir: Path) -> subprocess.Popen[str]:
    """Start `dbt <args>` in the background, in its own process group.

    Output goes to work_dir/dbt_output.log; kill the whole build with
    `os.killpg(process.pid, signal.SIGKILL)`.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    output = (work_dir / "dbt_output.log").open("w", encoding="utf-8")
    try:
        return subprocess.Popen(
            [str(dbt_executable()), *args],
            cwd=PROJECT_DIR,
            env=dbt_env(work_dir, raw_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    finally:
        output.close()


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query against a built warehouse, opened read-only."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a raw CSV file (header row, comma separated); rows written."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            assert len(row) == len(columns), (path.name, row)
            writer.writerow(["" if value is None else value for value in row])
            count += 1
    return count


# table -> (column a row is known from, columns nulled while in the future)
SNAPSHOT_RULES: dict[str, tuple[str | None, list[str]]] = {
    "members": ("joined_at", ["exited_at"]),
    "member_bindings": ("bound_at", []),
    "orders": ("ordered_at", ["paid_at"]),
    "order_items": (None, []),
    "points_ledger": ("occurred_at", []),
    "tier_changes": ("changed_at", []),
    "channel_traffic": ("traffic_date", []),
    "interactions": ("occurred_at", []),
    "campaigns": ("starts_at", []),
    "campaign_touches": ("touched_at", ["opened_at", "clicked_at"]),
    "service_tickets": ("created_at", ["first_response_at", "resolved_at"]),
    "reviews": ("created_at", []),
    "surveys": ("responded_at", []),
    "exposure_resources": ("snapshot_date", []),
}


def _late_refund_order(connection: duckdb.DuckDBPyConnection, last_day: dt.date) -> str:
    """A bound buyer's paid, unrefunded order paid 20 days before last_day."""
    paid_day = last_day - dt.timedelta(days=20)
    row = connection.execute(
        """
        select orders.order_id
        from orders
        inner join member_bindings
            on orders.channel = member_bindings.channel
            and orders.customer_id = member_bindings.customer_id
        where orders.status = 'paid'
            and orders.refunded_amount = 0
            and cast(orders.paid_at as date) = ?
        order by orders.order_id
        limit 1
        """,
        [paid_day],
    ).fetchone()
    assert row is not None, "no order to refund late in the raw data"
    return row[0]


def write_raw_snapshot(
    source_dir: Path, raw_dir: Path, cut_day: dt.date | None, last_day: dt.date
) -> str:
    """Write the parquet raw files of source_dir (data up to last_day) as
    known on cut_day: rows not known yet are left out and later timestamps
    nulled (SNAPSHOT_RULES). cut_day None: all of them, with one late
    refund: a bound buyer's paid order of 20 days before last_day becomes
    fully refunded. Returns the late-refunded order id."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    for table in SNAPSHOT_RULES:
        connection.execute(
            f"create table {table} as select * from read_parquet('{source_dir / table}.parquet')"
        )
    refunded_order = _late_refund_order(connection, last_day)
    if cut_day is None:
        connection.execute(
            "update orders set status = 'refunded', "
            "refunded_amount = paid_amount where order_id = ?",
            [refunded_order],
        )
    else:
        for table, (known_from, future_columns) in SNAPSHOT_RULES.items():
            if known_from is not None:
                connection.execute(
                    f"delete from {table} where cast({known_from} as date) > ?",
                    [cut_day],
                )
            for column in future_columns:
                connection.execute(
                    f"update {table} set {column} = null where cast({column} as date) > ?",
                    [cut_day],
                )
        connection.execute(
            "delete from order_items where order_id not in (select order_id from orders)"
        )
    for table in SNAPSHOT_RULES:
        connection.execute(f"copy {table} to '{raw_dir / table}.parquet' (format parquet)")
    connection.close()
    return refunded_order
