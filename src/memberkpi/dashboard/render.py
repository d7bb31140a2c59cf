"""`memberkpi dashboard`: one self-contained HTML page of the metric tables.

Reads schema `metrics` of a built (or published) DuckDB file through a
read-only connection and writes one HTML file with plotly.js inlined (no
network, no CDN). Panels: 4C radar, MBSC scorecard (groups x quadrants,
and the target attainment of the KPIs with a target), open alerts, trends,
spend per buyer decomposition, loyalty (tiers, points, touch funnel),
lifecycle, RFM, audience sizes, cohort retention, the report month's
campaign uplift, member portrait and connection by channel. Every number is a value of a metric
table, only formatted here; a panel without data shows a note.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import plotly.offline
import typer
from rich.console import Console

from memberkpi.core import paths
from memberkpi.dashboard.data import DashboardError, Warehouse, resolve_month
from memberkpi.dashboard.format import esc, format_month, tag
from memberkpi.dashboard.panels import PANELS, Context, render_panel
from memberkpi.dashboard.text import LANGS, text

console = Console()
PANEL_IDS = tuple(panel_id for panel_id, _, _ in PANELS)

_CSS = """
:root { --ink: #263238; --muted: #607d8b; --line: #e0e6ea; --bg: #f5f7f9; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", Helvetica, Arial,
  sans-serif; }
header { background: #102a43; color: #fff; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .meta { color: #bcccdc; font-size: 13px; }
header .warn { color: #ffd54f; }
nav { padding: 8px 24px; background: #fff; border-bottom: 1px solid var(--line);
  position: sticky; top: 0; z-index: 10; }
nav a { margin-right: 14px; color: #1565c0; text-decoration: none; font-size: 13px; }
main { padding: 16px 24px; display: grid; gap: 16px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 16px; min-width: 0; }
.panel h2 { margin: 0 0 8px; font-size: 17px; }
.panel h3 { margin: 8px 0; font-size: 14px; color: var(--muted); }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px;
  align-items: start; }
.grid-2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px;
  align-items: start; }
.grid-3 { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px;
  align-items: start; }
@media (max-width: 1000px) { .split, .grid-2, .grid-3 { grid-template-columns: 1fr; } }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; }
table.data caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 6px; }
table.data thead th { text-align: left; color: var(--muted); font-weight: 600; }
table.data tbody th { text-align: left; font-weight: 500; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.null { color: #9e9e9e; }
td.change.up-good { color: #2e7d32; }
td.change.down-bad { color: #c62828; }
td.significant { font-weight: 700; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  color: #fff; }
.status-good { background: #2e7d32; }
.status-watch { background: #f9a825; color: #212121; }
.status-bad { background: #c62828; }
.status-none { background: #b0bec5; color: #212121; }
.board-scroll { overflow-x: auto; }
table.mbsc-board { border-collapse: collapse; width: 100%; table-layout: fixed;
  min-width: 900px; font-size: 13px; }
table.mbsc-board th, table.mbsc-board td { border: 1px solid var(--line); padding: 6px;
  vertical-align: top; }
table.mbsc-board thead th { background: #eef2f6; text-align: center; }
table.mbsc-board thead th:first-child { width: 90px; }
table.mbsc-board tbody th { background: #eef2f6; text-align: left; }
.mbsc-kpi { border-left: 4px solid #b0bec5; background: #fafcff; border-radius: 4px;
  padding: 4px 6px; margin-bottom: 6px; }
.mbsc-kpi.status-row-good { border-left-color: #2e7d32; }
.mbsc-kpi.status-row-watch { border-left-color: #f9a825; }
.mbsc-kpi.status-row-bad { border-left-color: #c62828; }
.kpi-line { display: flex; justify-content: space-between; align-items: baseline; gap: 6px;
  flex-wrap: wrap; }
.kpi-name { font-weight: 600; cursor: help; border-bottom: 1px dotted #90a4ae; }
.kpi-value { font-size: 15px; font-variant-numeric: tabular-nums; white-space: nowrap; }
.kpi-value.null { color: #9e9e9e; }
.kpi-change, .kpi-reference { font-size: 12px; color: var(--muted); }
.kpi-change.up-good, td.up-good { color: #2e7d32; }
.kpi-change.down-bad, td.down-bad { color: #c62828; }
td.control-too-small { color: var(--muted); font-style: italic; }
.warn-text { color: #6d4c41; font-size: 12px; }
.legend .status { margin-right: 6px; }
.note { color: var(--muted); font-size: 12px; }
.no-data { color: #6d4c41; background: #fff8e1; border: 1px dashed #ffcc80;
  border-radius: 6px; padding: 12px; margin: 4px 0; }
.aov-formula { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
.aov-box { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px;
  min-width: 180px; }
.aov-label { color: var(--muted); font-size: 12px; }
.aov-value { font-size: 22px; font-weight: 600; }
.aov-change { font-size: 12px; color: var(--muted); }
.aov-op { font-size: 24px; color: var(--muted); }
.rfm-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
  gap: 10px; }
.rfm-card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px;
  background: #fafcff; }
.rfm-name { font-weight: 600; }
.rfm-count { font-size: 22px; }
.rfm-sub { font-size: 12px; color: var(--muted); }
.toolbar { margin-bottom: 8px; }
.selector select { font: inherit; padding: 2px 6px; }
footer { padding: 8px 24px 24px; color: var(--muted); font-size: 12px; }
"""

_SCRIPT = """
(function () {
  var select = document.getElementById('portrait-segment');
  if (!select) { return; }
  select.addEventListener('change', function () {
    var blocks = document.querySelectorAll('#panel-portrait .portrait-segment');
    for (var i = 0; i < blocks.length; i++) {
      blocks[i].hidden = blocks[i].getAttribute('data-segment') !== select.value;
    }
    if (window.Plotly) { window.dispatchEvent(new Event('resize')); }
  });
})();
"""


def source_warehouse(connection: duckdb.DuckDBPyConnection, database: Path) -> Path:
    """The warehouse a DuckDB file's metric tables come from: the build file a
    serving copy was published from (metrics._published), else the file itself."""
    published = connection.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'metrics' and table_name = '_published'"
    ).fetchone()
    if published and published[0]:
        row = connection.execute("select any_value(source_db) from metrics._published").fetchone()
        if row and row[0]:
            return Path(row[0])
    return database


def default_output(month: dt.date, lang: str, directory: Path) -> Path:
    """The page's file in directory: memberkpi_<YYYY-MM>_<lang>.html."""
    return directory / f"memberkpi_{month:%Y-%m}_{lang}.html"


def _plotly_js() -> str:
    source = plotly.offline.get_plotlyjs()
    if "</script" in source.lower():  # would end the inline <script> early
        raise DashboardError("the bundled plotly.js contains '</script': cannot inline it")
    return source


def _month_flags(warehouse: Warehouse, month: dt.date) -> tuple[bool | None, bool | None]:
    """Whether the month is complete and whether it is past the warm-up (the
    window of at least one KPI is full)."""
    if not warehouse.has("kpi_monthly"):
        return None, None
    row = warehouse.connection.execute(
        "select bool_and(is_complete_month), bool_or(is_window_complete) "
        "from metrics.kpi_monthly where month = ?",
        [month],
    ).fetchone()
    return (None, None) if row is None else (row[0], row[1])


def build_page(warehouse: Warehouse, month: dt.date, lang: str, source: Path) -> str:
    """The whole HTML page for one month and language."""
    ctx = Context(warehouse=warehouse, month=month, lang=lang)
    panels = "".join(render_panel(panel_id, key, build, ctx) for panel_id, key, build in PANELS)
    nav = "".join(
        tag("a", esc(text(key, lang)), href=f"#{panel_id}") for panel_id, key, _ in PANELS
    )
    title = f"{text('title', lang)} · {format_month(month)}"
    meta = [
        f"{text('month', lang)}: {format_month(month)}",
        f"{text('source', lang)}: {source.name}",
        f"{text('generated', lang)}: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
    ]
    is_complete, is_window_complete = _month_flags(warehouse, month)
    warning = ""
    if is_complete is False:
        warning += " · " + tag("span", esc(text("incomplete", lang)), class_="warn")
    if is_window_complete is False:
        warning += " · " + tag("span", esc(text("warm_up_month", lang)), class_="warn")
    header = tag(
        "header",
        tag("h1", esc(title)) + tag("div", esc(" · ".join(meta)) + warning, class_="meta"),
    )
    html_lang = "zh-CN" if lang == "zh" else "en"
    head = (
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        + tag("title", esc(title))
        + tag("style", _CSS)
        + f'<script type="text/javascript">{_plotly_js()}</script>'
    )
    body = (
        header
        + tag("nav", nav)
        + tag("main", panels)
        + tag("footer", esc("memberkpi"))
        + tag("script", _SCRIPT)
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}" data-month="{month:%Y-%m}" '
        f'data-lang="{lang}"><head>{head}</head><body>{body}</body></html>\n'
    )


def render_dashboard(
    db_path: Path | str,
    month: str | None = None,
    lang: str = "zh",
    out: Path | str | None = None,
    out_dir: Path | str | None = None,
) -> Path:
    """Write the dashboard of `db_path` for `month` (YYYY-MM, default: the
    latest complete month) in `lang` (zh or en); return the HTML file's path.

    The file is `out`, else memberkpi_<month>_<lang>.html in `out_dir`, else
    in the dashboard folder of the warehouse the metric tables come from
    (`paths.dashboard_dir`; a serving copy names its build file)."""
    if lang not in LANGS:
        raise DashboardError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    database = Path(db_path)
    if not database.exists():
        raise DashboardError(f"no DuckDB file at {database}: build or publish first")
    with duckdb.connect(str(database), read_only=True) as connection:
        warehouse = Warehouse.open(connection)
        report_month = resolve_month(warehouse, month)
        page = build_page(warehouse, report_month, lang, database)
        if out_dir is None:
            out_dir = paths.dashboard_dir(source_warehouse(connection, database))
    target = Path(out) if out is not None else default_output(report_month, lang, Path(out_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    return target


def dashboard_command(
    month: str | None = typer.Option(
        None, help="Report month YYYY-MM (default: the latest complete month)."
    ),
    lang: str = typer.Option("zh", help="Language of the labels: zh or en."),
    out: Path | None = typer.Option(
        None,
        help="HTML file to write (default: memberkpi_<month>_<lang>.html in the dashboard "
        "folder of the warehouse, <db folder>/<db name>.outputs/dashboard/).",
    ),
    db: Path | None = typer.Option(
        None,
        help="DuckDB file to read (default: the serving copy if it exists, "
        "else MEMBERKPI_DB or target/memberkpi.duckdb).",
    ),
) -> None:
    """Render the metric tables as one self-contained HTML dashboard."""
    try:
        page = render_dashboard(db or paths.metrics_database(), month=month, lang=lang, out=out)
    except DashboardError as error:
        console.print(f"[red]dashboard: {error}[/red]")
        raise typer.Exit(code=1) from error
    console.print(f"dashboard: {page}")
