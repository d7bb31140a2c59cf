"""`memberkpi generate --layout drops`: the raw tables as daily drops.

RAW_CONTRACT.md "Daily drops": a table may arrive as `<table>/ds=YYYY-MM-DD/`
folders, each holding the rows created or changed that day. This module
splits the snapshot that `generate` writes (the current rows) into such
drops, so that the current rows of all drops are exactly the snapshot:

- the first drop, on `end_date - drop_days`, holds the initial load: every
  row whose business day (its dedupe timestamp; an order line follows its
  order; channel_traffic and exposure_resources their date) is on or before
  that day; each later day's drop holds the rows of that day;
- change traffic: some rows first arrive in an earlier version and reach
  their current values in a later drop:
  - late refunds: a refunded or partially refunded order first arrives
    paid, without refund, and its refund 3-32 days after it was placed;
  - cancellations after payment: a cancelled paid order first arrives
    paid, and its cancellation 1-5 days later;
  - member exits: a member who exits after their first drop arrives
    enrolled (no `exited_at`), the exit in the drop of its day;
  - tier changes: such a member arrives in the tier before their first
    later tier change, the current tier in the drop of the last change;
  - rebinds: one binding in 50 first arrives bound to another member and is
    rebound to its current member 1-20 days later;
  - deleted rows: one order in 200 has a test copy (`<order_id>-T`) that
    arrives with it and is deleted (`is_deleted` true) 1-3 days later.
  A change that would fall after `end_date`, or on or before the row's own
  drop, is not planted: the row arrives with its current values.

Every drop file carries `is_deleted` (false but for the delete markers).
Draws come from the generator's `uniform_draw` (seeded hash), so the same
arguments give the same drops.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from memberkpi.contract.generator_schema import RAW_TABLES
from memberkpi.contract.raw import load_contract
from memberkpi.core import paths
from memberkpi.core.sql_text import sql_string

DEFAULT_DROP_DAYS = 30
# the business day of a row of a table without a dedupe timestamp
DAY_COLUMNS = {"channel_traffic": "traffic_date", "exposure_resources": "snapshot_date"}
# salts of the change draws (uniform_draw's third argument)
SALT_REFUND, SALT_CANCEL, SALT_DELETE, SALT_REBIND = 9101, 9102, 9103, 9104


def _day(column: str, first_day: date, end_date: date) -> str:
    """The drop of a row whose business day is `column`."""
    return (
        f"coalesce(least(greatest(cast({column} as date), date '{first_day}'),"
        f" date '{end_date}'), date '{first_day}')"
    )


def _change(day: str, change_day: str, end_date: date) -> str:
    """A change day that is planted: after the row's drop, not after the end."""
    return f"({change_day} > {day} and {change_day} <= date '{end_date}')"


def _columns(table: str) -> str:
    return ", ".join(name for name, _ in RAW_TABLES[table])


def _plain_versions(table: str, day_column: str, first_day: date, end_date: date) -> str:
    return (
        f"select {_columns(table)}, false as is_deleted,"
        f" {_day(day_column, first_day, end_date)} as ds, row_order"
        f" from snapshot_{table}"
    )


def _days_after(start: str, key: str, salt: int, days: int) -> str:
    """start plus a drawn 0..days-1 days (uniform_draw of key and salt)."""
    return f"({start} + cast(floor(uniform_draw({key}, 1, {salt}) * {days}) as integer))"


def _order_versions(first_day: date, end_date: date) -> str:
    """Orders with late refunds, cancellations after payment and deleted test copies."""
    day = _day("ordered_at", first_day, end_date)
    refund_day = _days_after("cast(ordered_at as date) + 3", "order_id", SALT_REFUND, 30)
    cancel_day = _days_after("cast(ordered_at as date) + 1", "order_id", SALT_CANCEL, 5)
    delete_day = (
        f"least({_days_after(day + ' + 1', 'order_id', SALT_DELETE, 3)}, date '{end_date}')"
    )
    before = (
        "order_id, channel, customer_id, store_id, ordered_at, paid_at, 'paid' as status,"
        " gross_amount, discount_amount, paid_amount, cast(0 as decimal(18, 2)) as refunded_amount,"
        " mobile_hash"
    )
    test_copy = (
        "order_id || '-T' as order_id, channel, customer_id, store_id, ordered_at, paid_at,"
        " status, gross_amount, discount_amount, paid_amount, refunded_amount, mobile_hash"
    )
    return f"""
with orders as (
    select
        *,
        {day} as first_ds,
        case
            when status in ('refunded', 'partially_refunded') then {refund_day}
            when status = 'cancelled' and paid_at is not null then {cancel_day}
        end as change_ds,
        uniform_draw(order_id, 1, {SALT_DELETE}) < 0.005 and {day} < date '{end_date}'
            as has_test_copy
    from snapshot_orders
),

planted as (
    select *, coalesce({_change("first_ds", "change_ds", end_date)}, false) as is_changed
    from orders
)

select {before}, false as is_deleted, first_ds as ds, row_order
from planted where is_changed
union all
select {_columns("orders")}, false, case when is_changed then change_ds else first_ds end,
    row_order
from planted
union all
select {test_copy}, false, first_ds, row_order from planted where has_test_copy
union all
select {test_copy}, true, {delete_day}, row_order from planted where has_test_copy
"""


def _order_item_versions() -> str:
    """Order lines arrive with the first version of their order."""
    return f"""
select {", ".join("items." + name for name, _ in RAW_TABLES["order_items"])},
    false as is_deleted, coalesce(orders.ds, first_drop.ds) as ds, items.row_order
from snapshot_order_items as items
left join (
    select order_id, min(ds) as ds from versions_orders group by order_id
) as orders on items.order_id = orders.order_id
cross join (select min(ds) as ds from versions_orders) as first_drop
"""


def _member_versions(first_day: date, end_date: date) -> str:
    """Members who exit or change tier after their first drop."""
    day = _day("joined_at", first_day, end_date)
    earlier = ", ".join(
        {
            "exited_at": "case when exit_is_later then null else exited_at end as exited_at",
            "tier": "coalesce(earlier_tier, tier) as tier",
        }.get(name, name)
        for name, _ in RAW_TABLES["members"]
    )
    return f"""
with members as (
    select *, {day} as first_ds from snapshot_members
),

later_changes as (
    select
        members.member_id,
        arg_min(changes.from_tier, changes.changed_at) as earlier_tier,
        max(cast(changes.changed_at as date)) as last_change_ds
    from members
    inner join snapshot_tier_changes as changes
        on members.member_id = changes.member_id
        and cast(changes.changed_at as date) > members.first_ds
        and cast(changes.changed_at as date) <= date '{end_date}'
    group by members.member_id
),

planted as (
    select
        members.*,
        later_changes.earlier_tier,
        coalesce({_change("members.first_ds", "cast(members.exited_at as date)", end_date)},
            false) as exit_is_later,
        greatest(
            case when exit_is_later then cast(members.exited_at as date) end,
            later_changes.last_change_ds
        ) as change_ds
    from members
    left join later_changes on members.member_id = later_changes.member_id
)

select {earlier}, false as is_deleted, first_ds as ds, row_order
from planted where change_ds is not null
union all
select {_columns("members")}, false, coalesce(change_ds, first_ds), row_order
from planted
"""


def _binding_versions(first_day: date, end_date: date) -> str:
    """One binding in 50 first bound to another member, rebound later."""
    day = _day("bound_at", first_day, end_date)
    rebind_day = _days_after(f"{day} + 1", "customer_id", SALT_REBIND, 20)
    earlier = ", ".join(
        "other_member_id as member_id" if name == "member_id" else name
        for name, _ in RAW_TABLES["member_bindings"]
    )
    return f"""
with bindings as (
    select
        *,
        {day} as first_ds,
        {rebind_day} as rebind_ds,
        lead(member_id) over (order by row_order) as other_member_id
    from snapshot_member_bindings
),

planted as (
    select
        *,
        coalesce(
            uniform_draw(customer_id, 2, {SALT_REBIND}) < 0.02
            and other_member_id <> member_id
            and {_change("first_ds", "rebind_ds", end_date)},
            false
        ) as is_rebound
    from bindings
)

select {earlier}, false as is_deleted, first_ds as ds, row_order
from planted where is_rebound
union all
select {_columns("member_bindings")}, false,
    case when is_rebound then rebind_ds else first_ds end, row_order
from planted
"""


def write_drops(
    connection: duckdb.DuckDBPyConnection,
    snapshot_dir: Path,
    out: Path,
    file_format: str,
    end_date: date,
    drop_days: int,
) -> dict[str, int]:
    """Split the snapshot parquet files of snapshot_dir into drops under out;
    rows written per table (every version and delete marker)."""
    first_day = end_date - timedelta(days=drop_days)
    contract = load_contract(paths.PROJECT_DIR)
    for table in RAW_TABLES:
        connection.execute(
            f"create or replace temp table snapshot_{table} as"
            f" select *, row_number() over () as row_order"
            f" from read_parquet({sql_string(str(snapshot_dir / f'{table}.parquet'))})"
        )
    special = {
        "orders": _order_versions(first_day, end_date),
        "members": _member_versions(first_day, end_date),
        "member_bindings": _binding_versions(first_day, end_date),
    }
    # orders first: order_items follow the drops of their orders
    ordered = ["orders", *[table for table in RAW_TABLES if table != "orders"]]
    for table in ordered:
        if table == "order_items":
            query = _order_item_versions()
        elif table in special:
            query = special[table]
        else:
            day_column = contract[table].dedupe_timestamp or DAY_COLUMNS[table]
            query = _plain_versions(table, day_column, first_day, end_date)
        connection.execute(f"create or replace temp table versions_{table} as {query}")
    written: dict[str, int] = {}
    options = (
        "format parquet" if file_format == "parquet" else "format csv, header true, delimiter ','"
    )
    connection.execute("set threads = 1")  # one writer: the same bytes every time
    try:
        for table in RAW_TABLES:
            target = out / table
            result = connection.execute(
                f"copy (select {_columns(table)}, is_deleted, ds from versions_{table}"
                f" order by ds, row_order, is_deleted)"
                f" to {sql_string(str(target))} ({options}, partition_by (ds))"
            ).fetchall()
            written[table] = int(result[0][0])
    finally:
        connection.execute("set threads = 2")
    for table in RAW_TABLES:
        connection.execute(f"drop table if exists versions_{table}")
        connection.execute(f"drop table if exists snapshot_{table}")
    return written
