"""Small helpers for tests that build the warehouse with dbt.

Every build runs the project's own `dbt` executable in a subprocess with its
own target, log and DuckDB paths, so tests never share state with each other
or with anyone else running dbt in the project.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from memberkpi.core.sql_text import sql_string

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_DIR = TESTS_DIR.parent
REQUIRED_RAW_TABLES = ("members", "member_bindings", "orders")
QUARANTINE_RULES_DOC = PROJECT_DIR / "docs" / "quarantine_rules.md"
# test data lives in the repository (tests/fixtures/README.md says where it came from)
FIXTURES = PROJECT_DIR / "tests" / "fixtures"
SPEC_EXAMPLE = FIXTURES / "spec_example"
HANDMADE = FIXTURES / "handmade"
# hand-written daily drops of five tables; their current rows are HANDMADE's
DROPS_FIXTURE = FIXTURES / "drops"
DROP_TABLES = ("members", "member_bindings", "orders", "order_items", "tier_changes")


# the project's vars as validate_vars names them in its messages ("valid: ...");
# tests/integration/test_vars.py checks that dbt_project.yml declares exactly these
DECLARED_VARS = (
    "as_of_date, benchmark_industry, business_timezone, clv_calibration_end,"
    " earliest_business_date, enable_python_models, include_demo_targets,"
    " lifecycle_lapsed_after_days,"
    " min_control_members, points_expire_after_years, points_value_cny,"
    " quarantine_error_share, quarantine_warn_share"
)


def kpi_names(family: str | None = None) -> set[str]:
    """The KPIs of metrics.yml (meta is_kpi), of one meta family when given:
    tests count KPIs from here, so that a new KPI needs no count edited."""
    document = yaml.safe_load((PROJECT_DIR / "metrics.yml").read_text(encoding="utf-8"))
    names = set()
    for metric in document["metrics"]:
        meta = (metric.get("config") or {}).get("meta") or {}
        if meta.get("is_kpi") and family in (None, meta.get("family")):
            names.add(metric["name"])
    return names


def fixture_drops_raw(raw_dir: Path) -> Path:
    """The drops fixture beside the handmade fixture's other tables."""
    shutil.copytree(DROPS_FIXTURE, raw_dir, ignore=shutil.ignore_patterns("README.md"))
    for path in HANDMADE.glob("*.csv"):
        if path.stem not in DROP_TABLES:
            shutil.copy(path, raw_dir / path.name)
    return raw_dir


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


# `dbt build` arguments that leave the data and unit tests out: for builds
# whose test reads values, where the shared builds (tests/conftest.py) and
# the build tests already run the data tests on the same SQL
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]

# dbt commands that tests/dbt_parsed_once.py runs with the parse cache
# (`source` for `dbt source freshness`)
PARSED_ONCE_COMMANDS = ("build", "run", "test", "seed", "source")
PARSE_CACHE_ENV = "MEMBERKPI_TEST_PARSE_CACHE"


def dbt_command(command: str) -> list[str]:
    """How to start `dbt <command>`: through tests/dbt_parsed_once.py when
    the session keeps a parse cache (tests/conftest.py), else dbt itself."""
    if command in PARSED_ONCE_COMMANDS and os.environ.get(PARSE_CACHE_ENV):
        return [sys.executable, str(Path(__file__).with_name("dbt_parsed_once.py"))]
    return [str(dbt_executable())]


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
    command = [*dbt_command(args[0]), *args]
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


@dataclass(frozen=True)
class Build:
    """A warehouse that dbt built: the raw files it read and its work dir
    (target, logs and the DuckDB file)."""

    raw_dir: Path
    work_dir: Path

    @property
    def db_path(self) -> Path:
        return self.work_dir / "warehouse.duckdb"

    def manifest(self) -> dict[str, Any]:
        """target/manifest.json, read afresh (a caller may change its copy)."""
        return json.loads((self.work_dir / "target" / "manifest.json").read_text(encoding="utf-8"))


def shared_build(
    store: Path,
    name: str,
    args: Sequence[str],
    *,
    write_raw: Callable[[Path], None],
    dbt_vars: dict[str, Any] | None = None,
) -> Build:
    """`dbt <args>` on the raw files write_raw writes, run once per test
    session however many modules and xdist workers ask for it.

    store is the session's own folder (tests/conftest.py), never a path
    that another pytest run shares. Under an exclusive lock on
    `<name>.lock` the first caller writes the raw files and builds into
    `<name>.building`, renamed to `<name>` when dbt has passed; a caller that
    waited on the lock gets the finished build, or the failure of the build
    it waited for. The raw files stay where the build read them: the
    warehouse's raw views name them. Tests read a shared build and never
    change it (copy it first).
    """
    store.mkdir(parents=True, exist_ok=True)
    raw_dir = store / f"{name}.raw"
    finished = store / name
    failed = store / f"{name}.failed"
    with (store / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if finished.is_dir():
            return Build(raw_dir=raw_dir, work_dir=finished)
        if failed.exists():
            raise AssertionError(failed.read_text(encoding="utf-8"))
        building = store / f"{name}.building"
        # left over by a worker that died while building
        shutil.rmtree(building, ignore_errors=True)
        shutil.rmtree(raw_dir, ignore_errors=True)
        write_raw(raw_dir)
        result = run_dbt(args, work_dir=building, raw_dir=raw_dir, dbt_vars=dbt_vars)
        if not result.success:
            command = " ".join(args)
            message = f"shared build {name} (dbt {command}) failed:\n{result.output[-4000:]}"
            failed.write_text(message, encoding="utf-8")
            raise AssertionError(message)
        building.rename(finished)
    return Build(raw_dir=raw_dir, work_dir=finished)


def copy_required_tables(source_dir: Path, raw_dir: Path) -> None:
    """The required raw tables' CSV files of source_dir, and nothing else."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for table in REQUIRED_RAW_TABLES:
        shutil.copyfile(source_dir / f"{table}.csv", raw_dir / f"{table}.csv")


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


def generate_raw(out: Path, *options: str) -> None:
    """`memberkpi generate <options> --out out` with the project's CLI."""
    memberkpi = Path(sys.executable).with_name("memberkpi")
    command = [str(memberkpi)] if memberkpi.exists() else [sys.executable, "-m", "memberkpi.cli"]
    completed = subprocess.run(
        [*command, "generate", *options, "--out", str(out)],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]


def raw_columns(table: str, *, with_optional: bool = False) -> list[str]:
    """The columns of a raw table in the contract's order
    (models/staging/raw/_raw__sources.yml), for writing raw files by hand:
    the columns every file must have, and with_optional also those a file
    may lack (column meta `optional`)."""
    from memberkpi.contract.raw import load_contract

    spec = load_contract(PROJECT_DIR)[table]
    return [name for name in spec.column_names if with_optional or name not in spec.rules.optional]


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


def metricflow_project(work_dir: Path, raw_dir: Path) -> tuple[Path, dict[str, str]]:
    """A directory where `mf` sees the project and work_dir's build, and the
    environment to run `mf` in there.

    dbt-metricflow 0.15 reads `<cwd>/target/semantic_manifest.json` and ignores
    DBT_TARGET_PATH, so a test build's manifest is only found from a directory
    that looks like the project but whose `target` is the test's own. `mf`
    opens the DuckDB file for writing, which would lock out every other
    process reading a shared build, so it gets a copy of the file of its own.
    A new directory for every call: two tests may query one build at once.
    """
    shadow = Path(tempfile.mkdtemp(prefix="mf_project-", dir=work_dir))
    for entry in PROJECT_DIR.iterdir():
        if entry.name not in {"target", "logs", ".git"}:
            (shadow / entry.name).symlink_to(entry)
    (shadow / "target").symlink_to(work_dir / "target")
    env = dbt_env(shadow, raw_dir)
    shutil.copyfile(work_dir / "warehouse.duckdb", env["MEMBERKPI_DB"])
    return shadow, env


def documented_reject_classes() -> dict[str, set[str]]:
    """Reject classes per raw table, read from the table in docs/quarantine_rules.md.

    A cell that starts with "-" means the class does not apply to the table.
    """
    lines = QUARANTINE_RULES_DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| table |"))
    reasons = [cell.strip().split(" ")[0] for cell in lines[start].strip("|").split("|")][1:]
    found: dict[str, set[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("| "):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        found[cells[0]] = {
            reason
            for reason, cell in zip(reasons, cells[1:], strict=True)
            if not cell.startswith("-")
        }
    return found


def metricflow_mismatches(
    work_dir: Path, raw_dir: Path, metrics: Sequence[str]
) -> tuple[int, list[tuple[str, str, float | None, float | None]]]:
    """Ask `mf query` for every metric by month over the complete months of
    work_dir's build, in one query as a BI tool would; (values compared,
    [(month, metric, kpi_monthly, mf)] where they differ by more than 1e-9
    relative). A month that MetricFlow answers more than once is a mismatch
    of every metric in it (the value column says how many rows came back)."""
    rows = query(
        work_dir / "warehouse.duckdb",
        "select cast(month as varchar), kpi, value from metrics.kpi_monthly"
        " where is_complete_month",
    )
    built = {(month, kpi): value for month, kpi, value in rows}
    months = sorted({month for month, _ in built})
    shadow, env = metricflow_project(work_dir, raw_dir)
    out = shadow / "mf_answers.csv"
    mf = dbt_executable().parent / "mf"
    completed = subprocess.run(
        [str(mf), "query", "--metrics", ",".join(metrics),
         "--group-by", "metric_time__month", "--start-time", months[0],
         "--end-time", months[-1], "--csv", str(out)],
        cwd=shadow, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    answered: dict[str, list[dict[str, str]]] = {}
    with out.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            answered.setdefault(row["metric_time__month"][:10], []).append(row)
    compared = 0
    wrong: list[tuple[str, str, float | None, float | None]] = []
    for month in months:
        month_rows = answered.get(month, [{}])
        for metric in metrics:
            from_table = built[(month, metric)]
            compared += 1
            if len(month_rows) > 1:
                wrong.append((month, metric, from_table, float(len(month_rows))))
                continue
            text = month_rows[0].get(metric, "")
            from_metricflow = float(text) if text else None
            if not values_agree(from_table, from_metricflow):
                wrong.append((month, metric, from_table, from_metricflow))
    return compared, wrong


def values_agree(left: float | None, right: float | None, rel_tol: float = 1e-9) -> bool:
    """Equal to rel_tol relative (1e-12 absolute near zero); NULL equals only NULL."""
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=rel_tol, abs_tol=1e-12)


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
            f"create table {table} as select * "
            f"from read_parquet({sql_string(source_dir / f'{table}.parquet')})"
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
        connection.execute(
            f"copy {table} to {sql_string(raw_dir / f'{table}.parquet')} (format parquet)"
        )
    connection.close()
    return refunded_order


@dataclass
class ExportLosses:
    """Rows a later export no longer has: two orders deleted (with their
    lines), one order refunded above its paid amount (so quarantined as
    bad_amount), the last line of another order, and a member with their
    bindings (their orders stay, as orders of no member)."""

    deleted_old: str
    quarantined_old: str
    deleted_recent: str
    lost_line_order: str
    removed_member: str


def write_export_losses(source_dir: Path, raw_dir: Path, losses: ExportLosses) -> None:
    """Write source_dir's parquet raw files to raw_dir without what `losses` names."""
    deleted = [losses.deleted_old, losses.deleted_recent]
    raw_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    for file in source_dir.glob("*.parquet"):
        connection.execute(
            f"create table {file.stem} as select * from read_parquet({sql_string(file)})"
        )
    connection.execute("delete from orders where order_id in (?, ?)", deleted)
    connection.execute("delete from order_items where order_id in (?, ?)", deleted)
    connection.execute(
        "update orders set refunded_amount = paid_amount + 1 where order_id = ?",
        [losses.quarantined_old],
    )
    connection.execute(
        "delete from order_items where order_id = $1 and line_number ="
        " (select max(line_number) from order_items where order_id = $1)",
        [losses.lost_line_order],
    )
    for table in ("members", "member_bindings"):
        connection.execute(f"delete from {table} where member_id = ?", [losses.removed_member])
    for file in source_dir.glob("*.parquet"):
        connection.execute(
            f"copy {file.stem} to {sql_string(raw_dir / file.name)} (format parquet)"
        )
    connection.close()


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder, by relative path (a folder that must stay unchanged)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
