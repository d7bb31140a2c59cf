"""`memberkpi audience export NAME --out FILE.csv`: the members of one
audience of metrics.audience_members, as member_id and reason only.

The audiences are defined once, in models/metrics/activation/audiences.yml,
and built by dbt; this module only reads a built warehouse (read-only) and
writes a CSV that carries no mobile hash, channel customer id or name.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import typer
from rich.console import Console

from memberkpi.core import paths

EXPORT_COLUMNS = ("member_id", "reason")

console = Console()

audience_app = typer.Typer(
    help="Activation audiences (models/metrics/activation/audiences.yml).",
    no_args_is_help=True,
    add_completion=False,
)


class AudienceError(Exception):
    """An export that cannot be made; the message says why."""


def audience_names(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Every audience the build defined (audience_sizes lists empty ones too)."""
    rows = connection.execute(
        "select audience from metrics.audience_sizes"
        " union select audience from metrics.audience_members order by audience"
    ).fetchall()
    return [name for (name,) in rows]


def audience_rows(db_path: Path, name: str) -> list[tuple[str, str]]:
    """(member_id, reason) of audience `name` in the warehouse at db_path, by member_id."""
    if not db_path.exists():
        raise AudienceError(f"no DuckDB file at {db_path}: build or publish first")
    with duckdb.connect(str(db_path), read_only=True) as connection:
        try:
            names = audience_names(connection)
        except duckdb.CatalogException as error:
            raise AudienceError(
                f"{db_path} has no metrics.audience_members or metrics.audience_sizes:"
                " build the audiences first (dbt build)"
            ) from error
        if name not in names:
            known = ", ".join(names) or "none"
            raise AudienceError(f"no audience {name!r}; the audiences are: {known}")
        rows = connection.execute(
            "select member_id, reason from metrics.audience_members"
            " where audience = ? order by member_id",
            [name],
        ).fetchall()
    return [(str(member_id), str(reason)) for member_id, reason in rows]


def is_inside(path: Path, folder: Path) -> bool:
    """Whether path lies in folder (both resolved, symlinks followed)."""
    return path.resolve().is_relative_to(folder.resolve())


def write_audience_csv(rows: list[tuple[str, str]], out: Path) -> None:
    """Write the header member_id,reason and rows to out (UTF-8), whole or not at all."""
    if is_inside(out, paths.raw_dir()):
        raise AudienceError(
            f"{out} is inside the raw folder {paths.raw_dir()} (MEMBERKPI_RAW_DIR):"
            " memberkpi never writes there; choose another --out"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
    partial.replace(out)


@audience_app.command("export")
def export_command(
    name: str = typer.Argument(..., help="The audience's name (audiences.yml)."),
    out: Path = typer.Option(..., "--out", help="CSV file to write: member_id,reason."),
    db: Path | None = typer.Option(
        None,
        help="DuckDB file to read (default: the serving copy if it exists, "
        "else MEMBERKPI_DB or target/memberkpi.duckdb).",
    ),
) -> None:
    """Write the members of audience NAME as of the build's as-of date: member id and reason."""
    try:
        rows = audience_rows(db or paths.metrics_database(), name)
        write_audience_csv(rows, out)
    except AudienceError as error:
        console.print(f"[red]audience export: {error}[/red]")
        raise typer.Exit(code=1) from error
    console.print(f"audience export: {len(rows)} members of {name} -> {out}")
