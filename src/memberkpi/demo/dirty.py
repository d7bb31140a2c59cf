"""Known bad rows for `memberkpi generate --dirty` (docs/quarantine_rules.md).

Each injected row is a copy of a clean row (picked at evenly spaced
positions, so the picks of one class are distinct rows) with one change that
breaks exactly one rule of its table:

- every class but `duplicate_key` first gets a fresh key (`rekey`), so the
  row collides with nothing and has no children;
- `duplicate_key` keeps the key and changes the row so that it loses the
  dedupe: an earlier dedupe timestamp, or, for tables without one, a value
  that sorts lower as text (or is null) in the first non-key column;
- exact duplicates are unchanged copies (collapsed, never quarantined).

A class lists its variants, each a change {column: SQL expression}; the
picks of a class cycle through them. The dirty tables are written with
every column as text (VARCHAR parquet or CSV), so unparsable values such as
`not-a-date` and `abc` can be present. In an expression, `ordinal` is the
injection's ordinal within its class, `{tag}` a short code of the class and
`{reason_index}` the class's position in REJECT_CLASSES.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from memberkpi.contract.generator_schema import RAW_TABLES
from memberkpi.contract.reject_classes import REJECT_CLASSES

TAGS = {
    "missing_key": "mk",
    "unknown_code": "uc",
    "bad_amount": "ba",
    "bad_timestamp": "bt",
    "orphan": "or",
    "out_of_range": "oo",
}
DUPLICATE_KEY_TAG = "dk"

FUTURE_TIMESTAMP = (
    "strftime(timestamp '2099-01-01 12:00:00' + to_days(ordinal::integer), '%Y-%m-%d %H:%M:%S')"
)
FUTURE_DATE = "strftime(date '2099-01-01' + ordinal::integer, '%Y-%m-%d')"
UNPARSABLE = "'not-a-date-' || ordinal"
UNKNOWN_CHANNEL = "'taobao'"
UNKNOWN_MEMBER = "'MX' || ordinal"
UNKNOWN_ORDER = "'OX' || ordinal"
BLANK = "'  '"

Change = dict[str, str]


def earlier(column: str) -> str:
    return f"strftime(cast({column} as timestamp) - interval 1 day, '%Y-%m-%d %H:%M:%S')"


def fresh(column: str) -> str:
    return f"{column} || '-{{tag}}' || ordinal"


def each(column: str, *values: str) -> list[Change]:
    """One variant per value of one column."""
    return [{column: value} for value in values]


def future_or_unparsable(column: str, future: str = FUTURE_TIMESTAMP) -> list[Change]:
    return each(column, future, UNPARSABLE)


@dataclass(frozen=True)
class TableRules:
    """How to break each reject class of one table."""

    rekey: Change
    classes: dict[str, list[Change]] = field(default_factory=dict)


def keyed_by_id(id_column: str, dedupe_column: str, **classes: list[Change]) -> TableRules:
    """A table keyed by one id column and deduplicated on a timestamp: a fresh id
    rekeys, a null id is missing_key (unless given), an earlier dedupe
    timestamp loses the dedupe."""
    return TableRules(
        rekey={id_column: fresh(id_column)},
        classes={
            "missing_key": each(id_column, "null"),
            "duplicate_key": [{dedupe_column: earlier(dedupe_column)}],
            **classes,
        },
    )


RULES: dict[str, TableRules] = {
    "members": keyed_by_id(
        "member_id",
        "joined_at",
        missing_key=each("member_id", "null", BLANK),
        unknown_code=[
            {"join_channel": UNKNOWN_CHANNEL},
            {"tier": "'diamond'"},
            {"gender": "'X'"},
            {"sms_opt_in": "'maybe'"},
        ],
        bad_timestamp=[
            {"joined_at": FUTURE_TIMESTAMP, "exited_at": "null"},
            {"joined_at": UNPARSABLE},
            {"exited_at": earlier("joined_at")},
        ],
        out_of_range=[{"city_tier": "'9'"}, {"birth_year": "'1800'"}, {"city_tier": "'abc'"}],
    ),
    "member_bindings": keyed_by_id(
        "customer_id",
        "bound_at",
        missing_key=[{"customer_id": "null"}, {"channel": BLANK}],
        unknown_code=each("channel", UNKNOWN_CHANNEL),
        bad_timestamp=future_or_unparsable("bound_at"),
        orphan=each("member_id", UNKNOWN_MEMBER, "null"),
    ),
    "orders": keyed_by_id(
        "order_id",
        "ordered_at",
        missing_key=[{"order_id": "null"}, {"customer_id": "null"}],
        unknown_code=[{"channel": UNKNOWN_CHANNEL}, {"status": "'shipped'"}],
        bad_amount=[
            {"gross_amount": "'abc'"},
            {"discount_amount": "'-5.00'"},
            {
                "paid_amount": "cast(cast(gross_amount as decimal(18, 2)) + 10 as varchar)",
                "refunded_amount": "'0.00'",
            },
            {"refunded_amount": "cast(cast(paid_amount as decimal(18, 2)) + 1 as varchar)"},
        ],
        bad_timestamp=[
            {"ordered_at": FUTURE_TIMESTAMP},
            {"paid_at": UNPARSABLE},
            {"ordered_at": UNPARSABLE},
        ],
    ),
    "order_items": TableRules(
        rekey={"line_number": "cast(1000 * {reason_index} + 100 + ordinal as varchar)"},
        classes={
            "missing_key": [{"order_id": "null"}, {"line_number": "'x'"}],
            "duplicate_key": each("sku_id", "'DUP' || ordinal"),
            "bad_amount": [
                {"quantity": "'-1'"},
                {"unit_price": "'abc'"},
                {"line_amount": "'-3.00'"},
                {"quantity": "'1.5'"},
            ],
            "orphan": each("order_id", UNKNOWN_ORDER),
        },
    ),
    "points_ledger": keyed_by_id(
        "entry_id",
        "occurred_at",
        missing_key=each("entry_id", "null", BLANK),
        unknown_code=each("entry_type", "'bonus'"),
        bad_amount=each("points", "'abc'", "'12.5'"),
        bad_timestamp=future_or_unparsable("occurred_at"),
        orphan=each("member_id", UNKNOWN_MEMBER),
    ),
    "tier_changes": TableRules(
        rekey={
            "changed_at": (
                "strftime(cast(changed_at as timestamp)"
                " - to_seconds((1000 * {reason_index} + ordinal + 1)::bigint),"
                " '%Y-%m-%d %H:%M:%S')"
            )
        },
        classes={
            "missing_key": [{"member_id": "null"}, {"changed_at": "null"}],
            "duplicate_key": each("from_tier", "null"),
            "unknown_code": [{"to_tier": "'diamond'"}, {"from_tier": "'bronze'"}],
            "bad_timestamp": future_or_unparsable("changed_at"),
            "orphan": each("member_id", UNKNOWN_MEMBER),
        },
    ),
    "channel_traffic": TableRules(
        rekey={
            "traffic_date": (
                "strftime(date '1999-01-01' + (100 * {reason_index} + ordinal)::integer,"
                " '%Y-%m-%d')"
            )
        },
        classes={
            "missing_key": [{"channel": "null"}, {"traffic_date": "null"}],
            "duplicate_key": each("visitors", "'0'"),
            "unknown_code": each("channel", UNKNOWN_CHANNEL),
            "bad_amount": each("visitors", "'-5'", "'abc'", "'12.5'"),
            "bad_timestamp": future_or_unparsable("traffic_date", FUTURE_DATE),
        },
    ),
    "interactions": keyed_by_id(
        "interaction_id",
        "occurred_at",
        unknown_code=[{"channel": UNKNOWN_CHANNEL}, {"interaction_type": "'like'"}],
        bad_timestamp=future_or_unparsable("occurred_at"),
    ),
    "campaigns": keyed_by_id(
        "campaign_id",
        "starts_at",
        unknown_code=each("channel", UNKNOWN_CHANNEL),
        bad_amount=each("budget_amount", "'-5'", "'abc'"),
        bad_timestamp=[
            {"starts_at": FUTURE_TIMESTAMP, "ends_at": "null"},
            {"ends_at": earlier("starts_at")},
            {"starts_at": UNPARSABLE},
        ],
    ),
    "campaign_touches": keyed_by_id(
        "touch_id",
        "touched_at",
        unknown_code=[
            {"touch_channel": "'fax'"},
            {"test_group": "'holdout'"},
            {"delivered": "'maybe'"},
        ],
        bad_timestamp=[
            {"touched_at": FUTURE_TIMESTAMP},
            {"opened_at": UNPARSABLE},
            {"clicked_at": FUTURE_TIMESTAMP},
        ],
        orphan=[{"campaign_id": "'CX' || ordinal"}, {"member_id": UNKNOWN_MEMBER}],
    ),
    "service_tickets": keyed_by_id(
        "ticket_id",
        "created_at",
        unknown_code=[{"channel": UNKNOWN_CHANNEL}, {"ticket_type": "'praise'"}],
        bad_timestamp=[
            {"created_at": FUTURE_TIMESTAMP, "first_response_at": "null", "resolved_at": "null"},
            {"first_response_at": UNPARSABLE},
            {"resolved_at": FUTURE_TIMESTAMP},
        ],
        out_of_range=each("satisfaction_score", "'0'", "'6'", "'abc'"),
    ),
    "reviews": keyed_by_id(
        "review_id",
        "created_at",
        unknown_code=each("channel", UNKNOWN_CHANNEL),
        bad_timestamp=future_or_unparsable("created_at"),
        orphan=each("order_id", UNKNOWN_ORDER),
        out_of_range=each("rating", "'0'", "'6'", "null", "'abc'"),
    ),
    "surveys": keyed_by_id(
        "response_id",
        "responded_at",
        bad_timestamp=future_or_unparsable("responded_at"),
        orphan=each("member_id", UNKNOWN_MEMBER),
        out_of_range=each("nps_score", "'11'", "'-1'", "null"),
    ),
    "exposure_resources": TableRules(
        rekey={"resource_id": fresh("resource_id")},
        classes={
            "missing_key": [{"resource_id": "null"}, {"snapshot_date": "null"}, {"channel": BLANK}],
            "duplicate_key": each("resource_type", "'A-dup'"),
            "unknown_code": [
                {"channel": UNKNOWN_CHANNEL},
                {"shows_member_entry": "'maybe'"},
            ],
            "bad_timestamp": future_or_unparsable("snapshot_date", FUTURE_DATE),
        },
    ),
}


def class_counts(table: str, rows: int) -> dict[str, int]:
    """How many rows of each class to inject: small, at least 1, distinct when rows allow."""
    base = max(1, min(20, rows // 10000))
    spread = rows >= 10000
    applicable = [reason for reason in REJECT_CLASSES if reason in RULES[table].classes]
    counts = {reason: base + (index if spread else 0) for index, reason in enumerate(applicable)}
    counts["exact_duplicates"] = base
    return counts


def _row_expressions(table: str, reason: str, change: Change) -> str:
    """The table's columns as text, with the rekey (but for duplicate_key) and `change`."""
    changed = {} if reason == "duplicate_key" else dict(RULES[table].rekey)
    changed.update(change)
    tag = TAGS.get(reason, DUPLICATE_KEY_TAG)
    reason_index = str(REJECT_CLASSES.index(reason))
    expressions = []
    for column, _ in RAW_TABLES[table]:
        expression = changed.get(column, column)
        expression = expression.replace("{tag}", tag).replace("{reason_index}", reason_index)
        expressions.append(f"cast({expression} as varchar) as {column}")
    return ", ".join(expressions)


def _picks(relation: str, rows: int, count: int, phase: float) -> str:
    """Clean rows at `count` evenly spaced positions (distinct when count <= rows),
    numbered by `ordinal`."""
    positions = (
        f"select range as ordinal, floor((range + {phase}) * {rows} / {count})::bigint"
        f" as row_position from range({count})"
    )
    return (
        f"select clean_row.*, picks.ordinal from {relation} as clean_row"
        f" inner join ({positions}) as picks on clean_row.rowid = picks.row_position"
    )


def _bad_row_selects(table: str, relation: str, rows: int) -> tuple[dict[str, int], list[str]]:
    """The rows to inject per class, and one select per class variant (and the
    exact duplicates), each with the contract's columns and `ordinal`."""
    counts = class_counts(table, rows)
    columns = ", ".join(column for column, _ in RAW_TABLES[table])
    selects = []
    for index, (reason, count) in enumerate(counts.items()):
        picks = _picks(relation, rows, count, phase=(index + 1) / (len(counts) + 2))
        if reason == "exact_duplicates":
            selects.append(f"select {columns}, ordinal from ({picks})")
            continue
        variants = RULES[table].classes[reason]
        for number, change in enumerate(variants):
            expressions = _row_expressions(table, reason, change)
            selects.append(
                f"select {expressions}, ordinal from ({picks})"
                f" where ordinal % {len(variants)} = {number}"
            )
    return counts, selects


def inject(connection: duckdb.DuckDBPyConnection, table: str, relation: str) -> dict[str, int]:
    """Append the bad rows and exact duplicates of one table to its text relation."""
    rows = connection.execute(f"select count(*) from {relation}").fetchall()[0][0]
    if rows == 0:
        return {}
    counts, selects = _bad_row_selects(table, relation, rows)
    columns = ", ".join(column for column, _ in RAW_TABLES[table])
    for index, select in enumerate(selects):
        connection.execute(
            f"insert into {relation} select {columns} from ({select})"
            f" order by ordinal /* part {index} */"
        )
    return counts
