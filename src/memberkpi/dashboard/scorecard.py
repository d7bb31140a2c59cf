"""The MBSC scorecard panel: the seed board's 4 x 4 grid of MBSC groups
(rows) x quadrants (columns); each cell lists its KPIs with value, change,
status and the reference behind the status, the definition on hover. Below
the board, the target attainment of every KPI with a target this month
(mbsc_scorecard.attainment and ytd_attainment)."""

from __future__ import annotations

from typing import Any

from memberkpi.dashboard.blocks import (
    STATUSES,
    Context,
    change_direction,
    change_text,
    table_html,
    value_cell,
    warm_up_text,
)
from memberkpi.dashboard.format import (
    DASH,
    esc,
    format_change,
    format_share,
    format_value,
    is_null,
    raw_value,
    tag,
)

# the seed board's MBSC layout: groups as rows, quadrants as columns
MBSC_GROUPS = ("scale", "activity", "purchase", "service")
MBSC_QUADRANTS = ("value", "efficiency", "conversion", "relationship")


def _status_badge(ctx: Context, status: Any) -> str:
    """A status of mbsc_scorecard (good, watch, bad, warm_up or NULL) as a badge;
    only good, watch and bad are coloured."""
    code = "none" if is_null(status) else str(status)
    colour = code if code in STATUSES else "none"
    name = ctx.code_label("status", code)
    return tag("span", esc(name), class_=f"status status-{colour}", data_status=code)


def _reference_text(ctx: Context, row: dict[str, Any]) -> str:
    """What the status is judged against: 'vs <kind> <value> (<change>)'."""
    kind = row["reference_kind"]
    if is_null(kind) or is_null(row["reference_value"]):
        return ctx.code_label("reference_kind", "none")
    reference = format_value(row["reference_value"], row["unit"])
    change = format_change(row["reference_change"], row["change_unit"])
    return f"{ctx.t('vs')} {ctx.code_label('reference_kind', kind)} {reference} ({change})"


def _definition(ctx: Context, row: dict[str, Any]) -> str | None:
    """The KPI's definition in the page's language (kpi_catalog.definition_zh
    on the zh page, the English definition otherwise or when it is empty)."""
    if ctx.lang == "zh" and not is_null(row["definition_zh"]) and row["definition_zh"]:
        return str(row["definition_zh"])
    return None if is_null(row["definition"]) else row["definition"]


def _scorecard_item(ctx: Context, row: dict[str, Any]) -> str:
    """One KPI of a board cell: name (definition on hover), value, change,
    status and the reference the status was judged against."""
    status = row["status"] if row["status"] in STATUSES else "none"
    name = tag(
        "span",
        esc(ctx.label(row, row["kpi"])),
        class_="kpi-name",
        title=_definition(ctx, row),
    )
    value = tag(
        "span",
        esc(format_value(row["value"], row["unit"])),
        class_="kpi-value null" if is_null(row["value"]) else "kpi-value",
        data_kpi=row["kpi"],
        data_value=raw_value(row["value"]),
    )
    change = tag(
        "span",
        esc(change_text(ctx, row)),
        class_=f"kpi-change {change_direction(row['mom_change'], row['higher_is_better'])}",
        data_change_unit=row["change_unit"],
        data_value=raw_value(row["mom_change"]),
    )
    reference = tag(
        "span",
        esc(_reference_text(ctx, row)),
        class_="kpi-reference",
        data_reference_kind=row["reference_kind"] or "",
        data_reference_value=raw_value(row["reference_value"]),
    )
    return tag(
        "div",
        tag("div", name + value, class_="kpi-line")
        + tag("div", change, class_="kpi-line")
        + tag(
            "div",
            _status_badge(ctx, row["status"]) + " " + reference,
            class_="kpi-line",
        ),
        class_=f"mbsc-kpi status-row-{status}",
        data_row_kpi=row["kpi"],
        data_status=status,
    )


def _attainment_cell(value: Any, kind: str) -> str:
    """An attainment as a percentage, green at or above 100%, red below."""
    colour = "" if is_null(value) else ("up-good" if value >= 1 else "down-bad")
    return tag(
        "td",
        esc(format_share(value)),
        class_=f"num attainment {colour}".strip(),
        data_attainment=kind,
        data_value=raw_value(value),
    )


def attainment_html(ctx: Context, rows: list[dict[str, Any]]) -> str:
    """The KPIs with a target this month: value, target, attainment and
    year-to-date attainment (mbsc_scorecard), with the status (judged against
    the target, the first reference). '' when no row has a target or the
    warehouse predates the attainment columns."""
    targeted = [row for row in rows if "attainment" in row and not is_null(row.get("target_value"))]
    if not targeted:
        return ""
    body = [
        tag(
            "tr",
            tag("th", esc(ctx.label(row, row["kpi"])), scope="row", title=_definition(ctx, row))
            + value_cell(row["value"], row["unit"], target_kpi=row["kpi"])
            + value_cell(row["target_value"], row["unit"])
            + _attainment_cell(row["attainment"], "month")
            + _attainment_cell(row["ytd_attainment"], "ytd")
            + tag("td", _status_badge(ctx, row["status"])),
            data_row_kpi=row["kpi"],
        )
        for row in sorted(targeted, key=lambda row: row["kpi_order"])
    ]
    table = table_html(
        [
            ctx.t("kpi"),
            ctx.t("value"),
            ctx.t("target"),
            ctx.t("attainment"),
            ctx.t("ytd_attainment"),
            ctx.t("status"),
        ],
        body,
        class_="data target-attainment",
        caption=ctx.t("target_attainment"),
    )
    return table + tag("p", esc(ctx.t("attainment_note")), class_="note")


def scorecard(ctx: Context) -> str:
    """The MBSC board: MBSC groups as rows x the four quadrants as columns;
    each cell lists its KPIs with value, change, status and reference."""
    ctx.require("mbsc_scorecard", "kpi_catalog")
    rows = ctx.rows(
        "select scorecard.*, catalog.definition, catalog.definition_zh "
        "from metrics.mbsc_scorecard as scorecard "
        "left join metrics.kpi_catalog as catalog on catalog.kpi = scorecard.kpi "
        "where scorecard.month = ? and scorecard.mbsc_group is not null "
        "order by scorecard.kpi_order",
        [ctx.month],
    )
    if not rows:
        raise ctx.no_rows("mbsc_scorecard")
    head = tag("th", "", scope="col") + "".join(
        tag("th", esc(ctx.code_label("quadrant", quadrant)), scope="col", data_quadrant=quadrant)
        for quadrant in MBSC_QUADRANTS
    )
    body = []
    for group in MBSC_GROUPS:
        cells = []
        for quadrant in MBSC_QUADRANTS:
            items = [
                _scorecard_item(ctx, row)
                for row in rows
                if row["mbsc_group"] == group and row["quadrant"] == quadrant
            ]
            cells.append(
                tag(
                    "td",
                    "".join(items) or tag("span", DASH, class_="note"),
                    class_="mbsc-cell",
                    data_group=group,
                    data_quadrant=quadrant,
                )
            )
        body.append(
            tag(
                "tr",
                tag("th", esc(ctx.code_label("mbsc_group", group)), scope="row", data_group=group)
                + "".join(cells),
            )
        )
    board = tag(
        "table", tag("thead", tag("tr", head)) + tag("tbody", "".join(body)), class_="mbsc-board"
    )
    legend = " ".join(_status_badge(ctx, status) for status in (*STATUSES, "warm_up", None))
    warm_up = warm_up_text(ctx, (row["is_window_complete"] for row in rows))
    if warm_up:
        legend += " " + tag("span", esc(warm_up), class_="warn-text")
    legend += " " + tag("span", esc(ctx.t("definition_hint")), class_="note")
    targets = ctx.rows(
        "select scorecard.*, catalog.definition, catalog.definition_zh "
        "from metrics.mbsc_scorecard as scorecard "
        "left join metrics.kpi_catalog as catalog on catalog.kpi = scorecard.kpi "
        "where scorecard.month = ? and scorecard.target_value is not null",
        [ctx.month],
    )
    return (
        tag("p", legend, class_="legend")
        + tag("div", board, class_="board-scroll")
        + attainment_html(ctx, targets)
    )
