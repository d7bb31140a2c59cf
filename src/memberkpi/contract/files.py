"""How a raw table is stored and read, as macros/raw_contract.sql reads it.

`<dir>/<table>.parquet`, else `<dir>/<table>.csv`; CSV is read as text with
a comma delimiter, a header and double quotes.
"""

from __future__ import annotations

from pathlib import Path

from memberkpi.core.sql_text import sql_string

# in order of preference: a table's parquet file wins over its csv file
RAW_SUFFIXES = (".parquet", ".csv")


def reader_sql(path: Path) -> str:
    """The DuckDB table expression dbt's raw_file_reader macro uses for a file."""
    if path.suffix == ".parquet":
        return f"read_parquet({sql_string(str(path))})"
    return (
        f"read_csv({sql_string(str(path))}, header = true, delim = ',', quote = '\"', "
        "all_varchar = true)"
    )
