"""The raw contract as the quality checks see it.

Tables, columns, types, keys, code sets and every column rule come from
`models/staging/raw/_raw__sources.yml`: the table `meta` (required,
primary_key, dedupe_timestamp) and each column's `meta` (accepted_values or
accepted_values_seed, nullable, optional, not_null, missing_key,
non_negative, at_least, range, references, may_be_future, whole_number,
staged_as, pii;
the comment at the top of that file says what each key means). Seeds give
the codes of `accepted_values_seed`. `TableRules` gathers a table's rules
column by column, as `TableSpec.rules`; nothing here restates a rule.
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
    # the YAML column meta as written (accepted_values_seed, range, ...)
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def kind(self) -> Kind:
        return column_kind(self.data_type)

    @property
    def staged_name(self) -> str:
        """The column's name from staging on (meta staged_as, else its own)."""
        return str(self.meta.get("staged_as") or self.name)

    @property
    def accepted_values_seed(self) -> str | None:
        """`<seed>.<column>` when the codes are a seed's, else None."""
        found = self.meta.get("accepted_values_seed")
        return str(found) if found else None


@dataclass(frozen=True)
class Reference:
    """A foreign key: `column` must be a key of `parent_table`."""

    column: str
    parent_table: str
    parent_column: str


@dataclass(frozen=True)
class TableRules:
    """A table's column rules (column `meta` of the sources YAML), by rule.

    Keys, code sets, castability, non-null dedupe timestamps, non-negative
    decimals and the as-of bound on timestamps follow from the TableSpec;
    this lists what the column meta adds.
    """

    not_null: tuple[str, ...] = ()
    # columns besides the primary key whose null or blank value is `missing_key`
    # (not null too)
    missing_key: tuple[str, ...] = ()
    nullable_codes: tuple[str, ...] = ()
    # decimals that may be null (present values still parse and are >= 0)
    nullable_amounts: tuple[str, ...] = ()
    # columns a file may lack: they then read as a typed null
    optional: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    # (a, b): a >= b when both are present
    at_least: tuple[tuple[str, str], ...] = ()
    # column -> (min, max); the string "as_of_year" stands for the as-of year
    ranges: dict[str, tuple[int, int | str]] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    # timestamps that may lie after the as-of date
    may_be_future: tuple[str, ...] = ()
    # integers read by a plain cast (meta whole_number: false): 1.5 reads as 2
    plain_integers: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """One raw table of the contract."""

    name: str
    required: bool
    primary_key: tuple[str, ...]
    dedupe_timestamp: str | None
    columns: tuple[ColumnSpec, ...]
    rules: TableRules = field(default_factory=TableRules, compare=False)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no contract column {name}")


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


# the column meta keys of the sources YAML (documented at its top)
COLUMN_META_KEYS = frozenset(
    {
        "accepted_values",
        "accepted_values_seed",
        "nullable",
        "optional",
        "not_null",
        "missing_key",
        "non_negative",
        "at_least",
        "range",
        "references",
        "may_be_future",
        "whole_number",
        "staged_as",
        "pii",
    }
)
TABLE_META_KEYS = frozenset({"required", "primary_key", "dedupe_timestamp"})


class ContractError(ValueError):
    """The sources YAML states a rule that cannot hold (unknown key or column)."""


def _reference(table: str, column: str, target: Any) -> Reference:
    parent_table, dot, parent_column = str(target).partition(".")
    if not dot or not parent_table or not parent_column:
        raise ContractError(
            f"{table}.{column}: references must be <table>.<column>, not {target!r}"
        )
    return Reference(column, parent_table, parent_column)


def _range(table: str, column: str, value: Any) -> tuple[int, int | str]:
    if not isinstance(value, list) or len(value) != 2:
        raise ContractError(f"{table}.{column}: range must be [min, max], not {value!r}")
    low, high = value
    if high != "as_of_year":
        high = int(high)
    return int(low), high


def _may_be_null(column: ColumnSpec, always_present: tuple[str, ...]) -> bool:
    """A null value breaks none of the column's rules, so that a file lacking the
    column (read as null) loses no row: not a key, the dedupe timestamp, a
    reference, not_null, or a code or decimal column without `nullable`."""
    meta = column.meta
    nullable = meta.get("nullable") is True
    return not (
        column.name in always_present
        or meta.get("not_null")
        or meta.get("missing_key")
        or meta.get("references") is not None
        or (column.accepted_values is not None and not nullable)
        or (column.kind == "decimal" and not nullable)
    )


def table_rules(
    table: str, columns: tuple[ColumnSpec, ...], always_present: tuple[str, ...] = ()
) -> TableRules:
    """The rules stated in the columns' meta, gathered by rule.

    `always_present`: columns the table meta needs in every file (the primary
    key, the dedupe timestamp), which cannot be `optional`."""
    names = {column.name for column in columns}
    by_name = {column.name: column for column in columns}

    def flagged(key: str) -> tuple[str, ...]:
        return tuple(column.name for column in columns if column.meta.get(key) is True)

    at_least: list[tuple[str, str]] = []
    ranges: dict[str, tuple[int, int | str]] = {}
    references: list[Reference] = []
    for column in columns:
        unknown = set(column.meta) - COLUMN_META_KEYS
        if unknown:
            raise ContractError(f"{table}.{column.name}: unknown meta key(s) {sorted(unknown)}")
        if column.meta.get("at_least") is not None:
            other = str(column.meta["at_least"])
            if other not in names:
                raise ContractError(f"{table}.{column.name}: at_least names no column {other}")
            at_least.append((column.name, other))
        if column.meta.get("range") is not None:
            ranges[column.name] = _range(table, column.name, column.meta["range"])
        if column.meta.get("references") is not None:
            references.append(_reference(table, column.name, column.meta["references"]))
        if column.meta.get("nullable") and not (
            column.accepted_values is not None or column.kind == "decimal"
        ):
            raise ContractError(f"{table}.{column.name}: nullable is for code columns and decimals")
        if column.meta.get("optional") and not _may_be_null(column, always_present):
            raise ContractError(f"{table}.{column.name}: optional is for columns that may be null")
    return TableRules(
        not_null=flagged("not_null"),
        missing_key=flagged("missing_key"),
        nullable_codes=tuple(
            name for name in flagged("nullable") if by_name[name].accepted_values is not None
        ),
        nullable_amounts=tuple(
            name for name in flagged("nullable") if by_name[name].kind == "decimal"
        ),
        optional=flagged("optional"),
        non_negative=flagged("non_negative"),
        at_least=tuple(at_least),
        ranges=ranges,
        references=tuple(references),
        may_be_future=flagged("may_be_future"),
        plain_integers=tuple(
            column.name for column in columns if column.meta.get("whole_number") is False
        ),
    )


def load_contract(project_dir: Path) -> dict[str, TableSpec]:
    """The tables of source `raw`, keyed by name, with their code sets and
    rules resolved (ContractError when the YAML states an impossible rule)."""
    document = yaml.safe_load((project_dir / SOURCES_YML).read_text(encoding="utf-8"))
    source = next(s for s in document["sources"] if s["name"] == "raw")
    tables: dict[str, TableSpec] = {}
    for table in source["tables"]:
        meta = _table_meta(table)
        unknown = set(meta) - TABLE_META_KEYS
        if unknown:
            raise ContractError(f"{table['name']}: unknown meta key(s) {sorted(unknown)}")
        columns = []
        for column in table["columns"]:
            column_meta = _column_meta(column)
            values: tuple[str, ...] | None = None
            if column_meta.get("accepted_values") is not None:
                values = tuple(str(value) for value in column_meta["accepted_values"])
            elif column_meta.get("accepted_values_seed"):
                values = read_seed_codes(project_dir, column_meta["accepted_values_seed"])
            columns.append(
                ColumnSpec(column["name"], str(column["data_type"]), values, column_meta)
            )
        tables[table["name"]] = TableSpec(
            name=table["name"],
            required=bool(meta.get("required")),
            primary_key=tuple(meta.get("primary_key") or ()),
            dedupe_timestamp=meta.get("dedupe_timestamp"),
            columns=tuple(columns),
            rules=table_rules(
                table["name"],
                tuple(columns),
                always_present=(
                    *(meta.get("primary_key") or ()),
                    *([meta["dedupe_timestamp"]] if meta.get("dedupe_timestamp") else []),
                ),
            ),
        )
    for spec in tables.values():
        for reference in spec.rules.references:
            parent = tables.get(reference.parent_table)
            if parent is None or reference.parent_column not in parent.column_names:
                raise ContractError(
                    f"{spec.name}.{reference.column}: references no contract column "
                    f"{reference.parent_table}.{reference.parent_column}"
                )
    return tables


def load_rules(project_dir: Path) -> dict[str, TableRules]:
    """Each table's rules, keyed by table (what `RULES` was, read from the YAML)."""
    return {name: spec.rules for name, spec in load_contract(project_dir).items()}
