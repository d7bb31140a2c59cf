"""Find and read raw files with DuckDB the way the dbt project does.

`<dir>/<table>.parquet`, else `<dir>/<table>.csv`, else the drop files of
`<dir>/<table>/ds=*/` (macros/raw_contract.sql and raw_drops.sql; found by
`contract.files.raw_table_files`); CSV is read as text with a comma
delimiter. Each readable file becomes a DuckDB table `raw_<batch>` (the
file as is) and `stg_<batch>`, where the batch is the table's name for a
snapshot file and `<table>.ds=<day>.<file>` for a drop file (each drop file
is checked alone, as a batch of its table): exact
duplicate rows collapsed, every contract column typed as staging types it
(text and the text of timestamps trimmed by `quality.text.clean_text_sql`,
the macro clean_text's rule; numbers and flags `try_cast` as read;
business-time conversion of timestamps with an offset) and, for every
non-text column, a `<column>__unparsed` column holding the raw text of
values that are present but do not cast. Unknown columns are kept as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from memberkpi.contract.files import (
    DROP_DELETED_COLUMN,
    DROP_FOLDER_GLOB,
    RAW_SUFFIXES,
    RawTableFiles,
    drop_day,
    is_drop_file,
    raw_table_files,
    reader_sql,
)
from memberkpi.contract.raw import ColumnSpec, TableSpec
from memberkpi.core.project import utc_offset_pattern
from memberkpi.core.sql_text import sql_identifier, sql_string
from memberkpi.quality.report import Finding, Severity
from memberkpi.quality.text import clean_text_sql

UNPARSED_SUFFIX = "__unparsed"
ORPHAN_SUFFIX = "__orphan"

_NATIVE_NUMERIC = (
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "hugeint",
    "utinyint",
    "usmallint",
    "uinteger",
    "ubigint",
    "uhugeint",
    "float",
    "double",
    "real",
    "decimal",
)
_NATIVE_INTEGER = _NATIVE_NUMERIC[:10]
_OTHER_DELIMITERS = (";", "\t", "|")


@dataclass
class LoadedTable:
    """A raw file read into DuckDB: a table's snapshot file or one of its drop files."""

    spec: TableSpec
    path: Path
    rows: int | None
    file_columns: list[str]
    findings: list[Finding] = field(default_factory=list)
    staged: bool = False
    helper_columns: list[str] = field(default_factory=list)

    @property
    def is_drop(self) -> bool:
        return is_drop_file(self.path)

    @property
    def batch(self) -> str:
        """The name of this file's DuckDB tables and GX suite: the table's name,
        `<table>.ds=<day>.<file name>` for a drop file."""
        if self.is_drop:
            return f"{self.spec.name}.ds={drop_day(self.path)}.{self.path.name}"
        return self.spec.name

    @property
    def file_label(self) -> str:
        """The file as findings name it: `orders.csv`, `orders/ds=2025-01-31/part-0.csv`."""
        if self.is_drop:
            return f"{self.spec.name}/{self.path.parent.name}/{self.path.name}"
        return self.path.name

    @property
    def raw_relation(self) -> str:
        return sql_identifier("raw_" + self.batch)

    @property
    def staged_relation(self) -> str:
        return sql_identifier("stg_" + self.batch)

    @property
    def present_columns(self) -> list[str]:
        return [c for c in self.spec.column_names if c in self.file_columns]

    @property
    def extra_columns(self) -> list[str]:
        """Columns outside the contract (a drop file's is_deleted is not one)."""
        known = [*self.spec.column_names, *([DROP_DELETED_COLUMN] if self.is_drop else [])]
        return [c for c in self.file_columns if c not in known]

    @property
    def readable(self) -> bool:
        """Read into DuckDB with a usable header (contract checks can run)."""
        return bool(self.file_columns) and not any(
            f.check in {"readable", "delimiter"} for f in self.findings
        )

    @property
    def fatal(self) -> bool:
        return any(f.severity is Severity.FATAL for f in self.findings)


def locate(
    raw_dir: Path, contract: dict[str, TableSpec]
) -> tuple[dict[str, RawTableFiles], list[Finding]]:
    """Where each contract table is (`raw_table_files`), and findings about the directory."""
    found: dict[str, RawTableFiles] = {}
    findings: list[Finding] = []
    for name, spec in contract.items():
        files = found[name] = raw_table_files(raw_dir, name)
        parquet, csv = raw_dir / f"{name}.parquet", raw_dir / f"{name}.csv"
        if parquet.is_file() and csv.is_file():
            findings.append(
                Finding(
                    Severity.WARNING,
                    name,
                    csv.name,
                    None,
                    "one_file_per_table",
                    f"{parquet.name} is also present: reading the parquet file only",
                )
            )
        if files.snapshot is not None and files.drops:
            findings.append(
                Finding(
                    Severity.FATAL,
                    name,
                    files.snapshot.name,
                    None,
                    "one_layout_per_table",
                    f"the table arrives twice: as {files.snapshot.name} and as "
                    f"{len(files.drops)} drop files in {name}/{DROP_FOLDER_GLOB}/; keep one layout",
                )
            )
        if not files.present and spec.required:
            findings.append(
                Finding(
                    Severity.FATAL,
                    name,
                    None,
                    None,
                    "required_file",
                    f"required file {name}.parquet or {name}.csv is missing in {raw_dir}, "
                    f"and so are drop files {name}/{DROP_FOLDER_GLOB}/*.parquet or .csv",
                )
            )
    for path in sorted(raw_dir.iterdir()) if raw_dir.is_dir() else []:
        unknown_file = path.suffix in RAW_SUFFIXES and path.is_file()
        unknown_drops = path.is_dir() and any(path.glob(DROP_FOLDER_GLOB))
        if (unknown_file and path.stem not in contract) or (
            unknown_drops and path.name not in contract
        ):
            findings.append(
                Finding(
                    Severity.WARNING,
                    None,
                    path.name + ("/" if unknown_drops else ""),
                    None,
                    "unknown_file",
                    "not a table of the raw contract: ignored",
                )
            )
    return found, findings


def first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def load(con: duckdb.DuckDBPyConnection, spec: TableSpec, path: Path) -> LoadedTable:
    """Read one raw file into `raw_<table>`; file-level problems become findings."""
    table = LoadedTable(spec=spec, path=path, rows=None, file_columns=[])

    def fatal(check: str, message: str, column: str | None = None) -> LoadedTable:
        table.findings.append(
            Finding(Severity.FATAL, spec.name, table.file_label, column, check, message)
        )
        return table

    if path.stat().st_size == 0:
        return fatal("readable", "file is empty (0 bytes)")
    kind = "parquet" if path.suffix == ".parquet" else "CSV"
    try:
        con.execute(
            f"create or replace table {table.raw_relation} as select * from {reader_sql(path)}"
        )
    except duckdb.Error as error:
        if kind == "parquet":
            return fatal("readable", "cannot be read as parquet (truncated or corrupt)")
        return fatal("readable", f"cannot be parsed as CSV ({first_line(error)})")
    described = con.execute(f"describe {table.raw_relation}").fetchall()
    table.file_columns = [row[0] for row in described]
    count = con.execute(f"select count(*) from {table.raw_relation}").fetchone()
    table.rows = int(count[0]) if count else 0

    if kind == "CSV" and len(table.file_columns) == 1 and len(spec.columns) > 1:
        header = table.file_columns[0]
        used = [d for d in _OTHER_DELIMITERS if d in header]
        if used:
            shown = header if len(header) <= 40 else header[:39] + "…"
            return fatal(
                "delimiter",
                f"has a single column {shown!r}: not comma separated "
                f"(the header is split by {used[0]!r})",
            )
    if table.rows == 0 and spec.required and not table.is_drop:
        # a drop file may be empty (a quiet day); the table's rows are checked
        # over all its drops (validate.required_drops_without_rows)
        fatal("has_rows", "has no data rows (the table is required)")
    return table


def _typed_sql(column: ColumnSpec, raw_type: str, zone: str) -> str | None:
    """SQL typing one raw column as staging does; None for text columns."""
    ref = sql_identifier(column.name)
    # numbers and flags cast the raw text as read, as staging's try_cast does
    text = f"cast({ref} as varchar)"
    native_numeric = raw_type.startswith(_NATIVE_NUMERIC)
    match column.kind:
        case "text":
            return None
        case "decimal":
            source = ref if native_numeric else text
            return f"cast(try_cast({source} as {column.data_type}) as double)"
        case "integer":
            if raw_type.startswith(_NATIVE_INTEGER):
                return f"try_cast({ref} as bigint)"
            if column.meta.get("whole_number") is False:
                # a plain cast, as staging reads it: 1.5 reads as 2
                return f"try_cast({ref if native_numeric else text} as integer)"
            number = ref if native_numeric else f"try_cast({text} as double)"
            return f"try_cast(case when {number} = trunc({number}) then {number} end as bigint)"
        case "boolean":
            return ref if raw_type == "boolean" else f"try_cast({text} as boolean)"
        case _:  # timestamp, date: business-local timestamps (macro business_timestamp)
            if "with time zone" in raw_type or raw_type == "timestamptz":
                return f"timezone({sql_string(zone)}, {ref})"
            if raw_type.startswith("timestamp") or raw_type == "date":
                return f"cast({ref} as timestamp)"
            cleaned = clean_text_sql(ref)
            return (
                f"case when regexp_matches({cleaned}, {sql_string(utc_offset_pattern())}) "
                f"then timezone({sql_string(zone)}, try_cast({cleaned} as timestamptz)) "
                f"else try_cast({cleaned} as timestamp) end"
            )


def _temporal_or_text(raw_type: str) -> bool:
    return raw_type.startswith(("timestamp", "varchar")) or raw_type == "date"


def stage(con: duckdb.DuckDBPyConnection, table: LoadedTable, zone: str) -> None:
    """Create `stg_<table>` from `raw_<table>` (see the module docstring)."""
    raw = table.raw_relation
    raw_types = {row[0]: str(row[1]).lower() for row in con.execute(f"describe {raw}").fetchall()}
    present = table.present_columns
    for name in present:
        column = table.spec.column(name)
        if column.kind in {"timestamp", "date"} and not _temporal_or_text(raw_types[name]):
            # staging trims the text of such a column: dbt fails on any other type
            table.findings.append(
                Finding(
                    Severity.FATAL,
                    table.spec.name,
                    table.file_label,
                    name,
                    "physical_type",
                    f"stored as {raw_types[name].upper()}: the build reads a {column.kind} "
                    "column only from a timestamp, date or text column",
                )
            )
    selects: list[str] = []
    helpers: list[str] = []
    for name in present:
        column = table.spec.column(name)
        typed = _typed_sql(column, raw_types[name], zone)
        if typed is None:
            selects.append(f"{clean_text_sql(sql_identifier(name))} as {sql_identifier(name)}")
            continue
        helper = name + UNPARSED_SUFFIX
        selects.append(f"{typed} as {sql_identifier(name)}")
        selects.append(
            f"case when {sql_identifier(name)} is not null and ({typed}) is null "
            f"then cast({sql_identifier(name)} as varchar) end as {sql_identifier(helper)}"
        )
        helpers.append(helper)
    selects += [
        f"cast({sql_identifier(name)} as varchar) as {sql_identifier(name)}"
        for name in table.extra_columns
    ]
    distinct_on = ", ".join(sql_identifier(name) for name in present) or "1"
    con.execute(
        f"create or replace table {table.staged_relation} as "
        f"with source as (select distinct on ({distinct_on}) * from {raw}) "
        f"select {', '.join(selects) or '1 as no_contract_column'} from source"
    )
    table.staged = True
    table.helper_columns = helpers


def _parent_keys_sql(parents: list[LoadedTable], column: str) -> str:
    """The parent column over all of a parent table's files (every drop row of a
    table given as drops: a key that any drop holds is a key)."""
    return " union all ".join(
        f"select {sql_identifier(column)} as parent_key from {parent.staged_relation}"
        for parent in parents
    )


def parent_keys(con: duckdb.DuckDBPyConnection, parents: list[LoadedTable], column: str) -> int:
    """How many distinct non-null keys the parent's staged files hold in `column`."""
    row = con.execute(
        f"select count(distinct parent_key) from ({_parent_keys_sql(parents, column)})"
    ).fetchone()
    return int(row[0]) if row else 0


def parent_key_values(
    con: duckdb.DuckDBPyConnection, parents: list[LoadedTable], column: str
) -> list[str]:
    rows = con.execute(
        f"select distinct parent_key from ({_parent_keys_sql(parents, column)}) "
        "where parent_key is not null order by 1"
    ).fetchall()
    return [str(row[0]) for row in rows]


def add_orphan_column(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    column: str,
    parents: list[LoadedTable],
    parent_column: str,
) -> str:
    """Add `<column>__orphan`: the value where it is not a key of the parent."""
    helper = column + ORPHAN_SUFFIX
    child = table.staged_relation
    con.execute(
        f"create or replace table {child} as "
        f"select child.*, case when child.{sql_identifier(column)} is not null "
        f"and keys.parent_key is null then child.{sql_identifier(column)} "
        f"end as {sql_identifier(helper)} "
        f"from {child} as child left join (select distinct parent_key "
        f"from ({_parent_keys_sql(parents, parent_column)})) as keys "
        f"on child.{sql_identifier(column)} = keys.parent_key"
    )
    table.helper_columns.append(helper)
    return helper


def export(con: duckdb.DuckDBPyConnection, table: LoadedTable, directory: Path) -> Path:
    """Write `stg_<table>` to parquet for the GX pandas data source."""
    target = directory / f"{table.batch}.parquet"
    con.execute(f"copy {table.staged_relation} to {sql_string(target)} (format parquet)")
    return target
