"""An independent reference of KPI_SPEC.md's "Splits" in plain pandas: the KPIs of
metrics.kpi_monthly_by_channel and metrics.kpi_monthly_by_tier, computed from the
raw files of a CLEAN raw directory (as tests/reference_kpis.py, whose loader and
KPI functions it reuses) by literally restricting the data the way the spec reads:

- By channel c: "a KPI restricted to the orders, interactions, traffic and
  exposure rows whose channel is c, and to the members whose join_channel is c for
  join counts; every ratio takes numerator and denominator from the same
  restriction, except connection, whose per-channel value keeps the all-channel
  capital denominator". Reviews are restricted by their channel as well.
- By tier t: "members whose tier at end(m) is t (a member who exited by end(m)
  keeps the tier of the exit date)": the month's data restricted to those
  members (their member orders, interactions and points entries). A member has a
  tier from the month of joining on (docs/decisions.md); the tier at a date is
  tests/reference_ops_kpis.py's reading of tier_changes.

Nothing here reads the warehouse or the project's SQL.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

import reference_kpis
import reference_ops_kpis
from reference_kpis import Data, Kpis, end, month_range, start

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# KPI_SPEC.md "Splits": the required KPIs of each split
CHANNEL_KPIS = (
    "connection", "member_net_sales", "member_buyers", "member_orders", "members_new",
    "total_net_sales", "member_sales_share", "member_aov", "member_order_value",
    "member_purchase_frequency", "join_conversion_rate", "member_exposure_rate",
    "refund_rate", "negative_review_rate",
)  # fmt: skip
TIER_KPIS = (
    "members_total", "members_new", "member_buyers", "member_net_sales", "member_aov",
    "member_purchase_frequency", "member_purchase_penetration", "repeat_purchase_rate",
    "activity_rate", "points_redemption_rate",
)  # fmt: skip

# the counts and sums: each fact row falls in one tier (a member holds one tier at
# end(m)) and in one channel (an order, a join, a visit has one channel), so the
# split adds up to the total; member_buyers adds up over tiers only, since a member
# buying in two channels is a buyer in each
ADDITIVE_OVER_CHANNEL = (
    "members_new", "member_net_sales", "member_orders", "total_net_sales",
)  # fmt: skip
ADDITIVE_OVER_TIER = ("members_total", "members_new", "member_buyers", "member_net_sales")

Key = tuple[str, str, str]  # (month 'YYYY-MM-DD', group, kpi)


def seed_codes(seed: str, column: str) -> list[str]:
    with (SEEDS / f"{seed}.csv").open(encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def restricted(data: Data, **tables: pd.DataFrame | None) -> Data:
    """A copy of data with some frames replaced: members, orders and interactions
    by keyword, any raw table of data.tables by its name."""
    members = tables.pop("members", data.members)
    orders = tables.pop("orders", data.orders)
    interactions = tables.pop("interactions", data.interactions)
    assert members is not None and orders is not None and interactions is not None
    return Data(
        members=members,
        orders=orders,
        interactions=interactions,
        tables={**data.tables, **tables},
    )


def by_channel(data: Data, channel: str) -> Data:
    """The data restricted to channel: orders, interactions, traffic, exposure and
    reviews whose channel is it; members whose join_channel is it."""
    tables: dict[str, pd.DataFrame | None] = {}
    for name in ("channel_traffic", "exposure_resources", "reviews"):
        frame = data.tables.get(name)
        tables[name] = None if frame is None else frame[frame["channel"] == channel]
    return restricted(
        data,
        members=data.members[data.members["join_channel"] == channel],
        orders=data.orders[data.orders["channel"] == channel],
        interactions=data.interactions[data.interactions["channel"] == channel],
        **tables,
    )


def channel_values(data: Data, months: list[pd.Period]) -> dict[Key, float | None]:
    whole = Kpis(data)
    values: dict[Key, float | None] = {}
    for channel in seed_codes("channels", "channel_code"):
        kpis = Kpis(by_channel(data, channel))
        for m in months:
            month = str(start(m).date())
            for kpi in CHANNEL_KPIS:
                if kpi == "connection":
                    # "members engaged ... in that channel within m and counted in
                    # capital / capital", capital of every channel
                    capital = whole._capital_members(m)
                    engaged = kpis._engaged_in_month(m)
                    value = reference_kpis.ratio(len(capital & engaged), len(capital))
                else:
                    value = kpis.value(kpi, m)
                values[(month, channel, kpi)] = value
    return values


def member_tiers(raw_dir: Path, m: pd.Period) -> dict[str, str]:
    """member_id -> tier at end(m), or at the exit date for a member who exited by
    then, for every member who joined by end(m)."""
    ops = tier_data(raw_dir)
    day = end(m).date()
    tiers: dict[str, str] = {}
    for member in ops.members.values():
        if member.joined > day:
            continue
        read_on = member.exited if member.exited is not None and member.exited < day else day
        tiers[member.member_id] = ops.tier_at(member, read_on)
    return tiers


_TIER_DATA: dict[Path, reference_ops_kpis.Data] = {}


def tier_data(raw_dir: Path) -> reference_ops_kpis.Data:
    if raw_dir not in _TIER_DATA:
        _TIER_DATA[raw_dir] = reference_ops_kpis.load(raw_dir)
    return _TIER_DATA[raw_dir]


def by_members(data: Data, member_ids: set[str]) -> Data:
    """The data restricted to the members member_ids: their member rows, their
    orders (through the order's member), interactions and points entries."""
    points = data.tables.get("points_ledger")
    return restricted(
        data,
        members=data.members[data.members["member_id"].isin(member_ids)],
        orders=data.orders[data.orders["member_id"].isin(member_ids)],
        interactions=data.interactions[data.interactions["member_id"].isin(member_ids)],
        points_ledger=None if points is None else points[points["member_id"].isin(member_ids)],
    )


def tier_values(data: Data, raw_dir: Path, months: list[pd.Period]) -> dict[Key, float | None]:
    values: dict[Key, float | None] = {}
    tiers = seed_codes("tiers", "tier_code")
    for m in months:
        month = str(start(m).date())
        of_member = member_tiers(raw_dir, m)
        for tier in tiers:
            kpis = Kpis(by_members(data, {x for x, t in of_member.items() if t == tier}))
            for kpi in TIER_KPIS:
                values[(month, tier, kpi)] = kpis.value(kpi, m)
    return values


def compute_splits(
    raw_dir: Path,
) -> tuple[dict[Key, float | None], dict[Key, float | None]]:
    """(by channel, by tier): (month, channel or tier, kpi) -> value (None = NULL)
    over the output contract's months, every channel of seed channels and every
    tier of seed tiers."""
    raw_dir = Path(raw_dir)
    data = reference_kpis.load(raw_dir)
    months = month_range(data)
    return channel_values(data, months), tier_values(data, raw_dir, months)


def totals(raw_dir: Path, kpis: tuple[str, ...]) -> dict[tuple[str, str], float | None]:
    """(month, kpi) -> the unsplit value of kpis, from reference_kpis."""
    data = reference_kpis.load(Path(raw_dir))
    whole = Kpis(data)
    return {
        (str(start(m).date()), kpi): whole.value(kpi, m) for m in month_range(data) for kpi in kpis
    }
