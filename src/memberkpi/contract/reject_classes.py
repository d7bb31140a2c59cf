"""Which reject class of RAW_CONTRACT.md a failing expectation stands for.

`memberkpi validate` reports and the dbt quarantine models act, so a reader
must be able to match the two: every row-level expectation carries
`meta.reject_class`, the `reject_reason` the quarantine gives a row that
fails it (docs/quarantine_rules.md). `REJECT_CLASS_BY_CHECK` is that mapping,
keyed by the expectation's `meta.check`. Where one check catches different
classes on different columns (a null key is `missing_key`, a null amount
`bad_amount`), the value is keyed by what the column is (`ColumnRole`) and
the first role of the column, in the dict's order, decides.

The checks `column_present` and `known_columns` are about the file, not its
rows, and have no reject class.

The counts are GX's, not the quarantine's: GX counts a row once per failing
expectation (the quarantine once, under its first reason), a uniqueness
expectation counts every row of a shared key (the quarantine keeps one), and
a reference is checked against every key in the parent file (the quarantine:
against the parent's clean rows only).
"""

from __future__ import annotations

from typing import Literal

from memberkpi.contract.raw import TableRules, TableSpec

# in the quarantine's order of evaluation (RAW_CONTRACT.md, "Bad input")
REJECT_CLASSES: tuple[str, ...] = (
    "missing_key",
    "duplicate_key",
    "unknown_code",
    "bad_amount",
    "bad_timestamp",
    "orphan",
    "out_of_range",
)

ColumnRole = Literal["key", "code", "flag", "reference", "score", "timestamp", "amount"]

REJECT_CLASS_BY_CHECK: dict[str, str | dict[ColumnRole, str]] = {
    # ExpectColumnValuesToBeUnique / ExpectCompoundColumnsToBeUnique on the key
    "unique_key": "duplicate_key",
    # ExpectColumnValuesToBeInSet: a code outside its closed set or seed
    "code": "unknown_code",
    # ExpectColumnValuesToBeBetween(min_value=0): an amount, quantity or count
    "non_negative": "bad_amount",
    # ExpectColumnValuesToBeBetween(min_value=var earliest_business_date,
    # max_value=end of the as-of date): macro is_outside_business_dates
    "business_dates": "bad_timestamp",
    # ExpectColumnValuesToBeBetween(min_value, max_value): a score or bounded integer
    "range": "out_of_range",
    # ExpectColumnValuesToBeInSet(parent keys), or ExpectColumnValuesToBeNull on
    # the `<column>__orphan` anti-join column for large parents
    "reference": "orphan",
    # ExpectColumnValuesToNotBeNull: null or blank
    "not_null": {
        "key": "missing_key",
        "code": "unknown_code",
        "reference": "orphan",
        "score": "out_of_range",
        "timestamp": "bad_timestamp",
        "amount": "bad_amount",
    },
    # ExpectColumnValuesToBeNull on `<column>__unparsed`: present but does not
    # cast to the contract type (an unparsed date is a bad timestamp even in a key)
    "castable": {
        "timestamp": "bad_timestamp",
        "flag": "unknown_code",
        "key": "missing_key",
        "score": "out_of_range",
        "amount": "bad_amount",
    },
    # ExpectColumnPairValuesAToBeGreaterThanB(or_equal=True): paid <= gross,
    # exited_at >= joined_at, ...; the role of column A decides
    "at_least": {"timestamp": "bad_timestamp", "amount": "bad_amount"},
}


def column_roles(spec: TableSpec, rules: TableRules | None, column: str) -> set[ColumnRole]:
    """What a contract column is, as far as reject classes go."""
    kind = spec.column(column).kind
    found: dict[ColumnRole, bool] = {
        "key": column in spec.primary_key or bool(rules and column in rules.missing_key),
        "code": spec.column(column).accepted_values is not None,
        "flag": kind == "boolean",
        "reference": bool(rules and any(r.column == column for r in rules.references)),
        "score": bool(rules and column in rules.ranges),
        "timestamp": kind in {"timestamp", "date"},
        "amount": kind in {"decimal", "integer"},
    }
    return {role for role, present in found.items() if present}


def reject_class(
    spec: TableSpec, rules: TableRules | None, check: str, columns: list[str]
) -> str | None:
    """The reject class a failure of `check` on `columns` stands for (None: not a row rule)."""
    mapped = REJECT_CLASS_BY_CHECK.get(check)
    if mapped is None or isinstance(mapped, str):
        return mapped
    if not columns:
        return None
    roles = column_roles(spec, rules, columns[0])
    return next((cls for role, cls in mapped.items() if role in roles), None)
