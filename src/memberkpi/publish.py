"""`memberkpi publish`: hand the metric tables to BI tools in a serving copy.

DuckDB allows one writing process or many reading processes on a file, never
both. A BI tool that keeps the build's file open would block the next build,
and a build that dies half-way would leave half-written tables behind. So BI
tools read a separate serving file instead, and publishing replaces it whole:

1. open the build's DuckDB file read-only (attached to a new, empty file);
2. copy every table of schema `metrics` into `<serving>.tmp-<pid>`, next to
   the serving file, plus `metrics._published` (when, from where, row counts);
3. checkpoint, close and fsync the new file, then `os.replace` it over the
   serving path. In one directory that is an atomic rename: readers see the
   old copy or the new one, never a mix, and a reader that is already open
   keeps reading the old copy until it reconnects.

A build or a publish that fails or is killed before step 3 leaves the last
good serving copy untouched; a left-over temporary file is removed on error.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from memberkpi import paths

SCHEMA = "metrics"
PUBLISHED_TABLE = "_published"
SOURCE_ALIAS = "build_source"

console = Console()


class PublishError(Exception):
    """The build's file cannot be published; the serving copy is untouched."""


@dataclass(frozen=True)
class PublishedTable:
    """One table copied into the serving file."""

    table_name: str
    row_count: int


def quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def temporary_path(serving_path: Path) -> Path:
    """Where this process writes the next serving copy before the rename."""
    return serving_path.with_name(f"{serving_path.name}.tmp-{os.getpid()}")


def metric_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """The base tables of schema `metrics` in the attached build file."""
    rows = connection.execute(
        """
        select table_name
        from information_schema.tables
        where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE'
        order by table_name
        """,
        [SOURCE_ALIAS, SCHEMA],
    ).fetchall()
    return [name for (name,) in rows if name != PUBLISHED_TABLE]


def fsync_path(path: Path) -> None:
    """Flush a file, or a directory entry, to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_quietly(path: Path) -> None:
    """Remove a temporary DuckDB file and its write-ahead log, if any."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError):
            leftover.unlink()


def write_serving_file(db_path: Path, target: Path, published_at: datetime) -> list[PublishedTable]:
    """Copy the metric tables of db_path into the new DuckDB file target."""
    copied: list[PublishedTable] = []
    with duckdb.connect(str(target)) as connection:
        try:
            connection.execute(
                f"attach {duckdb_string(str(db_path))} as {SOURCE_ALIAS} (read_only)"
            )
        except duckdb.Error as error:
            raise PublishError(
                f"cannot open {db_path} read-only (is a build still writing it?): {error}"
            ) from error
        tables = metric_tables(connection)
        if not tables:
            raise PublishError(f"{db_path} has no tables in schema {SCHEMA}: build it first")
        connection.execute(f"create schema {SCHEMA}")
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("publishing", total=len(tables))
            for table in tables:
                progress.update(task, description=f"{SCHEMA}.{table}")
                connection.execute(
                    f"create table {SCHEMA}.{quote(table)} as "
                    f"select * from {SOURCE_ALIAS}.{SCHEMA}.{quote(table)}"
                )
                (count,) = connection.execute(
                    f"select count(*) from {SCHEMA}.{quote(table)}"
                ).fetchone() or (0,)
                copied.append(PublishedTable(table, int(count)))
                progress.advance(task)
        connection.execute(
            f"""
            create table {SCHEMA}.{PUBLISHED_TABLE} (
                published_at timestamptz not null,
                source_db varchar not null,
                table_name varchar not null,
                row_count bigint not null
            )
            """
        )
        connection.executemany(
            f"insert into {SCHEMA}.{PUBLISHED_TABLE} values (?, ?, ?, ?)",
            [[published_at, str(db_path), item.table_name, item.row_count] for item in copied],
        )
        connection.execute(f"detach {SOURCE_ALIAS}")
        connection.execute("checkpoint")
    return copied


def duckdb_string(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"


def publish(db_path: Path, serving_path: Path) -> Path:
    """Copy schema `metrics` of the build file to a new serving copy; its path.

    The copy is written beside serving_path and renamed over it atomically,
    so the previous serving copy stays whole until the new one is complete.
    """
    db_path = Path(db_path).resolve()
    serving_path = Path(serving_path).resolve()
    if not db_path.exists():
        raise PublishError(f"no build file at {db_path}: run the build first")
    if db_path == serving_path:
        raise PublishError("the serving copy must be a different file from the build's")
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    target = temporary_path(serving_path)
    remove_quietly(target)
    published_at = datetime.now(UTC)
    try:
        copied = write_serving_file(db_path, target, published_at)
        fsync_path(target)
        os.replace(target, serving_path)
        fsync_path(serving_path.parent)
    except BaseException:
        remove_quietly(target)
        raise
    rows = sum(item.row_count for item in copied)
    console.print(
        f"published {len(copied)} tables ({rows:,} rows) of schema {SCHEMA} "
        f"from {db_path} to {serving_path}"
    )
    return serving_path


def failed_nodes(run_results: Path) -> list[str]:
    """Nodes that ended in error or fail in a dbt run_results.json, if any."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    return sorted(
        result["unique_id"]
        for result in results
        if result.get("status") in ("error", "fail", "runtime error")
    )


def default_run_results() -> Path:
    """run_results.json of the last dbt invocation in DBT_TARGET_PATH or target/."""
    target = os.environ.get("DBT_TARGET_PATH", str(paths.PROJECT_DIR / "target"))
    return Path(target) / "run_results.json"


def publish_command(
    db: Path | None = typer.Option(
        None, help="Build DuckDB file (default: MEMBERKPI_DB or target/memberkpi.duckdb)."
    ),
    serving: Path | None = typer.Option(
        None,
        help="Serving copy (default: MEMBERKPI_SERVING_DB or "
        "target/serving/memberkpi_serving.duckdb).",
    ),
    force: bool = typer.Option(
        False, help="Publish even when the last dbt run_results.json records failures."
    ),
) -> None:
    """Copy the metric tables of a finished build into the BI serving copy, atomically."""
    failed = [] if force else failed_nodes(default_run_results())
    if failed:
        console.print(
            f"[bold red]publish stopped:[/] the last dbt invocation failed in "
            f"{len(failed)} nodes ({', '.join(failed[:5])}); the serving copy is "
            "untouched (fix the build, or pass --force)"
        )
        raise typer.Exit(code=1)
    try:
        publish(db or paths.database_path(), serving or paths.serving_path())
    except PublishError as failure:
        console.print(f"[bold red]publish stopped:[/] {failure}")
        raise typer.Exit(code=1) from None
