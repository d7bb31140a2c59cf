"""Validate a raw directory against the raw contract with Great Expectations.

`validate_raw_dir` reads every raw file the way dbt does (DuckDB; CSV as
text; a table given as daily drops, RAW_CONTRACT.md "Daily drops", file by
file: each drop file is a batch of its table, checked against the table's
contract on its own), states the contract of `models/staging/raw/_raw__sources.yml` (its
column meta: codes, ranges, references, ...) and the seeds as one GX
ExpectationSuite per table, runs each through a Checkpoint and builds Data
Docs that need no network (`quality.data_docs`). It reports and never
changes or drops rows: bad rows go to the dbt quarantine models. The CLI
prints its progress, a line per table read and per table checked, to
stderr; stdout carries the report alone.

Each failing row-level expectation is reported with the reject class of
RAW_CONTRACT.md it stands for (`REJECT_CLASS_BY_CHECK`, from
`memberkpi.contract.reject_classes`), so the terminal and the Data Docs say which
`reject_reason` the quarantine will give those rows.

The verdict is OK, WARNINGS (row-level breaks the quarantine handles, unknown
columns or files) or FATAL (a required file missing, a file that does not
read, a contract column missing: the build would be meaningless).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from memberkpi.contract.files import drop_files_text
from memberkpi.contract.raw import TableSpec, load_contract
from memberkpi.contract.reject_classes import REJECT_CLASS_BY_CHECK, REJECT_CLASSES
from memberkpi.core import paths
from memberkpi.core.project import business_timezone, default_as_of, default_earliest
from memberkpi.quality.gx import BusinessDates, ReferenceCheck, run_checkpoint
from memberkpi.quality.read import (
    LoadedTable,
    add_orphan_column,
    export,
    first_line,
    load,
    locate,
    parent_key_values,
    parent_keys,
    stage,
)
from memberkpi.quality.report import (
    EXIT_CODES,
    Finding,
    NoProgress,
    Progress,
    Severity,
    Stage,
    Status,
    TableResult,
    ValidationReport,
)

__all__ = [
    "EXIT_CODES",
    "REJECT_CLASSES",
    "REJECT_CLASS_BY_CHECK",
    "Finding",
    "Progress",
    "ProgressLines",
    "Severity",
    "Status",
    "TableResult",
    "ValidationReport",
    "render_report",
    "validate_command",
    "validate_raw_dir",
]

# parent tables with more keys than this are checked through a DuckDB anti-join
# column instead of a GX value set, to keep suites and Data Docs small
VALUE_SET_LIMIT = 20_000


def _references(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    loaded: dict[str, list[LoadedTable]],
    absent: set[str],
) -> list[ReferenceCheck]:
    """The foreign keys of one file, checked against every file of the parent
    (all rows of all its drops when the parent is given as drops)."""
    rules = table.spec.rules
    checks: list[ReferenceCheck] = []
    for reference in rules.references if rules else ():
        if reference.column not in table.present_columns:
            continue
        if reference.parent_table in absent:
            checks.append(
                ReferenceCheck(
                    reference.column,
                    reference.parent_table,
                    reference.parent_column,
                    values=[],
                    parent_absent=True,
                )
            )
            continue
        parents = loaded.get(reference.parent_table) or []
        if not parents or any(
            not parent.staged
            or parent.fatal
            or reference.parent_column not in parent.present_columns
            for parent in parents
        ):
            continue  # the parent is broken and reported as such
        count = parent_keys(con, parents, reference.parent_column)
        if count <= VALUE_SET_LIMIT:
            values = parent_key_values(con, parents, reference.parent_column)
            checks.append(
                ReferenceCheck(
                    reference.column,
                    reference.parent_table,
                    reference.parent_column,
                    values=values,
                )
            )
        else:
            helper = add_orphan_column(
                con, table, reference.column, parents, reference.parent_column
            )
            checks.append(
                ReferenceCheck(
                    reference.column,
                    reference.parent_table,
                    reference.parent_column,
                    orphan_column=helper,
                )
            )
    return checks


def required_drops_without_rows(table: str, files: list[LoadedTable]) -> Finding | None:
    """FATAL when a required table given as drops holds no data row in any drop
    file (the build stops on it too); a single empty drop is a quiet day."""
    if not files or not files[0].is_drop or not files[0].spec.required:
        return None
    if any(file.rows for file in files) or any(file.rows is None for file in files):
        return None
    return Finding(
        Severity.FATAL,
        table,
        f"{table}/",
        None,
        "has_rows",
        f"has no data rows in its {drop_files_text(len(files))} (the table is required)",
    )


def validate_raw_dir(
    raw_dir: Path | str,
    *,
    as_of: dt.date | None = None,
    docs_dir: Path | str | None = None,
    project_dir: Path = paths.PROJECT_DIR,
    earliest: dt.date | None = None,
    progress: Progress | None = None,
) -> ValidationReport:
    """Validate every raw file in `raw_dir` against the raw contract.

    Never raises for bad input files: they become FATAL findings. Data Docs
    go to `docs_dir` (default: the data_docs folder of the warehouse
    MEMBERKPI_DB, `paths.gx_data_docs_dir()`). Timestamps must lie from
    `earliest` (default: dbt var earliest_business_date) to `as_of`
    (default: dbt var as_of_date, else today in business time).
    `progress` hears of each table as it is read and as it is checked.
    """
    raw_dir = Path(raw_dir)
    progress = progress or NoProgress()
    as_of = as_of or default_as_of(project_dir)
    earliest = earliest or default_earliest(project_dir)
    docs_dir = Path(docs_dir) if docs_dir is not None else paths.gx_data_docs_dir()
    contract = load_contract(project_dir)
    zone = business_timezone(project_dir)
    report = ValidationReport(raw_dir=raw_dir, as_of=as_of, tables=[])

    if not raw_dir.is_dir():
        report.findings.append(
            Finding(
                Severity.FATAL,
                None,
                str(raw_dir),
                None,
                "raw_dir",
                "raw directory does not exist",
            )
        )
    located, directory_findings = locate(raw_dir, contract)
    results = {
        name: TableResult(
            table=name,
            required=spec.required,
            file=located[name].where,
            drop_files=len(located[name].drops) if located[name].is_drops else 0,
        )
        for name, spec in contract.items()
    }
    for finding in directory_findings:
        if finding.table in results:
            results[finding.table].findings.append(finding)
        else:
            report.findings.append(finding)

    con = duckdb.connect()
    # per table, its snapshot file or each of its drop files
    loaded: dict[str, list[LoadedTable]] = {}
    progress.stage(Stage.READ, sum(files.present for files in located.values()))
    for name, spec in contract.items():
        if not located[name].present:
            continue
        started = time.perf_counter()
        loaded[name] = [_load_and_stage(con, spec, path, zone) for path in located[name].files]
        rows = [table.rows for table in loaded[name]]
        results[name].rows = None if None in rows else sum(row or 0 for row in rows)
        for table in loaded[name]:
            results[name].findings.extend(table.findings)
        empty = required_drops_without_rows(name, loaded[name])
        if empty is not None:
            results[name].findings.append(empty)
        progress.step(Stage.READ, name, results[name].rows, time.perf_counter() - started)

    absent = {name for name, files in located.items() if not files.present}
    progress.stage(
        Stage.CHECK, sum(any(table.staged for table in files) for files in loaded.values())
    )
    with tempfile.TemporaryDirectory(prefix="memberkpi-validate-") as scratch:
        to_check = []
        for table in (table for files in loaded.values() for table in files):
            if not table.staged:
                continue
            references = _references(con, table, loaded, absent)
            to_check.append((table, export(con, table, Path(scratch)), references))
        try:
            outcomes, index = run_checkpoint(
                to_check, BusinessDates(earliest, as_of), docs_dir, progress
            )
        except Exception as error:  # noqa: BLE001 - report, never a traceback
            outcomes, index = {}, docs_dir / "index.html"
            report.findings.append(
                Finding(
                    Severity.FATAL,
                    None,
                    None,
                    None,
                    "great_expectations",
                    f"the Great Expectations checkpoint could not run ({first_line(error)})",
                )
            )
    con.close()

    for name, outcome in outcomes.items():
        results[name].expectations = outcome.expectations
        results[name].failed = outcome.failed
        results[name].findings.extend(outcome.findings)
    report.tables = list(results.values())
    report.docs_index = index if index.is_file() else None
    return report


def _load_and_stage(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, path: Path, zone: str
) -> LoadedTable:
    """Read one raw file (a snapshot or a drop file) and type it as staging does."""
    table = load(con, spec, path)
    if table.readable:
        try:
            stage(con, table, zone)
        except duckdb.Error as error:
            table.findings.append(
                Finding(
                    Severity.FATAL,
                    spec.name,
                    table.file_label,
                    None,
                    "readable",
                    f"cannot be typed as the contract says ({first_line(error)})",
                )
            )
    return table


class ProgressLines:
    """Progress as one line per table and stage, for a console (stderr in the CLI)."""

    HEADINGS = {
        Stage.READ: "Reading {tables} raw files",
        Stage.CHECK: "Checking {tables} tables with Great Expectations",
        Stage.DOCS: "Building the Data Docs",
    }

    def __init__(self, console: Console) -> None:
        self.console = console

    def stage(self, stage: Stage, tables: int) -> None:
        self.console.print(self.HEADINGS[stage].format(tables=tables), highlight=False)

    def step(self, stage: Stage, table: str | None, rows: int | None, seconds: float) -> None:
        counted = "" if rows is None else f"{rows:,} rows"
        self.console.print(
            f"  {table or 'done':<22} {counted:>16} {seconds:>7.1f} s", highlight=False
        )


def _file_cell(result: TableResult) -> str:
    """The summary's file column: the file, or the drops folder and its file count."""
    if result.file is None:
        return "-"
    if result.drop_files:
        return f"{result.file.name}/ds=*/ ({drop_files_text(result.drop_files)})"
    return result.file.name


_STATUS_STYLE = {
    Status.OK: "[green]ok[/green]",
    Status.ABSENT: "[dim]absent[/dim]",
    Status.WARNINGS: "[yellow]warnings[/yellow]",
    Status.FATAL: "[bold red]FATAL[/bold red]",
}


def _failures_table(report: ValidationReport) -> Table | None:
    """One row per failing row-level expectation, with the reject class it stands for."""
    failing = [f for f in report.all_findings if f.table and f.reject_class]
    if not failing:
        return None
    rank = {name: i for i, name in enumerate(REJECT_CLASSES)}
    failing.sort(key=lambda f: rank.get(f.reject_class or "", len(rank)))
    order = {result.table: i for i, result in enumerate(report.tables)}
    failing.sort(key=lambda f: order.get(f.table or "", len(order)))
    failures = Table(
        title="Failing expectations by reject class",
        caption="reject class: the reject_reason the quarantine models give such rows",
    )
    for heading in ("table", "reject class", "column", "check", "rows"):
        failures.add_column(
            heading,
            justify="right" if heading == "rows" else "left",
            no_wrap=heading in {"reject class", "check", "rows"},
            overflow="fold",
        )
    for finding in failing:
        failures.add_row(
            finding.table,
            finding.reject_class,
            finding.column or "-",
            finding.check,
            "-" if finding.unexpected_count is None else str(finding.unexpected_count),
        )
    return failures


def render_report(report: ValidationReport, console: Console) -> None:
    """The summary table, the failing expectations, one line per finding, the verdict."""
    summary = Table(
        title=f"Raw contract: {report.raw_dir} (as of {report.as_of})",
        caption="absent: optional table without a file (read as empty); rows of drops: "
        "every drop row, superseded and deleted ones included",
    )
    for heading in ("table", "file", "rows", "expectations", "failed", "status"):
        numeric = heading in {"rows", "expectations", "failed"}
        summary.add_column(
            heading,
            justify="right" if numeric else "left",
            no_wrap=heading != "file",
            overflow="fold",
        )
    for result in report.tables:
        summary.add_row(
            result.table,
            _file_cell(result),
            "-" if result.rows is None else str(result.rows),
            str(result.expectations),
            str(result.failed),
            _STATUS_STYLE[result.status],
        )
    console.print(summary)
    failures = _failures_table(report)
    if failures is not None:
        console.print(failures)
    for finding in report.all_findings:
        label = (
            "[bold red]FATAL[/bold red]"
            if finding.severity is Severity.FATAL
            else "[yellow]WARN[/yellow] "
        )
        console.print(f"{label} {finding.line}", markup=True, highlight=False, soft_wrap=True)
    if report.docs_index:
        console.print(f"Data Docs: {report.docs_index}", highlight=False, soft_wrap=True)
    verdict = {
        Status.OK: "[green]OK[/green]: the raw files meet the contract.",
        Status.WARNINGS: "[yellow]WARNINGS[/yellow]: rows that break the contract will be "
        "quarantined by the build; unknown columns and files are ignored.",
        Status.FATAL: "[bold red]FATAL[/bold red]: the build would be meaningless; fix the "
        "lines marked FATAL first.",
    }
    console.print(verdict[report.status], soft_wrap=True)


def validate_command(
    raw_dir: Annotated[
        Path | None,
        typer.Argument(help="Raw directory (default: MEMBERKPI_RAW_DIR, else data/raw)."),
    ] = None,
    docs_dir: Annotated[
        Path | None,
        typer.Option(
            "--docs-dir",
            help="Where to build the GX Data Docs site (default: data_docs/ in the "
            "outputs folder of MEMBERKPI_DB, <db folder>/<db name>.outputs/).",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="As-of date YYYY-MM-DD (default: today, business time)."),
    ] = None,
) -> None:
    """Check raw exports against the raw contract (Great Expectations).

    Exit code 0: OK; 1: WARNINGS (the quarantine will handle them);
    3: FATAL (missing or unreadable files or columns: do not build).
    """
    console = Console()
    day: dt.date | None = None
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            console.print(f"[red]--as-of {as_of!r} is not a date (YYYY-MM-DD)[/red]")
            raise typer.Exit(2) from None
    # progress goes to stderr: stdout carries the report alone
    report = validate_raw_dir(
        raw_dir or paths.raw_dir(),
        as_of=day,
        docs_dir=docs_dir,
        progress=ProgressLines(Console(stderr=True)),
    )
    render_report(report, console)
    raise typer.Exit(report.exit_code)
