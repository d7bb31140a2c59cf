"""MetricFlow splits the member metrics by the member's attributes and by
the order channel (issue 21, acceptance 5).

On a build of the spec example, `mf query --metrics member_net_sales,
member_buyers --group-by metric_time__month,member__<attribute>` answers one
row per month and attribute value. Each group's value equals a count made
directly on the marts (fct_member_monthly joined to dim_member, in SQL
written here), and the groups of a month sum to kpi_monthly's value: a
member has one value of each attribute, so both metrics are additive over
it. Grouped by the order channel (`order__channel`: the metrics are
measured on the orders semantic model, day grain), each
channel's values equal metrics.kpi_monthly_by_channel (checked against a
plain-Python reference in test_kpi_splits); net sales sum to the total, and
buyers sum to at least the total (a member buying in two channels is a
buyer in each).
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from helpers import (
    SPEC_EXAMPLE,
    Build,
    dbt_executable,
    metricflow_project,
    query,
    values_agree,
)

pytestmark = pytest.mark.slow

METRICS = ("member_net_sales", "member_buyers")
ATTRIBUTES = ("tier", "city_tier", "age_band", "join_channel", "preferred_channel")
# the same counts straight from the marts: member orders' net sales and the
# members with a member order, per month and attribute value
DIRECT_SQL = """
select
    cast(monthly.report_month as varchar) as month,
    coalesce(cast(member.{attribute} as varchar), '') as attribute_value,
    sum(monthly.member_net_sales) as member_net_sales,
    sum(case when monthly.is_member_buyer then 1 else 0 end) as member_buyers
from marts.fct_member_monthly as monthly
inner join marts.dim_member as member on monthly.member_id = member.member_id
group by all
"""


@pytest.fixture(scope="module")
def build_dir(spec_example_build: Build) -> Path:
    """The session's shared build of the spec example."""
    return spec_example_build.work_dir


def complete_months(build_dir: Path) -> list[str]:
    rows = query(
        build_dir / "warehouse.duckdb",
        "select distinct cast(month as varchar) from metrics.kpi_monthly"
        " where is_complete_month order by 1",
    )
    return [month for (month,) in rows]


def mf_by_dimension(build_dir: Path, dimension: str, months: list[str]) -> list[dict[str, str]]:
    shadow, env = metricflow_project(build_dir, SPEC_EXAMPLE / "raw")
    out = shadow / f"mf_{dimension}.csv"
    completed = subprocess.run(
        [str(dbt_executable().parent / "mf"), "query", "--metrics", ",".join(METRICS),
         "--group-by", f"metric_time__month,{dimension}",
         "--start-time", months[0], "--end-time", months[-1], "--csv", str(out)],
        cwd=shadow, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    with out.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def as_number(text: str) -> float:
    return float(text) if text else 0.0


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_member_metrics_split_by_member_attribute(build_dir: Path, attribute: str) -> None:
    months = complete_months(build_dir)
    answered = mf_by_dimension(build_dir, f"member__{attribute}", months)
    column = f"member__{attribute}"
    by_group = {(row["metric_time__month"][:10], row[column]): row for row in answered}
    direct = query(build_dir / "warehouse.duckdb", DIRECT_SQL.format(attribute=attribute))
    checked_groups = 0
    for month, value, net_sales, buyers in direct:
        if month not in months or (net_sales == 0 and buyers == 0):
            continue
        row = by_group.get((month, value))
        assert row is not None, f"mf has no row for {month} {attribute}={value!r}"
        assert values_agree(float(net_sales), as_number(row["member_net_sales"]))
        assert values_agree(float(buyers), as_number(row["member_buyers"]))
        checked_groups += 1
    assert checked_groups > len(months), "too few non-empty groups to show a split"

    totals = {
        (month, kpi): value
        for month, kpi, value in query(
            build_dir / "warehouse.duckdb",
            "select cast(month as varchar), kpi, value from metrics.kpi_monthly"
            " where kpi in ('member_net_sales', 'member_buyers')",
        )
    }
    for month in months:
        month_rows = [row for (row_month, _), row in by_group.items() if row_month == month]
        for metric in METRICS:
            summed = sum(as_number(row[metric]) for row in month_rows)
            assert values_agree(totals[(month, metric)], summed), (month, metric, attribute)


def test_member_metrics_split_by_order_channel(build_dir: Path) -> None:
    months = complete_months(build_dir)
    column = "order__channel"
    answered = mf_by_dimension(build_dir, column, months)
    by_group = {(row["metric_time__month"][:10], row[column]): row for row in answered}
    split = query(
        build_dir / "warehouse.duckdb",
        "select cast(month as varchar), channel, kpi, value from metrics.kpi_monthly_by_channel"
        " where kpi in ('member_net_sales', 'member_buyers')",
    )
    checked = 0
    for month, channel, kpi, value in split:
        if month not in months or not value:
            continue
        row = by_group.get((month, channel))
        assert row is not None, f"mf has no row for {month} {channel}"
        assert values_agree(float(value), as_number(row[kpi])), (month, channel, kpi)
        checked += 1
    assert checked > len(months)
    totals = {
        (month, kpi): value
        for month, kpi, value in query(
            build_dir / "warehouse.duckdb",
            "select cast(month as varchar), kpi, value from metrics.kpi_monthly"
            " where kpi in ('member_net_sales', 'member_buyers')",
        )
    }
    for month in months:
        month_rows = [row for (row_month, _), row in by_group.items() if row_month == month]
        net_sales = sum(as_number(row["member_net_sales"]) for row in month_rows)
        buyers = sum(as_number(row["member_buyers"]) for row in month_rows)
        assert values_agree(totals[(month, "member_net_sales")], net_sales), month
        assert buyers >= totals[(month, "member_buyers")], month
