"""The raw contract's tables as the generator writes them.

Mirrors models/staging/raw/_raw__sources.yml (tests/unit/test_generate.py checks
that the two agree), so the generator needs no YAML parser at run time.
"""

from __future__ import annotations

RAW_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "members": (
        ("member_id", "varchar"),
        ("joined_at", "timestamp"),
        ("join_channel", "varchar"),
        ("exited_at", "timestamp"),
        ("tier", "varchar"),
        ("gender", "varchar"),
        ("birth_year", "integer"),
        ("city", "varchar"),
        ("city_tier", "integer"),
        ("sms_opt_in", "boolean"),
        ("wechat_bound", "boolean"),
        ("app_push_opt_in", "boolean"),
        ("mobile_hash", "varchar"),
    ),
    "member_bindings": (
        ("member_id", "varchar"),
        ("channel", "varchar"),
        ("customer_id", "varchar"),
        ("bound_at", "timestamp"),
    ),
    "orders": (
        ("order_id", "varchar"),
        ("channel", "varchar"),
        ("customer_id", "varchar"),
        ("store_id", "varchar"),
        ("ordered_at", "timestamp"),
        ("paid_at", "timestamp"),
        ("status", "varchar"),
        ("gross_amount", "decimal(18,2)"),
        ("discount_amount", "decimal(18,2)"),
        ("paid_amount", "decimal(18,2)"),
        ("refunded_amount", "decimal(18,2)"),
        ("mobile_hash", "varchar"),
    ),
    "order_items": (
        ("order_id", "varchar"),
        ("line_number", "integer"),
        ("sku_id", "varchar"),
        ("category", "varchar"),
        ("quantity", "integer"),
        ("unit_price", "decimal(18,2)"),
        ("line_amount", "decimal(18,2)"),
    ),
    "points_ledger": (
        ("entry_id", "varchar"),
        ("member_id", "varchar"),
        ("occurred_at", "timestamp"),
        ("points", "integer"),
        ("entry_type", "varchar"),
        ("order_id", "varchar"),
    ),
    "tier_changes": (
        ("member_id", "varchar"),
        ("changed_at", "timestamp"),
        ("from_tier", "varchar"),
        ("to_tier", "varchar"),
    ),
    "channel_traffic": (
        ("traffic_date", "date"),
        ("channel", "varchar"),
        ("visitors", "integer"),
    ),
    "interactions": (
        ("interaction_id", "varchar"),
        ("member_id", "varchar"),
        ("channel", "varchar"),
        ("occurred_at", "timestamp"),
        ("interaction_type", "varchar"),
    ),
    "campaigns": (
        ("campaign_id", "varchar"),
        ("campaign_name", "varchar"),
        ("channel", "varchar"),
        ("objective", "varchar"),
        ("starts_at", "timestamp"),
        ("ends_at", "timestamp"),
    ),
    "campaign_touches": (
        ("touch_id", "varchar"),
        ("campaign_id", "varchar"),
        ("member_id", "varchar"),
        ("touch_channel", "varchar"),
        ("test_group", "varchar"),
        ("touched_at", "timestamp"),
        ("delivered", "boolean"),
        ("opened_at", "timestamp"),
        ("clicked_at", "timestamp"),
    ),
    "service_tickets": (
        ("ticket_id", "varchar"),
        ("member_id", "varchar"),
        ("channel", "varchar"),
        ("order_id", "varchar"),
        ("ticket_type", "varchar"),
        ("created_at", "timestamp"),
        ("first_response_at", "timestamp"),
        ("resolved_at", "timestamp"),
        ("satisfaction_score", "integer"),
    ),
    "reviews": (
        ("review_id", "varchar"),
        ("order_id", "varchar"),
        ("channel", "varchar"),
        ("created_at", "timestamp"),
        ("rating", "integer"),
    ),
    "surveys": (
        ("response_id", "varchar"),
        ("member_id", "varchar"),
        ("responded_at", "timestamp"),
        ("nps_score", "integer"),
    ),
    "exposure_resources": (
        ("snapshot_date", "date"),
        ("channel", "varchar"),
        ("resource_id", "varchar"),
        ("resource_type", "varchar"),
        ("shows_member_entry", "boolean"),
    ),
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
