"""How a raw table is stored and read, as macros/raw_contract.sql reads it.

A snapshot: `<dir>/<table>.parquet`, else `<dir>/<table>.csv`. Daily drops
(RAW_CONTRACT.md "Daily drops", macros/raw_drops.sql): the files of
`<dir>/<table>/ds=*/`. CSV is read as text with a comma delimiter, a
header and double quotes.

`raw_table_files` is the one place the Python side finds a table's files
(the required-table check of `memberkpi run`, `memberkpi validate`, the
bench). The rules a drops folder must follow (ds=YYYY-MM-DD folders, one
format per table, latest drop wins) are macros/raw_drops.sql's alone: a
build breaking them stops with dbt's message naming the table or file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from memberkpi.core.sql_text import sql_string

# in order of preference: a table's parquet file wins over its csv file
RAW_SUFFIXES = (".parquet", ".csv")
# a table's drops: <table>/<DROP_FOLDER_GLOB>/<file> (macro raw_drop_files)
DROP_FOLDER_GLOB = "ds=*"
# the column a drop file may hold besides the contract's (macro raw_drops_reader)
DROP_DELETED_COLUMN = "is_deleted"


@dataclass(frozen=True)
class RawTableFiles:
    """Where one raw table is in a raw directory: its snapshot file, its drop
    files, both (the build refuses that) or neither (absent)."""

    table: str
    snapshot: Path | None
    drops_folder: Path
    # the .parquet and .csv files of <table>/ds=*/, sorted by path: by day,
    # then by name (macro raw_drop_files orders them so)
    drops: tuple[Path, ...]

    @property
    def is_drops(self) -> bool:
        return bool(self.drops) and self.snapshot is None

    @property
    def present(self) -> bool:
        return self.snapshot is not None or bool(self.drops)

    @property
    def files(self) -> tuple[Path, ...]:
        """The data files the build reads (the snapshot when both layouts are there:
        the build stops on that anyway)."""
        if self.snapshot is not None:
            return (self.snapshot,)
        return self.drops

    @property
    def where(self) -> Path | None:
        """The snapshot file, else the drops folder, else None."""
        if self.snapshot is not None:
            return self.snapshot
        return self.drops_folder if self.drops else None


def raw_table_files(raw_dir: Path, table: str) -> RawTableFiles:
    """Where raw table `table` is in raw_dir, as the dbt project finds it."""
    snapshot = next(
        (raw_dir / f"{table}{suffix}" for suffix in RAW_SUFFIXES
         if (raw_dir / f"{table}{suffix}").is_file()),
        None,
    )  # fmt: skip
    folder = raw_dir / table
    drops = tuple(
        sorted(
            path
            for path in folder.glob(f"{DROP_FOLDER_GLOB}/*")
            if path.is_file() and path.suffix in RAW_SUFFIXES
        )
    )
    return RawTableFiles(table=table, snapshot=snapshot, drops_folder=folder, drops=drops)


def drop_files_text(count: int) -> str:
    """`1 drop file`, `6 drop files`."""
    return f"{count} drop file" + ("" if count == 1 else "s")


def drop_day(path: Path) -> str:
    """The day of a drop file: `2025-01-31` for `<table>/ds=2025-01-31/part-0.csv`."""
    return path.parent.name.partition("=")[2]


def is_drop_file(path: Path) -> bool:
    """Whether a raw file is a drop file (in a `ds=` folder) rather than a snapshot."""
    return path.parent.name.startswith(DROP_FOLDER_GLOB.rstrip("*"))


def reader_sql(path: Path) -> str:
    """The DuckDB table expression dbt's raw_file_reader macro uses for a file.

    A drop file is read alone, without the `ds` column DuckDB would add from
    its folder name (hive partitioning): its day is in `drop_day`."""
    hive = ", hive_partitioning = false" if is_drop_file(path) else ""
    if path.suffix == ".parquet":
        return f"read_parquet({sql_string(str(path))}{hive})"
    return (
        f"read_csv({sql_string(str(path))}, header = true, delim = ',', quote = '\"', "
        f"all_varchar = true{hive})"
    )
