"""The calendar follows the data (issue 20, acceptance 5).

tests/fixtures/year_1997/ holds only the three required tables: 32 CDNOW
customers (1-32 of tests/fixtures/cdnow_sample.csv) as members, 8 more
(33-40) as buyers with no binding, their 108 real 1997-1998 purchases as
orders, one member (M41) who joins in 1998-04 and never buys, and one order
dated 1970-01-01 (an epoch-zero placeholder). The fixture's README says how
joins, exits, channels and the odd order were set.

Built with default vars except `as_of_date`, the warehouse must:
- give the KPIs counted by hand below, and the same KPIs as a plain-Python
  count from the CSV rows for every month;
- report exactly the months 1997-01 .. 1998-06 (KPI_SPEC output contract:
  from the month of the earliest `joined_at` / `paid_at` business date of
  the clean rows to the month of the latest);
- hold a calendar (dim_date and the MetricFlow time spines) of whole years
  from the year before the data (1996) to the as-of date's year (1998),
  nowhere near the old fixed 2015-2035 range, with ISO weekdays equal to
  DuckDB's own `isodow` on every day;
- quarantine the 1970-01-01 order as `bad_timestamp` (var
  `earliest_business_date`, default 1990-01-01).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal

import pytest

from helpers import FIXTURES, Build, dbt_executable, metricflow_project, query, run_dbt

YEAR_1997 = FIXTURES / "year_1997"
AS_OF = dt.date(1998, 6, 30)
# RAW_CONTRACT.md: timestamps before var earliest_business_date (default) are bad input
EARLIEST_BUSINESS_DATE = dt.date(1990, 1, 1)
RELATIVE_TOLERANCE = 1e-9

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`dbt build` of the fixture, default vars except as_of_date."""
    root = tmp_path_factory.mktemp("year_1997")
    raw_dir = root / "raw"
    shutil.copytree(YEAR_1997, raw_dir, ignore=shutil.ignore_patterns("*.md"))
    result = run_dbt(
        ["build"],
        work_dir=root / "dbt",
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": AS_OF.isoformat()},
    )
    assert result.success, result.output[-4000:]
    return Build(raw_dir=raw_dir, work_dir=root / "dbt")


@pytest.fixture(scope="module")
def kpi_monthly(build: Build) -> dict[tuple[str, str], float | None]:
    rows = query(
        build.db_path,
        "select cast(month as varchar), kpi, value from metrics.kpi_monthly",
    )
    return {(month, kpi): value for month, kpi, value in rows}


def agree(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)


# ---------------------------------------------------------------- by hand
# Cast: members M01..M32 are CDNOW customers 1..32 (odd: tmall, even: jd),
# joined on their first purchase day at 09:00 (all 1997-01-01 or 01-02), except
# M05 M10 M15 (1997-02-10) and M20 M25 M30 (1997-02-11): 40 days later, so their
# first order is a non-member order; M06 M12 M18 M24 joined 1997-03-15 15:00.
# M07 M14 M21 M28 exited 1997-10-15 18:00, M13 exited 1998-02-24 10:00.
# Every order is paid at 12:00; M06's 1997-04-24 order is cancelled, M11's
# 1997-03-02 order (15.99) has 5.00 refunded, M17's 1997-02-12 order is fully
# refunded (net 0: not valid).
HAND: dict[str, dict[str, float]] = {
    "1997-03-01": {
        # enrolled at 1997-03-31: M01..M32 (M41 joins in 1998) -> 32
        "members_total": 32,
        # joined in March: M06 M12 M18 M24 -> 4
        "members_new": 4,
        # March orders, all members': M06 03-15 77.96 (joining day, joined 15:00,
        # paid 12:00: dates compare, so a member order), M11 03-02 15.99 - 5.00 =
        # 10.99, M17 03-11 15.36, M21 03-02 34.60 -> 4 orders, 138.91
        "member_orders": 4,
        "member_net_sales": 77.96 + 10.99 + 15.36 + 34.60,
        "total_net_sales": 77.96 + 10.99 + 15.36 + 34.60,
        "member_buyers": 4,
        # enrolled at 03-31 with a March member order (no interactions table)
        "active_members": 4,
        # W12 = 1996-04-01..1997-03-31, member orders per member: M01 2, M02 2,
        # M03 1, M04 1, M06 1 (01-01 and 01-11 pre-join), M07 2, M08 1, M09 1,
        # M11 4, M13 1, M14 1, M16 1, M17 5 (02-12 net 0), M19 2, M21 2, M22 1,
        # M23 1, M26 3, M27 1, M28 1, M29 1, M30 1 (01-02 pre-join), M31 1, M32 1
        # -> 24 with >= 1; >= 2: M01 M02 M07 M11 M17 M19 M21 M26 -> 8
        "repeat_purchase_rate": 8 / 24,
    },
    "1998-02-01": {
        # 32 minus the October exits M07 M14 M21 M28 and M13 (02-24) -> 27
        "members_total": 27,
        "members_new": 0,
        "members_exited": 1,
        # member orders: M06 02-15 123.96, 02-21 32.98, 02-26 23.06; M09 02-10
        # 28.49, 02-11 28.98; M19 02-15 15.49 -> 6 orders, 252.96. M13's 02-24
        # 11.49 is on its exit day: not a member order, still a valid order.
        "member_orders": 6,
        "member_net_sales": 123.96 + 32.98 + 23.06 + 28.49 + 28.98 + 15.49,
        "total_net_sales": 123.96 + 32.98 + 23.06 + 28.49 + 28.98 + 15.49 + 11.49,
        "member_buyers": 3,
        "active_members": 3,
        # W12 = 1997-03-01..1998-02-28: M01 2 (08-02, 12-12), M06 11, M09 4,
        # M11 4, M13 4 (Nov-Dec 1997), M17 8, M19 3, M21 2 (before its exit),
        # M25 1 (1997-12-21), M28 1 (1997-07-27) -> 8 of 10
        "repeat_purchase_rate": 8 / 10,
    },
}


def test_hand_counted_kpis(kpi_monthly: dict[tuple[str, str], float | None]) -> None:
    wrong = [
        (month, kpi, expected, kpi_monthly.get((month, kpi)))
        for month, values in HAND.items()
        for kpi, expected in values.items()
        if not agree(kpi_monthly.get((month, kpi)), expected)
    ]
    assert not wrong, wrong


# ------------------------------------------------- plain Python, every month
def read_rows(table: str) -> list[dict[str, str]]:
    with (YEAR_1997 / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def business_date(text: str) -> dt.date | None:
    """The fixture's timestamps carry no offset: business-local already."""
    return dt.date.fromisoformat(text[:10]) if text else None


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def is_good_date(day: dt.date | None) -> bool:
    return day is None or EARLIEST_BUSINESS_DATE <= day <= AS_OF


def expected_kpis() -> tuple[list[dt.date], dict[tuple[str, str], float | None]]:
    """Report months and KPIs counted from the CSV rows as KPI_SPEC reads."""
    members = {
        row["member_id"]: (business_date(row["joined_at"]), business_date(row["exited_at"]))
        for row in read_rows("members")
    }
    bindings = {
        (row["channel"], row["customer_id"]): row["member_id"]
        for row in read_rows("member_bindings")
    }

    def enrolled(member_id: str, day: dt.date) -> bool:
        joined, exited = members[member_id]
        return joined <= day and (exited is None or exited > day)

    clean_orders = [
        row
        for row in read_rows("orders")
        if is_good_date(business_date(row["ordered_at"]))
        and is_good_date(business_date(row["paid_at"]))
    ]
    valid = []  # (date, net, member_id or None)
    for row in clean_orders:
        paid = business_date(row["paid_at"])
        net = Decimal(row["paid_amount"]) - Decimal(row["refunded_amount"])
        if paid is None or row["status"] == "cancelled" or net <= 0:
            continue
        member_id = bindings.get((row["channel"], row["customer_id"]))
        is_member_order = member_id is not None and enrolled(member_id, paid)
        valid.append((paid, net, member_id if is_member_order else None))

    business_dates = [joined for joined, _ in members.values()] + [
        day for row in clean_orders if (day := business_date(row["paid_at"])) is not None
    ]
    months = [month_start(min(business_dates))]
    while months[-1] < month_start(max(business_dates)):
        months.append(add_months(months[-1], 1))

    expected: dict[tuple[str, str], float | None] = {}
    for month in months:
        end = month_end(month)
        w12_start = add_months(month, -11)
        in_month = [order for order in valid if month_start(order[0]) == month]
        member_in_month = [order for order in in_month if order[2] is not None]
        w12_counts: dict[str, int] = defaultdict(int)
        for day, _, member_id in valid:
            if member_id is not None and w12_start <= day <= end:
                w12_counts[member_id] += 1
        buyers = {order[2] for order in member_in_month}
        key = month.isoformat()
        expected[(key, "members_total")] = sum(enrolled(m, end) for m in members)
        expected[(key, "members_new")] = sum(
            month_start(joined) == month for joined, _ in members.values()
        )
        expected[(key, "members_exited")] = sum(
            exited is not None and month_start(exited) == month for _, exited in members.values()
        )
        expected[(key, "total_net_sales")] = float(sum(net for _, net, _ in in_month))
        expected[(key, "member_net_sales")] = float(sum(net for _, net, _ in member_in_month))
        expected[(key, "member_orders")] = len(member_in_month)
        expected[(key, "member_buyers")] = len(buyers)
        expected[(key, "active_members")] = sum(enrolled(m, end) for m in buyers)
        with_one = len(w12_counts)
        with_two = sum(count >= 2 for count in w12_counts.values())
        expected[(key, "repeat_purchase_rate")] = with_two / with_one if with_one else None
    return months, expected


def test_report_months_follow_the_data(kpi_monthly: dict[tuple[str, str], float | None]) -> None:
    """1997-01 .. 1998-06, every month once: nothing from the 1970 order,
    nothing up to the as-of year's end."""
    months, _ = expected_kpis()
    assert months[0] == dt.date(1997, 1, 1)
    assert months[-1] == dt.date(1998, 6, 1)
    assert len(months) == 18
    assert sorted({month for month, _ in kpi_monthly}) == [m.isoformat() for m in months]


def test_kpis_equal_plain_python_every_month(
    kpi_monthly: dict[tuple[str, str], float | None],
) -> None:
    _, expected = expected_kpis()
    wrong = [
        (key, value, kpi_monthly.get(key))
        for key, value in expected.items()
        if key not in kpi_monthly or not agree(kpi_monthly[key], value)
    ]
    assert not wrong, wrong


def test_hand_counts_agree_with_plain_python() -> None:
    """The two independent counts of this module say the same."""
    _, expected = expected_kpis()
    for month, values in HAND.items():
        for kpi, value in values.items():
            assert agree(expected[(month, kpi)], value), (month, kpi)


# ----------------------------------------------------------------- calendar
def test_calendar_is_whole_years_around_the_data(build: Build) -> None:
    """Earliest clean date 1997-01-01 (joins, bindings, orders) -> from
    1996-01-01; as-of date 1998-06-30 -> to 1998-12-31; every day once."""
    first, last = dt.date(1996, 1, 1), dt.date(1998, 12, 31)
    days = (last - first).days + 1
    assert query(
        build.db_path,
        "select min(date_day), max(date_day), count(distinct date_day) from marts.dim_date",
    ) == [(first, last, days)]
    assert query(
        build.db_path,
        "select min(date_day), max(date_day), count(*) from marts.metricflow_time_spine",
    ) == [(first, last, days)]
    assert query(
        build.db_path,
        "select min(month_start_date), max(month_start_date), count(*)"
        " from marts.metricflow_time_spine_month",
    ) == [(first, dt.date(1998, 12, 1), 36)]


def test_calendar_does_not_reach_2015(build: Build) -> None:
    assert query(
        build.db_path,
        "select count(*) from marts.dim_date where date_day >= date '1999-01-01'",
    ) == [(0,)]


def test_iso_weekday_is_duckdb_isodow_on_every_day(build: Build) -> None:
    assert query(
        build.db_path,
        "select count(*), count_if(iso_weekday is distinct from isodow(date_day))"
        " from marts.dim_date",
    ) == [(1096, 0)]
    # known days: 1996-01-01 a Monday, 1997-01-01 a Wednesday, 1998-06-28 a Sunday
    assert query(
        build.db_path,
        "select date_day, iso_weekday, is_weekend from marts.dim_date"
        " where date_day in ('1996-01-01', '1997-01-01', '1998-06-28') order by 1",
    ) == [
        (dt.date(1996, 1, 1), 1, False),
        (dt.date(1997, 1, 1), 3, False),
        (dt.date(1998, 6, 28), 7, True),
    ]


def test_metricflow_answers_over_the_data_calendar(
    build: Build, kpi_monthly: dict[tuple[str, str], float | None]
) -> None:
    """`mf query` by month over the 1997-1998 time spines equals kpi_monthly,
    a YoY offset metric included. The months are picked with --where, not
    --start-time: dbt-metricflow 0.15 moves a --start-time before 2000-01-01
    up to 2000-01-01 (TimeRangeConstraint.ALL_TIME_BEGIN), which leaves a
    1997-1998 query empty (helpers.metricflow_mismatches uses --start-time)."""
    metrics = ["members_total", "member_net_sales", "member_orders", "repeat_purchase_rate"]
    metrics.append("member_aov_yoy")
    shadow, env = metricflow_project(build.work_dir, build.raw_dir)
    out = shadow / "mf_year_1997.csv"
    where = "{{ TimeDimension('metric_time', 'month') }} between '1997-01-01' and '1998-06-01'"
    completed = subprocess.run(
        [str(dbt_executable().parent / "mf"), "query", "--metrics", ",".join(metrics),
         "--group-by", "metric_time__month", "--where", where, "--csv", str(out)],
        cwd=shadow, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    with out.open(encoding="utf-8") as handle:
        answered = list(csv.DictReader(handle))
    months, _ = expected_kpis()
    assert sorted(row["metric_time__month"][:10] for row in answered) == [
        month.isoformat() for month in months
    ]
    wrong = [
        (row["metric_time__month"][:10], metric, row[metric])
        for row in answered
        for metric in metrics
        if not agree(
            float(row[metric]) if row[metric] else None,
            kpi_monthly[(row["metric_time__month"][:10], metric)],
        )
    ]
    assert not wrong, wrong


# ----------------------------------------------------------------- quarantine
def test_epoch_zero_order_is_quarantined(build: Build) -> None:
    assert query(
        build.db_path,
        "select order_id, reject_reason from staging.quarantine_raw__orders",
    ) == [("cd1-epoch", "bad_timestamp")]
    assert query(
        build.db_path, "select count(*) from marts.fct_orders where order_id = 'cd1-epoch'"
    ) == [(0,)]
