"""MetricFlow splits the member metrics by the member's attributes (issue 21,
acceptance 5, the member side).

On a build of the spec example, `mf query --metrics member_net_sales,
member_buyers --group-by metric_time__month,member__<attribute>` answers one
row per month and attribute value. Each group's value equals a count made
directly on the marts (fct_member_monthly joined to dim_member, in SQL
written here), and the groups of a month sum to kpi_monthly's value: a
member has one value of each attribute, so both metrics are additive over
it.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from helpers import (
    SPEC_EXAMPLE,
    dbt_executable,
    metricflow_project,
    query,
    run_dbt,
    values_agree,
)

pytestmark = pytest.mark.slow

AS_OF = "2024-12-31"
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
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work_dir = tmp_path_factory.mktemp("mf_member_dims")
    result = run_dbt(
        ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
        work_dir=work_dir,
        raw_dir=SPEC_EXAMPLE / "raw",
        dbt_vars={"as_of_date": AS_OF},
    )
    assert result.success, result.output
    return work_dir


def complete_months(build_dir: Path) -> list[str]:
    rows = query(
        build_dir / "warehouse.duckdb",
        "select distinct cast(month as varchar) from metrics.kpi_monthly"
        " where is_complete_month order by 1",
    )
    return [month for (month,) in rows]


def mf_by_attribute(build_dir: Path, attribute: str, months: list[str]) -> list[dict[str, str]]:
    shadow, env = metricflow_project(build_dir, SPEC_EXAMPLE / "raw")
    out = shadow / f"mf_{attribute}.csv"
    completed = subprocess.run(
        [str(dbt_executable().parent / "mf"), "query", "--metrics", ",".join(METRICS),
         "--group-by", f"metric_time__month,member__{attribute}",
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
    answered = mf_by_attribute(build_dir, attribute, months)
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
