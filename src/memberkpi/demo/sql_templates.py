"""Render the generator's SQL templates (the `.sql` files of `memberkpi.demo.sql`).

A template is DuckDB SQL with `$name` placeholders (`string.Template`).
Each placeholder becomes the SQL literal of its parameter: a number as
written, a string quoted, a date as `date 'YYYY-MM-DD'`, a list as `[...]`.
Statements end with a semicolon at the end of a line; a template that
builds a raw table ends with the query whose rows are written, without one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from string import Template

from memberkpi.core.sql_text import sql_string

TEMPLATE_DIR = Path(__file__).parent / "sql"
STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")

SqlValue = int | float | str | date | Sequence[int | float | str]


def sql_literal(value: SqlValue) -> str:
    """The SQL literal of a parameter: 7, 0.5, 'it''s', date '2024-01-01', [1, 2]."""
    if isinstance(value, bool):
        raise TypeError("a template parameter is a number, a string, a date or a list")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return sql_string(value)
    if isinstance(value, date):
        return f"date {sql_string(value.isoformat())}"
    return "[" + ", ".join(sql_literal(item) for item in value) + "]"


def render(name: str, parameters: Mapping[str, SqlValue]) -> list[str]:
    """The statements of template `name` with its placeholders filled in."""
    template = Template((TEMPLATE_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    used = template.get_identifiers()
    missing = sorted(set(used) - set(parameters))
    if missing:
        raise KeyError(f"{name}.sql needs parameters {missing}")
    text = template.substitute({key: sql_literal(parameters[key]) for key in used})
    statements = (statement.strip() for statement in STATEMENT_END.split(text))
    return [statement for statement in statements if statement]
