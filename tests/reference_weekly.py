"""An independent reference for `metrics.kpi_weekly`, in plain Python.

The weekly KPIs are KPI_SPEC's definitions for a month m read with m replaced
by the ISO week w (Monday to Sunday in business time) and end(m) by the week's
Sunday. The spec-text references already state each definition as a function
of a period: `reference_kpis.Kpis` reads a period only through its first and
last day (`start`, `end`, `in_month`), so handing it a pandas week period
(`freq="W-SUN"`, Monday..Sunday) gives the weekly value of the same sentence;
the touch funnel takes the treatment touches of `reference_ops_kpis` whose
touched_at date is in w. Neither reads the project's SQL.

`compute_weekly_kpis(raw_dir)` returns {(week 'YYYY-MM-DD' (its Monday), kpi):
value} for every weekly KPI and every week holding a day of the business-date
range (members' joined_at and orders' paid_at, as the month range of the
output contract), and `complete_weeks(raw_dir)` the weeks that lie wholly
inside the data: Monday on or after the first business date of a valid
order's paid_at, Sunday on or before the latest business date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

import reference_kpis
import reference_ops_kpis

# The weekly KPIs the reference computes (issue 23); the test compares them
# with metrics.yml's meta weekly: true.
MEMBER_KPIS = (
    "members_new",
    "active_members",
    "member_orders",
    "member_net_sales",
    "member_sales_share",
    "member_aov",
    "join_conversion_rate",
)
TOUCH_KPIS = (
    "touch_delivery_rate",
    "touch_open_rate",
    "touch_click_rate",
    "touch_conversion_rate_7d",
)
WEEKLY_KPIS = MEMBER_KPIS + TOUCH_KPIS


def week_range(data: reference_kpis.Data) -> list[pd.Period]:
    """Every ISO week from the week of the earliest business date among members'
    joined_at and orders' paid_at to the week of the latest."""
    dates = pd.concat(
        [data.members["join_date"], data.orders["order_date"]], ignore_index=True
    ).dropna()
    return list(
        pd.period_range(
            dates.min().to_period("W-SUN"), dates.max().to_period("W-SUN"), freq="W-SUN"
        )
    )


def monday(week: pd.Period) -> date:
    return week.start_time.date()


def touch_rates(data: reference_ops_kpis.Data, week: pd.Period) -> dict[str, float | None]:
    """The touch funnel over the treatment touches whose touched_at date is in w."""
    if data.touches is None:
        return dict.fromkeys(TOUCH_KPIS)
    first, last = week.start_time.date(), week.end_time.date()
    touches = [touch for touch in data.touches if first <= touch.touched_at.date() <= last]
    delivered = [touch for touch in touches if touch.delivered]
    ratio = reference_ops_kpis.ratio
    return {
        "touch_delivery_rate": ratio(len(delivered), len(touches)),
        "touch_open_rate": ratio(sum(touch.opened for touch in delivered), len(delivered)),
        "touch_click_rate": ratio(sum(touch.clicked for touch in delivered), len(delivered)),
        "touch_conversion_rate_7d": ratio(
            sum(reference_ops_kpis.converted_7d(data, touch) for touch in delivered),
            len(delivered),
        ),
    }


def compute_weekly_kpis(raw_dir: Path) -> dict[tuple[str, str], float | None]:
    data = reference_kpis.load(raw_dir)
    ops_data = reference_ops_kpis.load(raw_dir)
    kpis = reference_kpis.Kpis(data)
    values: dict[tuple[str, str], float | None] = {}
    for week in week_range(data):
        key = monday(week).isoformat()
        for kpi in MEMBER_KPIS:
            values[(key, kpi)] = kpis.value(kpi, week)
        for kpi, value in touch_rates(ops_data, week).items():
            values[(key, kpi)] = value
    return values


def complete_weeks(raw_dir: Path) -> set[str]:
    data = reference_kpis.load(raw_dir)
    dates = pd.concat(
        [data.members["join_date"], data.orders["order_date"]], ignore_index=True
    ).dropna()
    last = dates.max().date()
    first_paid = data.valid_orders["order_date"].min().date()
    return {
        monday(week).isoformat()
        for week in week_range(data)
        if week.start_time.date() >= first_paid and week.end_time.date() <= last
    }
