"""What `memberkpi validate` hands back: findings, per-table results, a report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol


class Severity(StrEnum):
    """How bad one finding is.

    FATAL: the build would be meaningless (file missing or unreadable, a
    contract column missing). WARNING: rows or columns the quarantine models
    or the raw registration deal with; the build can go on.
    """

    FATAL = "fatal"
    WARNING = "warning"


class Stage(StrEnum):
    """A stage of a validation, as a progress display names it."""

    READ = "read"  # DuckDB reads and types a raw file
    CHECK = "check"  # GX validates a table
    DOCS = "docs"  # GX builds the Data Docs


class Progress(Protocol):
    """Told how far a validation is (`memberkpi validate` prints it to stderr)."""

    def stage(self, stage: Stage, tables: int) -> None:
        """`stage` begins, for `tables` tables (0 for the Data Docs)."""

    def step(self, stage: Stage, table: str | None, rows: int | None, seconds: float) -> None:
        """`table` went through `stage` in `seconds` (table None: the Data Docs)."""


class NoProgress:
    """A progress display that shows nothing."""

    def stage(self, stage: Stage, tables: int) -> None:
        pass

    def step(self, stage: Stage, table: str | None, rows: int | None, seconds: float) -> None:
        pass


class Status(StrEnum):
    """Outcome of a table or of the whole raw directory."""

    OK = "ok"
    WARNINGS = "warnings"
    FATAL = "fatal"
    ABSENT = "absent"  # optional table without a file: empty, which is fine


EXIT_CODES: dict[Status, int] = {
    Status.OK: 0,
    Status.ABSENT: 0,
    Status.WARNINGS: 1,
    # 2 is click's usage error; keep it distinct
    Status.FATAL: 3,
}


@dataclass(frozen=True)
class Finding:
    """One broken rule, as one line a person can act on."""

    severity: Severity
    table: str | None
    file: str | None
    column: str | None
    check: str
    message: str
    unexpected_count: int | None = None
    # the quarantine's reject_reason for the rows this finding counts (None:
    # not about rows); see memberkpi.contract.reject_classes.REJECT_CLASS_BY_CHECK
    reject_class: str | None = None
    expectation: str | None = None  # the GX expectation type that failed

    @property
    def line(self) -> str:
        where = self.file or self.table or "raw"
        if self.column:
            where += f": column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class TableResult:
    """The outcome for one contract table."""

    table: str
    required: bool
    # the snapshot file, or the drops folder of a table given as drops
    file: Path | None = None
    drop_files: int = 0  # how many drop files (0: a snapshot file or absent)
    rows: int | None = None
    expectations: int = 0
    failed: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> Status:
        if any(f.severity is Severity.FATAL for f in self.findings):
            return Status.FATAL
        if self.findings:
            return Status.WARNINGS
        if self.file is None:
            return Status.ABSENT
        return Status.OK


@dataclass
class ValidationReport:
    """Everything one validation of a raw directory found."""

    raw_dir: Path
    as_of: dt.date
    tables: list[TableResult]
    findings: list[Finding] = field(default_factory=list)  # not tied to a table
    docs_index: Path | None = None

    @property
    def all_findings(self) -> list[Finding]:
        found = list(self.findings)
        for table in self.tables:
            found.extend(table.findings)
        return found

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.all_findings if f.severity is Severity.FATAL]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.all_findings if f.severity is Severity.WARNING]

    @property
    def status(self) -> Status:
        if self.fatal:
            return Status.FATAL
        if self.warnings:
            return Status.WARNINGS
        return Status.OK

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def reject_counts(self) -> dict[tuple[str, str], int]:
        """(table, reject class) -> rows GX found failing, summed over expectations.

        Only findings with a reject class count; a row failing two
        expectations of one class counts twice.
        """
        counts: dict[tuple[str, str], int] = {}
        for finding in self.all_findings:
            if finding.table and finding.reject_class:
                key = (finding.table, finding.reject_class)
                counts[key] = counts.get(key, 0) + (finding.unexpected_count or 0)
        return counts

    def table(self, name: str) -> TableResult:
        for result in self.tables:
            if result.table == name:
                return result
        raise KeyError(name)
