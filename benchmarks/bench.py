"""The bench: how long the warehouse takes, and against what.

A development tool in benchmarks/, not part of the package users install
(it was `memberkpi bench`). From the project root:

    .venv/bin/python -m benchmarks.bench --members 100000

One run measures, on generated data of a given size (cached per size):

1. a full `dbt build` on the data without the orders of its last day (on all
   of it with --no-incremental, which skips step 2)
   (wall time, peak RSS of the dbt process tree, per-model timings from
   run_results.json, dbt thread time per layer of the project);
2. an incremental `dbt build` after the last day's orders (and their items)
   are appended, as a late export would bring them; both builds have the
   last day as their as-of date;
3. the queries a BI tool sends to `metrics.kpi_monthly` and
   `metrics.mbsc_scorecard` (median and p95 over --runs runs);
4. the reference: one hand-written DuckDB SQL script computing the same
   monthly KPI values straight from the raw files, with no dbt
   (benchmarks/reference_kpi_monthly.sql). Its values must equal
   `metrics.kpi_monthly`, or the bench fails: the ratios compare equal work;
5. the write floor: every raw table copied as read, with no typing or
   checks, into a new DuckDB file. No build that keeps a persisted layer can
   take less; its ratio to the reference says how much of a ratio target is
   spent before any transformation.

It prints a table and the ratios full build / reference and incremental /
full build, and writes them all as JSON.

`--layout drops` (RAW_CONTRACT.md "Daily drops") generates the data as
daily drops (`memberkpi generate --layout drops`, 30 days of drops after
the initial load) and measures:

1. the full build over every drop but the last day's;
2. an incremental `dbt build` after the last day's drop of every table is
   added (whatever the project's models rebuild: the drops reader reads
   every drop again, and each model does what its materialization does);
3. the BI queries, as above;
4. the reference on the current rows of all drops: the snapshot the
   generator writes for the same seed (its drops are split from that
   snapshot, so their current rows are exactly it), an input that does not
   pass through the dbt drops reader; its values must equal
   `metrics.kpi_monthly` of the incremental build;
5. a check build, not timed against anything: a full build of all drops
   into a second warehouse, which must equal the incremental build row for
   row in every table of schemas marts and metrics
   (scripts/compare_builds.py compare_schema), or the bench fails;
6. the write floor over the drop files (every version of every row).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from benchmarks.reference import compare, run_reference
from memberkpi.contract.files import drop_day, raw_table_files
from memberkpi.contract.generator_schema import RAW_TABLES
from memberkpi.core import paths
from memberkpi.core.dbt import dbt_command
from memberkpi.core.sql_text import sql_string
from memberkpi.demo.generate import DEFAULT_END_DATE, GenerateOptions, generate
from scripts.compare_builds import compare_schema

# the folder holding benchmarks/: a child process imports the bench from it
PROJECT_ROOT = Path(__file__).resolve().parents[1]
console = Console()
# the tables a day of new orders touches; the others stay as generated
APPENDED_TABLES = ("orders", "order_items")
LAYOUTS = ("snapshot", "drops")
# the schemas an incremental build of drops must equal a full build in
COMPARED_SCHEMAS = ("marts", "metrics")
# members of the fixed-cost build: enough for every model to have rows, too few to cost
FIXED_COST_MEMBERS = 300
BI_QUERIES: dict[str, str] = {
    "kpi_monthly: one KPI, every month": (
        "select month, value from metrics.kpi_monthly where kpi = 'capital' order by month"
    ),
    "kpi_monthly: every KPI, latest complete month": (
        "select kpi, value from metrics.kpi_monthly where month ="
        " (select max(month) from metrics.kpi_monthly where is_complete_month)"
    ),
    "mbsc_scorecard: latest complete month": (
        "select * from metrics.mbsc_scorecard where month ="
        " (select max(month) from metrics.mbsc_scorecard where is_complete_month)"
    ),
}


class BenchFailed(Exception):
    """A step of the bench failed; the message says which and why."""


@dataclass
class Measured:
    """Wall time and peak resident memory of one child process."""

    seconds: float
    peak_rss_mb: float


@dataclass
class BenchResult:
    """Everything one bench run measured (written as JSON)."""

    members: int
    years: int
    seed: int
    last_day: str
    machine: dict[str, Any]
    raw_rows: dict[str, int]
    full_build: Measured
    incremental_build: Measured | None
    reference: Measured
    slowest_nodes: list[tuple[str, float]]
    incremental_slowest_nodes: list[tuple[str, float]]
    dbt_model_seconds: float
    dbt_test_seconds: float
    warehouse_gb: float = 0.0
    layer_seconds: dict[str, float] = field(default_factory=dict)
    incremental_layer_seconds: dict[str, float] = field(default_factory=dict)
    queries: dict[str, dict[str, float]] = field(default_factory=dict)
    reference_rows: int = 0
    write_floor: Measured | None = None
    layout: str = "snapshot"
    # --layout drops: the full build of all drops the incremental build must equal
    check_build: Measured | None = None
    tables_equal: int = 0  # tables of marts and metrics found equal to it
    # the same build on FIXED_COST_MEMBERS members: what dbt costs whatever the rows
    fixed_cost: Measured | None = None

    @property
    def full_over_reference(self) -> float:
        return self.full_build.seconds / self.reference.seconds

    @property
    def incremental_over_full(self) -> float | None:
        if self.incremental_build is None:
            return None
        return self.incremental_build.seconds / self.full_build.seconds

    @property
    def write_floor_over_reference(self) -> float | None:
        if self.write_floor is None:
            return None
        return self.write_floor.seconds / self.reference.seconds

    @property
    def fixed_cost_over_reference(self) -> float | None:
        if self.fixed_cost is None:
            return None
        return self.fixed_cost.seconds / self.reference.seconds

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        incremental = self.incremental_over_full
        floor = self.write_floor_over_reference
        fixed = self.fixed_cost_over_reference
        data["ratios"] = {
            "full_build_over_reference": round(self.full_over_reference, 3),
            "incremental_over_full_build": None if incremental is None else round(incremental, 3),
            "write_floor_over_reference": None if floor is None else round(floor, 3),
            "fixed_cost_over_reference": None if fixed is None else round(fixed, 3),
        }
        return data


def _memory_kb(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM (kB) from one read of /proc/<pid>/status; zeros once it is gone."""
    fields: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def _descendants(root: int) -> list[int]:
    """root and every live process below it (parents read from /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # the command name (in parentheses) may hold spaces: fields follow the last ")"
        parent = int(text[text.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, frontier = [root], [root]
    while frontier:
        below = children.get(frontier.pop(), [])
        tree.extend(below)
        frontier.extend(below)
    return tree


def measure(command: list[str], env: dict[str, str], log: Path, interval: float = 0.2) -> Measured:
    """Run a command to completion; its wall time and the peak RSS of its process tree.

    The peak is read from /proc while the command runs: the largest of each
    process's own high-water mark (VmHWM, exact) and the sum of the tree's
    resident sets at any sample. getrusage / wait4 cannot give it: Linux
    hands a child, at exec, the high-water mark of the process that spawned
    it, so a bench that had generated data in-process reported its own 20 GB
    for every child."""
    started = time.perf_counter()
    peak_kb = 0
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
        while True:
            readings = [_memory_kb(pid) for pid in _descendants(process.pid)]
            resident = sum(rss for rss, _ in readings)
            high_water = max(hwm for _, hwm in readings)
            peak_kb = max(peak_kb, resident, high_water)
            try:
                process.wait(timeout=interval)
                break
            except subprocess.TimeoutExpired:
                continue
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BenchFailed(f"{' '.join(command[:3])} failed (exit {process.returncode}):\n{tail}")
    return Measured(seconds=round(seconds, 2), peak_rss_mb=round(peak_kb / 1024, 1))


def measure_child(function: str, args: list[str], env: dict[str, str], log: Path) -> Measured:
    """measure() a function of this module run in a new Python process with
    the string arguments args: the memory it takes is its own, not the bench's."""
    call = (
        f"import sys; sys.path.insert(0, {str(PROJECT_ROOT)!r}); "
        f"from benchmarks.bench import {function}; {function}(*sys.argv[1:])"
    )
    return measure([sys.executable, "-c", call, *args], env, log)


def years_text(years: int) -> str:
    return f"{years} year" if years == 1 else f"{years} years"


def cache_dir(members: int, years: int, seed: int) -> Path:
    """Where the generated data of one size are kept between runs."""
    return paths.PROJECT_DIR / "data" / "bench" / f"members_{members}_years_{years}_seed_{seed}"


def cached_data(
    members: int,
    years: int,
    seed: int,
    cache: Path,
    with_base: bool,
    memory_limit: str,
) -> tuple[Path, Path]:
    """The generated raw files (full) and a copy without the last day (base,
    made only `with_base`); the generator's DuckDB gets `memory_limit` and
    spills under the cache."""
    full = cache / "full"
    base = cache / "base"
    if not (full / ".complete").exists():
        shutil.rmtree(full, ignore_errors=True)
        console.print(f"generating {members:,} members, {years_text(years)} -> {full}")
        started = time.perf_counter()
        options = GenerateOptions(
            members=members,
            years=years,
            seed=seed,
            out=full,
            memory_limit=memory_limit,
            temp_dir=cache / "duckdb_tmp",
        )
        generate(options, on_table=lambda table, rows: console.print(f"  {table}: {rows:,} rows"))
        shutil.rmtree(options.temp_dir, ignore_errors=True)
        console.print(f"  generated in {time.perf_counter() - started:.0f} s")
        (full / ".complete").touch()
    if with_base and not (base / ".complete").exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        cut_last_day(full, base, DEFAULT_END_DATE)
        (base / ".complete").touch()
    return full, base


def cut_last_day(full: Path, base: Path, last_day: dt.date) -> None:
    """base = full without the orders placed on last_day (and their items)."""
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select * from read_parquet({sql_string(full / 'orders.parquet')})"
            f" where cast(ordered_at as date) < date '{last_day}')"
            f" to {sql_string(base / 'orders.parquet')} (format parquet)"
        )
        connection.execute(
            "copy (select items.*"
            f" from read_parquet({sql_string(full / 'order_items.parquet')}) as items"
            f" semi join read_parquet({sql_string(base / 'orders.parquet')}) as orders"
            " on items.order_id = orders.order_id)"
            f" to {sql_string(base / 'order_items.parquet')} (format parquet)"
        )
    for source in full.glob("*.parquet"):
        if source.stem not in APPENDED_TABLES:
            (base / source.name).symlink_to(source)


def cached_drops(
    members: int, years: int, seed: int, cache: Path, memory_limit: str
) -> tuple[Path, Path]:
    """The generated data as drops, and the snapshot of the same seed (their
    current rows, for the reference); each generated once per cache."""
    drops = cache / "drops"
    if not (drops / ".complete").exists():
        shutil.rmtree(drops, ignore_errors=True)
        console.print(f"generating {members:,} members, {years_text(years)} as drops -> {drops}")
        started = time.perf_counter()
        options = GenerateOptions(
            members=members,
            years=years,
            seed=seed,
            out=drops,
            layout="drops",
            memory_limit=memory_limit,
            temp_dir=cache / "duckdb_tmp",
        )
        generate(options, on_table=lambda table, rows: console.print(f"  {table}: {rows:,} rows"))
        shutil.rmtree(options.temp_dir, ignore_errors=True)
        console.print(f"  generated in {time.perf_counter() - started:.0f} s")
        (drops / ".complete").touch()
    snapshot, _ = cached_data(members, years, seed, cache, False, memory_limit)
    return drops, snapshot


def last_drop_day(drops: Path) -> str:
    """The latest day that any table's drops hold."""
    days = [drop_day(path) for table in RAW_TABLES for path in raw_table_files(drops, table).drops]
    if not days:
        raise BenchFailed(f"no drop files in {drops}")
    return max(days)


def point_raw_dir_at_drops(raw_dir: Path, drops: Path, before: str | None) -> int:
    """Make raw_dir the drops of `drops` (links to its files), those of days
    before `before` only when given; the drop files linked."""
    shutil.rmtree(raw_dir, ignore_errors=True)
    raw_dir.mkdir(parents=True)
    linked = 0
    for table in RAW_TABLES:
        for path in raw_table_files(drops, table).drops:
            if before is not None and drop_day(path) >= before:
                continue
            target = raw_dir / table / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path.resolve())
            linked += 1
    return linked


def point_raw_dir(raw_dir: Path, source: Path) -> None:
    """Make raw_dir a directory of links to source's parquet files."""
    shutil.rmtree(raw_dir, ignore_errors=True)
    raw_dir.mkdir(parents=True)
    for file in source.glob("*.parquet"):
        (raw_dir / file.name).symlink_to(file.resolve())


def build_command(as_of: dt.date, full_refresh: bool) -> list[str]:
    command = dbt_command(["build", "--vars", f"{{as_of_date: '{as_of}'}}"])
    return command + (["--full-refresh"] if full_refresh else [])


def node_name(unique_id: str) -> str:
    """A node's name: model.p.name -> name; a data test's id ends in a hash, so
    test.p.name.hash -> name."""
    parts = unique_id.split(".")
    return parts[2] if parts[0] == "test" and len(parts) > 3 else parts[-1]


def node_timings(target: Path) -> tuple[list[tuple[str, float]], float, float]:
    """The ten slowest nodes, and the seconds spent in models and in tests."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    timed = [(node_name(r["unique_id"]), round(r["execution_time"], 2)) for r in results]
    models = sum(r["execution_time"] for r in results if r["unique_id"].startswith("model."))
    tests = sum(
        r["execution_time"] for r in results if r["unique_id"].startswith(("test.", "unit_test."))
    )
    return sorted(timed, key=lambda item: -item[1])[:10], round(models, 1), round(tests, 1)


LAYERS = ("seeds", "staging", "intermediate", "marts", "metrics", "data tests")


def layer_seconds(target: Path) -> dict[str, float]:
    """dbt thread seconds of the last run in `target`, per layer of the project.

    A model's layer is its folder under models/ (staging, intermediate,
    marts, metrics); data tests and unit tests count as "data tests",
    whatever they test. Thread time, not wall: two threads overlap.
    """
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    totals = dict.fromkeys(LAYERS, 0.0)
    for result in results:
        unique_id, seconds = result["unique_id"], result["execution_time"]
        kind = unique_id.split(".")[0]
        if kind in {"test", "unit_test"}:
            layer = "data tests"
        elif kind == "seed":
            layer = "seeds"
        else:
            fqn = nodes[unique_id]["fqn"]
            layer = fqn[1] if len(fqn) > 2 else "other"
        totals[layer] = totals.get(layer, 0.0) + seconds
    return {layer: round(seconds, 1) for layer, seconds in totals.items()}


def time_queries(db_path: Path, runs: int) -> dict[str, dict[str, float]]:
    """Median and p95 milliseconds of each BI query on a read-only connection."""
    timings: dict[str, dict[str, float]] = {}
    with duckdb.connect(str(db_path), read_only=True) as connection:
        for name, sql in BI_QUERIES.items():
            connection.execute(sql).fetchall()  # a BI tool's connection is warm
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                connection.execute(sql).fetchall()
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            timings[name] = {
                "p50_ms": round(statistics.median(samples), 2),
                "p95_ms": round(samples[max(0, round(0.95 * len(samples)) - 1)], 2),
            }
    return timings


def reference_child(raw_dir: str, as_of: str, out: str, memory_limit: str) -> None:
    """Run the reference script in this (child) process; write its rows to out."""
    with duckdb.connect(config={"memory_limit": memory_limit}) as connection:
        run_reference(connection, Path(raw_dir), dt.date.fromisoformat(as_of))
        connection.execute(
            f"copy (select * from reference_kpi_monthly) to '{out}' (format parquet)"
        )


def write_floor_child(raw_dir: str, db_file: str, memory_limit: str, temp_dir: str) -> None:
    """Copy every raw parquet file, as read, into a new DuckDB file (one table
    each, then a checkpoint): the write that any persisted build pays at
    least once, with the build's memory settings."""
    config = {
        "memory_limit": memory_limit,
        "temp_directory": temp_dir,
        "preserve_insertion_order": False,
    }
    with duckdb.connect(db_file, config=config) as connection:
        for name, relation in raw_relations(Path(raw_dir)).items():
            connection.execute(f'create table "{name}" as select * from {relation}')
        connection.execute("checkpoint")


def raw_relations(raw_dir: Path) -> dict[str, str]:
    """Each raw table of raw_dir (parquet) as DuckDB reads it as is: its file,
    or the union of its drop files (every version of every row)."""
    relations = {
        file.stem: f"read_parquet({sql_string(file)})" for file in sorted(raw_dir.glob("*.parquet"))
    }
    for folder in sorted(path for path in raw_dir.iterdir() if path.is_dir()):
        files = [str(path) for path in raw_table_files(raw_dir, folder.name).drops]
        if files and folder.name not in relations:
            listed = ", ".join(sql_string(file) for file in files)
            relations[folder.name] = (
                f"read_parquet([{listed}], union_by_name = true, hive_partitioning = false)"
            )
    return relations


def compare_with_warehouse(reference_file: Path, db_path: Path) -> tuple[int, list[str]]:
    """Rows compared and a description of each mismatch (1e-9 relative)."""
    with duckdb.connect() as connection:
        reference = connection.execute(
            f"select month, kpi, value from read_parquet('{reference_file}')"
        ).fetchall()
    with duckdb.connect(str(db_path), read_only=True) as connection:
        warehouse = connection.execute(
            # the ops family is not in the hand-written reference yet (issue 25)
            "select month, kpi, value from metrics.kpi_monthly where family <> 'ops'"
        ).fetchall()
    return len(reference), [str(mismatch) for mismatch in compare(reference, warehouse)]


def raw_row_counts(raw_dir: Path) -> dict[str, int]:
    """Rows per raw table (every drop row of a table given as drops)."""
    with duckdb.connect() as connection:
        return {
            name: connection.execute(f"select count(*) from {relation}").fetchall()[0][0]
            for name, relation in raw_relations(raw_dir).items()
        }


def unequal_tables(left_db: Path, right_db: Path) -> tuple[int, list[str]]:
    """Tables of marts and metrics compared between two warehouses, and a line
    per table that differs (rows unmatched either way, doubles to 9 decimals)
    or exists in one only."""
    compared, differing = 0, []
    for schema in COMPARED_SCHEMAS:
        for table in compare_schema(left_db, right_db, schema, digits=9):
            compared += 1
            if not table.equal:
                differing.append(
                    f"{schema}.{table.name}: {table.base_rows} vs {table.current_rows} rows,"
                    f" {table.unmatched_rows} unmatched"
                )
    return compared, differing


def machine() -> dict[str, Any]:
    memory_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory_kb = int(meminfo.read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def run_bench(
    members: int,
    years: int,
    seed: int,
    runs: int,
    work: Path,
    cache: Path,
    memory_limit: str,
    threads: int,
    incremental: bool = True,
    layout: str = "snapshot",
) -> BenchResult:
    """The whole bench; raises BenchFailed on a failed step or a mismatch.

    Without `incremental`, the full build runs on all the data (last day
    included) and no incremental build is measured: at 10M members the
    second build would take as long again as the first. With layout
    "drops" the data are daily drops (see the module docstring)."""
    if layout not in LAYOUTS:
        raise BenchFailed(f"layout must be one of {LAYOUTS}, not {layout!r}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    raw_dir, target = work / "raw", work / "target"
    db_path = work / "warehouse.duckdb"
    env = build_env(work, raw_dir, db_path, target, memory_limit, threads)

    if layout == "drops":
        drops, reference_dir = cached_drops(members, years, seed, cache, memory_limit)
        last_day = dt.date.fromisoformat(last_drop_day(drops))

        def point_at_base() -> None:
            point_raw_dir_at_drops(raw_dir, drops, str(last_day) if incremental else None)

        def point_at_all() -> None:
            point_raw_dir_at_drops(raw_dir, drops, None)

        what_is_left_out, what_is_added = "the last day's drop", "the last day's drop added"
    else:
        last_day = DEFAULT_END_DATE
        full, base = cached_data(
            members, years, seed, cache, with_base=incremental, memory_limit=memory_limit
        )
        reference_dir = raw_dir

        def point_at_base() -> None:
            point_raw_dir(raw_dir, base if incremental else full)

        def point_at_all() -> None:
            point_raw_dir(raw_dir, full)

        what_is_left_out, what_is_added = (
            "the last day's orders",
            "the last day's orders appended",
        )

    point_at_base()
    console.print("full build" + (f" (without {what_is_left_out})" if incremental else "") + " ...")
    full_build = measure(build_command(last_day, True), env, work / "full_build.log")
    slowest, model_seconds, test_seconds = node_timings(target)
    full_layers = layer_seconds(target)
    warehouse_gb = round(db_path.stat().st_size / 1e9, 2)

    incremental_build: Measured | None = None
    incremental_slowest: list[tuple[str, float]] = []
    incremental_layers: dict[str, float] = {}
    if incremental:
        point_at_all()
        console.print(f"incremental build ({what_is_added}) ...")
        incremental_build = measure(
            build_command(last_day, False), env, work / "incremental_build.log"
        )
        incremental_slowest, _, _ = node_timings(target)
        incremental_layers = layer_seconds(target)

    check_build: Measured | None = None
    tables_equal = 0
    if layout == "drops" and incremental:
        console.print("check build (a full build of all drops) ...")
        check_db = work / "check" / "warehouse.duckdb"
        check_env = build_env(
            work / "check", raw_dir, check_db, work / "check" / "target", memory_limit, threads
        )
        check_build = measure(build_command(last_day, True), check_env, work / "check_build.log")
        compared, differing = unequal_tables(check_db, db_path)
        if differing or not compared:
            raise BenchFailed(
                f"the build after the last drop differs from a full build of all drops in"
                f" {len(differing)} of {compared} tables of {', '.join(COMPARED_SCHEMAS)}:\n"
                + "\n".join(differing[:20])
            )
        tables_equal = compared

    console.print(f"BI queries ({runs} runs each) ...")
    queries = time_queries(db_path, runs)

    console.print("reference script (no dbt) ...")
    reference_file = work / "reference_kpi_monthly.parquet"
    reference = measure_child(
        "reference_child",
        [str(reference_dir), str(last_day), str(reference_file), memory_limit],
        env,
        work / "reference.log",
    )
    compared, mismatches = compare_with_warehouse(reference_file, db_path)
    if mismatches:
        listed = "\n".join(mismatches[:20])
        raise BenchFailed(
            f"the reference differs from metrics.kpi_monthly in {len(mismatches)} of"
            f" {compared} values, so the ratios would not compare equal work:\n{listed}"
        )

    console.print("write floor (the raw tables copied into a DuckDB file, no dbt) ...")
    floor_file = work / "write_floor.duckdb"
    write_floor = measure_child(
        "write_floor_child",
        [str(raw_dir), str(floor_file), memory_limit, str(work / "duckdb_tmp")],
        env,
        work / "write_floor.log",
    )
    floor_file.unlink()

    console.print(f"fixed cost (the same full build on {FIXED_COST_MEMBERS} members) ...")
    fixed_cost = measure_fixed_cost(work / "fixed_cost", years, seed, memory_limit, threads)
    return BenchResult(
        members=members,
        years=years,
        seed=seed,
        last_day=str(last_day),
        machine=machine(),
        raw_rows=raw_row_counts(raw_dir),
        full_build=full_build,
        incremental_build=incremental_build,
        reference=reference,
        slowest_nodes=slowest,
        incremental_slowest_nodes=incremental_slowest,
        dbt_model_seconds=model_seconds,
        dbt_test_seconds=test_seconds,
        warehouse_gb=warehouse_gb,
        layer_seconds=full_layers,
        incremental_layer_seconds=incremental_layers,
        queries=queries,
        reference_rows=compared,
        write_floor=write_floor,
        layout=layout,
        check_build=check_build,
        tables_equal=tables_equal,
        fixed_cost=fixed_cost,
    )


def measure_fixed_cost(
    work: Path, years: int, seed: int, memory_limit: str, threads: int
) -> Measured:
    """A full build of FIXED_COST_MEMBERS generated members (snapshot layout, same
    years and seed): dbt's parse, hooks and per-node work, the Python models'
    start-up and every data test, with next to no rows. Every build pays it, so
    the full build's ratio to the reference cannot fall below this one's."""
    full, _ = cached_data(
        FIXED_COST_MEMBERS,
        years,
        seed,
        cache_dir(FIXED_COST_MEMBERS, years, seed),
        with_base=False,
        memory_limit=memory_limit,
    )
    raw_dir = work / "raw"
    point_raw_dir(raw_dir, full)
    db_path = work / "warehouse.duckdb"
    env = build_env(work, raw_dir, db_path, work / "target", memory_limit, threads)
    return measure(build_command(DEFAULT_END_DATE, True), env, work / "full_build.log")


def build_env(
    work: Path, raw_dir: Path, db_path: Path, target: Path, memory_limit: str, threads: int
) -> dict[str, str]:
    """The environment of a dbt build of raw_dir into db_path, its files under work."""
    env = dict(os.environ)
    env.update(
        MEMBERKPI_RAW_DIR=str(raw_dir),
        MEMBERKPI_DB=str(db_path),
        DBT_TARGET_PATH=str(target),
        DBT_LOG_PATH=str(work / "logs"),
        MEMBERKPI_TEMP_DIR=str(work / "duckdb_tmp"),
        MEMBERKPI_MEMORY_LIMIT=memory_limit,
        MEMBERKPI_THREADS=str(threads),
        DBT_USE_COLORS="false",
    )
    return env


def layer_table(result: BenchResult) -> Table:
    """dbt thread seconds per layer, full build beside incremental build."""
    incremental = result.incremental_layer_seconds
    table = Table(title="dbt thread time by layer (s)")
    table.add_column("layer")
    table.add_column("full build", justify="right")
    if incremental:
        table.add_column("incremental", justify="right")
        table.add_column("incr. / full", justify="right")
    for layer, seconds in result.layer_seconds.items():
        row = [layer, f"{seconds:.1f}"]
        if incremental:
            again = incremental.get(layer, 0.0)
            row += [f"{again:.1f}", f"{again / seconds:.0%}" if seconds else "-"]
        table.add_row(*row)
    return table


def render(result: BenchResult) -> None:
    """The figures as rich tables."""
    summary = Table(
        title=f"memberkpi bench: {result.members:,} members, {years_text(result.years)}"
        + (", daily drops" if result.layout == "drops" else "")
    )
    for column in ("step", "wall s", "peak RSS MB", "note"):
        summary.add_column(column, justify="left" if column in {"step", "note"} else "right")
    summary.add_row(
        "full dbt build", f"{result.full_build.seconds:.1f}",
        f"{result.full_build.peak_rss_mb:,.0f}",
        f"models {result.dbt_model_seconds:.0f} s + tests {result.dbt_test_seconds:.0f} s"
        f" of dbt thread time; warehouse file {result.warehouse_gb:,.1f} GB",
    )  # fmt: skip
    if result.incremental_build is not None and result.incremental_over_full is not None:
        summary.add_row(
            "incremental build (+1 day)", f"{result.incremental_build.seconds:.1f}",
            f"{result.incremental_build.peak_rss_mb:,.0f}",
            f"{result.incremental_over_full:.1%} of the full build",
        )  # fmt: skip
    if result.check_build is not None:
        summary.add_row(
            "check: full build of all drops", f"{result.check_build.seconds:.1f}",
            f"{result.check_build.peak_rss_mb:,.0f}",
            f"equals the incremental build in all {result.tables_equal} tables of"
            f" {' and '.join(COMPARED_SCHEMAS)}",
        )  # fmt: skip
    summary.add_row(
        "reference SQL (no dbt)", f"{result.reference.seconds:.1f}",
        f"{result.reference.peak_rss_mb:,.0f}",
        f"{result.reference_rows:,} KPI values, all equal to kpi_monthly",
    )  # fmt: skip
    if result.write_floor is not None and result.write_floor_over_reference is not None:
        summary.add_row(
            "write floor (no dbt)", f"{result.write_floor.seconds:.1f}",
            f"{result.write_floor.peak_rss_mb:,.0f}",
            "raw tables copied as read into a DuckDB file:"
            f" {result.write_floor_over_reference:.2f}x the reference",
        )  # fmt: skip
    if result.fixed_cost is not None and result.fixed_cost_over_reference is not None:
        summary.add_row(
            f"fixed cost: {FIXED_COST_MEMBERS} members", f"{result.fixed_cost.seconds:.1f}",
            f"{result.fixed_cost.peak_rss_mb:,.0f}",
            "the same full build on next to no rows:"
            f" {result.fixed_cost_over_reference:.2f}x the reference",
        )  # fmt: skip
    console.print(summary)
    ratios = f"full build / reference = [bold]{result.full_over_reference:.2f}x[/]"
    if result.incremental_over_full is not None:
        ratios += f"; incremental / full = [bold]{result.incremental_over_full:.1%}[/]"
    if result.write_floor_over_reference is not None:
        ratios += f"; write floor / reference = [bold]{result.write_floor_over_reference:.2f}x[/]"
    if result.fixed_cost_over_reference is not None:
        ratios += f"; fixed cost / reference = [bold]{result.fixed_cost_over_reference:.2f}x[/]"
    console.print(ratios)
    queries = Table(title="BI queries (warm read-only connection)")
    for column in ("query", "p50 ms", "p95 ms"):
        queries.add_column(column, justify="left" if column == "query" else "right")
    for name, figures in result.queries.items():
        queries.add_row(name, f"{figures['p50_ms']:.1f}", f"{figures['p95_ms']:.1f}")
    console.print(queries)
    if result.layer_seconds:
        console.print(layer_table(result))
    slowest = Table(title="slowest nodes of the full build")
    slowest.add_column("node")
    slowest.add_column("s", justify="right")
    for name, seconds in result.slowest_nodes:
        slowest.add_row(name[:90], f"{seconds:.1f}")
    console.print(slowest)


def bench_command(
    members: int = typer.Option(100_000, min=100, help="Members of the generated data."),
    years: int = typer.Option(2, min=1, max=20, help="Years of history."),
    seed: int = typer.Option(42, help="Seed of the generated data."),
    runs: int = typer.Option(50, min=5, help="Runs of each BI query."),
    memory_limit: str = typer.Option("6GB", help="DuckDB memory_limit for dbt and the reference."),
    threads: int = typer.Option(2, min=1, help="dbt threads."),
    incremental: bool = typer.Option(
        True, help="Also measure the incremental build (--no-incremental: full build only)."
    ),
    layout: str = typer.Option(
        "snapshot",
        help="snapshot: one file per table, the last day's orders appended; drops: daily "
        "drops, the last day's drop added, and a check that the incremental build "
        "equals a full build of all drops.",
    ),
    out: Path | None = typer.Option(
        None, help="JSON file (default: <target>/bench/bench_<members>[_drops].json)."
    ),
) -> None:
    """Measure full and incremental builds, BI queries, and the reference SQL."""
    if layout not in LAYOUTS:
        raise typer.BadParameter(f"--layout must be snapshot or drops, not {layout!r}")
    cache = cache_dir(members, years, seed)
    suffix = "" if layout == "snapshot" else f"_{layout}"
    work = paths.target_dir() / "bench" / f"members_{members}{suffix}"
    try:
        result = run_bench(
            members, years, seed, runs, work, cache, memory_limit, threads, incremental, layout
        )
    except BenchFailed as failure:
        console.print(f"[bold red]bench failed:[/] {failure}")
        raise typer.Exit(code=1) from None
    render(result)
    target = out or paths.target_dir() / "bench" / f"bench_{members}{suffix}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    console.print(f"figures: {target}")


if __name__ == "__main__":
    typer.run(bench_command)
