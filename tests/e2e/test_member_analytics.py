"""Member analytics: the RFM segment seed and the campaign effect table.

The campaign fixture has a known effect: 1,000 delivered treatment touches
of which 400 respond and 500 control touches of which 125 respond, plus
distractors the model must ignore (undelivered treatment touches whose
members buy, orders just outside the 7-day window). The expected rates,
uplift, z and p-value are computed here from the counts with the
closed-form two-proportion z-test (pooled proportion, math.erfc), not read
from the model.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, SPEC_EXAMPLE, query, raw_columns, run_dbt, write_csv

RFM_SEED = PROJECT_DIR / "seeds" / "rfm_segments.csv"

TREATMENT_SIZE = 1000
TREATMENT_RESPONDERS = 400
CONTROL_SIZE = 500
CONTROL_RESPONDERS = 125
TREATMENT_ORDER_AMOUNT = 100
CONTROL_ORDER_AMOUNT = 80
UNDELIVERED_TREATMENT = 50

JOINED_AT = "2024-01-01 09:00:00"
TOUCHED_AT = "2024-03-01 10:00:00"
RESPONSE_PAID_AT = "2024-03-03 10:00:00"
TOO_LATE_PAID_AT = "2024-03-08 10:00:01"  # one second after the window
TOO_EARLY_PAID_AT = "2024-03-01 09:59:59"  # one second before the touch

MEMBER_COLUMNS = raw_columns("members")
BINDING_COLUMNS = raw_columns("member_bindings")
ORDER_COLUMNS = raw_columns("orders")
CAMPAIGN_COLUMNS = raw_columns("campaigns")
TOUCH_COLUMNS = raw_columns("campaign_touches")


# ------------------------------------------------------------------ RFM seed


def _rfm_rules() -> list[dict[str, str]]:
    with RFM_SEED.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_rfm_segments_cover_every_score_combination() -> None:
    rules = _rfm_rules()
    uncovered = [
        scores
        for scores in itertools.product(range(1, 6), repeat=3)
        if not any(
            all(
                int(rule[f"{name}_min"]) <= score <= int(rule[f"{name}_max"])
                for name, score in zip("rfm", scores, strict=True)
            )
            for rule in rules
        )
    ]
    assert uncovered == []


def test_rfm_segments_keys_and_priorities_are_unique() -> None:
    rules = _rfm_rules()
    assert len({rule["segment_code"] for rule in rules}) == len(rules)
    assert len({int(rule["priority"]) for rule in rules}) == len(rules)
    for rule in rules:
        for name in "rfm":
            low, high = int(rule[f"{name}_min"]), int(rule[f"{name}_max"])
            assert 1 <= low <= high <= 5, rule


# ------------------------------------------------------------ campaign effect


def _two_proportion_test(x_t: int, n_t: int, x_c: int, n_c: int) -> tuple[float, float]:
    """z and two-sided p of the pooled two-proportion z-test."""
    pooled = (x_t + x_c) / (n_t + n_c)
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    z = (x_t / n_t - x_c / n_c) / standard_error
    return z, math.erfc(abs(z) / math.sqrt(2))


def _write_campaign_fixture(raw_dir: Path) -> None:
    """Members, bindings, orders, one campaign and its touches."""
    treatment = [f"T{index:04d}" for index in range(TREATMENT_SIZE)]
    control = [f"C{index:04d}" for index in range(CONTROL_SIZE)]
    undelivered = [f"U{index:04d}" for index in range(UNDELIVERED_TREATMENT)]
    members = treatment + control + undelivered

    write_csv(
        raw_dir / "members.csv",
        MEMBER_COLUMNS,
        (
            [
                member,
                JOINED_AT,
                "tmall",
                None,
                "normal",
                "F",
                1990,
                "Shanghai",
                1,
                "true",
                "false",
                "false",
                None,
            ]
            for member in members
        ),
    )
    write_csv(
        raw_dir / "member_bindings.csv",
        BINDING_COLUMNS,
        ([member, "tmall", f"cust_{member}", JOINED_AT] for member in members),
    )

    orders: list[list[object]] = []

    def add_order(member: str, paid_at: str, amount: int) -> None:
        orders.append(
            [
                f"O{len(orders):05d}",
                "tmall",
                f"cust_{member}",
                None,
                paid_at,
                paid_at,
                "paid",
                amount,
                0,
                amount,
                0,
                None,
            ]
        )

    for member in treatment[:TREATMENT_RESPONDERS]:
        add_order(member, RESPONSE_PAID_AT, TREATMENT_ORDER_AMOUNT)
    for member in control[:CONTROL_RESPONDERS]:
        add_order(member, RESPONSE_PAID_AT, CONTROL_ORDER_AMOUNT)
    # distractors: outside the window, or of undelivered treatment touches
    for member in treatment[TREATMENT_RESPONDERS : TREATMENT_RESPONDERS + 30]:
        add_order(member, TOO_LATE_PAID_AT, 999)
    for member in control[CONTROL_RESPONDERS : CONTROL_RESPONDERS + 30]:
        add_order(member, TOO_EARLY_PAID_AT, 999)
    for member in undelivered:
        add_order(member, RESPONSE_PAID_AT, 999)
    write_csv(raw_dir / "orders.csv", ORDER_COLUMNS, orders)

    write_csv(
        raw_dir / "campaigns.csv",
        CAMPAIGN_COLUMNS,
        [
            [
                "K1",
                "spring push",
                "tmall",
                "repurchase",
                "2024-03-01 00:00:00",
                "2024-03-15 00:00:00",
            ]
        ],
    )
    touches = (
        [(member, "treatment", "true") for member in treatment]
        + [(member, "control", "false") for member in control]
        + [(member, "treatment", "false") for member in undelivered]
    )
    write_csv(
        raw_dir / "campaign_touches.csv",
        TOUCH_COLUMNS,
        (
            [f"X{index:05d}", "K1", member, "sms", group, TOUCHED_AT, delivered, None, None]
            for index, (member, group, delivered) in enumerate(touches)
        ),
    )


@pytest.mark.slow
def test_campaign_effect_matches_closed_form(raw_dir: Path, dbt_work_dir: Path) -> None:
    _write_campaign_fixture(raw_dir)
    for args in (["seed"], ["run", "--select", "+campaign_effect"]):
        result = run_dbt(args, work_dir=dbt_work_dir, raw_dir=raw_dir)
        assert result.success, result.output[-4000:]

    rows = query(
        result.db_path,
        """
        select
            treatment_size, control_size,
            treatment_responders, control_responders,
            treatment_response_rate, control_response_rate, uplift,
            incremental_net_sales, z_score, p_value,
            q_value, is_control_too_small, is_significant
        from metrics.campaign_effect
        where campaign_id = 'K1'
        """,
    )
    assert len(rows) == 1
    (n_t, n_c, x_t, x_c, rate_t, rate_c, uplift, incremental, z, p_value) = rows[0][:10]
    q_value, too_small, significant = rows[0][10:]

    assert (n_t, n_c) == (TREATMENT_SIZE, CONTROL_SIZE)
    assert (x_t, x_c) == (TREATMENT_RESPONDERS, CONTROL_RESPONDERS)
    assert rate_t == pytest.approx(0.40, abs=1e-12)
    assert rate_c == pytest.approx(0.25, abs=1e-12)
    assert uplift == pytest.approx(0.15, abs=1e-12)
    # (400 * 100 / 1000 - 125 * 80 / 500) * 1000 = (40 - 20) * 1000
    assert incremental == pytest.approx(20_000.0, abs=1e-6)

    expected_z, expected_p = _two_proportion_test(
        TREATMENT_RESPONDERS, TREATMENT_SIZE, CONTROL_RESPONDERS, CONTROL_SIZE
    )
    assert z == pytest.approx(expected_z, abs=1e-9)
    assert p_value == pytest.approx(expected_p, abs=1e-6)
    # far enough into the tail that a 1 - Phi(|z|) would lose digits
    assert p_value == pytest.approx(expected_p, rel=1e-6)
    # control 500 >= min_control_members 100; the only campaign of its
    # month, so m = 1 and q = p
    assert too_small is False
    assert q_value == pytest.approx(p_value, rel=1e-12)
    assert significant is True


# ------------------------------------------- example data, independent path

EXAMPLE_RAW = SPEC_EXAMPLE / "raw"
# the example's control groups hold 54-82 touches: with 55, one campaign
# (54) is too small and eleven are judged, two of them in May 2023
EXAMPLE_MIN_CONTROL_MEMBERS = 55
STAGE_NAMES = ("new", "unconverted", "first_time", "repeat", "silent", "lapsed")


def _ntile(count: int, buckets: int = 5) -> list[int]:
    """Bucket of each position 0..count-1 as SQL ntile assigns them: the
    first count % buckets buckets hold one row more."""
    size, larger = divmod(count, buckets)
    scores: list[int] = []
    for bucket in range(1, buckets + 1):
        scores += [bucket] * (size + (1 if bucket <= larger else 0))
    return scores


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _enrolled(member: tuple, day: dt.date) -> bool:
    joined, exited = member
    return joined <= day and (exited is None or exited > day)


def _stage(member: tuple, orders: list[dt.date], day: dt.date) -> str | None:
    """KPI_SPEC lifecycle stage at `day`, from the member's order dates."""
    if not _enrolled(member, day):
        return None
    to_date = [order for order in orders if order <= day]
    if not to_date:
        return "new" if (day - member[0]).days <= 90 else "unconverted"
    since_last = (day - max(to_date)).days
    if since_last <= 180:
        return "first_time" if len(to_date) == 1 else "repeat"
    return "silent" if since_last <= 365 else "lapsed"


@pytest.fixture(scope="module")
def example_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work_dir = tmp_path_factory.mktemp("example_dbt")
    for args in (
        ["seed"],
        ["run", "--select", "+path:models/metrics/analytics"],
    ):
        result = run_dbt(
            args,
            work_dir=work_dir,
            raw_dir=EXAMPLE_RAW,
            dbt_vars={"min_control_members": EXAMPLE_MIN_CONTROL_MEMBERS},
        )
        assert result.success, result.output[-4000:]
    return result.db_path


@pytest.fixture(scope="module")
def example_inputs(example_warehouse: Path) -> dict:
    """Members, member order dates and report months read from the marts
    (verified against the reference), not from the tables under test."""
    members = {
        member_id: (joined, exited)
        for member_id, joined, exited in query(
            example_warehouse,
            "select member_id, joined_date, exited_date from marts.dim_member",
        )
    }
    orders: dict[str, list[tuple[dt.date, float, dt.datetime]]] = {}
    for member_id, order_date, net_amount, paid_at in query(
        example_warehouse,
        "select member_id, order_date, net_amount, paid_at "
        "from marts.fct_orders where is_member_order",
    ):
        orders.setdefault(member_id, []).append((order_date, float(net_amount), paid_at))
    months = [
        row[0]
        for row in query(
            example_warehouse,
            "select report_month from marts.dim_month order by 1",
        )
    ]
    return {"members": members, "orders": orders, "months": months}


@pytest.mark.slow
def test_lifecycle_tables_match_independent_stages(
    example_warehouse: Path, example_inputs: dict
) -> None:
    members, orders = example_inputs["members"], example_inputs["orders"]
    expected_stages: dict[tuple, int] = {}
    expected_moves: dict[tuple, int] = {}
    for month in example_inputs["months"]:
        end, previous_end = _month_end(month), month - dt.timedelta(days=1)
        for member_id, member in members.items():
            dates = [order[0] for order in orders.get(member_id, [])]
            now = _stage(member, dates, end)
            before = _stage(member, dates, previous_end)
            if now is not None:
                key = (month, now)
                expected_stages[key] = expected_stages.get(key, 0) + 1
            joined_and_exited = member[0] >= month and member[1] is not None and member[1] <= end
            if now is None and before is None and not joined_and_exited:
                continue
            move = (month, before or "joined", now or "exited")
            expected_moves[move] = expected_moves.get(move, 0) + 1

    stage_rows = query(
        example_warehouse,
        "select month, lifecycle_stage, count_members from metrics.lifecycle_stage_monthly",
    )
    assert len(stage_rows) == len(example_inputs["months"]) * len(STAGE_NAMES)
    actual_stages = {(m, s): n for m, s, n in stage_rows if n > 0}
    assert actual_stages == expected_stages

    move_rows = query(
        example_warehouse,
        "select month, from_stage, to_stage, count_members from metrics.lifecycle_transitions",
    )
    assert {(m, f, t): n for m, f, t, n in move_rows} == expected_moves


@pytest.mark.slow
def test_rfm_members_match_independent_scores(
    example_warehouse: Path, example_inputs: dict
) -> None:
    rules = sorted(_rfm_rules(), key=lambda rule: int(rule["priority"]))

    def segment(scores: tuple[int, int, int]) -> str:
        for rule in rules:
            if all(
                int(rule[f"{name}_min"]) <= score <= int(rule[f"{name}_max"])
                for name, score in zip("rfm", scores, strict=True)
            ):
                return rule["segment_code"]
        raise AssertionError(scores)

    expected: dict[tuple, tuple] = {}
    for month in example_inputs["months"]:
        start, end = _add_months(month, -11), _month_end(month)
        buyers = []
        for member_id, member_orders in example_inputs["orders"].items():
            in_window = [o for o in member_orders if start <= o[0] <= end]
            if in_window:
                last = max(o[0] for o in in_window)
                buyers.append(
                    (
                        member_id,
                        (end - last).days,
                        len(in_window),
                        round(sum(o[1] for o in in_window), 2),
                    )
                )
        scores: dict[str, list[int]] = {b[0]: [0, 0, 0] for b in buyers}
        orderings = (
            sorted(buyers, key=lambda b: (-b[1], b[0])),
            sorted(buyers, key=lambda b: (b[2], b[0])),
            sorted(buyers, key=lambda b: (b[3], b[0])),
        )
        for position, ordering in enumerate(orderings):
            for buyer, score in zip(ordering, _ntile(len(ordering)), strict=True):
                scores[buyer[0]][position] = score
        for member_id, recency, frequency, monetary in buyers:
            r, f, m = scores[member_id]
            expected[(member_id, month)] = (
                recency,
                frequency,
                monetary,
                r,
                f,
                m,
                segment((r, f, m)),
            )

    rows = query(
        example_warehouse,
        "select member_id, month, recency_days, frequency, "
        "cast(monetary as double), r_score, f_score, m_score, rfm_segment "
        "from metrics.rfm_members",
    )
    actual = {(row[0], row[1]): tuple(row[2:]) for row in rows}
    assert actual.keys() == expected.keys()
    mismatches = [
        (key, actual[key], expected[key])
        for key in expected
        if actual[key][:2] != expected[key][:2]
        or actual[key][2] != pytest.approx(expected[key][2], abs=1e-6)
        or actual[key][3:] != expected[key][3:]
    ]
    assert mismatches[:5] == []


@pytest.mark.slow
def test_cohort_retention_matches_independent_counts(
    example_warehouse: Path, example_inputs: dict
) -> None:
    months = example_inputs["months"]
    order_months = {
        member_id: {order[0].replace(day=1) for order in member_orders}
        for member_id, member_orders in example_inputs["orders"].items()
    }
    expected = {}
    for cohort in months:
        cohort_members = [
            member_id
            for member_id, (joined, _) in example_inputs["members"].items()
            if joined.replace(day=1) == cohort
        ]
        for k in range(25):
            activity = _add_months(cohort, k)
            if activity > months[-1]:
                break
            retained = sum(
                activity in order_months.get(member_id, set()) for member_id in cohort_members
            )
            expected[(cohort, k)] = (len(cohort_members), retained)
    rows = query(
        example_warehouse,
        "select cohort_month, months_since_join, cohort_size, "
        "members_with_member_order, retention_share "
        "from metrics.cohort_retention",
    )
    assert {(c, k): (n, x) for c, k, n, x, _ in rows} == expected
    for _, _, size, retained, share in rows:
        if size:
            assert share == pytest.approx(retained / size, abs=1e-12)
        else:
            assert share is None


@pytest.mark.slow
def test_campaign_effect_matches_independent_counts(
    example_warehouse: Path, example_inputs: dict
) -> None:
    window = dt.timedelta(days=7)
    groups: dict[str, dict[str, list[int]]] = {}
    for campaign_id, member_id, group, delivered, touched_at in query(
        example_warehouse,
        "select campaign_id, member_id, test_group, is_delivered, touched_at "
        "from marts.fct_campaign_touches",
    ):
        if group == "treatment" and not delivered:
            continue
        responded = any(
            touched_at < order[2] <= touched_at + window
            for order in example_inputs["orders"].get(member_id, [])
        )
        counts = groups.setdefault(campaign_id, {}).setdefault(group, [0, 0])
        counts[0] += 1
        counts[1] += responded
    start_months = dict(
        query(
            example_warehouse,
            "select campaign_id, cast(date_trunc('month', start_date) as date) "
            "from marts.dim_campaign",
        )
    )
    rows = query(
        example_warehouse,
        "select campaign_id, treatment_size, treatment_responders, "
        "control_size, control_responders, z_score, p_value, "
        "month, is_control_too_small, q_value, is_significant "
        "from metrics.campaign_effect",
    )
    assert len(rows) == len(groups)
    judged: dict[dt.date, dict[str, float]] = {}
    for campaign_id, n_t, x_t, n_c, x_c, z, p_value, month, too_small, _, _ in rows:
        assert [n_t, x_t] == groups[campaign_id]["treatment"]
        assert [n_c, x_c] == groups[campaign_id]["control"]
        assert month == start_months[campaign_id]
        expected_z, expected_p = _two_proportion_test(x_t, n_t, x_c, n_c)
        assert z == pytest.approx(expected_z, abs=1e-9)
        assert too_small is (n_c < EXAMPLE_MIN_CONTROL_MEMBERS)
        if too_small:
            assert p_value is None
        else:
            assert p_value == pytest.approx(expected_p, abs=1e-12)
            judged.setdefault(month, {})[campaign_id] = expected_p
    # Benjamini-Hochberg within each start month, computed here
    expected_q: dict[str, float] = {}
    for month_p in judged.values():
        ranked = sorted(month_p, key=lambda campaign_id: (month_p[campaign_id], campaign_id))
        running_min = 1.0
        for rank in range(len(ranked), 0, -1):
            campaign_id = ranked[rank - 1]
            running_min = min(running_min, month_p[campaign_id] * len(ranked) / rank)
            expected_q[campaign_id] = running_min
    judged_ids = {row[0] for row in rows if not row[8]}
    assert 0 < len(judged_ids) < len(rows)
    assert any(len(month_p) > 1 for month_p in judged.values())
    for campaign_id, *_, q_value, significant in rows:
        if campaign_id in judged_ids:
            assert q_value == pytest.approx(expected_q[campaign_id], abs=1e-12)
            assert significant is (expected_q[campaign_id] < 0.05)
        else:
            assert (q_value, significant) == (None, None)


@pytest.mark.slow
def test_month_tables_read_completeness_from_dim_month(example_warehouse: Path) -> None:
    """Every member-analytics table with a month has is_complete_month,
    that of dim_month for the month."""
    for table in (
        "lifecycle_stage_monthly",
        "lifecycle_transitions",
        "rfm_segments_monthly",
        "rfm_members",
        "member_portrait",
        "campaign_effect",
    ):
        rows = query(
            example_warehouse,
            f"select count(*), count(months.report_month) from metrics.{table} as facts "
            "left join marts.dim_month as months on facts.month = months.report_month "
            "where facts.is_complete_month is distinct from months.is_complete_month",
        )
        assert rows == [(0, 0)], table
