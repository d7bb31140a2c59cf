"""The monitoring panels: the open alerts (metrics.kpi_alerts) and the
audience sizes (metrics.audience_sizes).

Each panel reads its rows through a load_* function (the columns of
metrics.kpi_alerts and metrics.audience_sizes, as the helpers building them
agreed) and renders them with a *_html builder that takes plain rows, so the
builders are tested on rows written by hand. A warehouse built before a table
existed gets a note that says so, not an error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from memberkpi.dashboard.blocks import Context, figure_html, plot_text, table_html
from memberkpi.dashboard.data import NoData, add_months
from memberkpi.dashboard.format import (
    esc,
    format_change,
    format_count,
    format_month,
    format_value,
    is_null,
    number_or_none,
    raw_value,
    tag,
)

ALERTS_TABLE = "kpi_alerts"
AUDIENCES_TABLE = "audience_sizes"
# alerts before warnings; within a severity the newest period first
SEVERITY_ORDER = ("alert", "warn")
AUDIENCE_TREND_MONTHS = 12


def require_feature_table(ctx: Context, table: str) -> None:
    """NoData naming the table when the warehouse lacks it: it was built
    before the feature that writes the table."""
    if not ctx.warehouse.has(table):
        raise NoData(ctx.t("no_feature_table", table=f"metrics.{table}"))


# -- open alerts ---------------------------------------------------------------


def load_open_alerts(ctx: Context) -> list[dict[str, Any]]:
    """The open alerts (is_open) of metrics.kpi_alerts, with the KPI's label
    and unit from metrics.kpi_catalog when it exists."""
    require_feature_table(ctx, ALERTS_TABLE)
    catalog = ctx.warehouse.has("kpi_catalog")
    label = f"catalog.{ctx.label_column}" if catalog else "cast(null as varchar)"
    unit = "catalog.unit" if catalog else "cast(null as varchar)"
    join = "left join metrics.kpi_catalog as catalog on catalog.kpi = alerts.kpi" if catalog else ""
    return ctx.rows(
        "select alerts.grain, alerts.period_start, alerts.rule, alerts.rule_kind, alerts.kpi, "
        "alerts.source_table, alerts.value, alerts.reference_value, alerts.severity, "
        f"alerts.message_zh, alerts.message_en, {label} as {ctx.label_column}, {unit} as unit "
        f"from metrics.{ALERTS_TABLE} as alerts {join} "
        "where alerts.is_open"
    )


def _severity_rank(severity: Any) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _severity_badge(ctx: Context, severity: Any) -> str:
    code = "none" if is_null(severity) else str(severity)
    colour = {"alert": "bad", "warn": "watch"}.get(code, "none")
    return tag(
        "span",
        esc(ctx.code_label("severity", code)),
        class_=f"status status-{colour}",
        data_severity=code,
    )


def _alert_subject(ctx: Context, row: dict[str, Any]) -> str:
    """The KPI's label for a KPI rule, the checked table for a data check."""
    if not is_null(row["kpi"]):
        return ctx.label(row, str(row["kpi"]))
    return "" if is_null(row["source_table"]) else str(row["source_table"])


def _period_text(row: dict[str, Any]) -> str:
    """A month alert's period as YYYY-MM, any other (week, data check) as its date."""
    start = row["period_start"]
    if start is None:
        return ""
    return format_month(start) if row["grain"] == "month" else start.isoformat()


def alerts_html(ctx: Context, rows: list[dict[str, Any]]) -> str:
    """The open alerts as a table, alerts before warnings, newest period
    first; a note when none is open."""
    if not rows:
        return tag("p", esc(ctx.t("no_open_alerts")), class_="note open-alerts-none")
    ordered = sorted(
        rows,
        key=lambda row: (
            _severity_rank(row["severity"]),
            -(row["period_start"].toordinal() if row["period_start"] else 0),
            str(row["rule"]),
            str(row["kpi"] or row["source_table"] or ""),
        ),
    )
    message = f"message_{ctx.lang}"
    body = [
        tag(
            "tr",
            tag("td", _severity_badge(ctx, row["severity"]))
            + tag("th", esc(_alert_subject(ctx, row)), scope="row")
            + tag(
                "td",
                esc(f"{ctx.code_label('grain', row['grain'])} {_period_text(row)}"),
                class_="num",
            )
            + tag("td", esc(row["rule"]))
            + tag(
                "td",
                esc(format_value(row["value"], row.get("unit"))),
                class_="num",
                data_value=raw_value(row["value"]),
            )
            + tag(
                "td",
                esc(format_value(row["reference_value"], row.get("unit"))),
                class_="num",
                data_value=raw_value(row["reference_value"]),
            )
            + tag("td", esc("" if is_null(row[message]) else row[message]), class_="alert-message"),
            data_alert_rule=row["rule"],
            data_alert_kind=row["rule_kind"],
            data_kpi_subject=row["kpi"] or row["source_table"] or "",
            data_severity=row["severity"],
        )
        for row in ordered
    ]
    counts = {
        severity: sum(1 for row in rows if row["severity"] == severity)
        for severity in SEVERITY_ORDER
    }
    summary = " ".join(
        f"{_severity_badge(ctx, severity)} {esc(format_count(count))}"
        for severity, count in counts.items()
    )
    table = table_html(
        [
            ctx.t("severity"),
            ctx.t("alert_subject"),
            ctx.t("period"),
            ctx.t("rule"),
            ctx.t("value"),
            ctx.t("reference"),
            ctx.t("message"),
        ],
        body,
        class_="data open-alerts",
    )
    return tag("p", summary, class_="legend") + table


def open_alerts(ctx: Context) -> str:
    """Panel: the open alerts of metrics.kpi_alerts."""
    return alerts_html(ctx, load_open_alerts(ctx))


# -- audience sizes --------------------------------------------------------------


def load_audience_sizes(ctx: Context) -> list[dict[str, Any]]:
    """metrics.audience_sizes for the AUDIENCE_TREND_MONTHS months up to the
    report month."""
    require_feature_table(ctx, AUDIENCES_TABLE)
    first = add_months(ctx.month, -(AUDIENCE_TREND_MONTHS - 1))
    return ctx.rows(
        "select month, audience, title_zh, title_en, member_count "
        f"from metrics.{AUDIENCES_TABLE} where month between ? and ? "
        "order by audience, month",
        [first, ctx.month],
    )


def _audience_title(ctx: Context, row: dict[str, Any]) -> str:
    title = row.get(f"title_{ctx.lang}")
    return str(row["audience"]) if is_null(title) or title == "" else str(title)


def audiences_html(ctx: Context, rows: list[dict[str, Any]]) -> str:
    """Each audience's size in its latest month up to the report month, the
    change on the month before, and a small trend of every audience."""
    if not rows:
        raise ctx.no_rows(AUDIENCES_TABLE)
    by_audience: dict[str, dict[dt.date, dict[str, Any]]] = {}
    for row in rows:
        by_audience.setdefault(row["audience"], {})[row["month"]] = row
    latest_month = max(row["month"] for row in rows)
    previous_month = add_months(latest_month, -1)
    body = []
    for audience in sorted(by_audience):
        months = by_audience[audience]
        latest = months.get(latest_month)
        previous = months.get(previous_month)
        count = None if latest is None else latest["member_count"]
        before = None if previous is None else previous["member_count"]
        change = None
        if not is_null(count) and not is_null(before) and before:
            change = (count - before) / before
        title = _audience_title(ctx, latest or next(iter(months.values())))
        body.append(
            tag(
                "tr",
                tag("th", esc(title), scope="row")
                + tag(
                    "td",
                    esc(format_count(count)),
                    class_="num",
                    data_value=raw_value(count),
                )
                + tag(
                    "td",
                    esc(format_change(change, "relative")),
                    class_="num",
                    data_value=raw_value(change),
                ),
                data_audience=audience,
            )
        )
    table = table_html(
        [ctx.t("audience"), ctx.t("members"), ctx.t("mom")],
        body,
        class_="data audience-sizes",
        caption=f"{ctx.t('audience_latest')} {format_month(latest_month)}",
    )
    figure = go.Figure()
    for audience in sorted(by_audience):
        series = sorted(by_audience[audience].values(), key=lambda row: row["month"])
        figure.add_trace(
            go.Scatter(
                x=[row["month"] for row in series],
                y=[number_or_none(row["member_count"]) for row in series],
                text=[esc(format_count(row["member_count"])) for row in series],
                hovertemplate="%{x|%Y-%m}: %{text}<extra></extra>",
                name=plot_text(_audience_title(ctx, series[-1])),
                mode="lines+markers",
            )
        )
    figure.update_layout(
        xaxis={"tickformat": "%Y-%m"},
        yaxis={"tickformat": ",~r", "title": {"text": plot_text(ctx.t("members"))}},
        legend={"orientation": "h", "y": -0.25},
    )
    return tag(
        "div",
        tag("div", table) + figure_html(figure, "fig-audience-sizes", height=300),
        class_="split",
    )


def audience_sizes(ctx: Context) -> str:
    """Panel: the audience sizes of metrics.audience_sizes."""
    return audiences_html(ctx, load_audience_sizes(ctx))
