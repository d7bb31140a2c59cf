"""What every dashboard panel builds on: the Context a panel reads through,
and small HTML and plotly building blocks.

Text that goes into HTML is escaped with esc(); text that goes into a plotly
figure is escaped too (plotly reads labels as pseudo-HTML and shows entities
as characters), and plotly's own JSON encoding turns '<', '>' and '/' into
\\u escapes, which figure_html() checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from memberkpi.dashboard.data import NoData, Warehouse, add_months
from memberkpi.dashboard.format import (
    esc,
    format_change,
    format_month,
    format_value,
    is_null,
    raw_value,
    tag,
)
from memberkpi.dashboard.text import has_text, text

FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, Helvetica, Arial, sans-serif"
# the mode bar shows on hover only, in the top margin above the titles
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": "hover"}
TOP_MARGIN = 60
TREND_MONTHS = 24
STATUSES = ("good", "watch", "bad")


@dataclass
class Context:
    """What every panel needs: the warehouse, the month and the language."""

    warehouse: Warehouse
    month: dt.date
    lang: str
    _code_labels: dict[tuple[str, str], dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def label_column(self) -> str:
        return f"label_{self.lang}"

    @property
    def segment_name_column(self) -> str:
        return f"rfm_segment_name_{self.lang}"

    def t(self, key: str, **values: str) -> str:
        return text(key, self.lang, **values)

    def require(self, *tables: str) -> None:
        """Raise NoData when a table is missing."""
        for table in tables:
            if not self.warehouse.has(table):
                raise NoData(self.t("no_data_table", table=f"metrics.{table}"))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.warehouse.rows(sql, params)

    def no_rows(self, table: str) -> NoData:
        return NoData(
            self.t("no_data_month", table=f"metrics.{table}", month=format_month(self.month))
        )

    def no_trend_rows(self, table: str) -> NoData:
        """No window-complete month of a trend: no rows, or only warm-up months."""
        return NoData(f"{self.no_rows(table).args[0]}; {self.t('warm_up_left_out')}")

    def label(self, row: dict[str, Any], fallback: str) -> str:
        value = row.get(self.label_column)
        return fallback if is_null(value) or value == "" else str(value)

    def code_labels(self) -> dict[tuple[str, str], dict[str, Any]]:
        """metrics.code_labels by (code_type, code), read once (empty when missing)."""
        if self._code_labels is None:
            self._code_labels = {}
            if self.warehouse.has("code_labels"):
                for row in self.rows(
                    f"select code_type, code, {self.label_column} as label, sort_order "
                    "from metrics.code_labels"
                ):
                    self._code_labels[(row["code_type"], str(row["code"]))] = row
        return self._code_labels

    def code_label(self, code_type: str, code: Any) -> str:
        """The name of a code in the page's language from metrics.code_labels;
        a code it lacks takes the dashboard's words `<code_type>_<code>`, else
        shows as itself."""
        row = self.code_labels().get((code_type, str(code)))
        if row is not None and not is_null(row["label"]):
            return str(row["label"])
        key = f"{code_type}_{code}"
        return self.t(key) if has_text(key) else str(code)

    def code_key(self, code_type: str, code: Any) -> tuple[int, str]:
        """Sort key of a code: its sort_order in code_labels, unlabelled codes last."""
        row = self.code_labels().get((code_type, str(code)))
        order = None if row is None else row["sort_order"]
        return (10**6 if is_null(order) else int(order), str(code))


def figure_html(figure: go.Figure, div_id: str, height: int = 380, right_margin: int = 40) -> str:
    """A figure as a <div> and <script> (plotly.js is loaded once by the page)."""
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": right_margin, "t": TOP_MARGIN, "b": 40},
        font={"family": FONT, "size": 12},
    )
    snippet = pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        config=PLOTLY_CONFIG,
    )
    # One <script> of plotly's own; a '</script' from data would mean a breakout.
    if snippet.lower().count("</script") != snippet.lower().count("<script"):
        raise ValueError(f"figure {div_id}: unescaped script tag in its data")
    return tag("div", snippet, class_="figure")


def no_data_note(message: str) -> str:
    return tag("p", esc(message), class_="no-data", role="status")


def table_html(
    heads: Sequence[str], body_rows: Sequence[str], class_: str = "data", caption: str = ""
) -> str:
    """A table from escaped heads and ready <tr> rows."""
    head = "".join(tag("th", esc(head), scope="col") for head in heads)
    caption_html = tag("caption", esc(caption)) if caption else ""
    return tag(
        "table",
        caption_html + tag("thead", tag("tr", head)) + tag("tbody", "".join(body_rows)),
        class_=class_,
    )


def value_cell(value: Any, unit: str | None, **data: Any) -> str:
    """A <td> with the formatted value and the exact value in data-value."""
    return tag(
        "td",
        esc(format_value(value, unit)),
        class_="num null" if is_null(value) else "num",
        data_value=raw_value(value),
        **{f"data_{key}": item for key, item in data.items()},
    )


def plot_text(value: Any) -> str:
    """Text for a plotly label: escaped, since plotly reads labels as HTML."""
    return esc(value)


def in_catalog_order(ctx: Context, kpis: Iterable[str]) -> list[str]:
    """KPI names in kpi_catalog order (metrics.yml order), unknown ones last by name."""
    order: dict[str, int] = {}
    if ctx.warehouse.has("kpi_catalog"):
        order = {
            row["kpi"]: row["kpi_order"]
            for row in ctx.rows("select kpi, kpi_order from metrics.kpi_catalog")
        }
    return sorted(set(kpis), key=lambda kpi: (order.get(kpi, len(order) + 1), kpi))


def window_months(ctx: Context) -> tuple[dt.date, dt.date]:
    """First and last month of a trend: the TREND_MONTHS months up to the report month."""
    return add_months(ctx.month, -(TREND_MONTHS - 1)), ctx.month


def warm_up_note(ctx: Context) -> str:
    return tag("p", esc(ctx.t("warm_up_left_out")), class_="note")


def change_text(ctx: Context, row: dict[str, Any]) -> str:
    unit = row["change_unit"]
    return (
        f"{ctx.t('mom')} {format_change(row['mom_change'], unit)} · "
        f"{ctx.t('yoy')} {format_change(row['yoy_change'], unit)}"
    )


def change_direction(value: Any, higher_is_better: bool | None) -> str:
    if is_null(value) or value == 0 or higher_is_better is None:
        return ""
    return "up-good" if (value > 0) == bool(higher_is_better) else "down-bad"


def warm_up_text(ctx: Context, flags: Iterable[bool]) -> str:
    """'' when every KPI's window is full; else the note for a warm-up month
    (no KPI judged) or for the KPIs still in warm-up."""
    complete = [bool(flag) for flag in flags]
    if all(complete):
        return ""
    return ctx.t("warm_up_kpis" if any(complete) else "warm_up_month")
