"""`memberkpi run`: the main job, from raw exports to a dashboard.

generate demo data (unless the raw directory already holds a brand's
exports) -> validate the raw contract (Great Expectations) -> dbt build ->
dbt docs generate -> publish the metric tables -> dashboard.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.rule import Rule

from memberkpi import paths
from memberkpi.generate import GenerateOptions, generate
from memberkpi.quality import render_report, validate_raw_dir

console = Console()
REQUIRED_TABLES = ("members", "member_bindings", "orders")


class StepFailed(Exception):
    """A step of the main job failed; its message says which and why."""


def has_raw_files(raw_dir: Path) -> bool:
    """True when every required raw table has a parquet or csv file."""
    return all(
        (raw_dir / f"{table}.parquet").exists() or (raw_dir / f"{table}.csv").exists()
        for table in REQUIRED_TABLES
    )


def run_dbt(args: list[str]) -> None:
    """Run dbt on this project in a child process; raise on failure.

    A child process, not dbtRunner in this one: dbt-duckdb keeps its DuckDB
    instance open for the life of the process, and DuckDB lets no other
    connection (publish's read-only attach) open the file while it is.
    """
    project = str(paths.PROJECT_DIR)
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt if dbt.exists() else "dbt"), *args]
    command += ["--project-dir", project, "--profiles-dir", project]
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        raise StepFailed(
            f"dbt {' '.join(args)} failed with exit code {completed.returncode} (see the log above)"
        )


def optional_step(module: str, function: str) -> Callable[..., Path] | None:
    """A later step (publish, dashboard) when its module is installed."""
    try:
        return getattr(importlib.import_module(f"memberkpi.{module}"), function)
    except (ImportError, AttributeError):
        return None


def run_pipeline(
    raw_dir: Path,
    db_path: Path,
    *,
    members: int,
    years: int,
    seed: int,
    regenerate: bool,
    lang: str,
) -> None:
    """The main job; raises StepFailed with a clear message on failure."""
    os.environ["MEMBERKPI_RAW_DIR"] = str(raw_dir)
    os.environ["MEMBERKPI_DB"] = str(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)

    console.print(Rule("1/6 raw data"))
    if regenerate or not has_raw_files(raw_dir):
        console.print(f"generating demo data: {members:,} members, {years} years -> {raw_dir}")
        started = time.perf_counter()
        written = generate(GenerateOptions(members=members, years=years, seed=seed, out=raw_dir))
        console.print(
            f"wrote {sum(written.values()):,} rows in {len(written)} tables "
            f"in {time.perf_counter() - started:.1f} s"
        )
    else:
        console.print(f"using the raw files in {raw_dir} (pass --regenerate for demo data)")

    console.print(Rule("2/6 raw contract (Great Expectations)"))
    report = validate_raw_dir(raw_dir)
    render_report(report, console)
    if report.status.value == "fatal":
        raise StepFailed("the raw data break the contract in a way the build cannot handle")

    console.print(Rule("3/6 dbt build"))
    run_dbt(["build"])

    console.print(Rule("4/6 dbt docs generate"))
    run_dbt(["docs", "generate"])

    console.print(Rule("5/6 publish the metric tables"))
    publish = optional_step("publish", "publish")
    serving = None
    if publish is None:
        console.print("publish is not available in this version: skipped")
    else:
        try:
            serving = publish(db_path, paths.serving_path())
        except Exception as error:  # publish's own errors carry a clear message
            raise StepFailed(f"publish failed: {error}") from error
        console.print(f"serving copy: {serving}")

    console.print(Rule("6/6 dashboard"))
    render = optional_step("dashboard", "render_dashboard")
    if render is None:
        console.print("the dashboard is not available in this version: skipped")
    else:
        page = render(serving or db_path, lang=lang)
        console.print(f"dashboard: {page}")


def run_command(
    members: int = typer.Option(20_000, min=1, help="Members of the demo data."),
    years: int = typer.Option(2, min=1, max=20, help="Years of demo history."),
    seed: int = typer.Option(42, help="Seed of the demo data."),
    raw_dir: Path | None = typer.Option(
        None, help="Raw exports (default: MEMBERKPI_RAW_DIR or data/raw)."
    ),
    db: Path | None = typer.Option(
        None, help="DuckDB file (default: MEMBERKPI_DB or target/memberkpi.duckdb)."
    ),
    regenerate: bool = typer.Option(
        False, help="Write demo data even when the raw directory holds files."
    ),
    lang: str = typer.Option("zh", help="Dashboard language: zh or en."),
) -> None:
    """The main job: demo data -> validate -> dbt build -> docs -> publish -> dashboard."""
    started = time.perf_counter()
    try:
        run_pipeline(
            (raw_dir or paths.raw_dir()).resolve(),
            (db or paths.database_path()).resolve(),
            members=members,
            years=years,
            seed=seed,
            regenerate=regenerate,
            lang=lang,
        )
    except StepFailed as failure:
        console.print(f"[bold red]memberkpi run stopped:[/] {failure}")
        raise typer.Exit(code=1) from None
    console.print(f"[bold green]done[/] in {time.perf_counter() - started:.0f} s")
