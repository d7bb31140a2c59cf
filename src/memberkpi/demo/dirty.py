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

The dirty tables are written with every column as text (VARCHAR parquet or
CSV), so unparsable values such as `not-a-date` and `abc` can be present.
`{n}` in an expression is the injection's ordinal within its class, `{tag}`
a short code of the class.
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

FUTURE_TS = "strftime(timestamp '2099-01-01 12:00:00' + to_days(n::integer), '%Y-%m-%d %H:%M:%S')"
FUTURE_DATE = "strftime(date '2099-01-01' + n::integer, '%Y-%m-%d')"
UNPARSED = "'not-a-date-' || n"


def earlier(column: str) -> str:
    return f"strftime(cast({column} as timestamp) - interval 1 day, '%Y-%m-%d %H:%M:%S')"


def fresh(column: str) -> str:
    return f"{column} || '-{{tag}}' || n"


@dataclass(frozen=True)
class TableRules:
    """How to break each reject class of one table."""

    rekey: dict[str, str]
    classes: dict[str, list[dict[str, str]]] = field(default_factory=dict)


RULES: dict[str, TableRules] = {
    "members": TableRules(
        rekey={"member_id": fresh("member_id")},
        classes={
            "missing_key": [{"member_id": "null"}, {"member_id": "'  '"}],
            "duplicate_key": [{"joined_at": earlier("joined_at")}],
            "unknown_code": [
                {"join_channel": "'taobao'"},
                {"tier": "'diamond'"},
                {"gender": "'X'"},
                {"sms_opt_in": "'maybe'"},
            ],
            "bad_timestamp": [
                {"joined_at": FUTURE_TS, "exited_at": "null"},
                {"joined_at": UNPARSED},
                {"exited_at": earlier("joined_at")},
            ],
            "out_of_range": [
                {"city_tier": "'9'"},
                {"birth_year": "'1800'"},
                {"city_tier": "'abc'"},
            ],
        },
    ),
    "member_bindings": TableRules(
        rekey={"customer_id": fresh("customer_id")},
        classes={
            "missing_key": [{"customer_id": "null"}, {"channel": "'  '"}],
            "duplicate_key": [{"bound_at": earlier("bound_at")}],
            "unknown_code": [{"channel": "'taobao'"}],
            "bad_timestamp": [{"bound_at": FUTURE_TS}, {"bound_at": UNPARSED}],
            "orphan": [{"member_id": "'MX' || n"}, {"member_id": "null"}],
        },
    ),
    "orders": TableRules(
        rekey={"order_id": fresh("order_id")},
        classes={
            "missing_key": [{"order_id": "null"}, {"customer_id": "null"}],
            "duplicate_key": [{"ordered_at": earlier("ordered_at")}],
            "unknown_code": [{"channel": "'taobao'"}, {"status": "'shipped'"}],
            "bad_amount": [
                {"gross_amount": "'abc'"},
                {"discount_amount": "'-5.00'"},
                {
                    "paid_amount": "cast(cast(gross_amount as decimal(18, 2)) + 10 as varchar)",
                    "refunded_amount": "'0.00'",
                },
                {"refunded_amount": "cast(cast(paid_amount as decimal(18, 2)) + 1 as varchar)"},
            ],
            "bad_timestamp": [
                {"ordered_at": FUTURE_TS},
                {"paid_at": UNPARSED},
                {"ordered_at": UNPARSED},
            ],
        },
    ),
    "order_items": TableRules(
        rekey={"line_number": "cast(1000 * {ri} + 100 + n as varchar)"},
        classes={
            "missing_key": [{"order_id": "null"}, {"line_number": "'x'"}],
            "duplicate_key": [{"sku_id": "'DUP' || n"}],
            "bad_amount": [
                {"quantity": "'-1'"},
                {"unit_price": "'abc'"},
                {"line_amount": "'-3.00'"},
                {"quantity": "'1.5'"},
            ],
            "orphan": [{"order_id": "'OX' || n"}],
        },
    ),
    "points_ledger": TableRules(
        rekey={"entry_id": fresh("entry_id")},
        classes={
            "missing_key": [{"entry_id": "null"}, {"entry_id": "'  '"}],
            "duplicate_key": [{"occurred_at": earlier("occurred_at")}],
            "unknown_code": [{"entry_type": "'bonus'"}],
            "bad_amount": [{"points": "'abc'"}, {"points": "'12.5'"}],
            "bad_timestamp": [{"occurred_at": FUTURE_TS}, {"occurred_at": UNPARSED}],
            "orphan": [{"member_id": "'MX' || n"}],
        },
    ),
    "tier_changes": TableRules(
        rekey={
            "changed_at": (
                "strftime(cast(changed_at as timestamp)"
                " - to_seconds((1000 * {ri} + n + 1)::bigint), '%Y-%m-%d %H:%M:%S')"
            )
        },
        classes={
            "missing_key": [{"member_id": "null"}, {"changed_at": "null"}],
            "duplicate_key": [{"from_tier": "null"}],
            "unknown_code": [{"to_tier": "'diamond'"}, {"from_tier": "'bronze'"}],
            "bad_timestamp": [{"changed_at": FUTURE_TS}, {"changed_at": UNPARSED}],
            "orphan": [{"member_id": "'MX' || n"}],
        },
    ),
    "channel_traffic": TableRules(
        rekey={
            "traffic_date": ("strftime(date '1999-01-01' + (100 * {ri} + n)::integer, '%Y-%m-%d')")
        },
        classes={
            "missing_key": [{"channel": "null"}, {"traffic_date": "null"}],
            "duplicate_key": [{"visitors": "'0'"}],
            "unknown_code": [{"channel": "'taobao'"}],
            "bad_amount": [{"visitors": "'-5'"}, {"visitors": "'abc'"}, {"visitors": "'12.5'"}],
            "bad_timestamp": [{"traffic_date": FUTURE_DATE}, {"traffic_date": UNPARSED}],
        },
    ),
    "interactions": TableRules(
        rekey={"interaction_id": fresh("interaction_id")},
        classes={
            "missing_key": [{"interaction_id": "null"}],
            "duplicate_key": [{"occurred_at": earlier("occurred_at")}],
            "unknown_code": [{"channel": "'taobao'"}, {"interaction_type": "'like'"}],
            "bad_timestamp": [{"occurred_at": FUTURE_TS}, {"occurred_at": UNPARSED}],
        },
    ),
    "campaigns": TableRules(
        rekey={"campaign_id": fresh("campaign_id")},
        classes={
            "missing_key": [{"campaign_id": "null"}],
            "duplicate_key": [{"starts_at": earlier("starts_at")}],
            "unknown_code": [{"channel": "'taobao'"}],
            "bad_timestamp": [
                {"starts_at": FUTURE_TS, "ends_at": "null"},
                {"ends_at": earlier("starts_at")},
                {"starts_at": UNPARSED},
            ],
        },
    ),
    "campaign_touches": TableRules(
        rekey={"touch_id": fresh("touch_id")},
        classes={
            "missing_key": [{"touch_id": "null"}],
            "duplicate_key": [{"touched_at": earlier("touched_at")}],
            "unknown_code": [
                {"touch_channel": "'fax'"},
                {"test_group": "'holdout'"},
                {"delivered": "'maybe'"},
            ],
            "bad_timestamp": [
                {"touched_at": FUTURE_TS},
                {"opened_at": UNPARSED},
                {"clicked_at": FUTURE_TS},
            ],
            "orphan": [{"campaign_id": "'CX' || n"}, {"member_id": "'MX' || n"}],
        },
    ),
    "service_tickets": TableRules(
        rekey={"ticket_id": fresh("ticket_id")},
        classes={
            "missing_key": [{"ticket_id": "null"}],
            "duplicate_key": [{"created_at": earlier("created_at")}],
            "unknown_code": [{"channel": "'taobao'"}, {"ticket_type": "'praise'"}],
            "bad_timestamp": [
                {"created_at": FUTURE_TS, "first_response_at": "null", "resolved_at": "null"},
                {"first_response_at": UNPARSED},
                {"resolved_at": FUTURE_TS},
            ],
            "out_of_range": [
                {"satisfaction_score": "'0'"},
                {"satisfaction_score": "'6'"},
                {"satisfaction_score": "'abc'"},
            ],
        },
    ),
    "reviews": TableRules(
        rekey={"review_id": fresh("review_id")},
        classes={
            "missing_key": [{"review_id": "null"}],
            "duplicate_key": [{"created_at": earlier("created_at")}],
            "unknown_code": [{"channel": "'taobao'"}],
            "bad_timestamp": [{"created_at": FUTURE_TS}, {"created_at": UNPARSED}],
            "orphan": [{"order_id": "'OX' || n"}],
            "out_of_range": [
                {"rating": "'0'"},
                {"rating": "'6'"},
                {"rating": "null"},
                {"rating": "'abc'"},
            ],
        },
    ),
    "surveys": TableRules(
        rekey={"response_id": fresh("response_id")},
        classes={
            "missing_key": [{"response_id": "null"}],
            "duplicate_key": [{"responded_at": earlier("responded_at")}],
            "bad_timestamp": [{"responded_at": FUTURE_TS}, {"responded_at": UNPARSED}],
            "orphan": [{"member_id": "'MX' || n"}],
            "out_of_range": [{"nps_score": "'11'"}, {"nps_score": "'-1'"}, {"nps_score": "null"}],
        },
    ),
    "exposure_resources": TableRules(
        rekey={"resource_id": fresh("resource_id")},
        classes={
            "missing_key": [
                {"resource_id": "null"},
                {"snapshot_date": "null"},
                {"channel": "'  '"},
            ],
            "duplicate_key": [{"resource_type": "'A-dup'"}],
            "unknown_code": [{"channel": "'taobao'"}, {"shows_member_entry": "'maybe'"}],
            "bad_timestamp": [{"snapshot_date": FUTURE_DATE}, {"snapshot_date": UNPARSED}],
        },
    ),
}


def class_counts(table: str, rows: int) -> dict[str, int]:
    """How many rows of each class to inject: small, at least 1, distinct when rows allow."""
    base = max(1, min(20, rows // 10000))
    spread = rows >= 10000
    counts = {}
    for index, reason in enumerate(r for r in REJECT_CLASSES if r in RULES[table].classes):
        counts[reason] = base + (index if spread else 0)
    counts["exact_duplicates"] = base
    return counts


def _row_expressions(table: str, reason: str, overrides: dict[str, str]) -> str:
    rules = RULES[table]
    reason_index = REJECT_CLASSES.index(reason)
    changed: dict[str, str] = {}
    if reason != "duplicate_key":
        changed.update(rules.rekey)
    changed.update(overrides)
    parts = []
    for name, _ in RAW_TABLES[table]:
        expression = changed.get(name, name)
        expression = expression.replace("{tag}", TAGS.get(reason, "dk"))
        expression = expression.replace("{ri}", str(reason_index))
        parts.append(f"cast({expression} as varchar) as {name}")
    return ", ".join(parts)


def _picks(relation: str, rows: int, count: int, phase: float) -> str:
    """Clean rows at `count` evenly spaced positions (distinct when count <= rows)."""
    return (
        f"select src.*, picks.n from {relation} as src "
        f"inner join (select range as n, floor((range + {phase}) * {rows} / {count})::bigint "
        f"as rid from range({count})) as picks on src.rowid = picks.rid"
    )


def inject(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> dict[str, int]:
    """Append the bad rows and exact duplicates of one table to its text relation."""
    rows = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
    if rows == 0:
        return {}
    counts = class_counts(table, rows)
    columns = ", ".join(name for name, _ in RAW_TABLES[table])
    staged = []
    for index, (reason, count) in enumerate(counts.items()):
        phase = (index + 1) / (len(counts) + 2)
        picks = _picks(relation, rows, count, phase)
        if reason == "exact_duplicates":
            staged.append(f"select {columns}, n from ({picks})")
            continue
        variants = RULES[table].classes[reason]
        for number, overrides in enumerate(variants):
            expressions = _row_expressions(table, reason, overrides)
            staged.append(
                f"select {expressions}, n from ({picks}) where n % {len(variants)} = {number}"
            )
    for index, select in enumerate(staged):
        con.execute(
            f"insert into {relation} select {columns} from ({select}) order by n /* part {index} */"
        )
    return counts
