"""metrics.kpi_weekly: the operating KPIs by ISO week (issue 23, acceptance 4).

The warehouse agrees with an independent reference (tests/reference_weekly.py)
on the spec example and on 3,000 generated members; over the whole data the
weekly sums of members_new, member_orders and member_net_sales equal the
monthly ones; a week of the hand-made fixture is counted by hand for every
weekly KPI; and `mf query ... --group-by metric_time__week` equals kpi_weekly
in every complete week.
"""

from __future__ import annotations

import csv
import math
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import GeneratedBuild
from helpers import (
    PROJECT_DIR,
    Build,
    dbt_executable,
    metricflow_project,
    query,
    values_agree,
)
from reference_weekly import WEEKLY_KPIS, complete_weeks, compute_weekly_kpis

Key = tuple[str, str]
ADDITIVE_KPIS = ("members_new", "member_orders", "member_net_sales")


def weekly_metrics_meta() -> dict[str, dict[str, object]]:
    """The meta of every metric of metrics.yml with meta weekly: true, by name."""
    document = yaml.safe_load((PROJECT_DIR / "metrics.yml").read_text(encoding="utf-8"))
    return {
        metric["name"]: metric["config"]["meta"]
        for metric in document["metrics"]
        if ((metric.get("config") or {}).get("meta") or {}).get("weekly") is True
    }


def built_kpi_weekly(db_path: Path) -> dict[Key, float | None]:
    rows = query(db_path, "select cast(week as varchar), kpi, value from metrics.kpi_weekly")
    return {(week, kpi): value for week, kpi, value in rows}


def built_complete_weeks(db_path: Path) -> set[str]:
    rows = query(
        db_path,
        "select distinct cast(week as varchar) from metrics.kpi_weekly where is_complete_week",
    )
    return {week for (week,) in rows}


def assert_matches_reference(build: Build) -> int:
    reference = compute_weekly_kpis(build.raw_dir)
    built = built_kpi_weekly(build.db_path)
    assert set(reference) == set(built), sorted(set(reference) ^ set(built))[:20]
    wrong = [
        (key, reference[key], built[key])
        for key in sorted(reference)
        if not values_agree(reference[key], built[key])
    ]
    assert not wrong, wrong[:20]
    assert built_complete_weeks(build.db_path) == complete_weeks(build.raw_dir)
    return len(reference)


def test_weekly_kpis_are_the_metrics_with_meta_weekly() -> None:
    """The weekly KPI list is derived from metrics.yml (meta weekly: true); it is
    the list of issue 23, and a weekly_metric names a metric of the file."""
    meta = weekly_metrics_meta()
    assert set(meta) == set(WEEKLY_KPIS)
    assert all(entry.get("is_kpi") is True for entry in meta.values())
    document = yaml.safe_load((PROJECT_DIR / "metrics.yml").read_text(encoding="utf-8"))
    names = {metric["name"] for metric in document["metrics"]}
    named = {entry["weekly_metric"] for entry in meta.values() if "weekly_metric" in entry}
    assert named == {"active_members_weekly"}
    assert named <= names


def test_kpi_weekly_matches_reference_on_spec_example(spec_example_build: Build) -> None:
    assert assert_matches_reference(spec_example_build) >= len(WEEKLY_KPIS)


@pytest.mark.slow
def test_kpi_weekly_matches_reference_on_generated_data(generated_build: GeneratedBuild) -> None:
    # two years of weeks: at least 100 weeks of every weekly KPI
    assert assert_matches_reference(generated_build) >= 100 * len(WEEKLY_KPIS)


@pytest.mark.parametrize(
    "build_name",
    ["spec_example_build", pytest.param("generated_build", marks=pytest.mark.slow)],
)
def test_weekly_sums_equal_monthly_sums(build_name: str, request: pytest.FixtureRequest) -> None:
    """Acceptance 4: over the whole data, the weekly sums of member_orders,
    member_net_sales and members_new equal the kpi_monthly sums (the weeks cover
    every day of the report months that holds data)."""
    build: Build = request.getfixturevalue(build_name)
    kpis = ", ".join(f"'{kpi}'" for kpi in ADDITIVE_KPIS)
    weekly = dict(
        query(
            build.db_path,
            f"select kpi, sum(value) from metrics.kpi_weekly where kpi in ({kpis}) group by kpi",
        )
    )
    monthly = dict(
        query(
            build.db_path,
            f"select kpi, sum(value) from metrics.kpi_monthly where kpi in ({kpis}) group by kpi",
        )
    )
    assert set(weekly) == set(monthly) == set(ADDITIVE_KPIS)
    for kpi in ADDITIVE_KPIS:
        assert monthly[kpi] > 0, kpi
        assert math.isclose(weekly[kpi], monthly[kpi], rel_tol=1e-12), (
            kpi,
            weekly[kpi],
            monthly[kpi],
        )


# Hand count on tests/fixtures/handmade (timestamps business-local).
# ISO week 2025-W02, Monday 2025-01-06 .. Sunday 2025-01-12:
# - joins: M11 (2025-01-08)                                   -> members_new 1
# - valid orders paid in the week: O25 TN1 50 (unbound), O26 A11 66 (M11, joined
#   01-08: member order), O27 JN3 40 (unbound; its mobile hash h03 is never
#   merged into M03), O28 D05 55 (M05 exited 2025-01-12 10:00: exit date 01-12
#   is not after the order date, so a non-member order)
#   total net sales 50 + 66 + 40 + 55 = 211; member orders 1 (O26), net 66
#                                                   -> member_orders 1,
#   member_net_sales 66, member_sales_share 66 / 211, member_aov 66 / 1 buyer
# - engaged in the week and enrolled at Sunday 01-12: M11 (O26), M04 (I1 sign-in
#   01-07); I4 is of unknown member M99, I8 (M05) is dated 01-05 (W01)
#                                                   -> active_members 2
# - channel_traffic has no date in the week: the sum of visitors is 0
#                                                   -> join_conversion_rate null
# - treatment touches dated in the week: X1 (M01, 01-10 09:00, delivered, opened
#   09:30, not clicked); X2 is control. M01's member order O29 paid 01-15 10:00
#   is in (01-10 09:00, 01-17 09:00]            -> delivery 1/1, open 1/1,
#   click 0/1, conversion_7d 1/1
HANDMADE_W02 = {
    "members_new": 1.0,
    "active_members": 2.0,
    "member_orders": 1.0,
    "member_net_sales": 66.0,
    "member_sales_share": 66.0 / 211.0,
    "member_aov": 66.0,
    "join_conversion_rate": None,
    "touch_delivery_rate": 1.0,
    "touch_open_rate": 1.0,
    "touch_click_rate": 0.0,
    "touch_conversion_rate_7d": 1.0,
}
# ISO week 2025-W03, 2025-01-13 .. 01-19: no join; jd has 300 visitors on 01-15
#                                                   -> join_conversion_rate 0 / 300 = 0
# ISO week 2025-W04, 2025-01-20 .. 01-26:
# - joins: M12 (01-20)                                        -> members_new 1
# - orders: O32 A03 refunded (net 0: not valid), O33 D12 58 (M12), O34 A11 44
#   (M11), O35 D05 35 (M05 exited: non-member), O36 P09 150 (M09)
#   total 58 + 44 + 35 + 150 = 287; member 58 + 44 + 150 = 252 from 3 orders of
#   3 buyers                     -> member_orders 3, member_net_sales 252,
#   member_sales_share 252 / 287, member_aov 252 / 3 = 84
# - engaged and enrolled at 01-26: M12, M11, M09 (orders), M01 (I5 01-20), M10
#   (I6 01-25); M12's I7 adds no one            -> active_members 5
HANDMADE_W03_W04 = {
    ("2025-01-13", "join_conversion_rate"): 0.0,
    ("2025-01-20", "members_new"): 1.0,
    ("2025-01-20", "member_orders"): 3.0,
    ("2025-01-20", "member_net_sales"): 252.0,
    ("2025-01-20", "member_sales_share"): 252.0 / 287.0,
    ("2025-01-20", "member_aov"): 84.0,
    ("2025-01-20", "active_members"): 5.0,
}


def test_hand_counted_weeks_on_handmade(handmade_build: Build) -> None:
    assert set(HANDMADE_W02) == set(WEEKLY_KPIS)
    rows = query(
        handmade_build.db_path,
        "select cast(week as varchar), iso_year, iso_week, kpi, value, is_complete_week"
        " from metrics.kpi_weekly where week between '2025-01-06' and '2025-01-20'",
    )
    built = {(week, kpi): value for week, _, _, kpi, value, _ in rows}
    for kpi, expected in HANDMADE_W02.items():
        assert values_agree(expected, built[("2025-01-06", kpi)]), (
            kpi,
            expected,
            built[("2025-01-06", kpi)],
        )
    for key, expected in HANDMADE_W03_W04.items():
        assert values_agree(expected, built[key]), (key, expected, built[key])
    # 2025-01-06 is ISO 2025-W02; the data run 2023-01-10 .. 2025-02-05, so the week is complete
    iso = {week: (year, number, complete) for week, year, number, _, _, complete in rows}
    assert iso["2025-01-06"] == (2025, 2, True)


def test_iso_weeks_across_a_year_end(handmade_build: Build) -> None:
    """Monday 2024-12-30 .. Sunday 2025-01-05 is ISO 2025-W01 (its Thursday is
    2025-01-02); Monday 2023-01-09 is 2023-W02, and its week is incomplete
    (the first valid order is paid on 2023-01-20); the last week (Monday
    2025-02-03, data end 2025-02-05) is incomplete too."""
    rows = dict(
        (week, (year, number, complete))
        for week, year, number, complete in query(
            handmade_build.db_path,
            "select cast(report_week as varchar), iso_year, iso_week, is_complete_week"
            " from marts.dim_week",
        )
    )
    assert rows["2024-12-30"] == (2025, 1, True)
    assert rows["2023-01-09"] == (2023, 2, False)
    assert rows["2023-01-16"] == (2023, 3, False)
    assert rows["2023-01-23"] == (2023, 4, True)
    assert rows["2025-02-03"] == (2025, 6, False)
    assert min(rows) == "2023-01-09" and max(rows) == "2025-02-03"


def metricflow_weekly_answers(
    build: Build, metrics: list[str], weeks: list[str]
) -> dict[str, list[dict[str, str]]]:
    shadow, env = metricflow_project(build.work_dir, build.raw_dir)
    out = shadow / "mf_weekly.csv"
    completed = subprocess.run(
        [str(dbt_executable().parent / "mf"), "query", "--metrics", ",".join(metrics),
         "--group-by", "metric_time__week", "--start-time", weeks[0],
         "--end-time", weeks[-1], "--csv", str(out)],
        cwd=shadow, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    answered: dict[str, list[dict[str, str]]] = {}
    with out.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            answered.setdefault(row["metric_time__week"][:10], []).append(row)
    return answered


@pytest.mark.slow
def test_metricflow_by_week_equals_kpi_weekly(generated_build: GeneratedBuild) -> None:
    """Every weekly KPI in every complete week of the generated data: `mf query
    --group-by metric_time__week` (the metric itself, or its meta weekly_metric)
    equals kpi_weekly to 1e-9."""
    metric_of = {
        kpi: str(meta.get("weekly_metric", kpi)) for kpi, meta in weekly_metrics_meta().items()
    }
    built = built_kpi_weekly(generated_build.db_path)
    weeks = sorted(built_complete_weeks(generated_build.db_path))
    assert len(weeks) >= 100
    answered = metricflow_weekly_answers(generated_build, sorted(set(metric_of.values())), weeks)
    compared = 0
    wrong = []
    for week in weeks:
        rows = answered.get(week, [])
        assert len(rows) == 1, (week, len(rows))
        for kpi, metric in metric_of.items():
            text = rows[0].get(metric, "")
            from_metricflow = float(text) if text else None
            compared += 1
            if not values_agree(built[(week, kpi)], from_metricflow):
                wrong.append((week, kpi, built[(week, kpi)], from_metricflow))
    assert compared == len(weeks) * len(metric_of)
    assert not wrong, wrong[:20]
