"""The raw contract as the quality checks see it.

Tables, columns, types, keys and code sets come from
`models/staging/raw/_raw__sources.yml` (column `meta.accepted_values` or
`meta.accepted_values_seed: <seed>.<column>`) and the seeds; nothing here
retypes a column list. What the YAML does not say (which columns must not
be null, ranges, amount pairs, foreign keys) is taken from
`docs/quarantine_rules.md` and kept in `RULES` below, one entry per rule.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

SOURCES_YML = Path("models/staging/raw/_raw__sources.yml")

Kind = Literal["text", "integer", "decimal", "timestamp", "date", "boolean"]


@dataclass(frozen=True)
class ColumnSpec:
    """One contract column."""

    name: str
    data_type: str
    accepted_values: tuple[str, ...] | None = None

    @property
    def kind(self) -> Kind:
        return column_kind(self.data_type)


@dataclass(frozen=True)
class TableSpec:
    """One raw table of the contract."""

    name: str
    required: bool
    primary_key: tuple[str, ...]
    dedupe_timestamp: str | None
    columns: tuple[ColumnSpec, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no contract column {name}")


@dataclass(frozen=True)
class Reference:
    """A foreign key: `column` must be a key of `parent_table`."""

    column: str
    parent_table: str
    parent_column: str


@dataclass(frozen=True)
class TableRules:
    """Rules of docs/quarantine_rules.md that the YAML contract does not state.

    Keys, code sets, castability, non-null dedupe timestamps, non-negative
    decimals and the as-of bound on timestamps are derived from the contract;
    this only lists the rest.
    """

    not_null: tuple[str, ...] = ()
    # columns besides the primary key whose null or blank value is `missing_key`
    # (not null too)
    missing_key: tuple[str, ...] = ()
    nullable_codes: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    # (a, b): a >= b when both are present
    at_least: tuple[tuple[str, str], ...] = ()
    # column -> (min, max); the string "as_of_year" stands for the as-of year
    ranges: dict[str, tuple[int, int | str]] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    # timestamps that may lie after the as-of date
    may_be_future: tuple[str, ...] = ()


def _member(column: str = "member_id") -> Reference:
    return Reference(column, "members", "member_id")


def _order(column: str = "order_id") -> Reference:
    return Reference(column, "orders", "order_id")


RULES: dict[str, TableRules] = {
    "members": TableRules(
        nullable_codes=("gender",),
        at_least=(("exited_at", "joined_at"),),
        ranges={"city_tier": (1, 5), "birth_year": (1900, "as_of_year")},
    ),
    "member_bindings": TableRules(not_null=("member_id",), references=(_member(),)),
    "orders": TableRules(
        missing_key=("customer_id",),
        at_least=(("gross_amount", "paid_amount"), ("paid_amount", "refunded_amount")),
    ),
    "order_items": TableRules(
        not_null=("quantity",),
        non_negative=("quantity",),
        references=(_order(),),
    ),
    "points_ledger": TableRules(not_null=("points",), references=(_member(),)),
    "tier_changes": TableRules(nullable_codes=("from_tier",), references=(_member(),)),
    "channel_traffic": TableRules(non_negative=("visitors",)),
    "interactions": TableRules(),
    "campaigns": TableRules(at_least=(("ends_at", "starts_at"),), may_be_future=("ends_at",)),
    "campaign_touches": TableRules(
        references=(Reference("campaign_id", "campaigns", "campaign_id"), _member()),
    ),
    "service_tickets": TableRules(ranges={"satisfaction_score": (1, 5)}),
    "reviews": TableRules(not_null=("rating",), ranges={"rating": (1, 5)}, references=(_order(),)),
    "surveys": TableRules(
        not_null=("nps_score",), ranges={"nps_score": (0, 10)}, references=(_member(),)
    ),
    "exposure_resources": TableRules(),
}


def column_kind(data_type: str) -> Kind:
    """The family of a contract data_type (varchar, integer, decimal(18,2), ...)."""
    normalized = data_type.strip().lower()
    if normalized.startswith(("decimal", "numeric")):
        return "decimal"
    if normalized in {"integer", "int", "bigint", "smallint"}:
        return "integer"
    if normalized.startswith("timestamp"):
        return "timestamp"
    if normalized == "date":
        return "date"
    if normalized in {"boolean", "bool"}:
        return "boolean"
    return "text"


def _column_meta(column: dict[str, Any]) -> dict[str, Any]:
    meta = dict(column.get("meta") or {})
    meta.update((column.get("config") or {}).get("meta") or {})
    return meta


def _table_meta(table: dict[str, Any]) -> dict[str, Any]:
    meta = dict(table.get("meta") or {})
    meta.update((table.get("config") or {}).get("meta") or {})
    return meta


def read_seed_codes(project_dir: Path, reference: str) -> tuple[str, ...]:
    """The codes in `<seed>.<column>` (seeds/<seed>.csv), in file order."""
    seed, _, column = reference.partition(".")
    with (project_dir / "seeds" / f"{seed}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(row[column].strip() for row in csv.DictReader(handle) if row[column])


def load_contract(project_dir: Path) -> dict[str, TableSpec]:
    """The tables of source `raw`, keyed by name, with their code sets resolved."""
    document = yaml.safe_load((project_dir / SOURCES_YML).read_text(encoding="utf-8"))
    source = next(s for s in document["sources"] if s["name"] == "raw")
    tables: dict[str, TableSpec] = {}
    for table in source["tables"]:
        meta = _table_meta(table)
        columns = []
        for column in table["columns"]:
            column_meta = _column_meta(column)
            values: tuple[str, ...] | None = None
            if column_meta.get("accepted_values") is not None:
                values = tuple(str(value) for value in column_meta["accepted_values"])
            elif column_meta.get("accepted_values_seed"):
                values = read_seed_codes(project_dir, column_meta["accepted_values_seed"])
            columns.append(ColumnSpec(column["name"], str(column["data_type"]), values))
        tables[table["name"]] = TableSpec(
            name=table["name"],
            required=bool(meta.get("required")),
            primary_key=tuple(meta.get("primary_key") or ()),
            dedupe_timestamp=meta.get("dedupe_timestamp"),
            columns=tuple(columns),
        )
    return tables
