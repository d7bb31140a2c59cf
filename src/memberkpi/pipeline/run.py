"""`memberkpi run` and `memberkpi demo`: from raw exports to a dashboard.

`run` works on a brand's raw directory (MEMBERKPI_RAW_DIR), which it only
reads: required raw tables present and holding rows -> validate the raw
contract (Great Expectations) -> dbt build -> dbt docs generate -> publish
the metric tables -> dashboard. It never writes in the raw directory and
never generates data: a required table that is missing or has no data rows
stops it before anything is built.

`demo` generates demo data into the project's own demo folder
(`paths.demo_raw_dir()`), then runs the same steps on its own demo warehouse
(`paths.demo_database_path()`), whatever MEMBERKPI_RAW_DIR and MEMBERKPI_DB say.

Every output goes where `paths.warehouse_outputs` puts it for the warehouse
built, so two warehouses built from one checkout never share one.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from memberkpi.contract.files import (
    DROP_FOLDER_GLOB,
    drop_files_text,
    raw_table_files,
    reader_sql,
)
from memberkpi.contract.raw import load_contract
from memberkpi.core import paths
from memberkpi.core.dbt import dbt_command
from memberkpi.dashboard.render import DashboardError, render_dashboard
from memberkpi.demo.generate import GenerateOptions, generate
from memberkpi.publish.serving import PublishError, publish
from memberkpi.quality.validate import ProgressLines, render_report, validate_raw_dir

console = Console()
STEPS = 6
# the demo's builds also read the demo brand's targets (seed kpi_targets_demo);
# a brand's run never does (dbt_project.yml, var include_demo_targets)
DEMO_DBT_VARS: dict[str, object] = {"include_demo_targets": True}


class StepFailed(Exception):
    """A step of the main job failed; its message says which and why."""


def step(number: int, title: str) -> None:
    console.print(Rule(f"{number}/{STEPS} {title}"))


# --- 1. the required raw tables ---------------------------------------------------


def required_tables(project_dir: Path = paths.PROJECT_DIR) -> list[str]:
    """The raw tables the contract marks `meta.required` (_raw__sources.yml)."""
    return [name for name, spec in load_contract(project_dir).items() if spec.required]


def has_data_row(connection: duckdb.DuckDBPyConnection, path: Path) -> bool | None:
    """Whether a raw file holds at least one data row, read as dbt reads it
    (None: it does not read; the raw contract check then says why)."""
    sql = f"select count(*) from (select 1 from {reader_sql(path)} limit 1)"
    try:
        (count,) = connection.execute(sql).fetchone() or (0,)
    except duckdb.Error:
        return None
    return count > 0


def required_table_problem(
    connection: duckdb.DuckDBPyConnection, raw_dir: Path, table: str
) -> str | None:
    """Why a required table cannot be built on, in one line; None when it can.

    A table given as daily drops is fine when one of its drop files holds a
    data row (the build reads their union)."""
    found = raw_table_files(raw_dir, table)
    if not found.present:
        drops = f"{found.drops_folder}/{DROP_FOLDER_GLOB}/"
        if found.drops_folder.is_dir():
            return (
                f"required raw table '{table}' is missing: no {table}.parquet or {table}.csv "
                f"in {raw_dir} and no .parquet or .csv drop file in {drops}"
            )
        return (
            f"required raw table '{table}' is missing: no {table}.parquet, {table}.csv "
            f"or drops {drops} in {raw_dir}"
        )
    readings = [has_data_row(connection, path) for path in found.files]
    if any(readings) or None in readings:
        return None
    if found.is_drops:
        what = f"holds no data rows in its {drop_files_text(len(found.drops))}"
    else:
        what = "holds only a header" if found.files[0].suffix == ".csv" else "holds no data rows"
    return f"required raw table '{table}' has no data rows: {found.where} {what}"


def check_required_tables(raw_dir: Path) -> None:
    """StepFailed unless every required raw table is present with data rows."""
    if not raw_dir.is_dir():
        raise StepFailed(f"raw directory {raw_dir} does not exist; nothing was built")
    with duckdb.connect() as connection:
        for table in required_tables():
            problem = required_table_problem(connection, raw_dir, table)
            if problem is not None:
                raise StepFailed(f"{problem}; nothing was built")
            found = raw_table_files(raw_dir, table)
            drops = f" ({drop_files_text(len(found.drops))})" if found.is_drops else ""
            console.print(f"{table}: {found.where}{drops}", soft_wrap=True, highlight=False)


# --- the pipeline --------------------------------------------------------------------


def run_dbt(args: list[str], env: dict[str, str]) -> None:
    """Run dbt on this project in a child process; raise on failure.

    A child process, not dbtRunner in this one: dbt-duckdb keeps its DuckDB
    instance open for the life of the process, and DuckDB lets no other
    connection (publish's read-only attach) open the file while it is.
    """
    completed = subprocess.run(dbt_command(args), env={**os.environ, **env}, check=False)
    if completed.returncode != 0:
        raise StepFailed(
            f"dbt {' '.join(args)} failed with exit code {completed.returncode} (see the log above)"
        )


def run_pipeline(
    raw_dir: Path,
    outputs: paths.WarehouseOutputs,
    *,
    lang: str,
    dbt_vars: dict[str, object] | None = None,
) -> None:
    """Check, validate, build, document, publish and chart the warehouse
    `outputs.db_path` from raw_dir (dbt_vars: --vars of the dbt commands);
    raises StepFailed with a clear message."""
    step(1, f"required raw tables in {raw_dir}")
    check_required_tables(raw_dir)

    step(2, "raw contract (Great Expectations)")
    report = validate_raw_dir(
        raw_dir, docs_dir=outputs.gx_data_docs, progress=ProgressLines(Console(stderr=True))
    )
    render_report(report, console)
    if report.status.value == "fatal":
        raise StepFailed("the raw data break the contract in a way the build cannot handle")

    env = outputs.dbt_env(raw_dir)
    outputs.db_path.parent.mkdir(parents=True, exist_ok=True)
    step(3, f"dbt build -> {outputs.db_path}")
    vars_args = ["--vars", json.dumps(dbt_vars)] if dbt_vars else []
    run_dbt(["build", *vars_args], env)

    step(4, "dbt docs generate")
    run_dbt(["docs", "generate", *vars_args], env)

    step(5, "publish the metric tables")
    try:
        serving = publish(outputs.db_path, outputs.serving)
    except PublishError as error:
        raise StepFailed(f"publish refused: {error}") from error

    step(6, "dashboard")
    try:
        page = render_dashboard(serving, lang=lang, out_dir=outputs.dashboard_dir)
    except DashboardError as error:
        raise StepFailed(f"dashboard: {error}") from error
    console.print(f"dashboard: {page}", soft_wrap=True, highlight=False)
    show_outputs(outputs, page)


def show_outputs(outputs: paths.WarehouseOutputs, page: Path) -> None:
    """Where this warehouse's outputs are."""
    console.print(
        f"warehouse: {outputs.db_path}\n"
        f"serving copy (BI tools): {outputs.serving}\n"
        f"dashboard: {page}\n"
        f"dbt Data Docs: {outputs.dbt_target / 'index.html'}\n"
        f"raw contract Data Docs: {outputs.gx_data_docs / 'index.html'}",
        soft_wrap=True,
        highlight=False,
    )


def finish(job: str, run: Callable[[], None], started: float) -> None:
    """Run a job; a StepFailed becomes one red line and exit code 1."""
    try:
        run()
    except StepFailed as failure:
        console.print(
            f"[bold red]memberkpi {job} stopped:[/] {escape(str(failure))}",
            soft_wrap=True,
            highlight=False,
        )
        raise typer.Exit(code=1) from None
    console.print(f"[bold green]done[/] in {time.perf_counter() - started:.0f} s")


# --- the commands ----------------------------------------------------------------------


def run_command(
    raw_dir: Path | None = typer.Option(
        None, help="The brand's raw exports, only read (default: MEMBERKPI_RAW_DIR or data/raw)."
    ),
    db: Path | None = typer.Option(
        None,
        help="DuckDB file to build (default: MEMBERKPI_DB or target/memberkpi.duckdb); "
        "its outputs go to <db folder>/<db name>.outputs/.",
    ),
    lang: str = typer.Option("zh", help="Dashboard language: zh or en."),
) -> None:
    """The main job on a brand's raw exports: check -> validate -> dbt build -> docs
    -> publish -> dashboard. Never writes in the raw directory; a missing or empty
    required table stops it before anything is built."""
    started = time.perf_counter()
    raw = (raw_dir or paths.raw_dir()).absolute()
    outputs = paths.warehouse_outputs((db or paths.database_path()).absolute())
    finish("run", lambda: run_pipeline(raw, outputs, lang=lang), started)


def generate_demo(members: int, years: int, seed: int, outputs: paths.WarehouseOutputs) -> Path:
    """Write demo raw data into the project's demo folder; that folder."""
    raw = paths.demo_raw_dir()
    console.print(Rule("demo data"))
    console.print(f"generating demo data: {members:,} members, {years} years -> {raw}")
    started = time.perf_counter()
    options = GenerateOptions(
        members=members, years=years, seed=seed, out=raw, temp_dir=outputs.duckdb_tmp
    )
    written = generate(options)
    console.print(
        f"wrote {sum(written.values()):,} rows in {len(written)} tables "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return raw


def demo_command(
    members: int = typer.Option(20_000, min=1, help="Members of the demo data."),
    years: int = typer.Option(2, min=1, max=20, help="Years of demo history."),
    seed: int = typer.Option(42, help="Seed of the demo data (same seed, same data)."),
    lang: str = typer.Option("zh", help="Dashboard language: zh or en."),
) -> None:
    """Demo data into the project's demo folder (data/demo/raw), then the main job on
    the demo warehouse (data/demo/memberkpi_demo.duckdb); MEMBERKPI_RAW_DIR,
    MEMBERKPI_DB and MEMBERKPI_SERVING_DB are not used."""
    started = time.perf_counter()
    outputs = paths.warehouse_outputs(paths.demo_database_path(), honour_env=False)

    def job() -> None:
        run_pipeline(
            generate_demo(members, years, seed, outputs),
            outputs,
            lang=lang,
            dbt_vars=DEMO_DBT_VARS,
        )

    finish("demo", job, started)
