"""An independent reference implementation of KPI_SPEC.md in plain pandas.

Written from the spec's text alone (not from the project's SQL models), as a test
oracle: `compute_kpis(raw_dir)` reads the raw files of a CLEAN raw directory (no
bad rows; naive timestamps are business-local) and returns one row per
(month, kpi) for the 49 KPIs of the spec over the output contract's month range.

The style is deliberately plain: every KPI is a small function of a month that
filters the tables the way the spec's sentence reads, so that a reader can check
each one against KPI_SPEC.md line by line. Spec wording is quoted in comments.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

BUSINESS_TIMEZONE = "Asia/Shanghai"

# RAW_CONTRACT.md: "A KPI that needs an absent table is NULL in every month".
NEEDS_TABLE: dict[str, str] = {
    "points_issued": "points_ledger",
    "points_redeemed": "points_ledger",
    "points_redemption_rate": "points_ledger",
    "engagement_rate": "interactions",
    "join_conversion_rate": "channel_traffic",
    "purchase_conversion_rate": "channel_traffic",
    "csat": "service_tickets",
    "complaint_rate": "service_tickets",
    "first_response_minutes": "service_tickets",
    "resolution_rate_48h": "service_tickets",
    "nps": "surveys",
    "negative_review_rate": "reviews",
    "member_exposure_rate": "exposure_resources",
    "cross_category_rate": "order_items",
}

CORE_TREND_BASES = ("member_purchase_frequency", "member_aov", "retention_rate")

ALL_TABLES = (
    "members",
    "member_bindings",
    "orders",
    "order_items",
    "points_ledger",
    "tier_changes",
    "channel_traffic",
    "interactions",
    "campaigns",
    "campaign_touches",
    "service_tickets",
    "reviews",
    "surveys",
    "exposure_resources",
)

TIMESTAMP_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("joined_at", "exited_at"),
    "member_bindings": ("bound_at",),
    "orders": ("ordered_at", "paid_at"),
    "points_ledger": ("occurred_at",),
    "interactions": ("occurred_at",),
    "service_tickets": ("created_at", "first_response_at", "resolved_at"),
    "reviews": ("created_at",),
    "surveys": ("responded_at",),
}
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "channel_traffic": ("traffic_date",),
    "exposure_resources": ("snapshot_date",),
}
BOOL_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("sms_opt_in", "wechat_bound", "app_push_opt_in"),
    "exposure_resources": ("shows_member_entry",),
}
TEXT_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("member_id", "mobile_hash"),
    "member_bindings": ("member_id", "channel", "customer_id"),
    "orders": ("order_id", "channel", "customer_id", "status", "mobile_hash"),
    "order_items": ("order_id", "category"),
    "points_ledger": ("member_id", "entry_type"),
    "interactions": ("member_id", "channel"),
    "service_tickets": ("ticket_type",),
    "exposure_resources": ("channel", "resource_id"),
}


# --------------------------------------------------------------------------- reading


def _read_table(raw_dir: Path, name: str) -> pd.DataFrame | None:
    """`<table>.parquet` or `<table>.csv`; None when the file is absent."""
    parquet = raw_dir / f"{name}.parquet"
    csv = raw_dir / f"{name}.csv"
    if parquet.exists():
        frame = pd.read_parquet(parquet)
    elif csv.exists():
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False, na_values=[""])
    else:
        return None
    return _typed(name, frame)


def _to_business_local(values: pd.Series) -> pd.Series:
    """Timestamps as naive business-local datetimes (offsets converted, naive kept)."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        values = pd.to_datetime(values, format="ISO8601")
    else:
        values = pd.to_datetime(values)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert(BUSINESS_TIMEZONE).dt.tz_localize(None)
    return values


def _to_bool(values: pd.Series) -> pd.Series:
    """Spec: "A NULL boolean flag is false"."""

    def one(value: object) -> bool:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        if value is pd.NA:
            return False
        if isinstance(value, str):
            return value.strip().lower() in ("true", "t", "1", "yes", "y")
        return bool(value)

    return values.map(one).astype(bool)


def _typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in TIMESTAMP_COLUMNS.get(name, ()):
        frame[column] = _to_business_local(frame[column])
    for column in DATE_COLUMNS.get(name, ()):
        frame[column] = pd.to_datetime(frame[column]).dt.normalize()
    for column in BOOL_COLUMNS.get(name, ()):
        frame[column] = _to_bool(frame[column])
    for column in TEXT_KEY_COLUMNS.get(name, ()):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    numeric = {
        "orders": ("gross_amount", "discount_amount", "paid_amount", "refunded_amount"),
        "points_ledger": ("points",),
        "channel_traffic": ("visitors",),
        "service_tickets": ("satisfaction_score",),
        "reviews": ("rating",),
        "surveys": ("nps_score",),
    }
    for column in numeric.get(name, ()):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame


def _business_date(values: pd.Series) -> pd.Series:
    """ "A business date is the date of a timestamp in that zone" (midnight datetimes)."""
    return values.dt.normalize()


# --------------------------------------------------------------------------- calendar


def start(m: pd.Period) -> pd.Timestamp:
    """`start(m)`: its first day."""
    return m.start_time.normalize()


def end(m: pd.Period) -> pd.Timestamp:
    """`end(m)`: its last day."""
    return m.end_time.normalize()


def in_month(dates: pd.Series, m: pd.Period) -> pd.Series:
    return (dates >= start(m)) & (dates <= end(m))


def in_w12(dates: pd.Series, m: pd.Period) -> pd.Series:
    """`W12(m)`: dates in `[start(m - 11), end(m)]`."""
    return (dates >= start(m - 11)) & (dates <= end(m))


def in_w12prev(dates: pd.Series, m: pd.Period) -> pd.Series:
    """`W12prev(m)`: `[start(m - 23), end(m - 12)]`."""
    return (dates >= start(m - 23)) & (dates <= end(m - 12))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """ "Ratios: NULL when the denominator is 0 or NULL"."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


# --------------------------------------------------------------------------- model


@dataclass
class Data:
    members: pd.DataFrame  # + join_date, exit_date, reachable
    orders: pd.DataFrame  # + order_date, net_amount, member_id, person, is_valid, is_member_order
    interactions: pd.DataFrame  # known members only, + event_date
    tables: dict[str, pd.DataFrame | None]
    _enrolled: dict[pd.Timestamp, frozenset[str]] = field(default_factory=dict)

    # ---- "Enrolled at date d: joined_at date <= d and (exited_at is null or its date > d)."
    def enrolled_at(self, d: pd.Timestamp) -> frozenset[str]:
        if d not in self._enrolled:
            members = self.members
            mask = (members["join_date"] <= d) & (
                members["exit_date"].isna() | (members["exit_date"] > d)
            )
            self._enrolled[d] = frozenset(members.loc[mask, "member_id"])
        return self._enrolled[d]

    def reachable(self) -> frozenset[str]:
        return frozenset(self.members.loc[self.members["reachable"], "member_id"])

    def __post_init__(self) -> None:
        self.valid_orders = self.orders[self.orders["is_valid"]]
        self.member_orders = self.orders[self.orders["is_member_order"]]
        # all member-order dates of each member, for second_purchase_rate_90d
        self.member_order_dates: dict[str, list[pd.Timestamp]] = {
            member_id: sorted(dates)
            for member_id, dates in self.member_orders.groupby("member_id")["order_date"]
        }

    # ---- "Engaged in a window: >= 1 member order or >= 1 interaction dated in it."
    def engaged(self, window: Callable[[pd.Series], pd.Series]) -> set[str]:
        orders = self.member_orders
        interactions = self.interactions
        return set(orders.loc[window(orders["order_date"]), "member_id"]) | set(
            interactions.loc[window(interactions["event_date"]), "member_id"]
        )

    # ---- "every channel set use member orders and interactions together"
    def channels_engaged(self, window: Callable[[pd.Series], pd.Series]) -> dict[str, set[str]]:
        orders = self.member_orders
        interactions = self.interactions
        channels: dict[str, set[str]] = {}
        for member_id, channel in zip(
            orders.loc[window(orders["order_date"]), "member_id"],
            orders.loc[window(orders["order_date"]), "channel"],
            strict=True,
        ):
            channels.setdefault(member_id, set()).add(channel)
        sel = interactions[window(interactions["event_date"])]
        for member_id, channel in zip(sel["member_id"], sel["channel"], strict=True):
            channels.setdefault(member_id, set()).add(channel)
        return channels

    def member_order_counts(self, window: Callable[[pd.Series], pd.Series]) -> dict[str, int]:
        orders = self.member_orders
        return orders.loc[window(orders["order_date"]), "member_id"].value_counts().to_dict()


def load(raw_dir: Path) -> Data:
    tables = {name: _read_table(raw_dir, name) for name in ALL_TABLES}
    members = tables["members"]
    bindings = tables["member_bindings"]
    orders = tables["orders"]
    assert members is not None and bindings is not None and orders is not None

    members = members.copy()
    members["join_date"] = _business_date(members["joined_at"])
    members["exit_date"] = _business_date(members["exited_at"])
    # "Reachable: sms_opt_in or wechat_bound or app_push_opt_in."
    members["reachable"] = (
        members["sms_opt_in"] | members["wechat_bound"] | members["app_push_opt_in"]
    )
    join_date = dict(zip(members["member_id"], members["join_date"], strict=True))
    exit_date = dict(zip(members["member_id"], members["exit_date"], strict=True))

    # "Its member is found through member_bindings on (channel, customer_id)."
    binding = {
        (channel, customer_id): member_id
        for channel, customer_id, member_id in zip(
            bindings["channel"], bindings["customer_id"], bindings["member_id"], strict=True
        )
    }

    orders = orders.copy()
    orders["order_date"] = _business_date(orders["paid_at"])
    refunded = orders["refunded_amount"].fillna(0.0)
    # "net_amount = paid_amount - refunded_amount" (amounts have 2 decimals)
    orders["net_amount"] = (orders["paid_amount"] - refunded).round(2)
    orders["refunded_amount"] = refunded

    member_ids: list[str | None] = []
    persons: list[tuple[str, str]] = []
    valid: list[bool] = []
    member_flag: list[bool] = []
    for row in orders.itertuples(index=False):
        member_id = binding.get((row.channel, row.customer_id))
        member_ids.append(member_id)
        # "A buyer with no binding is a non-member person keyed by mobile_hash when
        # present, else by channel || ':' || customer_id." Bound buyers are the
        # member's person for all of their orders; never merged with unbound ones.
        if member_id is not None:
            persons.append(("member", member_id))
        elif row.mobile_hash is not None:
            persons.append(("mobile", row.mobile_hash))
        else:
            persons.append(("customer", f"{row.channel}:{row.customer_id}"))
        # "Valid order: paid_at not null, status not cancelled, and net_amount > 0."
        is_valid = not pd.isna(row.paid_at) and row.status != "cancelled" and row.net_amount > 0
        valid.append(bool(is_valid))
        # "Member order: a valid order whose buyer binds to a member who was enrolled
        # on the order's date."
        is_member_order = False
        if is_valid and member_id is not None:
            d = row.order_date
            exited = exit_date[member_id]
            is_member_order = bool(join_date[member_id] <= d and (pd.isna(exited) or exited > d))
        member_flag.append(is_member_order)
    orders["member_id"] = member_ids
    orders["person"] = persons
    orders["is_valid"] = valid
    orders["is_member_order"] = member_flag

    # "interactions of unknown members are ignored"; "Interactions count with no
    # enrolment test".
    interactions = tables["interactions"]
    if interactions is None:
        interactions = pd.DataFrame(
            {
                "member_id": pd.Series([], dtype=object),
                "channel": pd.Series([], dtype=object),
                "occurred_at": pd.Series([], dtype="datetime64[ns]"),
            }
        )
    interactions = interactions[interactions["member_id"].isin(set(members["member_id"]))].copy()
    interactions["event_date"] = _business_date(interactions["occurred_at"])

    return Data(members=members, orders=orders, interactions=interactions, tables=tables)


def month_range(data: Data) -> list[pd.Period]:
    """ "every month from the month of the earliest business date among members'
    joined_at and orders' paid_at to the month of the latest such date"."""
    dates = pd.concat(
        [data.members["join_date"], data.orders["order_date"]], ignore_index=True
    ).dropna()
    first = dates.min().to_period("M")
    last = dates.max().to_period("M")
    return list(pd.period_range(first, last, freq="M"))


# --------------------------------------------------------------------------- KPIs


class Kpis:
    """Each method is one KPI at month m; values are float, or None for NULL."""

    def __init__(self, data: Data) -> None:
        self.d = data
        self._cache: dict[tuple[str, pd.Period], float | None] = {}
        self._sets: dict[tuple[str, pd.Period], frozenset[str]] = {}

    def _memo_set(
        self, name: str, m: pd.Period, compute: Callable[[], set[str] | frozenset[str]]
    ) -> frozenset[str]:
        """Member sets are asked for many times per month; compute each once."""
        if (name, m) not in self._sets:
            self._sets[(name, m)] = frozenset(compute())
        return self._sets[(name, m)]

    def value(self, kpi: str, m: pd.Period) -> float | None:
        key = (kpi, m)
        if key not in self._cache:
            needed = NEEDS_TABLE.get(kpi)
            if needed is not None and self.d.tables.get(needed) is None:
                result: float | None = None
            else:
                raw = getattr(self, kpi)(m)
                result = None if raw is None else float(raw)
            self._cache[key] = result
        return self._cache[key]

    # ------------------------------------------------------------------ helpers
    def _month(self, m: pd.Period) -> Callable[[pd.Series], pd.Series]:
        return lambda dates: in_month(dates, m)

    def _w12(self, m: pd.Period) -> Callable[[pd.Series], pd.Series]:
        return lambda dates: in_w12(dates, m)

    def _engaged_in_month(self, m: pd.Period) -> frozenset[str]:
        return self._memo_set("engaged_month", m, lambda: self.d.engaged(self._month(m)))

    def _engaged_in_w12(self, m: pd.Period) -> frozenset[str]:
        return self._memo_set("engaged_w12", m, lambda: self.d.engaged(self._w12(m)))

    def _capital_members(self, m: pd.Period) -> frozenset[str]:
        # "members enrolled at end(m), reachable, and engaged in W12(m)"
        return self._memo_set(
            "capital",
            m,
            lambda: self.d.enrolled_at(end(m)) & self.d.reachable() & self._engaged_in_w12(m),
        )

    def _member_buyers(self, m: pd.Period) -> frozenset[str]:
        # "Member buyer in a window: a member with >= 1 member order dated in it."
        orders = self.d.member_orders
        return self._memo_set(
            "member_buyers",
            m,
            lambda: set(orders.loc[in_month(orders["order_date"], m), "member_id"]),
        )

    def _level(self, member_id: str, counts: dict[str, int]) -> int:
        # "L0 k=0, L1 k=1, L2 k=2..3, L3 k>=4"
        k = counts.get(member_id, 0)
        if k == 0:
            return 0
        if k == 1:
            return 1
        if k <= 3:
            return 2
        return 3

    def _total_buyers(self, m: pd.Period) -> int:
        # "total buyers (persons with a valid order in m)"
        orders = self.d.valid_orders
        return len(set(orders.loc[in_month(orders["order_date"], m), "person"]))

    def _visitors(self, m: pd.Period) -> float:
        traffic = self.d.tables["channel_traffic"]
        assert traffic is not None
        return float(traffic.loc[in_month(traffic["traffic_date"], m), "visitors"].sum())

    def _tickets_created(self, m: pd.Period) -> pd.DataFrame:
        tickets = self.d.tables["service_tickets"]
        assert tickets is not None
        return tickets[in_month(_business_date(tickets["created_at"]), m)]

    # ------------------------------------------------------------------ 4C
    def capital(self, m: pd.Period) -> float:
        return len(self._capital_members(m))

    def capital_rate(self, m: pd.Period) -> float | None:
        # "capital / members_total"
        return ratio(self.value("capital", m), self.value("members_total", m))

    def conversion(self, m: pd.Period) -> float | None:
        # "Numerator: members enrolled at end(m-1) and at end(m) whose level at m >
        # level at m-1. Denominator: members enrolled at end(m-1) and at end(m) with
        # level at m-1 < L3"
        both = self.d.enrolled_at(end(m - 1)) & self.d.enrolled_at(end(m))
        now = self.d.member_order_counts(self._w12(m))
        before = self.d.member_order_counts(self._w12(m - 1))
        denominator = [x for x in both if self._level(x, before) < 3]
        numerator = [x for x in denominator if self._level(x, now) > self._level(x, before)]
        return ratio(len(numerator), len(denominator))

    def clv(self, m: pd.Period) -> float | None:
        # "net sales in W12(m) of member orders of the capital members / capital"
        capital = self._capital_members(m)
        orders = self.d.member_orders
        sel = orders[in_w12(orders["order_date"], m) & orders["member_id"].isin(capital)]
        return ratio(float(sel["net_amount"].sum()), len(capital))

    def connection(self, m: pd.Period) -> float | None:
        # "members engaged (any channel) within month m and counted in capital / capital"
        capital = self._capital_members(m)
        engaged = self._engaged_in_month(m)
        return ratio(len(capital & engaged), len(capital))

    def cross_field_rate(self, m: pd.Period) -> float | None:
        # "capital members engaged in >= 2 distinct channels in W12(m) / capital"
        capital = self._capital_members(m)
        channels = self.d.channels_engaged(self._w12(m))
        numerator = [x for x in capital if len(channels.get(x, set())) >= 2]
        return ratio(len(numerator), len(capital))

    # ------------------------------------------------------------------ scale
    def members_total(self, m: pd.Period) -> float:
        # "members enrolled at end(m)"
        return len(self.d.enrolled_at(end(m)))

    def members_new(self, m: pd.Period) -> float:
        # "members whose joined_at date is in m"
        return int(in_month(self.d.members["join_date"], m).sum())

    def members_exited(self, m: pd.Period) -> float:
        # "members whose exited_at date is in m"
        return int(in_month(self.d.members["exit_date"], m).sum())

    def member_growth_rate(self, m: pd.Period) -> float | None:
        # "(members_total(m) - members_total(m-1)) / members_total(m-1)"
        now, before = self.members_total(m), self.members_total(m - 1)
        return ratio(now - before, before)

    def reachable_members(self, m: pd.Period) -> float:
        # "enrolled at end(m) and reachable"
        return len(self.d.enrolled_at(end(m)) & self.d.reachable())

    def join_conversion_rate(self, m: pd.Period) -> float | None:
        # "members_new / sum(channel_traffic.visitors over dates in m)"
        return ratio(self.members_new(m), self._visitors(m))

    # ------------------------------------------------------------------ activity
    def active_members(self, m: pd.Period) -> float:
        # "members enrolled at end(m) engaged within m"
        return len(self.d.enrolled_at(end(m)) & self._engaged_in_month(m))

    def activity_rate(self, m: pd.Period) -> float | None:
        return ratio(self.active_members(m), self.members_total(m))

    def engagement_rate(self, m: pd.Period) -> float | None:
        # "enrolled members at end(m) with >= 1 interaction in m / members_total"
        interactions = self.d.interactions
        interacted = set(interactions.loc[in_month(interactions["event_date"], m), "member_id"])
        return ratio(len(self.d.enrolled_at(end(m)) & interacted), self.members_total(m))

    def _points(self, m: pd.Period, entry_type: str) -> float:
        ledger = self.d.tables["points_ledger"]
        assert ledger is not None
        sel = ledger[
            (ledger["entry_type"] == entry_type)
            & in_month(_business_date(ledger["occurred_at"]), m)
        ]
        return float(sel["points"].sum())

    def points_issued(self, m: pd.Period) -> float:
        # "sum of points of earn entries in m"
        return self._points(m, "earn")

    def points_redeemed(self, m: pd.Period) -> float:
        # "minus the sum of points of redeem entries in m"
        return -self._points(m, "redeem")

    def points_redemption_rate(self, m: pd.Period) -> float | None:
        return ratio(self.points_redeemed(m), self.points_issued(m))

    # ------------------------------------------------------------------ purchase
    def total_net_sales(self, m: pd.Period) -> float:
        # "net sales of all valid orders in m"
        orders = self.d.valid_orders
        return float(orders.loc[in_month(orders["order_date"], m), "net_amount"].sum())

    def member_net_sales(self, m: pd.Period) -> float:
        orders = self.d.member_orders
        return float(orders.loc[in_month(orders["order_date"], m), "net_amount"].sum())

    def member_sales_share(self, m: pd.Period) -> float | None:
        return ratio(self.member_net_sales(m), self.total_net_sales(m))

    def member_orders(self, m: pd.Period) -> float:
        orders = self.d.member_orders
        return int(in_month(orders["order_date"], m).sum())

    def member_buyers(self, m: pd.Period) -> float:
        return len(self._member_buyers(m))

    def new_member_buyers(self, m: pd.Period) -> float:
        # "member buyers in m whose joined_at date is in m"
        members = self.d.members
        joined_in_m = set(members.loc[in_month(members["join_date"], m), "member_id"])
        return len(self._member_buyers(m) & joined_in_m)

    def returning_member_buyers(self, m: pd.Period) -> float:
        return self.member_buyers(m) - self.new_member_buyers(m)

    def member_buyer_share(self, m: pd.Period) -> float | None:
        return ratio(self.member_buyers(m), self._total_buyers(m))

    def member_purchase_penetration(self, m: pd.Period) -> float | None:
        return ratio(self.member_buyers(m), self.members_total(m))

    def member_aov(self, m: pd.Period) -> float | None:
        return ratio(self.member_net_sales(m), self.member_buyers(m))

    def member_order_value(self, m: pd.Period) -> float | None:
        return ratio(self.member_net_sales(m), self.member_orders(m))

    def member_purchase_frequency(self, m: pd.Period) -> float | None:
        return ratio(self.member_orders(m), self.member_buyers(m))

    def repeat_purchase_rate(self, m: pd.Period) -> float | None:
        # "members with >= 2 member orders in W12(m) / members with >= 1"
        counts = self.d.member_order_counts(self._w12(m))
        return ratio(sum(1 for k in counts.values() if k >= 2), len(counts))

    def second_purchase_rate_90d(self, m: pd.Period) -> float | None:
        # "cohort c = m - 4 months: members whose first-ever member order date f is in
        # c; share of them with another member order dated in (f, f + 90]"
        # "a second order on day f does not count; f + 90 is in calendar days"
        c = m - 4
        c_start, c_end = start(c), end(c)
        cohort = 0
        converted = 0
        for dates in self.d.member_order_dates.values():
            f = dates[0]  # first-ever member order date
            if not c_start <= f <= c_end:
                continue
            cohort += 1
            if any(f < other <= f + timedelta(days=90) for other in dates):
                converted += 1
        return ratio(converted, cohort)

    def cross_category_rate(self, m: pd.Period) -> float | None:
        # "member buyers in W12(m) whose member orders cover >= 2 distinct item
        # categories / member buyers in W12(m)"; "NULL categories are left out of
        # category counts; members whose orders have no item rows stay in the
        # denominator"
        items = self.d.tables["order_items"]
        assert items is not None
        orders = self.d.member_orders
        sel = orders[in_w12(orders["order_date"], m)]
        buyers = set(sel["member_id"])
        order_member = dict(zip(sel["order_id"], sel["member_id"], strict=True))
        categories: dict[str, set[str]] = {}
        for order_id, category in zip(items["order_id"], items["category"], strict=True):
            if order_id in order_member and category is not None:
                categories.setdefault(order_member[order_id], set()).add(category)
        numerator = [x for x in buyers if len(categories.get(x, set())) >= 2]
        return ratio(len(numerator), len(buyers))

    def member_exposure_rate(self, m: pd.Period) -> float | None:
        # "share of exposure_resources rows with shows_member_entry on the latest
        # snapshot_date within m"
        exposure = self.d.tables["exposure_resources"]
        assert exposure is not None
        sel = exposure[in_month(exposure["snapshot_date"], m)]
        if sel.empty:
            return None
        latest = sel[sel["snapshot_date"] == sel["snapshot_date"].max()]
        return ratio(int(latest["shows_member_entry"].sum()), len(latest))

    # ------------------------------------------------------------------ service
    def csat(self, m: pd.Period) -> float | None:
        # "mean satisfaction_score of tickets with resolved_at in m"; NULL scores left out
        tickets = self.d.tables["service_tickets"]
        assert tickets is not None
        resolved = tickets[in_month(_business_date(tickets["resolved_at"]), m)]
        scores = resolved["satisfaction_score"].dropna()
        return ratio(float(scores.sum()), len(scores))

    def complaint_rate(self, m: pd.Period) -> float | None:
        # "complaint tickets created in m / valid orders in m"
        created = self._tickets_created(m)
        complaints = int((created["ticket_type"] == "complaint").sum())
        orders = self.d.valid_orders
        return ratio(complaints, int(in_month(orders["order_date"], m).sum()))

    def refund_rate(self, m: pd.Period) -> float | None:
        # "among orders with paid_at in m and status not cancelled: the share with
        # refunded_amount > 0"
        orders = self.d.orders
        sel = orders[in_month(orders["order_date"], m) & (orders["status"] != "cancelled")]
        return ratio(int((sel["refunded_amount"] > 0).sum()), len(sel))

    def first_response_minutes(self, m: pd.Period) -> float | None:
        # "mean minutes from created_at to first_response_at, tickets created in m";
        # "exact (fractional) minutes over answered tickets only"
        created = self._tickets_created(m)
        answered = created[created["first_response_at"].notna()]
        minutes = [
            (response - created_at).total_seconds() / 60.0
            for created_at, response in zip(
                answered["created_at"], answered["first_response_at"], strict=True
            )
        ]
        return ratio(sum(minutes), len(minutes))

    def resolution_rate_48h(self, m: pd.Period) -> float | None:
        # "tickets created in m resolved within 48 h / tickets created in m";
        # "counts exactly 48 h as within; unresolved tickets count as not within"
        created = self._tickets_created(m)
        within = 0
        for created_at, resolved_at in zip(
            created["created_at"], created["resolved_at"], strict=True
        ):
            if not pd.isna(resolved_at) and resolved_at - created_at <= pd.Timedelta(hours=48):
                within += 1
        return ratio(within, len(created))

    def nps(self, m: pd.Period) -> float | None:
        # "100 x (share of responses in m scoring 9-10 - share scoring 0-6)";
        # NULL scores are left out of NPS shares
        surveys = self.d.tables["surveys"]
        assert surveys is not None
        scores = surveys.loc[
            in_month(_business_date(surveys["responded_at"]), m), "nps_score"
        ].dropna()
        if len(scores) == 0:
            return None
        promoters = int((scores >= 9).sum())
        detractors = int((scores <= 6).sum())
        return 100.0 * (promoters / len(scores) - detractors / len(scores))

    def negative_review_rate(self, m: pd.Period) -> float | None:
        # "reviews created in m with rating <= 2 / reviews created in m"
        reviews = self.d.tables["reviews"]
        assert reviews is not None
        sel = reviews[in_month(_business_date(reviews["created_at"]), m)]
        return ratio(int((sel["rating"] <= 2).sum()), len(sel))

    # ------------------------------------------------------------------ core / related
    def retention_rate(self, m: pd.Period) -> float | None:
        # "members with a member order in both W12prev(m) and W12(m) / members with a
        # member order in W12prev(m)"
        orders = self.d.member_orders
        before = set(orders.loc[in_w12prev(orders["order_date"], m), "member_id"])
        now = set(orders.loc[in_w12(orders["order_date"], m), "member_id"])
        return ratio(len(before & now), len(before))

    def purchase_conversion_rate(self, m: pd.Period) -> float | None:
        # "total buyers in m / visitors in m"
        return ratio(self._total_buyers(m), self._visitors(m))

    # ------------------------------------------------------------------ trends
    def trend(self, base: str, m: pd.Period, lag: int) -> float | None:
        # "x_mom = (x(m) - x(m-1)) / x(m-1)", "x_yoy = (x(m) - x(m-12)) / x(m-12)"
        # "(NULL when the base is NULL or 0)"
        now = self.value(base, m)
        before = self.value(base, m - lag)
        if now is None:
            return None
        return ratio(now - before if before is not None else None, before)


BASE_KPIS: tuple[str, ...] = (
    "capital",
    "capital_rate",
    "conversion",
    "clv",
    "connection",
    "cross_field_rate",
    "members_total",
    "members_new",
    "members_exited",
    "member_growth_rate",
    "reachable_members",
    "join_conversion_rate",
    "active_members",
    "activity_rate",
    "engagement_rate",
    "points_issued",
    "points_redeemed",
    "points_redemption_rate",
    "total_net_sales",
    "member_net_sales",
    "member_sales_share",
    "member_orders",
    "member_buyers",
    "new_member_buyers",
    "returning_member_buyers",
    "member_buyer_share",
    "member_purchase_penetration",
    "member_aov",
    "member_order_value",
    "member_purchase_frequency",
    "repeat_purchase_rate",
    "second_purchase_rate_90d",
    "cross_category_rate",
    "member_exposure_rate",
    "csat",
    "complaint_rate",
    "refund_rate",
    "first_response_minutes",
    "resolution_rate_48h",
    "nps",
    "negative_review_rate",
    "retention_rate",
    "purchase_conversion_rate",
)
TREND_KPIS: tuple[str, ...] = tuple(
    f"{base}_{suffix}" for base in CORE_TREND_BASES for suffix in ("mom", "yoy")
)
KPI_NAMES: tuple[str, ...] = BASE_KPIS + TREND_KPIS
assert len(KPI_NAMES) == 49


def compute_kpis(raw_dir: Path) -> pd.DataFrame:
    """All 49 KPIs of KPI_SPEC.md for every month of the output contract's range.

    Columns: month (datetime.date, first of month), kpi (str), value (float, NaN = NULL).
    """
    data = load(Path(raw_dir))
    kpis = Kpis(data)
    rows: list[tuple[date, str, float]] = []
    for m in month_range(data):
        for kpi in KPI_NAMES:
            if kpi in TREND_KPIS:
                base, suffix = kpi.rsplit("_", 1)
                value = kpis.trend(base, m, 1 if suffix == "mom" else 12)
            else:
                value = kpis.value(kpi, m)
            rows.append((start(m).date(), kpi, math.nan if value is None else float(value)))
    return pd.DataFrame(rows, columns=["month", "kpi", "value"])
