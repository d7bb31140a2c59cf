"""Demo raw data: `memberkpi generate`.

Writes the 14 raw tables of the contract (RAW_CONTRACT.md) for a synthetic
mother-and-baby brand with N members over Y years ending on --end-date
(default 2025-12-31, fixed so that outputs do not depend on the day they are
made). Everything is built by DuckDB SQL from `range()` and a hash of
(seed, keys): the same arguments give byte-identical files.

The brand is calibrated, on the default 20,000 members over 2 years, to sit
mostly inside the P25-P75 band of the illustrative mother-and-baby
benchmarks (seeds/kpi_benchmarks.csv) in its last month (18 of 19 with seed
42; cross_field_rate falls just below), with the 4C radar spread around P50
(value / P50: capital share 1.40, near P75; connection 1.03; clv 0.86;
conversion 0.60, near P25); the constants are in clean_tables.py and
`scripts/demo_calibration.py` prints where a built warehouse lands. Members
buy for a while and stop (an exponential buying lifetime), a fifth of the
buyers buy once, a third of members never buy; orders peak at 618 (June
~1.35x a normal month) and Double 11 (November ~1.7x); a third of orders
carry a 5-15% discount, more and deeper (12-28%) in a festival's pre-sale;
touches are delivered ~90%, opened ~36% and clicked ~10% of the delivered;
tiers follow a 365-day spend ladder (silver 600, gold 1,800, platinum 4,500
CNY net): an order that lifts the spend over a threshold upgrades, a year
without an order that qualifies for the tier downgrades; unredeemed points
of a year expire in part at the end of the next.

Problems planted for a manager to find (tests/unit/test_demo_calibration.py
checks each):
- douyin hides the member entry: `exposure_resources.shows_member_entry` is
  true on ~13% of its snapshots, against 60-90% on every other channel.
- the join cohort of the month eight months before the end month (2025-04
  for the default end date), recruited by a free-sample drive, hardly buys
  again: ~4% place a second member order within 90 days of their first,
  against ~30% for other cohorts (`second_purchase_rate_90d` dips four
  months later, `cohort_retention` shows it).
- gold members lapse: 85% of the members who are gold 240 days before the
  end stop buying within 45 days; gold keeps them (a year's grace), so at
  the end ~48% of gold buyers are silent or lapsed, against ~29% of silver
  and ~16% of platinum.

Clean output has the contract's column types. `--dirty` adds known bad rows
of every reject class of docs/quarantine_rules.md plus exact duplicates and
writes `_dirty_manifest.json`; its files hold every column as text (VARCHAR
parquet columns, or CSV), so values that do not parse (`not-a-date`, `abc`)
can be present, as they would be in a brand's export.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from memberkpi.contract.generator_schema import RAW_TABLES, text_select, typed_select
from memberkpi.core import paths
from memberkpi.core.sql_text import sql_string
from memberkpi.demo.clean_tables import Step, plan, session_macros, template_parameters
from memberkpi.demo.dirty import inject
from memberkpi.demo.drops import DEFAULT_DROP_DAYS, write_drops
from memberkpi.demo.window import Window

DEFAULT_END_DATE = date(2025, 12, 31)
MANIFEST_NAME = "_dirty_manifest.json"
FORMATS = ("parquet", "csv")
LAYOUTS = ("snapshot", "drops")
# dictionaries only for short code lists: trying them on ids costs time, saves nothing
PARQUET_OPTIONS = "format parquet, dictionary_size_limit 10000"


@dataclass(frozen=True)
class GenerateOptions:
    """What to generate and where."""

    members: int = 20_000
    years: int = 2
    seed: int = 42
    out: Path = Path("data/raw")
    file_format: str = "parquet"
    dirty: bool = False
    end_date: date = DEFAULT_END_DATE
    # snapshot: one file per table; drops: <table>/ds=YYYY-MM-DD/ folders
    # (memberkpi.demo.drops) whose current rows are the snapshot's
    layout: str = "snapshot"
    drop_days: int = DEFAULT_DROP_DAYS
    # DuckDB's default is 80% of the machine: at 10M members that starved
    # whatever else ran, so the generator takes the build's own settings.
    memory_limit: str = field(default_factory=paths.duckdb_memory_limit)
    temp_dir: Path = field(default_factory=paths.duckdb_temp_dir)


def _connect(memory_limit: str, temp_dir: Path) -> duckdb.DuckDBPyConnection:
    temp_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(
        config={"memory_limit": memory_limit, "temp_directory": str(temp_dir)}
    )
    connection.execute("set threads = 2")
    connection.execute("set preserve_insertion_order = true")
    return connection


def _copy(connection: duckdb.DuckDBPyConnection, query: str, target: Path, file_format: str) -> int:
    options = (
        PARQUET_OPTIONS if file_format == "parquet" else "format csv, header true, delimiter ','"
    )
    # A parallel writer cuts row groups where thread timing falls; one thread
    # writes the same bytes every time (the tables it reads were built with two).
    connection.execute("set threads = 1")
    try:
        result = connection.execute(
            f"copy ({query}) to {sql_string(target)} ({options})"
        ).fetchall()
    finally:
        connection.execute("set threads = 2")
    return int(result[0][0])


def _write_dirty(
    connection: duckdb.DuckDBPyConnection, step: Step, target: Path, file_format: str
) -> tuple[int, dict[str, int]]:
    """The table as text with its bad rows: rows written, and bad rows per class."""
    relation = f"dirty_{step.table}"
    connection.execute(
        f"create or replace table {relation} as {text_select(step.table, step.query)}"
    )
    counts = inject(connection, step.table, relation)
    rows = _copy(connection, f"select * from {relation}", target, file_format)
    connection.execute(f"drop table {relation}")
    return rows, counts


def _clear(out: Path) -> None:
    """Remove this generator's files from a previous run (a stale parquet would win)."""
    for table in RAW_TABLES:
        for suffix in FORMATS:
            (out / f"{table}.{suffix}").unlink(missing_ok=True)
        if (out / table).is_dir():  # the table's drops (--layout drops)
            shutil.rmtree(out / table)
    (out / MANIFEST_NAME).unlink(missing_ok=True)


def generate(
    options: GenerateOptions,
    on_table: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Write the raw tables; returns rows written per table (bad rows included)."""
    if options.file_format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {options.file_format!r}")
    if options.members < 1 or not 1 <= options.years <= 20:
        raise ValueError("members must be >= 1 and years between 1 and 20")
    if options.layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {options.layout!r}")
    if options.layout == "drops" and options.dirty:
        raise ValueError(
            "--dirty writes a snapshot only: its duplicate keys would "
            "supersede each other across drops"
        )
    if options.drop_days < 1:
        raise ValueError("drop_days must be >= 1")
    window = Window(options.end_date, options.years)
    if window.start < date(2001, 1, 1):
        raise ValueError("the data must start after 2000 (--dirty puts rows in 1999)")
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    if options.layout == "drops":
        options.temp_dir.mkdir(parents=True, exist_ok=True)
        snapshot_dir = Path(tempfile.mkdtemp(prefix="snapshot_", dir=options.temp_dir))
        snapshot_format = "parquet"
    else:
        snapshot_dir, snapshot_format = out, options.file_format
    parameters = template_parameters(options.members, window, options.seed)
    connection = _connect(options.memory_limit, options.temp_dir)
    for statement in session_macros(parameters):
        connection.execute(statement)
    written: dict[str, int] = {}
    manifest: dict[str, dict[str, int]] = {}
    waiting: list[Step] = []
    try:
        for step in plan(parameters):
            for statement in step.prepare:
                connection.execute(statement)
            waiting.append(step)
            for ready in [queued for queued in waiting if queued.written_after == step.table]:
                waiting.remove(ready)
                target = snapshot_dir / f"{ready.table}.{snapshot_format}"
                if options.dirty:
                    written[ready.table], manifest[ready.table] = _write_dirty(
                        connection, ready, target, options.file_format
                    )
                else:
                    typed = typed_select(ready.table, ready.query)
                    written[ready.table] = _copy(connection, typed, target, snapshot_format)
                if on_table is not None:
                    on_table(ready.table, written[ready.table])
            for name in step.release:
                connection.execute(f"drop table if exists {name}")
        if options.layout == "drops":
            written = write_drops(
                connection,
                snapshot_dir,
                out,
                options.file_format,
                options.end_date,
                options.drop_days,
            )
    finally:
        connection.close()
        if options.layout == "drops":
            shutil.rmtree(snapshot_dir, ignore_errors=True)
    if options.dirty:
        ordered = {table: manifest[table] for table in RAW_TABLES}
        (out / MANIFEST_NAME).write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
    return written


def _parse_date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as error:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from error


def generate_command(
    members: Annotated[int, typer.Option(min=1, help="Number of members.")] = 20_000,
    years: Annotated[int, typer.Option(min=1, max=20, help="Years of history.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed: same seed, same bytes.")] = 42,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output directory (default: the project's demo folder data/demo/raw; "
            "the files of the generated tables there are replaced)."
        ),
    ] = None,
    file_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    dirty: Annotated[
        bool,
        typer.Option(
            help="Inject known bad rows of every reject class; files hold text columns "
            "and _dirty_manifest.json counts the rows per table and reason."
        ),
    ] = False,
    end_date: Annotated[
        str, typer.Option(help="Last day of the data, YYYY-MM-DD.")
    ] = DEFAULT_END_DATE.isoformat(),
    layout: Annotated[
        str,
        typer.Option(
            help="snapshot: one file per table; drops: daily <table>/ds=YYYY-MM-DD/ "
            "folders with change traffic (late refunds, cancellations, exits, rebinds, "
            "tier changes, deleted rows) whose current rows are the snapshot's."
        ),
    ] = "snapshot",
    drop_days: Annotated[
        int,
        typer.Option(
            min=1,
            help="--layout drops: daily drops after the initial load "
            "(the initial drop is on --end-date minus this many days).",
        ),
    ] = DEFAULT_DROP_DAYS,
) -> None:
    """Generate demo raw data: the 14 tables of the raw contract."""
    if file_format not in FORMATS:
        raise typer.BadParameter(f"--format must be parquet or csv, not {file_format!r}")
    if layout not in LAYOUTS:
        raise typer.BadParameter(f"--layout must be snapshot or drops, not {layout!r}")
    if layout == "drops" and dirty:
        raise typer.BadParameter("--dirty writes the snapshot layout only")
    options = GenerateOptions(
        members=members,
        years=years,
        seed=seed,
        out=out if out is not None else paths.demo_raw_dir(),
        file_format=file_format,
        dirty=dirty,
        end_date=_parse_date(end_date),
        layout=layout,
        drop_days=drop_days,
    )
    console = Console()
    started = time.perf_counter()
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} tables"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("members", total=len(RAW_TABLES))

        def advance(table: str, rows: int) -> None:
            progress.update(task, advance=1, description=f"{table}: {rows:,} rows")

        try:
            written = generate(options, on_table=advance)
        except duckdb.OutOfMemoryException as error:
            console.print(
                f"[bold red]out of memory[/] at memory_limit {options.memory_limit}"
                f" (spilling to {options.temp_dir}): raise MEMBERKPI_MEMORY_LIMIT"
                f" or generate fewer members.\n{str(error).splitlines()[0]}"
            )
            raise typer.Exit(code=1) from None
    what = "rows" if layout == "snapshot" else "drop rows (every version)"
    summary = Table("table", what, title=f"raw tables in {options.out}")
    for table in RAW_TABLES:
        summary.add_row(table, f"{written[table]:,}")
    console.print(summary)
    if dirty:
        console.print(f"bad rows listed in {options.out / MANIFEST_NAME}")
    console.print(f"generated in {time.perf_counter() - started:.1f} s")
