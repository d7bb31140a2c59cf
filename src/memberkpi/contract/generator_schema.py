"""The raw contract's tables as the generator writes them.

Read from models/staging/raw/_raw__sources.yml (`load_contract`) when this
module is imported: table -> ((column, data_type), ...) in contract order,
the data types as the YAML writes them.
"""

from __future__ import annotations

from memberkpi.contract.raw import load_contract
from memberkpi.core import paths

RAW_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    name: tuple((column.name, column.data_type) for column in spec.columns)
    for name, spec in load_contract(paths.PROJECT_DIR).items()
}


def typed_select(table: str, query: str) -> str:
    """The contract's columns, in order and cast to their types, from a query."""
    columns = ",\n    ".join(
        f"cast({name} as {data_type}) as {name}" for name, data_type in RAW_TABLES[table]
    )
    return f"select\n    {columns}\nfrom ({query})"


def text_select(table: str, query: str) -> str:
    """The contract's columns, in order, as text (the --dirty files)."""
    columns = ",\n    ".join(
        f"cast(cast({name} as {data_type}) as varchar) as {name}"
        for name, data_type in RAW_TABLES[table]
    )
    return f"select\n    {columns}\nfrom ({query})"
