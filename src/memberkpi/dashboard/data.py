"""Reading the metric tables for the dashboard (schema `metrics`, read-only)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

SCHEMA = "metrics"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class NoData(Exception):
    """A panel has nothing to show; the message says why (plain text)."""


class DashboardError(Exception):
    """The dashboard cannot be rendered at all (bad month, no database)."""


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `month` (negative: before)."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> dt.date:
    """YYYY-MM as the first day of that month."""
    match = _MONTH.match(text.strip())
    if match is None:
        raise DashboardError(f"month must look like YYYY-MM, got {text!r}")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


@dataclass
class Warehouse:
    """A read-only connection and the metric tables it holds."""

    connection: duckdb.DuckDBPyConnection
    tables: set[str] = field(default_factory=set)

    @classmethod
    def open(cls, connection: duckdb.DuckDBPyConnection) -> Warehouse:
        names = connection.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [SCHEMA],
        ).fetchall()
        return cls(connection=connection, tables={name for (name,) in names})

    def has(self, table: str) -> bool:
        return table in self.tables

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a query as dicts keyed by column name."""
        result = self.connection.execute(sql, list(params))
        columns = [column[0] for column in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.connection.execute(sql, list(params)).fetchone()
        return None if row is None else row[0]


def resolve_month(warehouse: Warehouse, month: str | None) -> dt.date:
    """The report month: the one asked for, else the latest complete month."""
    if month is not None:
        chosen = parse_month(month)
        if warehouse.has("kpi_monthly"):
            first, last = warehouse.connection.execute(
                "select min(month), max(month) from metrics.kpi_monthly"
            ).fetchone() or (None, None)
            if first is not None and not first <= chosen <= last:
                raise DashboardError(
                    f"month {month} is outside the report range "
                    f"{first:%Y-%m} .. {last:%Y-%m} of metrics.kpi_monthly"
                )
        return chosen
    for table in ("kpi_monthly", "four_c_radar", "mbsc_scorecard"):
        if warehouse.has(table):
            latest = warehouse.scalar(
                f"select max(month) from metrics.{table} where is_complete_month"
            )
            if latest is not None:
                return latest
    raise DashboardError(
        "no complete report month found in the metric tables: build the warehouse "
        "first or pass --month YYYY-MM"
    )
