"""The dashboard's panels: each reads metric tables and returns HTML.

Every number shown is a value of a metric table, formatted by
dashboard.format; nothing is recomputed here. The building blocks live in
dashboard.blocks, the MBSC board in dashboard.scorecard, the loyalty
panel in dashboard.loyalty and the open alerts and audience sizes in
dashboard.monitoring; PANELS lists the page's panels in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from memberkpi.dashboard.blocks import (
    Context,
    change_text,
    figure_html,
    in_catalog_order,
    no_data_note,
    plot_text,
    table_html,
    value_cell,
    warm_up_note,
    warm_up_text,
    window_months,
)
from memberkpi.dashboard.data import NoData, add_months
from memberkpi.dashboard.format import (
    DASH,
    esc,
    format_change,
    format_count,
    format_month,
    format_p_value,
    format_share,
    format_value,
    is_null,
    number_or_none,
    raw_value,
    tag,
)
from memberkpi.dashboard.loyalty import loyalty
from memberkpi.dashboard.monitoring import audience_sizes, open_alerts
from memberkpi.dashboard.scorecard import scorecard
from memberkpi.dashboard.text import text

# used only when the warehouse has no metrics.four_c_radar / kpi_catalog
RADAR_FALLBACK = ("capital_rate", "conversion", "clv", "connection")
AOV_KPIS = ("member_order_value", "member_purchase_frequency", "member_aov")
CORE_FALLBACK = ("member_purchase_frequency", "member_aov", "retention_rate")
HEADLINE_KPIS = ("members_total", "member_net_sales")
STAGE_COLOURS = {
    "joined": "#9e9e9e",
    "new": "#64b5f6",
    "unconverted": "#90a4ae",
    "first_time": "#4db6ac",
    "repeat": "#2e7d32",
    "silent": "#ffb74d",
    "lapsed": "#e57373",
    "exited": "#616161",
}
TAG_ORDER = (
    "age_band",
    "gender",
    "city_tier",
    "tier",
    "preferred_channel",
    "preferred_category",
    "price_band",
)
# the code type of metrics.code_labels for a portrait tag (else the tag's name)
TAG_CODE_TYPES = {"preferred_channel": "channel"}
COHORT_MONTHS = 24


# -- panels ------------------------------------------------------------------


def radar(ctx: Context) -> str:
    """4C radar: the month, the same month last year and benchmark p50 (= 50)."""
    ctx.require("four_c_radar")
    last_year = add_months(ctx.month, -12)
    rows = ctx.rows(
        "select * from metrics.four_c_radar where month in (?, ?)", [ctx.month, last_year]
    )
    current = {row["kpi"]: row for row in rows if row["month"] == ctx.month}
    # a warm-up month has no score: last year's line is drawn only when judged
    previous = {
        row["kpi"]: row for row in rows if row["month"] == last_year and row["is_window_complete"]
    }
    if not current:
        raise ctx.no_rows("four_c_radar")
    warm_up = warm_up_text(ctx, (row["is_window_complete"] for row in current.values()))
    kpis = in_catalog_order(ctx, current)
    labels = [plot_text(ctx.label(current[kpi], kpi)) for kpi in kpis]
    theta = [*labels, labels[0]]

    def trace(
        source: dict[str, dict[str, Any]], name: str, colour: str, dash: str
    ) -> go.Scatterpolar:
        scores = [number_or_none(source.get(kpi, {}).get("score")) for kpi in kpis]
        hover = [
            f"{label}: {esc(format_value(source.get(kpi, {}).get('value'), current[kpi]['unit']))}"
            f" ({esc(text('score', ctx.lang))} "
            f"{esc(format_value(source.get(kpi, {}).get('score'), 'score'))})"
            for kpi, label in zip(kpis, labels, strict=True)
        ]
        return go.Scatterpolar(
            r=[*scores, scores[0]],
            theta=theta,
            name=plot_text(name),
            text=[*hover, hover[0]],
            hoverinfo="text",
            line={"color": colour, "dash": dash},
            fill="toself" if dash == "solid" else "none",
            opacity=0.85,
        )

    figure = go.Figure()
    figure.add_trace(
        trace(current, f"{ctx.t('this_month')} {format_month(ctx.month)}", "#1565c0", "solid")
    )
    if previous:
        figure.add_trace(
            trace(previous, f"{ctx.t('last_year')} {format_month(last_year)}", "#ef6c00", "dot")
        )
    figure.add_trace(
        go.Scatterpolar(
            r=[50] * len(theta),
            theta=theta,
            name=plot_text(ctx.t("benchmark_p50")),
            line={"color": "#757575", "dash": "dash"},
            hoverinfo="name",
        )
    )
    figure.update_layout(
        polar={
            "radialaxis": {"range": [0, 100], "tickvals": [0, 25, 50, 75, 100], "angle": 45},
            "angularaxis": {"rotation": 90, "direction": "clockwise"},
        },
        legend={"orientation": "h", "y": -0.12},
    )

    body = []
    for kpi in kpis:
        row = current[kpi]
        unit = row["unit"]
        body.append(
            tag(
                "tr",
                tag("th", esc(ctx.label(row, kpi)), scope="row")
                + value_cell(row["value"], unit, kpi=kpi)
                + tag(
                    "td",
                    esc(format_value(previous.get(kpi, {}).get("value"), unit)),
                    class_="num",
                    data_value=raw_value(previous.get(kpi, {}).get("value")),
                )
                + tag("td", esc(format_value(row["benchmark_p25"], unit)), class_="num")
                + tag("td", esc(format_value(row["benchmark_p50"], unit)), class_="num")
                + tag("td", esc(format_value(row["benchmark_p75"], unit)), class_="num")
                + tag(
                    "td",
                    esc(format_value(row["score"], "score")),
                    class_="num",
                    data_score=raw_value(row["score"]),
                ),
                data_row_kpi=kpi,
            )
        )
    table = table_html(
        [
            ctx.t("kpi"),
            ctx.t("this_month"),
            ctx.t("last_year"),
            ctx.t("bench_p25"),
            ctx.t("bench_p50"),
            ctx.t("bench_p75"),
            ctx.t("score"),
        ],
        body,
        class_="data radar-values",
    )
    note = ""
    if warm_up:
        note += tag("p", esc(warm_up), class_="no-data warm-up", role="status")
    if any(row.get("is_benchmark_illustrative") for row in current.values()):
        note += tag("p", esc(ctx.t("illustrative")), class_="note")
    return tag(
        "div",
        figure_html(figure, "fig-radar", height=420) + tag("div", table + note),
        class_="split",
    )


def _radar_kpis(ctx: Context) -> list[str]:
    """The KPIs of four_c_radar (metrics.yml meta radar: true), in catalog order."""
    if ctx.warehouse.has("four_c_radar"):
        rows = ctx.rows("select distinct kpi from metrics.four_c_radar")
        if rows:
            return in_catalog_order(ctx, (row["kpi"] for row in rows))
    return list(RADAR_FALLBACK)


def _core_kpis(ctx: Context) -> list[str]:
    if ctx.warehouse.has("kpi_catalog"):
        rows = ctx.rows(
            "select kpi from metrics.kpi_catalog where family = 'core' "
            "or list_contains(string_split(coalesce(other_families, ''), ','), 'core') "
            "order by kpi_order"
        )
        if rows:
            return [row["kpi"] for row in rows]
    return list(CORE_FALLBACK)


def _axis_format(unit: str | None) -> dict[str, Any]:
    if unit == "ratio":
        return {"tickformat": ".0%"}
    if unit == "cny":
        return {"tickprefix": "¥", "tickformat": ",.0f"}
    return {"tickformat": ",~r"}


def trends(ctx: Context) -> str:
    """Lines over up to 24 months for the 4C, core and headline indicators."""
    ctx.require("kpi_monthly")
    wanted = list(dict.fromkeys([*_radar_kpis(ctx), *_core_kpis(ctx), *HEADLINE_KPIS]))
    first, last = window_months(ctx)
    placeholders = ", ".join("?" for _ in wanted)
    rows = ctx.rows(
        f"select month, kpi, value, unit, {ctx.label_column}, kpi_order "
        f"from metrics.kpi_monthly where kpi in ({placeholders}) and month between ? and ? "
        "and is_window_complete order by kpi_order, month",
        [*wanted, first, last],
    )
    if not rows:
        raise ctx.no_trend_rows("kpi_monthly")
    kpis = list(dict.fromkeys(row["kpi"] for row in rows))
    columns = 3
    line_rows = (len(kpis) + columns - 1) // columns
    titles = [plot_text(ctx.label(next(r for r in rows if r["kpi"] == kpi), kpi)) for kpi in kpis]
    figure = make_subplots(
        rows=line_rows,
        cols=columns,
        subplot_titles=titles,
        vertical_spacing=0.12,
        horizontal_spacing=0.07,
    )
    for index, kpi in enumerate(kpis):
        series = [row for row in rows if row["kpi"] == kpi]
        unit = series[0]["unit"]
        position = {"row": index // columns + 1, "col": index % columns + 1}
        figure.add_trace(
            go.Scatter(
                x=[row["month"] for row in series],
                y=[number_or_none(row["value"]) for row in series],
                text=[esc(format_value(row["value"], unit)) for row in series],
                hovertemplate="%{x|%Y-%m}: %{text}<extra></extra>",
                mode="lines+markers",
                line={"color": "#1565c0", "width": 2},
                marker={"size": 4},
                name=titles[index],
                showlegend=False,
                connectgaps=False,
            ),
            **position,
        )
        figure.update_yaxes(**_axis_format(unit), **position)
    figure.update_xaxes(tickformat="%Y-%m")
    return figure_html(figure, "fig-trends", height=260 * line_rows) + warm_up_note(ctx)


def aov(ctx: Context) -> str:
    """member_order_value x member_purchase_frequency = member_aov, with its trend."""
    ctx.require("mbsc_scorecard")
    placeholders = ", ".join("?" for _ in AOV_KPIS)
    rows = ctx.rows(
        f"select kpi, value, unit, mom_change, yoy_change, change_unit, higher_is_better, "
        f"{ctx.label_column} from metrics.mbsc_scorecard "
        f"where month = ? and kpi in ({placeholders})",
        [ctx.month, *AOV_KPIS],
    )
    by_kpi = {row["kpi"]: row for row in rows}
    if not by_kpi:
        raise ctx.no_rows("mbsc_scorecard")
    boxes = []
    for position, kpi in enumerate(AOV_KPIS):
        row = by_kpi.get(
            kpi,
            {
                "kpi": kpi,
                "value": None,
                "unit": None,
                "mom_change": None,
                "yoy_change": None,
                "change_unit": "relative",
            },
        )
        boxes.append(
            tag(
                "div",
                tag("div", esc(ctx.label(row, kpi)), class_="aov-label")
                + tag(
                    "div",
                    esc(format_value(row["value"], row["unit"])),
                    class_="aov-value",
                    data_kpi=kpi,
                    data_value=raw_value(row["value"]),
                )
                + tag("div", esc(change_text(ctx, row)), class_="aov-change"),
                class_="aov-box",
            )
        )
        if position < len(AOV_KPIS) - 1:
            boxes.append(tag("div", "×" if position == 0 else "=", class_="aov-op"))
    formula = tag("div", "".join(boxes), class_="aov-formula")
    caption = tag("p", esc(ctx.t("aov_formula")), class_="note")
    chart = ""
    if ctx.warehouse.has("kpi_monthly"):
        series = ctx.rows(
            f"select month, kpi, value, unit, {ctx.label_column} from metrics.kpi_monthly "
            f"where kpi in ({placeholders}) and month between ? and ? "
            "and is_window_complete order by month",
            [*AOV_KPIS, *window_months(ctx)],
        )
        if series:
            figure = go.Figure()
            names = {row["kpi"]: plot_text(ctx.label(row, row["kpi"])) for row in series}
            for kpi, colour in zip(AOV_KPIS, ("#00897b", "#8e24aa", "#1565c0"), strict=True):
                points = [row for row in series if row["kpi"] == kpi]
                if not points:
                    continue
                figure.add_trace(
                    go.Scatter(
                        x=[row["month"] for row in points],
                        y=[number_or_none(row["value"]) for row in points],
                        text=[esc(format_value(row["value"], row["unit"])) for row in points],
                        hovertemplate="%{x|%Y-%m}: %{text}<extra></extra>",
                        name=plot_text(ctx.label(points[0], kpi)),
                        mode="lines+markers",
                        line={"color": colour},
                        yaxis="y2" if kpi == "member_purchase_frequency" else "y",
                    )
                )
            money_axis = " / ".join(
                names[kpi]
                for kpi in AOV_KPIS
                if kpi != "member_purchase_frequency" and kpi in names
            )
            figure.update_layout(
                yaxis={
                    "tickprefix": "¥",
                    "tickformat": ",.0f",
                    "title": {"text": f"{money_axis} (¥)"},
                },
                yaxis2={
                    "overlaying": "y",
                    "side": "right",
                    "showgrid": False,
                    "tickformat": ".2f",
                    "title": {"text": names.get("member_purchase_frequency", "")},
                },
                xaxis={"tickformat": "%Y-%m", "title": {"text": plot_text(ctx.t("month"))}},
                legend={"orientation": "h", "y": -0.3},
            )
            chart = figure_html(figure, "fig-aov", height=360, right_margin=70) + warm_up_note(ctx)
    return formula + caption + chart


def lifecycle(ctx: Context) -> str:
    """Lifecycle stage counts and the month's stage transitions as a Sankey."""
    ctx.require("lifecycle_stage_monthly")
    stages = ctx.rows(
        "select lifecycle_stage, lifecycle_stage_order, count_members, share "
        "from metrics.lifecycle_stage_monthly where month = ? "
        "order by lifecycle_stage_order",
        [ctx.month],
    )
    transitions: list[dict[str, Any]] = []
    if ctx.warehouse.has("lifecycle_transitions"):
        transitions = ctx.rows(
            "select from_stage, to_stage, count_members from metrics.lifecycle_transitions "
            "where month = ? order by from_stage, to_stage",
            [ctx.month],
        )
    if not stages and not transitions:
        raise ctx.no_rows("lifecycle_stage_monthly")
    parts = []
    if stages:
        labels = [
            plot_text(ctx.code_label("lifecycle_stage", row["lifecycle_stage"])) for row in stages
        ]
        figure = go.Figure(
            go.Bar(
                x=labels,
                y=[number_or_none(row["count_members"]) for row in stages],
                text=[esc(format_count(row["count_members"])) for row in stages],
                textposition="outside",
                marker={
                    "color": [
                        STAGE_COLOURS.get(row["lifecycle_stage"], "#90a4ae") for row in stages
                    ]
                },
                hovertemplate="%{x}: %{text}<extra></extra>",
            )
        )
        body = [
            tag(
                "tr",
                tag(
                    "th",
                    esc(ctx.code_label("lifecycle_stage", row["lifecycle_stage"])),
                    scope="row",
                )
                + value_cell(row["count_members"], "members")
                + tag("td", esc(format_share(row["share"])), class_="num"),
                data_stage=row["lifecycle_stage"],
            )
            for row in stages
        ]
        parts.append(
            tag(
                "div",
                tag("h3", esc(ctx.t("stage_counts")))
                + figure_html(figure, "fig-lifecycle-stages", height=300)
                + table_html([ctx.t("segment"), ctx.t("members"), ctx.t("share")], body),
            )
        )
    else:
        parts.append(tag("div", no_data_note(ctx.no_rows("lifecycle_stage_monthly").args[0])))
    if transitions:
        parts.append(tag("div", tag("h3", esc(ctx.t("transitions"))) + _sankey(ctx, transitions)))
    else:
        parts.append(
            tag(
                "div",
                tag("h3", esc(ctx.t("transitions")))
                + no_data_note(ctx.no_rows("lifecycle_transitions").args[0]),
            )
        )
    return tag("div", "".join(parts), class_="split")


def _sankey(ctx: Context, transitions: list[dict[str, Any]]) -> str:
    """Stage at the end of the previous month (left) to stage at the end of
    the report month (right); each side is named by its month."""

    def stage_key(stage: str) -> tuple[int, str]:
        return ctx.code_key("lifecycle_stage", stage)

    sources = sorted({row["from_stage"] for row in transitions}, key=stage_key)
    targets = sorted({row["to_stage"] for row in transitions}, key=stage_key)
    nodes = [("from", stage) for stage in sources] + [("to", stage) for stage in targets]
    index = {node: position for position, node in enumerate(nodes)}
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [
                    plot_text(ctx.code_label("lifecycle_stage", stage)) for _, stage in nodes
                ],
                "color": [STAGE_COLOURS.get(stage, "#90a4ae") for _, stage in nodes],
                "pad": 12,
                "thickness": 14,
            },
            link={
                "source": [index[("from", row["from_stage"])] for row in transitions],
                "target": [index[("to", row["to_stage"])] for row in transitions],
                "value": [number_or_none(row["count_members"]) for row in transitions],
                "color": "rgba(120, 144, 156, 0.35)",
            },
        )
    )
    previous = format_month(add_months(ctx.month, -1))
    for month, x_position, anchor in ((previous, 0, "left"), (format_month(ctx.month), 1, "right")):
        figure.add_annotation(
            text=plot_text(ctx.t("transition_from", month=month)),
            x=x_position,
            y=1,
            xref="paper",
            yref="paper",
            xanchor=anchor,
            yanchor="bottom",
            showarrow=False,
            font={"size": 13},
        )
    return figure_html(figure, "fig-lifecycle-sankey", height=420)


def rfm(ctx: Context) -> str:
    """The month's RFM segments as a grid of cards."""
    ctx.require("rfm_segments_monthly")
    rows = ctx.rows(
        f"select rfm_segment, {ctx.segment_name_column} as segment_name, count_members, "
        "share, avg_monetary from metrics.rfm_segments_monthly where month = ? "
        "order by rfm_segment_priority, rfm_segment",
        [ctx.month],
    )
    if not rows:
        raise ctx.no_rows("rfm_segments_monthly")
    cards = [
        tag(
            "div",
            tag("div", esc(row["segment_name"] or row["rfm_segment"]), class_="rfm-name")
            + tag(
                "div",
                esc(format_count(row["count_members"])),
                class_="rfm-count",
                data_value=raw_value(row["count_members"]),
            )
            + tag("div", esc(f"{ctx.t('share')} {format_share(row['share'])}"), class_="rfm-sub")
            + tag(
                "div",
                esc(f"{ctx.t('avg_monetary')} {format_value(row['avg_monetary'], 'cny')}"),
                class_="rfm-sub",
            ),
            class_="rfm-card",
            data_segment=row["rfm_segment"],
        )
        for row in rows
    ]
    return tag("div", "".join(cards), class_="rfm-grid")


def cohort(ctx: Context) -> str:
    """Join-cohort retention heatmap: the last 24 cohorts up to the month."""
    ctx.require("cohort_retention")
    rows = ctx.rows(
        "select cohort_month, months_since_join, cohort_size, members_with_member_order, "
        "retention_share from metrics.cohort_retention "
        "where cohort_month between ? and ? and activity_month <= ? "
        "order by cohort_month, months_since_join",
        [add_months(ctx.month, -(COHORT_MONTHS - 1)), ctx.month, ctx.month],
    )
    if not rows:
        raise ctx.no_rows("cohort_retention")
    cohorts = sorted({row["cohort_month"] for row in rows})
    offsets = sorted({row["months_since_join"] for row in rows})
    cell = {(row["cohort_month"], row["months_since_join"]): row for row in rows}
    z: list[list[float | None]] = []
    labels: list[list[str]] = []
    hover: list[list[str]] = []
    for cohort_month in cohorts:
        z_row, label_row, hover_row = [], [], []
        for offset in offsets:
            row = cell.get((cohort_month, offset))
            share = None if row is None else row["retention_share"]
            z_row.append(number_or_none(share))
            label_row.append("" if row is None else esc(format_share(share)))
            hover_row.append(
                ""
                if row is None
                else esc(
                    f"{format_month(cohort_month)} +{offset}: {format_share(share)} "
                    f"({format_count(row['members_with_member_order'])} / "
                    f"{format_count(row['cohort_size'])})"
                )
            )
        z.append(z_row)
        labels.append(label_row)
        hover.append(hover_row)
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=offsets,
            y=[format_month(month) for month in cohorts],
            text=labels,
            texttemplate="%{text}",
            textfont={"size": 9},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale="Blues",
            zmin=0,
            colorbar={"tickformat": ".0%"},
        )
    )
    figure.update_layout(
        xaxis={"title": {"text": plot_text(ctx.t("months_since_join"))}, "dtick": 1},
        yaxis={
            "title": {"text": plot_text(ctx.t("cohort_month"))},
            "autorange": "reversed",
            "type": "category",
        },
    )
    return figure_html(figure, "fig-cohort", height=max(360, 22 * len(cohorts) + 120))


def campaigns(ctx: Context) -> str:
    """The report month's campaigns: response rates, uplift, incremental sales,
    p- and q-value; significance is is_significant (BH q < 0.05), a campaign
    whose control group is too small is neither judged nor coloured."""
    ctx.require("campaign_effect")
    rows = ctx.rows(
        "select * from metrics.campaign_effect where month = ? order by campaign_id", [ctx.month]
    )
    if not rows:
        raise NoData(ctx.t("no_campaigns", month=format_month(ctx.month)))
    table = table_html(
        [
            ctx.t("campaign"),
            ctx.t("treatment_size"),
            ctx.t("control_size"),
            ctx.t("treatment_rate"),
            ctx.t("control_rate"),
            ctx.t("uplift"),
            ctx.t("incremental_sales"),
            ctx.t("p_value"),
            ctx.t("q_value"),
        ],
        [_campaign_row(ctx, row) for row in rows],
        class_="data campaigns",
        caption=ctx.t("report_month_campaigns", month=format_month(ctx.month)),
    )
    figure = go.Figure(
        go.Bar(
            x=[plot_text(row["campaign_name"] or row["campaign_id"]) for row in rows],
            y=[number_or_none(row["uplift"]) for row in rows],
            text=[esc(_uplift_text(ctx, row)) for row in rows],
            hovertemplate="%{x}: %{text}<extra></extra>",
            marker={"color": [_uplift_colour(row) for row in rows]},
        )
    )
    figure.update_layout(yaxis={"tickformat": ".1%", "title": {"text": plot_text(ctx.t("uplift"))}})
    return (
        figure_html(figure, "fig-campaigns", height=300)
        + table
        + tag("p", esc(ctx.t("significant_q")), class_="note")
    )


def _campaign_row(ctx: Context, row: dict[str, Any]) -> str:
    too_small = bool(row["is_control_too_small"])
    significant = bool(row["is_significant"]) and not too_small
    uplift_class = "num control-too-small" if too_small else "num"
    if significant:
        uplift_class += " significant " + ("up-good" if row["uplift"] > 0 else "down-bad")
    return tag(
        "tr",
        tag(
            "th",
            esc(row["campaign_name"] or row["campaign_id"]),
            scope="row",
            class_="campaign-name",
        )
        + value_cell(row["treatment_size"], "count")
        + value_cell(row["control_size"], "count")
        + value_cell(row["treatment_response_rate"], "ratio")
        + value_cell(row["control_response_rate"], "ratio")
        + tag(
            "td",
            esc(_uplift_text(ctx, row)),
            class_=uplift_class,
            data_value=raw_value(row["uplift"]),
        )
        + value_cell(row["incremental_net_sales"], "cny")
        + tag(
            "td",
            esc(format_p_value(row["p_value"])),
            data_value=raw_value(row["p_value"]),
            class_="num",
        )
        + tag(
            "td",
            esc(format_p_value(row["q_value"])),
            data_value=raw_value(row["q_value"]),
            class_="num q-value significant" if significant else "num q-value",
        ),
        data_campaign=row["campaign_id"],
        data_month=format_month(row["month"]),
        data_significant="true" if significant else "false",
        data_control_too_small="true" if too_small else "false",
    )


def _uplift_text(ctx: Context, row: dict[str, Any]) -> str:
    if row["is_control_too_small"]:
        return ctx.t("control_too_small")
    return _signed_points(row["uplift"])


def _uplift_colour(row: dict[str, Any]) -> str:
    """Green or red only for a significant uplift; grey when not judged."""
    if row["is_control_too_small"]:
        return "#cfd8dc"
    if not row["is_significant"]:
        return "#90a4ae"
    return "#2e7d32" if (number_or_none(row["uplift"]) or 0) > 0 else "#c62828"


def _signed_points(value: Any) -> str:
    """A difference of two rates (0.012), shown as signed percentage points."""
    return DASH if is_null(value) else format_change(float(value) * 100, "pp")


def portrait(ctx: Context) -> str:
    """segment_portrait: tag distributions of a selected segment next to all members."""
    ctx.require("segment_portrait")
    rows = ctx.rows(
        "select segment_type, segment_value, tag_name, tag_value, count_members, share "
        "from metrics.segment_portrait order by segment_type, segment_value, tag_name"
    )
    if not rows:
        raise NoData(ctx.t("no_data_table", table="metrics.segment_portrait"))
    baseline = {
        (row["tag_name"], row["tag_value"]): row["share"]
        for row in rows
        if row["segment_type"] == "all"
    }
    segments = sorted(
        {
            (row["segment_type"], row["segment_value"])
            for row in rows
            if row["segment_type"] != "all"
        },
        key=lambda item: (item[0] != "rfm_segment", *ctx.code_key(*item)),
    )
    if not segments:
        segments = [("all", "all")]

    def segment_name(segment_type: str, segment_value: str) -> str:
        if segment_type == "all":
            return ctx.code_label("segment_type", "all")
        return (
            f"{ctx.code_label('segment_type', segment_type)} · "
            f"{ctx.code_label(segment_type, segment_value)}"
        )

    options = "".join(
        tag(
            "option",
            esc(segment_name(*segment)),
            value=f"{segment[0]}:{segment[1]}",
            selected="selected" if position == 0 else None,
        )
        for position, segment in enumerate(segments)
    )
    selector = tag(
        "label",
        esc(ctx.t("segment")) + " " + tag("select", options, id="portrait-segment"),
        class_="selector",
    )
    blocks = []
    for position, (segment_type, segment_value) in enumerate(segments):
        mine = [
            row
            for row in rows
            if row["segment_type"] == segment_type and row["segment_value"] == segment_value
        ]
        tables = []
        for tag_name in [*TAG_ORDER, *sorted({row["tag_name"] for row in mine} - set(TAG_ORDER))]:
            code_type = TAG_CODE_TYPES.get(tag_name, tag_name)
            tag_rows = sorted(
                (row for row in mine if row["tag_name"] == tag_name),
                key=lambda row, code_type=code_type: ctx.code_key(code_type, row["tag_value"]),
            )
            if not tag_rows:
                continue
            body = [
                tag(
                    "tr",
                    tag("th", esc(ctx.code_label(code_type, row["tag_value"])), scope="row")
                    + value_cell(row["count_members"], "count")
                    + tag("td", esc(format_share(row["share"])), class_="num")
                    + tag(
                        "td",
                        esc(format_share(baseline.get((tag_name, row["tag_value"])))),
                        class_="num baseline",
                    ),
                    data_tag_value=row["tag_value"],
                )
                for row in tag_rows
            ]
            tables.append(
                table_html(
                    [
                        ctx.t("tag_value"),
                        ctx.t("members"),
                        ctx.t("segment_share"),
                        ctx.t("all_share"),
                    ],
                    body,
                    caption=ctx.code_label("tag_name", tag_name),
                    class_="data portrait-tag",
                )
            )
        blocks.append(
            tag(
                "div",
                "".join(tables),
                class_="portrait-segment grid-3",
                data_segment=f"{segment_type}:{segment_value}",
                hidden="hidden" if position else None,
            )
        )
    as_of = ""
    if ctx.warehouse.has("member_portrait"):
        month = ctx.warehouse.scalar("select max(month) from metrics.member_portrait")
        if month is not None:
            as_of = tag(
                "span", esc(f"{ctx.t('portrait_as_of')}: {format_month(month)}"), class_="note"
            )
    return tag("div", selector + " " + as_of, class_="toolbar") + "".join(blocks)


def channels(ctx: Context) -> str:
    """kpi_monthly_by_channel for the month: connection by channel and the split KPIs."""
    ctx.require("kpi_monthly_by_channel", "kpi_catalog")
    rows = ctx.rows(
        f"select by_channel.channel, by_channel.kpi, by_channel.value, "
        f"catalog.{ctx.label_column}, catalog.unit "
        "from metrics.kpi_monthly_by_channel as by_channel "
        "left join metrics.kpi_catalog as catalog on catalog.kpi = by_channel.kpi "
        "where by_channel.month = ? order by by_channel.channel, by_channel.kpi",
        [ctx.month],
    )
    if not rows:
        raise ctx.no_rows("kpi_monthly_by_channel")
    channel_codes = sorted(
        {row["channel"] for row in rows}, key=lambda code: ctx.code_key("channel", code)
    )
    channel_names = [ctx.code_label("channel", code) for code in channel_codes]
    kpis = in_catalog_order(ctx, (row["kpi"] for row in rows))
    cell = {(row["channel"], row["kpi"]): row for row in rows}
    meta = {row["kpi"]: row for row in rows}
    parts = []
    if "connection" in kpis:
        connection = [cell.get((code, "connection"), {}).get("value") for code in channel_codes]
        figure = go.Figure(
            go.Bar(
                x=[plot_text(name) for name in channel_names],
                y=[number_or_none(value) for value in connection],
                text=[esc(format_share(value)) for value in connection],
                textposition="outside",
                hovertemplate="%{x}: %{text}<extra></extra>",
                marker={"color": "#5e35b1"},
            )
        )
        figure.update_layout(
            yaxis={
                "tickformat": ".0%",
                "title": {"text": plot_text(ctx.label(meta["connection"], "connection"))},
            }
        )
        parts.append(figure_html(figure, "fig-channels", height=320))
    body = [
        tag(
            "tr",
            tag("th", esc(name), scope="row", data_channel=code)
            + "".join(
                value_cell(
                    cell.get((code, kpi), {}).get("value"), meta[kpi]["unit"], channel=code, kpi=kpi
                )
                for kpi in kpis
            ),
        )
        for code, name in zip(channel_codes, channel_names, strict=True)
    ]
    parts.append(
        table_html(
            [ctx.t("channel"), *(ctx.label(meta[kpi], kpi) for kpi in kpis)],
            body,
            class_="data channels",
        )
    )
    return "".join(parts)


PANELS: tuple[tuple[str, str, Callable[[Context], str]], ...] = (
    ("panel-radar", "panel_radar", radar),
    ("panel-scorecard", "panel_scorecard", scorecard),
    ("panel-alerts", "panel_alerts", open_alerts),
    ("panel-trends", "panel_trends", trends),
    ("panel-aov", "panel_aov", aov),
    ("panel-loyalty", "panel_loyalty", loyalty),
    ("panel-lifecycle", "panel_lifecycle", lifecycle),
    ("panel-rfm", "panel_rfm", rfm),
    ("panel-audiences", "panel_audiences", audience_sizes),
    ("panel-cohort", "panel_cohort", cohort),
    ("panel-campaigns", "panel_campaigns", campaigns),
    ("panel-portrait", "panel_portrait", portrait),
    ("panel-channels", "panel_channels", channels),
)


def render_panel(
    panel_id: str, title_key: str, build: Callable[[Context], str], ctx: Context
) -> str:
    """One panel as a <section>; no data or an unreadable table gives a note."""
    try:
        body = build(ctx)
        state = "ok"
    except NoData as missing:
        body = no_data_note(f"{ctx.t('no_data')}: {missing.args[0]}")
        state = "no-data"
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        body = no_data_note(f"{ctx.t('no_data')}: {first_line}")
        state = "no-data"
    return tag(
        "section",
        tag("h2", esc(ctx.t(title_key))) + body,
        id=panel_id,
        class_="panel",
        data_state=state,
    )
