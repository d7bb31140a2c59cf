"""Activation audiences on tests/fixtures/audiences (its README plants each
member at one edge of one rule), built as of 2025-11-30.

Acceptance (issue 23, audiences): each audience equals the hand-counted
list; the exported CSV has no column but member_id and reason, and no raw
mobile hash or channel customer id appears in it. The monthly sizes are
checked against an independent Python evaluation of the rules on the raw
CSV files, and the high-value audience against the CLV table ranked here.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from helpers import FIXTURES, NO_TESTS, PROJECT_DIR, Build, query, run_dbt
from memberkpi.cli import app

AUDIENCES_FIXTURE = FIXTURES / "audiences"
RULES_YAML = PROJECT_DIR / "models" / "metrics" / "activation" / "audiences.yml"
AS_OF = dt.date(2025, 11, 30)
LAPSED_AFTER_DAYS = 365  # var lifecycle_lapsed_after_days (KPI_SPEC lifecycle)
EXPIRE_AFTER_YEARS = 1  # var points_expire_after_years

# The hand count at 2025-11-30 with the rules' parameters of audiences.yml
# (checked in test_rules_have_the_parameters_the_hand_count_assumes):
HAND_COUNTED = {
    # last member order 336..365 days ago: L1 336 (in), L2 335 (not yet),
    # L3 365 (in), L4 366 (lapsed), L5 350 but exited on 2025-11-30
    "about_to_lapse": {"L1", "L3"},
    # one member order more than 30 days ago: F1 31 (in), F2 30 (out), F3
    # two orders, F4 one member order 45 days ago (its order of 2025-08-02
    # came before it joined on 2025-08-22: not a member order)
    "first_order_no_second": {"F1", "F4"},
    # joined more than 30 days ago, no member order: J1 31 days (in), J2 30
    # (out), J3 exited 2025-11-20, J4 60 days and only an order the day
    # before joining (in)
    "joined_no_order": {"J1", "J4"},
    # top ceil(0.1 x 15) = 2 by predicted value among the 15 enrolled
    # members with a prediction (17 buyers, L5 and P6 exited): H1 and H2
    # (8 orders of 2,000 each, every other buyer <= 300 in all); H1's last
    # order 91 days ago (in), H2's 90 (out)
    "high_value_quiet": {"H1"},
    # 2024's points expire on 2025-12-31, 31 days after the as-of date:
    # P1 100 earned 2024-12-31 (in); P2's 100 earned 2025-01-01 (next
    # year's); P3 100 earned, 100 redeemed (0); P4 100 earned, 60 redeemed
    # (40, in); P5's 2023 points expired on 2024-12-31, its 30 of 2025 are
    # next year's; P6 exited 2025-11-25
    "points_expiring": {"P1", "P4"},
}

# the reason and since of one member per audience, written by hand
HAND_REASONS = {
    ("about_to_lapse", "L3"): (
        "last member order 2024-11-30, 365 days ago; lapsed after 365 days",
        dt.date(2025, 11, 1),  # 2024-11-30 + 336 days
    ),
    ("first_order_no_second", "F4"): (
        "one member order, on 2025-10-16, 45 days ago",
        dt.date(2025, 11, 16),  # 2025-10-16 + 31 days
    ),
    ("joined_no_order", "J4"): (
        "joined 2025-10-01, 60 days ago; no member order",
        dt.date(2025, 11, 1),  # 2025-10-01 + 31 days
    ),
    ("points_expiring", "P4"): (
        "40 points expire on 2025-12-31, in 31 days",
        dt.date(2025, 11, 1),  # 2025-12-31 - 60 days
    ),
}


@pytest.fixture(scope="module")
def audiences_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`dbt build` of tests/fixtures/audiences as of 2025-11-30."""
    work_dir = tmp_path_factory.mktemp("audiences")
    raw_dir = work_dir / "raw"
    shutil.copytree(AUDIENCES_FIXTURE, raw_dir)
    # the audience tables' data tests run in the shared builds (tests/conftest.py)
    result = run_dbt(
        ["build", *NO_TESTS],
        work_dir=work_dir / "dbt",
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": AS_OF.isoformat()},
    )
    assert result.success, result.output[-4000:]
    return Build(raw_dir=raw_dir, work_dir=work_dir / "dbt")


def _rules() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(RULES_YAML.read_text(encoding="utf-8"))
    (members_model,) = [m for m in document["models"] if m["name"] == "audience_members"]
    return {rule["name"]: rule for rule in members_model["config"]["meta"]["audiences"]}


def _raw(name: str) -> list[dict[str, str]]:
    with (AUDIENCES_FIXTURE / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_rules_have_the_parameters_the_hand_count_assumes() -> None:
    parameters = {name: rule["parameters"] for name, rule in _rules().items()}
    assert parameters == {
        "about_to_lapse": {"margin_days": 30},
        "first_order_no_second": {"after_days": 30},
        "joined_no_order": {"after_days": 30},
        "high_value_quiet": {"top_share": 0.1, "quiet_days": 90},
        "points_expiring": {"days_before_expiry": 60, "min_points": 1},
    }
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"]["lifecycle_lapsed_after_days"] == LAPSED_AFTER_DAYS
    assert project["vars"]["points_expire_after_years"] == EXPIRE_AFTER_YEARS


def test_each_audience_equals_the_hand_counted_list(audiences_build: Build) -> None:
    rows = query(
        audiences_build.db_path,
        "select audience, member_id, as_of_date from metrics.audience_members",
    )
    found: dict[str, set[str]] = defaultdict(set)
    for audience, member_id, as_of_date in rows:
        found[audience].add(member_id)
        assert as_of_date == AS_OF
    assert dict(found) == HAND_COUNTED


def test_reason_and_since_are_the_hand_written_ones(audiences_build: Build) -> None:
    rows = query(
        audiences_build.db_path,
        "select audience, member_id, reason, since from metrics.audience_members",
    )
    found = {(audience, member): (reason, since) for audience, member, reason, since in rows}
    for key, expected in HAND_REASONS.items():
        assert found[key] == expected, key
    assert all(since <= AS_OF for _, since in found.values())


def test_high_value_quiet_ranks_the_clv_table(audiences_build: Build) -> None:
    """Independent path: rank member_clv_predicted here, among the enrolled."""
    exited = {row["member_id"] for row in _raw("members") if row["exited_at"]}
    predicted = query(
        audiences_build.db_path,
        "select member_id, expected_value_12m from metrics.member_clv_predicted",
    )
    enrolled = sorted(
        ((value, member) for member, value in predicted if member not in exited),
        key=lambda pair: (-pair[0], pair[1]),
    )
    top = {member for _, member in enrolled[: math.ceil(0.1 * len(enrolled))]}
    assert len(enrolled) == 15
    assert top == {"H1", "H2"}


# ------------------------------------------------- sizes, by an independent path


def _member_orders() -> dict[str, list[dt.date]]:
    """Member orders by member from the raw CSVs: a paid, not cancelled order
    whose customer binds to a member enrolled on its date."""
    member_of = {row["customer_id"]: row["member_id"] for row in _raw("member_bindings")}
    spans = _spans()
    orders: dict[str, list[dt.date]] = defaultdict(list)
    for row in _raw("orders"):
        member = member_of.get(row["customer_id"])
        day = dt.date.fromisoformat(row["paid_at"][:10])
        if member and row["status"] == "paid" and _enrolled(spans[member], day):
            orders[member].append(day)
    return orders


def _spans() -> dict[str, tuple[dt.date, dt.date | None]]:
    return {
        row["member_id"]: (
            dt.date.fromisoformat(row["joined_at"][:10]),
            dt.date.fromisoformat(row["exited_at"][:10]) if row["exited_at"] else None,
        )
        for row in _raw("members")
    }


def _enrolled(span: tuple[dt.date, dt.date | None], day: dt.date) -> bool:
    joined, exited = span
    return joined <= day and (exited is None or exited > day)


def _expiring_points(entries: list[tuple[dt.date, int]], day: dt.date) -> tuple[int, int]:
    """(points expiring at the next year end, days to it) under the rule of
    audiences.yml, by walking the ledger oldest-first (FIFO lots)."""
    expiry = dt.date((day + dt.timedelta(days=1)).year, 12, 31)  # the next year end not yet booked
    earned_until = dt.date(expiry.year - EXPIRE_AFTER_YEARS, 12, 31)
    lots: list[list[Any]] = []  # [earned date, points left], oldest first
    for occurred, points in sorted(entries):
        if occurred > day:
            break
        if points > 0:
            lots.append([occurred, points])
            continue
        spend = -points
        for lot in lots:
            used = min(lot[1], spend)
            lot[1] -= used
            spend -= used
    left = sum(points for earned, points in lots if earned <= earned_until)
    return left, (expiry - day).days


def _python_sizes(day: dt.date) -> dict[str, int]:
    spans = _spans()
    orders = _member_orders()
    ledger: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for row in _raw("points_ledger"):
        ledger[row["member_id"]].append(
            (dt.date.fromisoformat(row["occurred_at"][:10]), int(row["points"]))
        )
    sizes: dict[str, int] = defaultdict(int)
    for member, span in spans.items():
        if not _enrolled(span, day):
            continue
        dates = sorted(d for d in orders[member] if d <= day)
        if dates and LAPSED_AFTER_DAYS - 30 < (day - dates[-1]).days <= LAPSED_AFTER_DAYS:
            sizes["about_to_lapse"] += 1
        if len(dates) == 1 and (day - dates[0]).days > 30:
            sizes["first_order_no_second"] += 1
        if not dates and (day - span[0]).days > 30:
            sizes["joined_no_order"] += 1
        expiring, days_to_expiry = _expiring_points(ledger[member], day)
        if days_to_expiry <= 60 and expiring >= 1:
            sizes["points_expiring"] += 1
    return sizes


def test_monthly_sizes_equal_the_rules_evaluated_in_python(audiences_build: Build) -> None:
    rows = query(
        audiences_build.db_path,
        "select month, audience, member_count from metrics.audience_sizes",
    )
    by_month: dict[dt.date, dict[str, int | None]] = defaultdict(dict)
    for month, audience, count in rows:
        by_month[month][audience] = count
    # joins from 2023-01-01 to orders up to 2025-11-30: 35 report months
    assert len(by_month) == 35
    for month, counts in by_month.items():
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        day = min(next_month - dt.timedelta(days=1), AS_OF)
        expected = _python_sizes(day)
        for audience in HAND_COUNTED.keys() - {"high_value_quiet"}:
            assert counts[audience] == expected.get(audience, 0), (month, audience)
        # the prediction is made at 2025-11-30: no size before that month
        assert counts["high_value_quiet"] == (1 if month == dt.date(2025, 11, 1) else None)
    # by hand: 2024-11-30, 31 days before 2024's year end, only P5 holds
    # points earned in 2023 (50, none spent yet); 2025-11 the P1 and P4 of
    # the list; every other month end lies more than 60 days before a year
    # end or on one (the year's expiry booked)
    points = {month: counts["points_expiring"] for month, counts in by_month.items()}
    assert {month: n for month, n in points.items() if n} == {
        dt.date(2024, 11, 1): 1,
        dt.date(2025, 11, 1): 2,
    }
    latest = by_month[dt.date(2025, 11, 1)]
    assert latest == {audience: len(members) for audience, members in HAND_COUNTED.items()}


def test_sizes_carry_the_titles_of_the_rules(audiences_build: Build) -> None:
    rows = query(
        audiences_build.db_path,
        "select distinct audience, title_zh, title_en from metrics.audience_sizes",
    )
    rules = _rules()
    assert {row[0]: (row[1], row[2]) for row in rows} == {
        name: (rule["title_zh"], rule["title_en"]) for name, rule in rules.items()
    }


# ------------------------------------------------------------------ the export


def _raw_identifiers() -> set[str]:
    """Every raw mobile hash and channel customer id of the fixture."""
    values = {row["mobile_hash"] for row in _raw("members")}
    values |= {row["customer_id"] for row in _raw("member_bindings")}
    values |= {row["customer_id"] for row in _raw("orders")}
    values |= {row["mobile_hash"] for row in _raw("orders")}
    return {value for value in values if value}


@pytest.mark.parametrize("audience", sorted(HAND_COUNTED))
def test_export_writes_member_id_and_reason_only(
    audiences_build: Build, audience: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMBERKPI_RAW_DIR", str(audiences_build.raw_dir))
    out = tmp_path / f"{audience}.csv"
    result = CliRunner().invoke(
        app,
        ["audience", "export", audience, "--out", str(out), "--db", str(audiences_build.db_path)],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "member_id,reason"
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert all(len(row) == 2 for row in rows)
    assert {row[0] for row in rows[1:]} == HAND_COUNTED[audience]
    identifiers = _raw_identifiers()
    assert len(identifiers) == 42  # 21 mobile hashes + 21 customer ids
    assert not [value for value in identifiers if value in text]


def test_export_of_an_unknown_audience_lists_the_audiences(
    audiences_build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMBERKPI_RAW_DIR", str(audiences_build.raw_dir))
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(
        app,
        ["audience", "export", "lapsing", "--out", str(out), "--db", str(audiences_build.db_path)],
    )
    assert result.exit_code == 1
    assert "no audience 'lapsing'" in result.output
    for audience in HAND_COUNTED:
        assert audience in result.output.replace("\n", "")
    assert not out.exists()


def test_export_never_writes_into_the_raw_folder(
    audiences_build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMBERKPI_RAW_DIR", str(audiences_build.raw_dir))
    before = sorted(path.name for path in audiences_build.raw_dir.iterdir())
    out = audiences_build.raw_dir / "about_to_lapse.csv"
    result = CliRunner().invoke(
        app,
        [
            "audience",
            "export",
            "about_to_lapse",
            "--out",
            str(out),
            "--db",
            str(audiences_build.db_path),
        ],
    )
    assert result.exit_code == 1
    assert "raw folder" in result.output
    assert sorted(path.name for path in audiences_build.raw_dir.iterdir()) == before


# ------------------------------------------------------- Python models switched off


def test_python_models_off_empty_high_value_audience_null_sizes(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    shutil.copytree(AUDIENCES_FIXTURE, raw_dir)
    result = run_dbt(
        # the audiences and what they read, with the tests of those models only
        [
            "build",
            "--select",
            "+audience_members",
            "+audience_sizes",
            "--indirect-selection",
            "cautious",
        ],
        work_dir=tmp_path / "dbt",
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": AS_OF.isoformat(), "enable_python_models": False},
    )
    assert result.success, result.output[-4000:]
    assert "audiences: python models off" in result.output
    db_path = tmp_path / "dbt" / "warehouse.duckdb"
    members = query(db_path, "select audience, member_id from metrics.audience_members")
    found: dict[str, set[str]] = defaultdict(set)
    for audience, member in members:
        found[audience].add(member)
    assert dict(found) == {k: v for k, v in HAND_COUNTED.items() if k != "high_value_quiet"}
    sizes = query(
        db_path,
        "select count(*), count(member_count) from metrics.audience_sizes"
        " where audience = 'high_value_quiet'",
    )
    assert sizes == [(35, 0)]
