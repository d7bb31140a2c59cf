"""An independent reference of KPI_SPEC.md's operations indicators, in plain Python.

Written from the spec's text (section "Operations indicators" and the shared terms
and readings above it), not from the project's SQL, as a test oracle:
`compute_ops_kpis(raw_dir)` reads the raw files of a CLEAN raw directory (no bad
rows; naive timestamps are business-local) and returns {(month, kpi): value} for
the 16 ops KPIs in every month of the output contract's range. DuckDB is used only
to read the files; every rule is ordinary Python over lists and dicts, one small
function per KPI, with the spec's wording quoted in comments.

A KPI that needs an absent optional table (tier_changes, points_ledger,
campaign_touches: no file or no rows) is None in every month (RAW_CONTRACT.md).
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")
TIERS_SEED = Path(__file__).resolve().parent.parent / "seeds" / "tiers.csv"
DEFAULT_POINTS_VALUE_CNY = 0.01

KPI_NAMES = (
    "tier_upgrade_rate",
    "tier_downgrade_rate",
    "upper_tier_share",
    "points_expired",
    "points_outstanding",
    "points_liability_cny",
    "points_expiry_rate_w12",
    "third_purchase_rate_90d",
    "new_member_purchase_rate_30d",
    "one_time_buyer_share",
    "member_discount_rate",
    "discounted_member_order_share",
    "touch_delivery_rate",
    "touch_open_rate",
    "touch_click_rate",
    "touch_conversion_rate_7d",
)

# RAW_CONTRACT.md: "A KPI that needs an absent table is NULL in every month".
NEEDS_TABLE = {
    "tier_upgrade_rate": "tier_changes",
    "tier_downgrade_rate": "tier_changes",
    "upper_tier_share": "tier_changes",
    "points_expired": "points_ledger",
    "points_outstanding": "points_ledger",
    "points_liability_cny": "points_ledger",
    "points_expiry_rate_w12": "points_ledger",
    "touch_delivery_rate": "campaign_touches",
    "touch_open_rate": "campaign_touches",
    "touch_click_rate": "campaign_touches",
    "touch_conversion_rate_7d": "campaign_touches",
}

Row = dict[str, Any]


# --------------------------------------------------------------------------- reading


def read_rows(raw_dir: Path, table: str) -> list[Row] | None:
    """The rows of `<table>.parquet` or `<table>.csv` as dicts; None when absent.
    CSV values stay text (converted by the readers below)."""
    parquet, text = raw_dir / f"{table}.parquet", raw_dir / f"{table}.csv"
    if parquet.exists():
        sql, path = "select * from read_parquet(?)", parquet
    elif text.exists():
        sql, path = "select * from read_csv(?, header = true, all_varchar = true)", text
    else:
        return None
    with duckdb.connect() as connection:
        cursor = connection.execute(sql, [str(path)])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def timestamp(value: Any) -> datetime | None:
    """A business-local naive datetime: offsets converted to Asia/Shanghai,
    naive values kept ("timestamps without an offset are already business-local")."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(BUSINESS_TIMEZONE).replace(tzinfo=None)
    return value


def required_timestamp(value: Any) -> datetime:
    """A timestamp of a not-null column (a clean raw set has no null there)."""
    parsed = timestamp(value)
    assert parsed is not None, value
    return parsed


def flag(value: Any) -> bool:
    """ "A NULL boolean flag is false"."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "t", "1", "yes", "y")
    return bool(value)


def amount(value: Any) -> Decimal:
    """A CNY amount with 2 decimals (NULL counts as 0)."""
    if value is None or value == "":
        return Decimal("0.00")
    return Decimal(str(value)).quantize(Decimal("0.01"))


def tier_ranks() -> dict[str, int]:
    """tier code -> `tier_rank` of the tiers seed."""
    with TIERS_SEED.open(encoding="utf-8") as handle:
        return {row["tier_code"]: int(row["tier_rank"]) for row in csv.DictReader(handle)}


# --------------------------------------------------------------------------- calendar


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_of(day: date) -> date:
    return date(day.year, day.month, 1)


def end(month: date) -> date:
    """`end(m)`: its last day."""
    return add_months(month, 1) - timedelta(days=1)


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """ "Ratios: NULL when the denominator is 0 or NULL"."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


# --------------------------------------------------------------------------- data


@dataclass
class Member:
    member_id: str
    joined: date
    exited: date | None
    tier: str

    def enrolled_at(self, day: date) -> bool:
        """ "Enrolled at date d: joined_at date <= d and (exited_at is null or its
        date > d)"."""
        return self.joined <= day and (self.exited is None or self.exited > day)


@dataclass
class MemberOrder:
    member_id: str
    paid_at: datetime
    day: date
    gross: Decimal
    discount: Decimal


@dataclass
class Touch:
    member_id: str
    touched_at: datetime
    delivered: bool
    opened: bool
    clicked: bool


@dataclass
class Data:
    members: dict[str, Member]
    member_orders: list[MemberOrder]
    months: list[date]
    # member -> [(changed_at, from_tier, to_tier)] sorted by changed_at
    tier_changes: dict[str, list[tuple[datetime, str, str]]] | None
    # member -> [(date, points, entry_type)]
    points: list[tuple[str, date, int, str]] | None
    touches: list[Touch] | None
    ranks: dict[str, int] = field(default_factory=tier_ranks)
    order_dates: dict[str, list[date]] = field(default_factory=dict)
    order_times: dict[str, list[datetime]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for order in self.member_orders:
            self.order_dates.setdefault(order.member_id, []).append(order.day)
            self.order_times.setdefault(order.member_id, []).append(order.paid_at)
        for values in (*self.order_dates.values(), *self.order_times.values()):
            values.sort()

    def enrolled(self, day: date) -> list[Member]:
        return [member for member in self.members.values() if member.enrolled_at(day)]

    def tier_at(self, member: Member, day: date) -> str:
        """ "to_tier of the member's last tier change whose changed_at date is <= d;
        if there is none, from_tier of the member's first tier change; if the member
        has no tier change, members.tier". An exited member keeps the tier of the
        exit date (only enrolled members are read here)."""
        changes = (self.tier_changes or {}).get(member.member_id, [])
        dated = [change for change in changes if change[0].date() <= day]
        if dated:
            return dated[-1][2]
        if changes:
            return changes[0][1]
        return member.tier


def load(raw_dir: Path) -> Data:
    member_rows = read_rows(raw_dir, "members")
    binding_rows = read_rows(raw_dir, "member_bindings")
    order_rows = read_rows(raw_dir, "orders")
    assert member_rows is not None and binding_rows is not None and order_rows is not None
    members: dict[str, Member] = {}
    for row in member_rows:
        exited = timestamp(row["exited_at"])
        members[row["member_id"]] = Member(
            member_id=row["member_id"],
            joined=required_timestamp(row["joined_at"]).date(),
            exited=exited.date() if exited else None,
            tier=row["tier"],
        )
    # "Its member is found through member_bindings on (channel, customer_id)."
    binding = {(row["channel"], row["customer_id"]): row["member_id"] for row in binding_rows}
    business_dates = [member.joined for member in members.values()]
    member_orders = []
    for row in order_rows:
        paid_at = timestamp(row["paid_at"])
        if paid_at is None:
            continue
        business_dates.append(paid_at.date())
        net = amount(row["paid_amount"]) - amount(row["refunded_amount"])
        # "Valid order: paid_at not null, status not cancelled, and net_amount > 0."
        if row["status"] == "cancelled" or net <= 0:
            continue
        member_id = binding.get((row["channel"], row["customer_id"]))
        member = members.get(member_id) if member_id is not None else None
        # "Member order: a valid order whose buyer binds to a member who was enrolled
        # on the order's date."
        if member is None or not member.enrolled_at(paid_at.date()):
            continue
        member_orders.append(
            MemberOrder(
                member_id=member.member_id,
                paid_at=paid_at,
                day=paid_at.date(),
                gross=amount(row["gross_amount"]),
                discount=amount(row["discount_amount"]),
            )
        )
    # output contract: months from the earliest to the latest business date among
    # members' joined_at and orders' paid_at
    first, last = month_of(min(business_dates)), month_of(max(business_dates))
    months = []
    while first <= last:
        months.append(first)
        first = add_months(first, 1)
    return Data(
        members=members,
        member_orders=member_orders,
        months=months,
        tier_changes=load_tier_changes(raw_dir, members),
        points=load_points(raw_dir, members),
        touches=load_touches(raw_dir, members),
    )


def load_tier_changes(
    raw_dir: Path, members: dict[str, Member]
) -> dict[str, list[tuple[datetime, str, str]]] | None:
    rows = read_rows(raw_dir, "tier_changes")
    if not rows:
        return None
    changes: dict[str, list[tuple[datetime, str, str]]] = {}
    for row in rows:
        if row["member_id"] in members:
            changes.setdefault(row["member_id"], []).append(
                (required_timestamp(row["changed_at"]), row["from_tier"], row["to_tier"])
            )
    for values in changes.values():
        values.sort()
    return changes


def load_points(
    raw_dir: Path, members: dict[str, Member]
) -> list[tuple[str, date, int, str]] | None:
    rows = read_rows(raw_dir, "points_ledger")
    if not rows:
        return None
    return [
        (
            row["member_id"],
            required_timestamp(row["occurred_at"]).date(),
            int(row["points"]),
            row["entry_type"],
        )
        for row in rows
        if row["member_id"] in members
    ]


def load_touches(raw_dir: Path, members: dict[str, Member]) -> list[Touch] | None:
    rows = read_rows(raw_dir, "campaign_touches")
    if not rows:
        return None
    # "treatment touches ... no enrolment test, as for interactions"
    return [
        Touch(
            member_id=row["member_id"],
            touched_at=required_timestamp(row["touched_at"]),
            delivered=flag(row["delivered"]),
            opened=timestamp(row["opened_at"]) is not None,
            clicked=timestamp(row["clicked_at"]) is not None,
        )
        for row in rows
        if row["test_group"] == "treatment" and row["member_id"] in members
    ]


# --------------------------------------------------------------------------- tier ladder


def tier_change_rate(data: Data, m: date, direction: int) -> float | None:
    """ "among members enrolled at both end(m-1) and end(m), the share whose tier at
    end(m) ranks above [below] their tier at end(m-1)"."""
    previous_end = end(add_months(m, -1))
    base = [member for member in data.enrolled(end(m)) if member.enrolled_at(previous_end)]
    moved = 0
    for member in base:
        change = (
            data.ranks[data.tier_at(member, end(m))]
            - data.ranks[data.tier_at(member, previous_end)]
        )
        moved += change * direction > 0
    return ratio(moved, len(base))


def upper_tier_share(data: Data, m: date) -> float | None:
    """ "members enrolled at end(m) whose tier at end(m) is not of the lowest rank in
    the seed / members_total"."""
    lowest = min(data.ranks.values())
    enrolled = data.enrolled(end(m))
    upper = sum(data.ranks[data.tier_at(member, end(m))] != lowest for member in enrolled)
    return ratio(upper, len(enrolled))


# --------------------------------------------------------------------------- points


def points_sum(data: Data, keep: Callable[[str, date, str], bool]) -> int:
    assert data.points is not None
    return sum(points for member_id, day, points, kind in data.points if keep(member_id, day, kind))


def points_expired(data: Data, m: date) -> int:
    """ "minus the sum of points of expire entries in m"."""
    return -points_sum(data, lambda _, day, kind: kind == "expire" and month_of(day) == m)


def points_outstanding(data: Data, m: date) -> int:
    """ "sum of points of all entries (every type) dated <= end(m) of members
    enrolled at end(m)"."""
    last = end(m)
    enrolled = {member.member_id for member in data.enrolled(last)}
    return points_sum(data, lambda member_id, day, _: member_id in enrolled and day <= last)


def points_expiry_rate_w12(data: Data, m: date) -> float | None:
    """ "points expired in W12(m) / points issued (earn) in W12(m)"; `W12(m)`: dates
    in `[start(m - 11), end(m)]`."""
    first, last = add_months(m, -11), end(m)
    expired = -points_sum(data, lambda _, day, kind: kind == "expire" and first <= day <= last)
    issued = points_sum(data, lambda _, day, kind: kind == "earn" and first <= day <= last)
    return ratio(expired, issued)


# --------------------------------------------------------------------------- purchase ladder


def third_purchase_rate_90d(data: Data, m: date) -> float | None:
    """ "cohort c = m - 4 months; for each member with at least two member-order
    dates, f = first member-order date, s = the earliest member-order date after f;
    members whose s is in c; share of them with a member order dated in
    (s, s + 90]"."""
    cohort = add_months(m, -4)
    size = converted = 0
    for dates in data.order_dates.values():
        distinct = sorted(set(dates))
        if len(distinct) < 2 or month_of(distinct[1]) != cohort:
            continue
        s = distinct[1]
        size += 1
        converted += any(s < day <= s + timedelta(days=90) for day in distinct)
    return ratio(converted, size)


def new_member_purchase_rate_30d(data: Data, m: date) -> float | None:
    """ "cohort c = m - 2 months: members whose joined_at date j is in c; share of
    them with a member order dated in [j, j + 30]"."""
    cohort = add_months(m, -2)
    size = bought = 0
    for member in data.members.values():
        if month_of(member.joined) != cohort:
            continue
        size += 1
        j = member.joined
        bought += any(
            j <= day <= j + timedelta(days=30) for day in data.order_dates.get(member.member_id, [])
        )
    return ratio(bought, size)


def one_time_buyer_share(data: Data, m: date) -> float | None:
    """ "among members enrolled at end(m) with >= 1 member order dated <= end(m), the
    share with exactly one"."""
    buyers = once = 0
    last = end(m)
    for member in data.enrolled(last):
        count = sum(day <= last for day in data.order_dates.get(member.member_id, []))
        buyers += count >= 1
        once += count == 1
    return ratio(once, buyers)


def member_discount_rate(data: Data, m: date) -> float | None:
    """ "sum of discount_amount / sum of gross_amount, over member orders in m"."""
    orders = [order for order in data.member_orders if month_of(order.day) == m]
    if not orders:
        return None
    return ratio(
        float(sum(order.discount for order in orders)), float(sum(order.gross for order in orders))
    )


def discounted_member_order_share(data: Data, m: date) -> float | None:
    """ "member orders in m with discount_amount > 0 / member orders in m"."""
    orders = [order for order in data.member_orders if month_of(order.day) == m]
    return ratio(sum(order.discount > 0 for order in orders), len(orders))


# --------------------------------------------------------------------------- touch funnel


def month_touches(data: Data, m: date) -> list[Touch]:
    """ "treatment touches whose touched_at date is in m"."""
    assert data.touches is not None
    return [touch for touch in data.touches if month_of(touch.touched_at.date()) == m]


def converted_7d(data: Data, touch: Touch) -> bool:
    """ "followed by a member order of the same member whose paid_at is in
    (touched_at, touched_at + 7 days], comparing timestamps"."""
    times = data.order_times.get(touch.member_id, [])
    after = bisect.bisect_right(times, touch.touched_at)
    return after < len(times) and times[after] <= touch.touched_at + timedelta(days=7)


def touch_rates(data: Data, m: date) -> dict[str, float | None]:
    touches = month_touches(data, m)
    delivered = [touch for touch in touches if touch.delivered]
    return {
        # "delivered / all"
        "touch_delivery_rate": ratio(len(delivered), len(touches)),
        # "delivered with opened_at not null / delivered"
        "touch_open_rate": ratio(sum(touch.opened for touch in delivered), len(delivered)),
        # "delivered with clicked_at not null / delivered"
        "touch_click_rate": ratio(sum(touch.clicked for touch in delivered), len(delivered)),
        # "(the campaign-effect response, counted per touch)"
        "touch_conversion_rate_7d": ratio(
            sum(converted_7d(data, touch) for touch in delivered), len(delivered)
        ),
    }


# --------------------------------------------------------------------------- all KPIs


def month_kpis(data: Data, m: date, points_value_cny: float) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    if data.tier_changes is not None:
        values["tier_upgrade_rate"] = tier_change_rate(data, m, +1)
        values["tier_downgrade_rate"] = tier_change_rate(data, m, -1)
        values["upper_tier_share"] = upper_tier_share(data, m)
    if data.points is not None:
        outstanding = points_outstanding(data, m)
        values["points_expired"] = float(points_expired(data, m))
        values["points_outstanding"] = float(outstanding)
        # "points_outstanding x var points_value_cny"
        values["points_liability_cny"] = float(outstanding) * points_value_cny
        values["points_expiry_rate_w12"] = points_expiry_rate_w12(data, m)
    if data.touches is not None:
        values.update(touch_rates(data, m))
    values["third_purchase_rate_90d"] = third_purchase_rate_90d(data, m)
    values["new_member_purchase_rate_30d"] = new_member_purchase_rate_30d(data, m)
    values["one_time_buyer_share"] = one_time_buyer_share(data, m)
    values["member_discount_rate"] = member_discount_rate(data, m)
    values["discounted_member_order_share"] = discounted_member_order_share(data, m)
    # a KPI whose optional table is absent stays None
    return {kpi: values.get(kpi) for kpi in KPI_NAMES}


def compute_ops_kpis(
    raw_dir: Path, points_value_cny: float = DEFAULT_POINTS_VALUE_CNY
) -> dict[tuple[str, str], float | None]:
    """(month 'YYYY-MM-DD', kpi) -> value for every ops KPI and output month."""
    data = load(raw_dir)
    return {
        (m.isoformat(), kpi): value
        for m in data.months
        for kpi, value in month_kpis(data, m, points_value_cny).items()
    }
