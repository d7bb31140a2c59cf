"""metrics.kpi_alerts and `memberkpi alerts` on tests/fixtures/alerts.

A copy of the project gets the fixture's rules (tests/fixtures/alerts/
rules.yml) as config.meta.alert_rules of kpi_alerts, the one edit; then two
builds of kpi_alerts and what it reads: the export with the planted breaks
(orders_breaks.csv, as-of date 4 days after the last order) and the same
export without them (orders_clean.csv, 2 days after). The README of the
fixture has the monthly amounts; the expected alerts are reasoned below.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from helpers import FIXTURES, PROJECT_DIR, DbtResult, dbt_env, dbt_executable, query
from memberkpi.cli import app

FIXTURE = FIXTURES / "alerts"
MODEL_YML = Path("models") / "metrics" / "monitoring" / "kpi_alerts.yml"
COPIED = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")
SELECT = ["--select", "+kpi_alerts", "quarantine_summary", "--indirect-selection", "cautious"]
BREAKS_AS_OF = "2026-01-04"  # the last order is on 2025-12-31: 4 days behind
CLEAN_AS_OF = "2026-01-02"  # 2 days behind, within max_days_behind 3


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's dbt files with the fixture's rules in kpi_alerts.yml."""
    copy = tmp_path_factory.mktemp("alerts_project") / "project"
    for name in COPIED:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, copy / name)
    document = yaml.safe_load((copy / MODEL_YML).read_text(encoding="utf-8"))
    rules = yaml.safe_load((FIXTURE / "rules.yml").read_text(encoding="utf-8"))
    document["models"][0]["config"]["meta"]["alert_rules"] = rules
    (copy / MODEL_YML).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return copy


def build(project: Path, work_dir: Path, orders_file: str, as_of: str) -> DbtResult:
    """`dbt build` of kpi_alerts and its parents on the fixture with orders_file."""
    raw_dir = work_dir / "raw"
    raw_dir.mkdir(parents=True)
    for table in ("members", "member_bindings"):
        shutil.copy(FIXTURE / f"{table}.csv", raw_dir / f"{table}.csv")
    shutil.copy(FIXTURE / orders_file, raw_dir / "orders.csv")
    command = [
        str(dbt_executable()), "build", *SELECT, "--project-dir", str(project),
        "--vars", json.dumps({"as_of_date": as_of}),
    ]  # fmt: skip
    completed = subprocess.run(
        command, cwd=project, env=dbt_env(work_dir, raw_dir),
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    return DbtResult(completed.returncode, output, {}, work_dir / "warehouse.duckdb")


@pytest.fixture(scope="module")
def breaks(project: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    return build(project, tmp_path_factory.mktemp("breaks"), "orders_breaks.csv", BREAKS_AS_OF)


@pytest.fixture(scope="module")
def clean(project: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    return build(project, tmp_path_factory.mktemp("clean"), "orders_clean.csv", CLEAN_AS_OF)


def alerts(db_path: Path) -> list[tuple[object, ...]]:
    return query(
        db_path,
        "select grain, period_start, rule, rule_kind, kpi, source_table, round(value, 4),"
        " round(reference_value, 4), severity, is_open from metrics.kpi_alerts"
        " order by period_start, rule",
    )


def test_the_breaks_raise_exactly_the_planted_alerts(breaks: DbtResult) -> None:
    assert alerts(breaks.db_path) == [
        # member_net_sales 2023-07 = 450 < 500; the first year has no
        # reference, so no change rule sees it; 2025-12 is the latest
        # complete month, so this one is closed
        ("month", dt.date(2023, 7, 1), "net_sales_floor", "threshold", "member_net_sales",
         None, 450.0, 500.0, "warn", False),
        # 2024-03 = 600 against 1000 in 2023-03: -40% < -30%; the anomaly
        # rule has only 2024-01 and -02 as history there (2 < min_history 6)
        ("month", dt.date(2024, 3, 1), "net_sales_yoy_drop", "seasonal_change",
         "member_net_sales", None, 600.0, 1000.0, "alert", False),
        # 2025-12 = 1064 against 1120: -5% (not a -30% drop); the YoY changes
        # of 2024-12 .. 2025-11 are 12, 10, 9, 101.65, 10, 12, 8, 10, 9, 11,
        # 10, 12 (%): median 10, absolute deviations 2, 0, 1, 91.65, 0, 2, 2,
        # 0, 1, 1, 0, 2, MAD 1; robust z = (-5 - 10) / 1.4826 = -10.1 < -3.5
        ("month", dt.date(2025, 12, 1), "net_sales_anomaly", "robust_anomaly",
         "member_net_sales", None, -5.0, 10.0, "alert", True),
        # data checks of the as-of date 2026-01-04: the last clean order is
        # A202512 on 2025-12-31, 4 days behind (> 3); orders holds 37 raw rows
        # of which Q1 (status on_hold) is quarantined: 1 / 37 = 0.027 > 0.001
        ("month", dt.date(2026, 1, 4), "orders_quarantine", "quarantine_share", None,
         "orders", 0.027, 0.001, "warn", True),
        ("month", dt.date(2026, 1, 4), "orders_stale", "freshness", None, "orders",
         4.0, 3.0, "alert", True),
    ]  # fmt: skip


def test_warm_up_months_never_alert(breaks: DbtResult) -> None:
    # the member joins 2022-11-10, the first order is 2023-01-15: 2022-11
    # and 2022-12 are warm-up months whose member_net_sales (0) is below the
    # floor of 500; the months end with 2025-12, the month of the last order
    months = query(
        breaks.db_path,
        "select month, value, is_window_complete, is_complete_month from metrics.kpi_monthly"
        " where kpi = 'member_net_sales' and (month < '2023-01-01' or month > '2025-12-01')"
        " order by month",
    )
    assert months == [
        (dt.date(2022, 11, 1), 0.0, False, True),
        (dt.date(2022, 12, 1), 0.0, False, True),
    ]
    assert query(
        breaks.db_path,
        "select count(*) from metrics.kpi_alerts where kpi is not null"
        " and period_start not between '2023-01-01' and '2025-12-01'",
    ) == [(0,)]


def test_the_freshness_message_names_the_days(breaks: DbtResult) -> None:
    [(message_en, message_zh)] = query(
        breaks.db_path,
        "select message_en, message_zh from metrics.kpi_alerts where rule = 'orders_stale'",
    )
    assert "2025-12-31 is 4 days before the as-of date 2026-01-04" in message_en
    assert "早 4 天" in message_zh


def test_the_same_export_without_the_breaks_raises_none(clean: DbtResult) -> None:
    assert alerts(clean.db_path) == []


def test_fail_on_alert_exits_by_the_breaks(breaks: DbtResult, clean: DbtResult) -> None:
    runner = CliRunner()
    failed = runner.invoke(app, ["alerts", "--db", str(breaks.db_path), "--fail-on", "alert"])
    assert failed.exit_code == 1, failed.output
    # the open alerts: the 2025-12 anomaly and the two data checks
    assert [line.split()[2].rstrip(":") for line in failed.stdout.splitlines()] == [
        "net_sales_anomaly", "orders_stale", "orders_quarantine",
    ]  # fmt: skip
    passed = runner.invoke(app, ["alerts", "--db", str(clean.db_path), "--fail-on", "alert"])
    assert passed.exit_code == 0, passed.output
    warned = runner.invoke(app, ["alerts", "--db", str(clean.db_path), "--fail-on", "warn"])
    assert warned.exit_code == 0, warned.output
