"""SQL text built from values: the one place that quotes them.

Paths and names reach DuckDB inside SQL text (read_parquet, copy ... to,
attach); a value holding a quote must stay one literal, whatever the path.
"""

from __future__ import annotations

from pathlib import Path


def sql_string(value: str | Path) -> str:
    """A SQL string literal: 'it''s' for it's."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier: "a""b" for a"b."""
    return '"' + name.replace('"', '""') + '"'
