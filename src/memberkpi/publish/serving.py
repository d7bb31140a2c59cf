"""`memberkpi publish`: hand the metric tables to BI tools in a serving copy.

DuckDB allows one writing process or many reading processes on a file, never
both. A BI tool that keeps the build's file open would block the next build,
and a build that dies half-way would leave half-written tables behind. So BI
tools read a separate serving file instead, and publishing replaces it whole:

1. check the build's own record (schema `memberkpi_meta`, written by the
   on-run-start / on-run-end macros of macros/build_records.sql): the last
   build that started must have finished with every node passed, and every
   table of schema `metrics` must have been written by that build.
   Anything else (a build still running or killed, failed nodes, metric
   tables older than the build) is refused with a message naming the build;
2. open the build's DuckDB file read-only (attached to a new, empty file) and
   copy every table of schema `metrics` into `<serving>.tmp-<pid>`, next to
   the serving file, plus `metrics._published` (when, from which file and
   build, row counts);
3. checkpoint, close and fsync the new file, then `os.replace` it over the
   serving path. In one directory that is an atomic rename: readers see the
   old copy or the new one, never a mix, and a reader that is already open
   keeps reading the old copy until it reconnects.

A publish that fails leaves the last good serving copy untouched and removes
its temporary file; the temporary file of a publish that was killed is
removed by the next publish (once its process is gone).
"""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from memberkpi.core import paths
from memberkpi.core.sql_text import sql_identifier, sql_string

SCHEMA = "metrics"
PUBLISHED_TABLE = "_published"
SOURCE_ALIAS = "build_source"
# macros/build_records.sql
META_SCHEMA = "memberkpi_meta"
FINISHED = "finished"
RUNNING = "running"
PASSED_STATUSES = ("success", "pass", "warn", "no-op")
SHOWN_NAMES = 5

console = Console()


class PublishError(Exception):
    """The build's file cannot be published; the serving copy is untouched."""


@dataclass(frozen=True)
class PublishedTable:
    """One table copied into the serving file."""

    table_name: str
    row_count: int


@dataclass(frozen=True)
class BuildRecord:
    """One row of memberkpi_meta.builds: a dbt invocation on the warehouse."""

    invocation_id: str
    dbt_command: str
    started_at: datetime
    build_status: str

    def describe(self) -> str:
        started = self.started_at.astimezone(UTC)
        return (
            f"build {self.invocation_id} "
            f"(dbt {self.dbt_command}, started {started:%Y-%m-%d %H:%M:%S} UTC)"
        )




def first_line(error: BaseException) -> str:
    """The first line of an error's message."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def plural(count: int, noun: str) -> str:
    """`1 node`, `2 nodes`."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def shown(names: list[str]) -> str:
    """Up to SHOWN_NAMES names, comma separated, and how many more."""
    text = ", ".join(names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return text + (f" and {more} more" if more > 0 else "")


# --- the build's record of itself ---------------------------------------------


def metric_tables(connection: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """The base tables of schema `metrics` in `catalog`."""
    rows = connection.execute(
        """
        select table_name
        from information_schema.tables
        where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE'
        order by table_name
        """,
        [catalog, SCHEMA],
    ).fetchall()
    return [name for (name,) in rows if name != PUBLISHED_TABLE]


def has_build_records(connection: duckdb.DuckDBPyConnection, catalog: str) -> bool:
    (count,) = connection.execute(
        """
        select count(*)
        from information_schema.tables
        where table_catalog = ? and table_schema = ?
            and table_name in ('builds', 'build_nodes')
        """,
        [catalog, META_SCHEMA],
    ).fetchone() or (0,)
    return count == 2


def last_build(connection: duckdb.DuckDBPyConnection, catalog: str) -> BuildRecord | None:
    """The build that started last, if the warehouse records any."""
    if not has_build_records(connection, catalog):
        return None
    row = connection.execute(
        f"""
        select invocation_id, dbt_command, started_at, build_status
        from {sql_identifier(catalog)}.{META_SCHEMA}.builds
        order by started_at desc
        limit 1
        """
    ).fetchone()
    return BuildRecord(*row) if row else None


def failed_nodes(
    connection: duckdb.DuckDBPyConnection, catalog: str, build: BuildRecord
) -> list[str]:
    """Nodes of the build that did not pass, as `unique_id (status)`."""
    rows = connection.execute(
        f"""
        select unique_id, node_status
        from {sql_identifier(catalog)}.{META_SCHEMA}.build_nodes
        where invocation_id = ? and not list_contains(?, node_status)
        order by unique_id
        """,
        [build.invocation_id, list(PASSED_STATUSES)],
    ).fetchall()
    return [f"{unique_id} ({status})" for unique_id, status in rows]


def older_metric_tables(
    connection: duckdb.DuckDBPyConnection, catalog: str, build: BuildRecord
) -> list[str]:
    """Tables of schema `metrics` that the build did not write."""
    written = connection.execute(
        f"""
        select relation_name
        from {sql_identifier(catalog)}.{META_SCHEMA}.build_nodes
        where invocation_id = ? and relation_schema = ?
            and list_contains(?, node_status)
        """,
        [build.invocation_id, SCHEMA, list(PASSED_STATUSES)],
    ).fetchall()
    done = {name for (name,) in written}
    return [table for table in metric_tables(connection, catalog) if table not in done]


def publishable_build(
    connection: duckdb.DuckDBPyConnection, catalog: str, db_path: Path
) -> BuildRecord:
    """The last build of the warehouse attached as `catalog` when it may be
    published; else PublishError saying which build and why."""
    if not metric_tables(connection, catalog):
        raise PublishError(f"{db_path} has no tables in schema {SCHEMA}: build it first")
    build = last_build(connection, catalog)
    if build is None:
        raise PublishError(
            f"{db_path} has no build record (schema {META_SCHEMA}): build it with this "
            "version (`memberkpi run` or `dbt build`), then publish"
        )
    if build.build_status == RUNNING:
        raise PublishError(
            f"the last {build.describe()} of {db_path} never finished: it was killed "
            "or is still running; let it finish or build again, then publish"
        )
    if build.build_status != FINISHED:
        failed = failed_nodes(connection, catalog, build)
        raise PublishError(
            f"the last {build.describe()} of {db_path} failed in {plural(len(failed), 'node')}: "
            f"{shown(failed)}; fix them and build again, then publish"
        )
    older = older_metric_tables(connection, catalog, build)
    if older:
        names = [f"{SCHEMA}.{table}" for table in older]
        raise PublishError(
            f"the last {build.describe()} of {db_path} did not write {shown(names)} "
            "(older tables, from an earlier build): run a full build (`memberkpi run` or "
            "`dbt build`) or drop tables no model makes, then publish"
        )
    return build


# --- the serving file ----------------------------------------------------------


def temporary_path(serving_path: Path) -> Path:
    """Where this process writes the next serving copy before the rename."""
    return serving_path.with_name(f"{serving_path.name}.tmp-{os.getpid()}")


def process_alive(pid: int) -> bool:
    """True when a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_quietly(path: Path) -> None:
    """Remove a temporary DuckDB file and its write-ahead log, if any and if it can."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        with suppress(OSError):
            leftover.unlink()


def remove_dead_temporaries(serving_path: Path) -> list[Path]:
    """Remove `<serving>.tmp-<pid>` files left by publishes whose process is gone."""
    removed = []
    prefix = f"{serving_path.name}.tmp-"
    for leftover in serving_path.parent.glob(f"{prefix}*"):
        pid = leftover.name[len(prefix) :].removesuffix(".wal")
        if pid.isdigit() and (int(pid) == os.getpid() or not process_alive(int(pid))):
            remove_quietly(leftover)
            removed.append(leftover)
    return removed


def fsync_path(path: Path) -> None:
    """Flush a file, or a directory entry, to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def attach_build(connection: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Attach the build file read-only as SOURCE_ALIAS."""
    try:
        connection.execute(f"attach {sql_string(str(db_path))} as {SOURCE_ALIAS} (read_only)")
    except duckdb.Error as error:
        raise PublishError(
            f"cannot open {db_path} read-only (is a build still writing it?): {first_line(error)}"
        ) from error


def check_build(db_path: Path) -> BuildRecord:
    """The build that may be published, read through a connection of its own."""
    with duckdb.connect() as connection:
        attach_build(connection, db_path)
        return publishable_build(connection, SOURCE_ALIAS, db_path)


def copy_tables(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> list[PublishedTable]:
    """Copy the metric tables of the attached build into this file."""
    copied: list[PublishedTable] = []
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
                f"create table {SCHEMA}.{sql_identifier(table)} as "
                f"select * from {SOURCE_ALIAS}.{SCHEMA}.{sql_identifier(table)}"
            )
            copy_comments(connection, table)
            (count,) = connection.execute(
                f"select count(*) from {SCHEMA}.{sql_identifier(table)}"
            ).fetchone() or (0,)
            copied.append(PublishedTable(table, int(count)))
            progress.advance(task)
    return copied


def copy_comments(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    """Give the copied table the table and column comments dbt wrote into the
    build (persist_docs), so BI tools show each model's descriptions."""
    qualified = f"{SCHEMA}.{sql_identifier(table)}"
    (table_comment,) = connection.execute(
        "select comment from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [SOURCE_ALIAS, SCHEMA, table],
    ).fetchone() or (None,)
    if table_comment:
        connection.execute(f"comment on table {qualified} is {sql_string(table_comment)}")
    column_comments = connection.execute(
        "select column_name, comment from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? and comment is not null",
        [SOURCE_ALIAS, SCHEMA, table],
    ).fetchall()
    for column, comment in column_comments:
        connection.execute(
            f"comment on column {qualified}.{sql_identifier(column)} is {sql_string(comment)}"
        )


# what metrics._published says of itself, for BI tools (the build's tables
# carry their dbt descriptions)
PUBLISHED_COMMENTS: dict[str, str] = {
    "": "One row per metric table of this copy: when and from which build it was published.",
    "published_at": "When this serving copy was written (UTC).",
    "source_db": "The warehouse file the tables were copied from.",
    "build_invocation_id": "dbt invocation id of the build the tables come from.",
    "build_started_at": "When that build started (UTC).",
    "table_name": "A table of schema metrics in this serving copy.",
    "row_count": "Rows of that table.",
}


def comment_published(connection: duckdb.DuckDBPyConnection) -> None:
    """Table and column comments of metrics._published."""
    qualified = f"{SCHEMA}.{PUBLISHED_TABLE}"
    for column, comment in PUBLISHED_COMMENTS.items():
        target = f"table {qualified}" if not column else f"column {qualified}.{column}"
        connection.execute(f"comment on {target} is {sql_string(comment)}")


def write_published(
    connection: duckdb.DuckDBPyConnection,
    copied: list[PublishedTable],
    db_path: Path,
    build: BuildRecord,
    published_at: datetime,
) -> None:
    """metrics._published: one row per table copied, with its build."""
    connection.execute(
        f"""
        create table {SCHEMA}.{PUBLISHED_TABLE} (
            published_at timestamptz not null,
            source_db varchar not null,
            build_invocation_id varchar not null,
            build_started_at timestamptz not null,
            table_name varchar not null,
            row_count bigint not null
        )
        """
    )
    connection.executemany(
        f"insert into {SCHEMA}.{PUBLISHED_TABLE} values (?, ?, ?, ?, ?, ?)",
        [
            [
                published_at,
                str(db_path),
                build.invocation_id,
                build.started_at,
                item.table_name,
                item.row_count,
            ]
            for item in copied
        ],
    )
    comment_published(connection)


def open_new_file(target: Path) -> duckdb.DuckDBPyConnection:
    """A connection to a new DuckDB file; PublishError when it cannot be written."""
    try:
        return duckdb.connect(str(target))
    except duckdb.IOException as error:
        raise PublishError(f"cannot write in {target.parent}: {first_line(error)}") from error


def write_serving_file(
    db_path: Path, target: Path, build: BuildRecord, published_at: datetime
) -> list[PublishedTable]:
    """Copy the metric tables of db_path's build into the new DuckDB file target."""
    with open_new_file(target) as connection:
        attach_build(connection, db_path)
        # the same build as checked, or a build ran in between: check again
        if publishable_build(connection, SOURCE_ALIAS, db_path) != build:
            raise PublishError(f"{db_path} was rebuilt while publishing: publish again")
        copied = copy_tables(connection, metric_tables(connection, SOURCE_ALIAS))
        write_published(connection, copied, db_path, build, published_at)
        connection.execute(f"detach {SOURCE_ALIAS}")
        connection.execute("checkpoint")
    return copied


def prepare_directory(serving_path: Path) -> None:
    """Create the serving copy's directory and clear dead publishes' leftovers."""
    try:
        serving_path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in remove_dead_temporaries(serving_path):
            console.print(f"removed {leftover.name}, left by a publish that was killed")
    except OSError as error:
        raise PublishError(
            f"cannot write the serving copy in {serving_path.parent}: "
            f"{error.strerror or first_line(error)}"
        ) from error


def publish(db_path: Path, serving_path: Path) -> Path:
    """Copy schema `metrics` of the build file to a new serving copy; its path.

    Refuses (PublishError) unless the build's last invocation finished
    cleanly and wrote every metric table. The copy is written beside
    serving_path and renamed over it atomically, so the previous serving copy
    stays whole until the new one is complete.
    """
    db_path = Path(db_path).resolve()
    serving_path = Path(serving_path).resolve()
    if not db_path.exists():
        raise PublishError(f"no build file at {db_path}: run the build first")
    if db_path == serving_path:
        raise PublishError("the serving copy must be a different file from the build's")
    build = check_build(db_path)
    prepare_directory(serving_path)
    target = temporary_path(serving_path)
    remove_quietly(target)
    try:
        copied = write_serving_file(db_path, target, build, datetime.now(UTC))
        fsync_path(target)
        os.replace(target, serving_path)
        fsync_path(serving_path.parent)
    except OSError as error:
        remove_quietly(target)
        raise PublishError(
            f"cannot write the serving copy {serving_path}: {error.strerror or first_line(error)}"
        ) from error
    except BaseException:
        remove_quietly(target)
        raise
    rows = sum(item.row_count for item in copied)
    console.print(
        f"published {len(copied)} tables ({rows:,} rows) of schema {SCHEMA} from "
        f"{build.describe()} of {db_path} to {serving_path}",
        soft_wrap=True,
    )
    return serving_path


def publish_command(
    db: Path | None = typer.Option(
        None, help="Build DuckDB file (default: MEMBERKPI_DB or target/memberkpi.duckdb)."
    ),
    serving: Path | None = typer.Option(
        None,
        help="Serving copy (default: MEMBERKPI_SERVING_DB, else "
        "<db folder>/<db name>.outputs/<db name>_serving.duckdb).",
    ),
) -> None:
    """Copy the metric tables of a cleanly finished build into the BI serving copy, atomically.

    Refused (exit code 1, the serving copy untouched) when the warehouse's last
    build is still running, was killed or failed, or left metric tables older
    than itself.
    """
    db_path = db or paths.database_path()
    serving_path = serving or paths.warehouse_outputs(db_path).serving
    try:
        publish(db_path, serving_path)
    except PublishError as failure:
        console.print(
            f"[bold red]publish refused:[/] {escape(str(failure))}", soft_wrap=True, highlight=False
        )
        raise typer.Exit(code=1) from None
