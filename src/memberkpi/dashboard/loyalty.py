"""The loyalty panel (issue 22): tier mix and tier moves, the points
economy and the report month's touch funnel. KPI names pick the rows; every
label, unit and value comes from the metric tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from memberkpi.dashboard.blocks import (
    Context,
    figure_html,
    no_data_note,
    plot_text,
    table_html,
    value_cell,
    warm_up_note,
    window_months,
)
from memberkpi.dashboard.format import esc, format_count, format_value, number_or_none, tag

TIER_MOVE_KPIS = ("tier_upgrade_rate", "tier_downgrade_rate")
POINTS_FLOW_KPIS = ("points_issued", "points_redeemed", "points_expired")
POINTS_STOCK_KPI = "points_outstanding"
TOUCH_FUNNEL_KPIS = (
    "touch_delivery_rate",
    "touch_open_rate",
    "touch_click_rate",
    "touch_conversion_rate_7d",
)


def _kpi_series(ctx: Context, kpis: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The window-complete months of the trend window for each KPI (kpi_monthly)."""
    placeholders = ", ".join("?" for _ in kpis)
    rows = ctx.rows(
        f"select month, kpi, value, unit, {ctx.label_column} from metrics.kpi_monthly "
        f"where kpi in ({placeholders}) and month between ? and ? and is_window_complete "
        "order by month",
        [*kpis, *window_months(ctx)],
    )
    return {kpi: [row for row in rows if row["kpi"] == kpi] for kpi in kpis}


def _line(ctx: Context, points: list[dict[str, Any]], kpi: str, **style: Any) -> go.Scatter:
    return go.Scatter(
        x=[row["month"] for row in points],
        y=[number_or_none(row["value"]) for row in points],
        text=[esc(format_value(row["value"], row["unit"])) for row in points],
        hovertemplate="%{x|%Y-%m}: %{text}<extra></extra>",
        name=plot_text(ctx.label(points[0], kpi)),
        mode="lines+markers",
        **style,
    )


def _tier_mix(ctx: Context) -> str:
    """members_total by tier over the window-complete months (stacked areas)."""
    rows = ctx.rows(
        "select month, tier, value from metrics.kpi_monthly_by_tier "
        "where kpi = 'members_total' and month between ? and ? and is_window_complete "
        "order by month",
        [*window_months(ctx)],
    )
    if not rows:
        return no_data_note(ctx.no_trend_rows("kpi_monthly_by_tier").args[0])
    figure = go.Figure()
    for tier in sorted({row["tier"] for row in rows}, key=lambda code: ctx.code_key("tier", code)):
        points = [row for row in rows if row["tier"] == tier]
        figure.add_trace(
            go.Scatter(
                x=[row["month"] for row in points],
                y=[number_or_none(row["value"]) for row in points],
                text=[esc(format_count(row["value"])) for row in points],
                hovertemplate="%{x|%Y-%m}: %{text}<extra></extra>",
                name=plot_text(ctx.code_label("tier", tier)),
                stackgroup="tiers",
                mode="lines",
            )
        )
    figure.update_layout(
        xaxis={"tickformat": "%Y-%m"},
        yaxis={"tickformat": ",~r", "title": {"text": plot_text(ctx.t("members"))}},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure_html(figure, "fig-tier-mix", height=320)


def _tier_moves(ctx: Context, series: dict[str, list[dict[str, Any]]]) -> str:
    figure = go.Figure()
    for kpi, colour in zip(TIER_MOVE_KPIS, ("#2e7d32", "#c62828"), strict=True):
        if series[kpi]:
            figure.add_trace(_line(ctx, series[kpi], kpi, line={"color": colour}))
    if not figure.data:
        return no_data_note(ctx.no_trend_rows("kpi_monthly").args[0])
    figure.update_layout(
        xaxis={"tickformat": "%Y-%m"},
        yaxis={"tickformat": ".1%", "title": {"text": plot_text(ctx.t("rate"))}},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure_html(figure, "fig-tier-moves", height=320)


def _points_flow(ctx: Context, series: dict[str, list[dict[str, Any]]]) -> str:
    """Points issued, redeemed and expired as bars; the outstanding balance as a line."""
    figure = go.Figure()
    for kpi, colour in zip(POINTS_FLOW_KPIS, ("#1565c0", "#00897b", "#ef6c00"), strict=True):
        points = series[kpi]
        if points:
            figure.add_trace(
                go.Bar(
                    x=[row["month"] for row in points],
                    y=[number_or_none(row["value"]) for row in points],
                    text=[esc(format_value(row["value"], row["unit"])) for row in points],
                    hovertemplate="%{x|%Y-%m}: %{text}<extra></extra>",
                    textposition="none",
                    name=plot_text(ctx.label(points[0], kpi)),
                    marker={"color": colour},
                )
            )
    if series[POINTS_STOCK_KPI]:
        figure.add_trace(
            _line(
                ctx,
                series[POINTS_STOCK_KPI],
                POINTS_STOCK_KPI,
                line={"color": "#6a1b9a"},
                yaxis="y2",
            )
        )
    if not figure.data:
        return no_data_note(ctx.no_trend_rows("kpi_monthly").args[0])
    stock_label = (
        ctx.label(series[POINTS_STOCK_KPI][0], POINTS_STOCK_KPI) if series[POINTS_STOCK_KPI] else ""
    )
    figure.update_layout(
        barmode="group",
        xaxis={"tickformat": "%Y-%m"},
        yaxis={
            "tickformat": ",.0f",
            "rangemode": "tozero",
            "title": {"text": plot_text(ctx.t("points"))},
        },
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "tickformat": ",.0f",
            "rangemode": "tozero",
            "title": {"text": plot_text(stock_label)},
        },
        legend={"orientation": "h", "y": -0.2},
    )
    return figure_html(figure, "fig-points", height=320, right_margin=70)


def _touch_funnel(ctx: Context) -> str:
    """The report month's touch funnel: delivery, open, click and 7-day conversion."""
    placeholders = ", ".join("?" for _ in TOUCH_FUNNEL_KPIS)
    found = {
        row["kpi"]: row
        for row in ctx.rows(
            f"select kpi, value, unit, {ctx.label_column} from metrics.kpi_monthly "
            f"where month = ? and kpi in ({placeholders})",
            [ctx.month, *TOUCH_FUNNEL_KPIS],
        )
    }
    steps = [found[kpi] for kpi in TOUCH_FUNNEL_KPIS if kpi in found]
    if not steps:
        return no_data_note(ctx.no_rows("kpi_monthly").args[0])
    figure = go.Figure(
        go.Funnel(
            y=[plot_text(ctx.label(row, row["kpi"])) for row in steps],
            x=[number_or_none(row["value"]) for row in steps],
            text=[esc(format_value(row["value"], row["unit"])) for row in steps],
            textinfo="text",
            hovertemplate="%{y}: %{text}<extra></extra>",
            marker={"color": ["#1565c0", "#1e88e5", "#42a5f5", "#90caf9"][: len(steps)]},
        )
    )
    figure.update_layout(margin={"l": 160})
    body = [
        tag(
            "tr",
            tag("th", esc(ctx.label(row, row["kpi"])), scope="row")
            + value_cell(row["value"], row["unit"], kpi=row["kpi"]),
        )
        for row in steps
    ]
    return figure_html(figure, "fig-touch-funnel", height=320) + table_html(
        [ctx.t("kpi"), ctx.t("this_month")], body, class_="data touch-funnel"
    )


def loyalty(ctx: Context) -> str:
    """Tier mix and tier moves, the points economy and the touch funnel."""
    ctx.require("kpi_monthly", "kpi_monthly_by_tier")
    series = _kpi_series(ctx, [*TIER_MOVE_KPIS, *POINTS_FLOW_KPIS, POINTS_STOCK_KPI])
    blocks = (
        ("tier_mix", _tier_mix(ctx)),
        ("tier_moves", _tier_moves(ctx, series)),
        ("points_flow", _points_flow(ctx, series)),
        ("touch_funnel", _touch_funnel(ctx)),
    )
    grid = "".join(
        tag("div", tag("h3", esc(ctx.t(key))) + body, class_="loyalty-block", data_block=key)
        for key, body in blocks
    )
    return tag("div", grid, class_="grid-2") + warm_up_note(ctx)
