"""The dashboard's target attainment table and its monitoring panels (open
alerts, audience sizes), on rows written by hand.

metrics.kpi_alerts and metrics.audience_sizes are built by other parts of
the project; here they are small in-memory DuckDB tables with the agreed
columns (helper_notes contracts: kpi_alerts grain, period_start, rule,
rule_kind, kpi, source_table, value, reference_value, severity, message_zh,
message_en, is_open; audience_sizes month, audience, title_zh, title_en,
member_count), so the loaders are tested against those columns too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import duckdb
import pytest

from memberkpi.dashboard.blocks import Context
from memberkpi.dashboard.data import NoData, Warehouse
from memberkpi.dashboard.monitoring import (
    alerts_html,
    audience_sizes,
    load_audience_sizes,
    load_open_alerts,
    open_alerts,
)
from memberkpi.dashboard.panels import render_panel
from memberkpi.dashboard.scorecard import attainment_html

REPORT_MONTH = dt.date(2025, 11, 1)


@pytest.fixture
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        connection.execute("create schema metrics")
        connection.execute(
            "create table metrics.kpi_catalog as select * from (values "
            "('members_new', '新会员数', 'New members', 'members'), "
            "('refund_rate', '退款率', 'Refund rate', 'ratio')"
            ") as catalog (kpi, label_zh, label_en, unit)"
        )
        yield connection


def context(connection: duckdb.DuckDBPyConnection, lang: str = "en") -> Context:
    return Context(warehouse=Warehouse.open(connection), month=REPORT_MONTH, lang=lang)


def add_alerts(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(
        """
        create table metrics.kpi_alerts as select * from (values
            ('month', date '2025-10-01', 'members_new_drop', 'seasonal_change', 'members_new',
             null, 80.0, 100.0, 'warn', '新会员数同比下降', 'New members fell year on year', true),
            ('month', date '2025-10-01', 'refund_rate_high', 'threshold', 'refund_rate',
             null, 0.12, 0.08, 'alert', '退款率过高', 'Refund rate above threshold', true),
            ('month', date '2025-09-01', 'refund_rate_high', 'threshold', 'refund_rate',
             null, 0.11, 0.08, 'alert', '九月退款率', 'September refunds', false),
            ('month', date '2025-12-03', 'orders_fresh', 'freshness', null,
             'orders', 9.0, 2.0, 'alert', '订单数据过旧', 'Orders are stale', true)
        ) as alerts (grain, period_start, rule, rule_kind, kpi, source_table, value,
            reference_value, severity, message_zh, message_en, is_open)
        """
    )


def add_audiences(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(
        """
        create table metrics.audience_sizes as select * from (values
            (date '2025-09-01', 'lapsed_vip', '流失高价值会员', 'Lapsed VIPs', 90::bigint),
            (date '2025-10-01', 'lapsed_vip', '流失高价值会员', 'Lapsed VIPs', 100::bigint),
            (date '2025-11-01', 'lapsed_vip', '流失高价值会员', 'Lapsed VIPs', 120::bigint),
            (date '2025-12-01', 'lapsed_vip', '流失高价值会员', 'Lapsed VIPs', 999::bigint),
            (date '2025-10-01', 'new_no_order', '新会员未购', 'New, no order', 0::bigint),
            (date '2025-11-01', 'new_no_order', '新会员未购', 'New, no order', 40::bigint),
            (date '2024-11-01', 'new_no_order', '新会员未购', 'New, no order', 7::bigint)
        ) as sizes (month, audience, title_zh, title_en, member_count)
        """
    )


def data_values(html: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="([^"]*)"', html)


# -- target attainment -----------------------------------------------------------


def scorecard_row(kpi: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "kpi": kpi,
        "label_en": kpi.replace("_", " "),
        "unit": "ratio",
        "value": None,
        "target_value": None,
        "attainment": None,
        "ytd_attainment": None,
        "status": None,
        "reference_kind": None,
        "kpi_order": 1,
        "definition": None,
        "definition_zh": None,
    }
    row.update(values)
    return row


def test_attainment_table_shows_the_kpis_with_a_target(connection) -> None:
    rows = [
        # 0.4 on 0.35: 0.4 / 0.35 = 1.142857... -> 114.3%; YTD 0.9 -> 90.0%
        scorecard_row(
            "capital_rate",
            value=0.4,
            target_value=0.35,
            attainment=0.4 / 0.35,
            ytd_attainment=0.9,
            status="good",
            reference_kind="target",
            kpi_order=2,
        ),
        # lower is better, 0.05 on 0.04: 0.8 -> 80.0%, YTD null -> dash
        scorecard_row(
            "refund_rate",
            value=0.05,
            target_value=0.04,
            attainment=0.8,
            status="bad",
            reference_kind="target",
            kpi_order=1,
        ),
        scorecard_row("member_aov", value=300.0, unit="cny", reference_kind="benchmark"),
    ]
    html = attainment_html(context(connection), rows)
    assert data_values(html, "data-row-kpi") == ["refund_rate", "capital_rate"]  # kpi_order
    cells = re.findall(r'<td class="([^"]*)" data-attainment="(\w+)"[^>]*>([^<]*)</td>', html)
    assert cells == [
        ("num attainment down-bad", "month", "80.0%"),
        ("num attainment", "ytd", "–"),
        ("num attainment up-good", "month", "114.3%"),
        ("num attainment down-bad", "ytd", "90.0%"),
    ]
    assert "Target attainment" in html and "YTD attainment" in html


def test_attainment_table_in_chinese(connection) -> None:
    rows = [scorecard_row("csat", label_zh="满意度", unit="score_1_5", value=4.0, target_value=4.5)]
    html = attainment_html(context(connection, "zh"), rows)
    assert "年累计达成率" in html and "满意度" in html


def test_no_attainment_table_without_targets_or_columns(connection) -> None:
    ctx = context(connection)
    assert attainment_html(ctx, [scorecard_row("capital_rate", value=0.4)]) == ""
    # a warehouse built before attainment existed: no attainment columns
    old = scorecard_row("capital_rate", value=0.4, target_value=0.35)
    del old["attainment"], old["ytd_attainment"]
    assert attainment_html(ctx, [old]) == ""


# -- open alerts -------------------------------------------------------------------


def test_open_alerts_are_the_open_rows_alerts_first(connection) -> None:
    add_alerts(connection)
    ctx = context(connection)
    rows = load_open_alerts(ctx)
    # 4 rows, the September refund alert is closed
    assert len(rows) == 3
    assert {row["label_en"] for row in rows} == {"New members", "Refund rate", None}
    html = alerts_html(ctx, rows)
    # alerts before warnings; among alerts the newest period first (12-03 data check)
    assert data_values(html, "data-alert-rule") == [
        "orders_fresh",
        "refund_rate_high",
        "members_new_drop",
    ]
    assert "Refund rate above threshold" in html and "September refunds" not in html
    # the KPI's label for a KPI rule, the checked table for a data check
    assert re.findall(r'<th scope="row">([^<]*)</th>', html) == [
        "orders",
        "Refund rate",
        "New members",
    ]
    # values in the KPI's unit: 0.12 of a ratio KPI is 12.0%
    assert ">12.0%<" in html and ">8.0%<" in html


def test_open_alerts_in_chinese(connection) -> None:
    add_alerts(connection)
    ctx = context(connection, "zh")
    html = open_alerts(ctx)
    assert "退款率过高" in html and "Refund rate above threshold" not in html
    assert "退款率" in html


def test_no_open_alert_is_said(connection) -> None:
    add_alerts(connection)
    connection.execute("update metrics.kpi_alerts set is_open = false")
    html = open_alerts(context(connection))
    assert "No open alerts." in html


def test_missing_alerts_table_says_the_warehouse_predates_it(connection) -> None:
    ctx = context(connection)
    with pytest.raises(NoData, match=r"metrics\.kpi_alerts does not exist.*built before"):
        open_alerts(ctx)
    section = render_panel("panel-alerts", "panel_alerts", open_alerts, ctx)
    assert 'data-state="no-data"' in section and "built before this feature" in section


# -- audience sizes ----------------------------------------------------------------


def test_audience_sizes_latest_month_and_change(connection) -> None:
    add_audiences(connection)
    ctx = context(connection)
    rows = load_audience_sizes(ctx)
    # the 12 months up to 2025-11: 2025-12 is after the report month, 2024-11
    # is 12 months before it (the window is 2024-12 .. 2025-11)
    assert sorted((row["audience"], row["month"].isoformat()) for row in rows) == [
        ("lapsed_vip", "2025-09-01"),
        ("lapsed_vip", "2025-10-01"),
        ("lapsed_vip", "2025-11-01"),
        ("new_no_order", "2025-10-01"),
        ("new_no_order", "2025-11-01"),
    ]
    html = audience_sizes(ctx)
    assert data_values(html, "data-audience") == ["lapsed_vip", "new_no_order"]
    # lapsed_vip 120 in 2025-11, +20.0% on 100; new_no_order 40 on 0: no change
    cells = re.findall(r'<td class="num" data-value="([^"]*)">([^<]*)</td>', html)
    assert cells == [("120", "120"), ("0.2", "+20.0%"), ("40", "40"), ("", "–")]
    assert "Lapsed VIPs" in html and "2025-11" in html
    assert 'id="fig-audience-sizes"' in html


def test_audience_titles_in_chinese(connection) -> None:
    add_audiences(connection)
    html = audience_sizes(context(connection, "zh"))
    assert "流失高价值会员" in html and "Lapsed VIPs" not in html


def test_missing_audience_table_says_the_warehouse_predates_it(connection) -> None:
    ctx = context(connection)
    section = render_panel("panel-audiences", "panel_audiences", audience_sizes, ctx)
    assert 'data-state="no-data"' in section
    assert "metrics.audience_sizes does not exist" in section
