"""Formatting for the dashboard: numbers by unit, HTML escaping, small tags.

Nothing here computes a metric: every function turns one value read from
the metric tables into text. A NULL (or NaN) value is always a dash.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any

DASH = "–"

# Decimals for the units of kpi_catalog.unit that are not money or counts.
_DECIMALS = {
    "minutes": 1,
    "score": 1,
    "score_1_5": 2,
    "orders_per_buyer": 2,
}
_COUNT_UNITS = {"members", "orders", "points", "count"}


def is_null(value: Any) -> bool:
    """True for None and NaN (both show as a dash)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def esc(value: Any) -> str:
    """HTML-escape any value as text (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def raw_value(value: Any) -> str:
    """The exact value for a data-value attribute (empty for NULL)."""
    if is_null(value):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def format_value(value: Any, unit: str | None) -> str:
    """A KPI value as text by its unit: ratio as %, cny with ¥, counts as integers."""
    if is_null(value):
        return DASH
    number = float(value)
    if unit == "ratio":
        return f"{number * 100:,.1f}%"
    if unit == "cny":
        sign = "-" if number < 0 else ""
        return f"{sign}¥{abs(number):,.2f}"
    if unit in _COUNT_UNITS:
        return f"{number:,.0f}"
    return f"{number:,.{_DECIMALS.get(unit or '', 2)}f}"


def format_change(value: Any, change_unit: str = "relative") -> str:
    """A change as text in mbsc_scorecard's change_unit: 'relative' (a fraction,
    0.05 = +5%) as a signed percentage, 'pp' (percentage points, 1.2) as
    signed percentage points."""
    if is_null(value):
        return DASH
    if change_unit == "pp":
        return f"{float(value):+,.1f} pp"
    return f"{float(value) * 100:+,.1f}%"


def format_share(value: Any) -> str:
    """A share (0..1) as a percentage."""
    return format_value(value, "ratio")


def format_count(value: Any) -> str:
    """A count as an integer with thousands separators."""
    return format_value(value, "count")


def format_p_value(value: Any) -> str:
    """A p- or q-value with four decimals (below 0.0001 as '<0.0001')."""
    if is_null(value):
        return DASH
    number = float(value)
    return "<0.0001" if number < 0.0001 else f"{number:.4f}"


def format_month(value: dt.date | None) -> str:
    """A report month as YYYY-MM."""
    return DASH if value is None else value.strftime("%Y-%m")


def number_or_none(value: Any) -> float | None:
    """A value for a plotly trace: float, or None (a gap) for NULL."""
    return None if is_null(value) else float(value)


def attrs(**attributes: Any) -> str:
    """HTML attributes, escaped; names with '_' become '-'; None is left out."""
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        key = name.rstrip("_").replace("_", "-")
        parts.append(f' {key}="{esc(value)}"')
    return "".join(parts)


def tag(name: str, content: str = "", **attributes: Any) -> str:
    """An element whose content is already HTML (escape text with esc first)."""
    return f"<{name}{attrs(**attributes)}>{content}</{name}>"
