"""Window completeness (KPI_SPEC.md "Output contract"): is_window_complete is
false exactly in the months whose KPI definition reads a month before the first
month of valid paid orders, per KPI family, on tests/fixtures/warmup/.

warmup cast (tests/fixtures/warmup/README.md has every row): the first member
W01 joins 2023-01-10; the first VALID paid order is V04 on 2024-03-05, 14 months
later (a cancelled paid order in 2023-06, a fully refunded one in 2023-09 and an
unpaid one in 2023-04 come earlier and do not count); the last order is on
2026-03-10. Report months: 2023-01 .. 2026-03 (39). First paid month P = 2024-03.

A KPI that reads k months back (metrics.yml meta months_read_back) is complete
from P + k on, so it is false in 2023-01 .. P + k - 1:
- month only (member_net_sales, k 0): false 2023-01 .. 2024-02 (14 months)
- change m - 1 (member_growth_rate, k 1): false 2023-01 .. 2024-03 (15)
- cohort c = m - 4 (second_purchase_rate_90d, k 4): false .. 2024-06 (18)
- W12 (repeat_purchase_rate, k 11): false .. 2025-01 (25)
- W12 at m and m - 1 (conversion, k 12): false .. 2025-02 (26)
- W12prev (retention_rate, k 23): false .. 2026-01 (37); true 2026-02, 2026-03
- _mom of a month KPI (member_aov_mom, k 0 + 1): false .. 2024-03 (15)
- _yoy of a month KPI (member_aov_yoy, k 0 + 12): false .. 2025-02 (26)
- _mom of retention_rate (k 23 + 1): false .. 2026-02 (38)
- _yoy of retention_rate (k 23 + 12): false in all 39 months

metrics.mbsc_scorecard (non-trend KPIs) and metrics.four_c_radar carry the
column, and every KPI's flag is read through the macro itself (`dbt show
--inline`). When metrics.kpi_monthly has is_window_complete, set FLAG_TABLE
below to it: the table's flags of every KPI above, trend KPIs included, are then
checked.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, Build, query, run_dbt, shared_build

WARMUP = FIXTURES / "warmup"
BUILD_ARGS = [
    "build",
    "--select",
    "+mbsc_scorecard",
    "+four_c_radar",
    "--indirect-selection",
    "buildable",
]
# the table is_window_complete is read from: mbsc_scorecard has no trend KPI
# (their flags are read through the macro alone); once metrics.kpi_monthly has
# the column, read it there, trend KPIs included: "metrics.kpi_monthly"
FLAG_TABLE = "metrics.kpi_monthly"
FIRST_REPORT_MONTH = "2023-01"
LAST_REPORT_MONTH = "2026-03"

# the months_read_back of metrics.yml, counted from KPI_SPEC.md's definitions
READ_BACK = {
    "member_net_sales": 0,
    "members_total": 0,
    "member_growth_rate": 1,
    "second_purchase_rate_90d": 4,
    "repeat_purchase_rate": 11,
    "capital": 11,
    "conversion": 12,
    "retention_rate": 23,
    "member_aov_mom": 1,
    "member_aov_yoy": 12,
    "retention_rate_mom": 24,
    "retention_rate_yoy": 35,
}


def months(first: str, last: str) -> set[dt.date]:
    """First days of the months first .. last ('YYYY-MM'), both included;
    empty when last is before first."""
    year, month = (int(part) for part in first.split("-"))
    end = tuple(int(part) for part in last.split("-"))
    found: set[dt.date] = set()
    while (year, month) <= end:
        found.add(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


# KPI -> the months whose window is incomplete, by hand (module docstring)
INCOMPLETE = {
    "member_net_sales": months(FIRST_REPORT_MONTH, "2024-02"),
    "members_total": months(FIRST_REPORT_MONTH, "2024-02"),
    "member_growth_rate": months(FIRST_REPORT_MONTH, "2024-03"),
    "second_purchase_rate_90d": months(FIRST_REPORT_MONTH, "2024-06"),
    "repeat_purchase_rate": months(FIRST_REPORT_MONTH, "2025-01"),
    "capital": months(FIRST_REPORT_MONTH, "2025-01"),
    "conversion": months(FIRST_REPORT_MONTH, "2025-02"),
    "retention_rate": months(FIRST_REPORT_MONTH, "2026-01"),
    "member_aov_mom": months(FIRST_REPORT_MONTH, "2024-03"),
    "member_aov_yoy": months(FIRST_REPORT_MONTH, "2025-02"),
    "retention_rate_mom": months(FIRST_REPORT_MONTH, "2026-02"),
    "retention_rate_yoy": months(FIRST_REPORT_MONTH, LAST_REPORT_MONTH),
}
TREND_KPIS = ("member_aov_mom", "member_aov_yoy", "retention_rate_mom", "retention_rate_yoy")
TABLE_KPIS = tuple(
    kpi for kpi in INCOMPLETE if FLAG_TABLE != "metrics.mbsc_scorecard" or kpi not in TREND_KPIS
)

# the macro's flags of every KPI in every report month, with the first paid month
MACRO_FLAGS_SQL = """
select
    kpi_catalog.kpi,
    dim_month.report_month as month,
    first_paid.first_paid_month,
    {{ is_window_complete(
        'dim_month.report_month', 'kpi_catalog.kpi', 'first_paid.first_paid_month'
    ) }} as is_window_complete
from {{ ref('kpi_catalog') }} as kpi_catalog
cross join {{ ref('dim_month') }} as dim_month
cross join ({{ first_valid_paid_month() }}) as first_paid
"""


def copy_warmup(raw_dir: Path) -> None:
    shutil.copytree(WARMUP, raw_dir, ignore=shutil.ignore_patterns("*.md"))


@pytest.fixture(scope="module")
def warmup_build(shared_builds_dir: Path) -> Build:
    """dbt build of tests/fixtures/warmup up to mbsc_scorecard and four_c_radar."""
    return shared_build(shared_builds_dir, "warmup", BUILD_ARGS, write_raw=copy_warmup)


@pytest.fixture(scope="module")
def macro_flags(warmup_build: Build, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Rows of MACRO_FLAGS_SQL, run by `dbt show` on a copy of the build
    (dbt writes its target folder; the shared build stays as it was)."""
    work_dir = tmp_path_factory.mktemp("warmup_show") / "work"
    shutil.copytree(warmup_build.work_dir, work_dir)
    shown = run_dbt(
        ["show", "--quiet", "--output", "json", "--limit", "-1", "--inline", MACRO_FLAGS_SQL],
        work_dir=work_dir,
        raw_dir=warmup_build.raw_dir,
    )
    assert shown.success, shown.output[-3000:]
    return json.loads(shown.output[shown.output.index("{") :])["show"]


def test_report_months_and_read_back(warmup_build: Build) -> None:
    """The fixture spans 2023-01 .. 2026-03 and every KPI metric carries the
    months_read_back counted from the spec for the KPIs above."""
    assert query(warmup_build.db_path, "select report_month from marts.dim_month order by 1") == [
        (month,) for month in sorted(months(FIRST_REPORT_MONTH, LAST_REPORT_MONTH))
    ]
    metrics = warmup_build.manifest()["metrics"].values()
    kpis = {
        metric["name"]: metric["config"]["meta"]
        for metric in metrics
        if metric["config"]["meta"].get("is_kpi")
    }
    missing = sorted(
        name
        for name, meta in kpis.items()
        if not isinstance(meta.get("months_read_back"), int) or meta["months_read_back"] < 0
    )
    assert missing == []
    assert {kpi: kpis[kpi]["months_read_back"] for kpi in READ_BACK} == READ_BACK


def test_first_paid_month_ignores_invalid_orders(macro_flags: list[dict]) -> None:
    """P is 2024-03 (V04), not 2023-06 (cancelled V02) or 2023-09 (refunded V03)."""
    assert {row["first_paid_month"] for row in macro_flags} == {"2024-03-01"}


def test_macro_flags_per_family(macro_flags: list[dict]) -> None:
    incomplete: dict[str, set[dt.date]] = {kpi: set() for kpi in INCOMPLETE}
    seen: dict[str, int] = dict.fromkeys(INCOMPLETE, 0)
    for row in macro_flags:
        if row["kpi"] in INCOMPLETE:
            seen[row["kpi"]] += 1
            if not row["is_window_complete"]:
                incomplete[row["kpi"]].add(dt.date.fromisoformat(row["month"]))
    assert seen == dict.fromkeys(INCOMPLETE, 39)
    assert incomplete == INCOMPLETE


def test_table_flags_per_family(warmup_build: Build) -> None:
    listed = ", ".join(f"'{kpi}'" for kpi in TABLE_KPIS)
    rows = query(
        warmup_build.db_path,
        f"select kpi, month, is_window_complete from {FLAG_TABLE} where kpi in ({listed})",
    )
    incomplete: dict[str, set[dt.date]] = {kpi: set() for kpi in TABLE_KPIS}
    for kpi, month, is_complete in rows:
        assert is_complete is not None
        if not is_complete:
            incomplete[kpi].add(month)
    assert len(rows) == 39 * len(TABLE_KPIS)
    assert incomplete == {kpi: INCOMPLETE[kpi] for kpi in TABLE_KPIS}


def test_values_are_not_changed(warmup_build: Build) -> None:
    """A warm-up month keeps its value: member_net_sales 0 in 2024-02 (no valid
    order), repeat_purchase_rate 0.5 in 2024-12 (W01 2 orders, W02 1) though the
    window of both is incomplete."""
    rows = query(
        warmup_build.db_path,
        f"select kpi, month, value, is_window_complete from {FLAG_TABLE}"
        " where (kpi = 'member_net_sales' and month = date '2024-02-01')"
        " or (kpi = 'repeat_purchase_rate' and month = date '2024-12-01')"
        " order by kpi",
    )
    assert rows == [
        ("member_net_sales", dt.date(2024, 2, 1), 0.0, False),
        ("repeat_purchase_rate", dt.date(2024, 12, 1), 0.5, False),
    ]


def test_radar_flags(warmup_build: Build) -> None:
    """The radar KPIs read W12 (capital_rate, clv, connection: k 11) or W12
    at m and m - 1 (conversion: k 12)."""
    rows = query(
        warmup_build.db_path,
        "select kpi, min(month) filter (where is_window_complete),"
        " max(month) filter (where not is_window_complete)"
        " from metrics.four_c_radar group by kpi order by kpi",
    )
    assert rows == [
        ("capital_rate", dt.date(2025, 2, 1), dt.date(2025, 1, 1)),
        ("clv", dt.date(2025, 2, 1), dt.date(2025, 1, 1)),
        ("connection", dt.date(2025, 2, 1), dt.date(2025, 1, 1)),
        ("conversion", dt.date(2025, 3, 1), dt.date(2025, 2, 1)),
    ]
