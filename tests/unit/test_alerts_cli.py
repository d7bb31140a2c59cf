"""`memberkpi alerts` on a hand-made metrics.kpi_alerts (no dbt).

Four alerts are written by hand into a DuckDB file: two open (one warn, one
alert), one closed alert of an old month and one open warn of an older
period. The command must print the open ones only, filter by --since, exit
by --fail-on, and POST exactly the JSON it prints to a webhook served on
127.0.0.1, reporting a server error on stderr with exit 2 while still
printing the alerts.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from memberkpi.cli import app
from memberkpi.monitoring.alerts import COLUMNS, alerts_text, should_fail

TABLE = """
create schema metrics;
create table metrics.kpi_alerts (
    grain varchar, period_start date, rule varchar, rule_kind varchar, kpi varchar,
    source_table varchar, value double, reference_value double, severity varchar,
    message_zh varchar, message_en varchar, is_open boolean
)
"""
ROWS = [
    ("month", dt.date(2025, 12, 1), "sales_anomaly", "robust_anomaly", "member_net_sales", None,
     -5.0, 10.0, "alert", "会员净销售额异常", "member net sales anomaly", True),
    ("month", dt.date(2026, 1, 4), "orders_quarantine", "quarantine_share", None, "orders",
     0.027, 0.001, "warn", "订单隔离", "orders quarantined", True),
    ("month", dt.date(2024, 3, 1), "sales_drop", "seasonal_change", "member_net_sales", None,
     600.0, 1000.0, "alert", "同比下降", "down on last year", False),
    ("month", dt.date(2025, 11, 1), "old_open", "threshold", "member_buyers", None,
     2.0, 3.0, "warn", "旧告警", "old warn", True),
]  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alerts") / "brand.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(TABLE)
        connection.executemany(
            f"insert into metrics.kpi_alerts values ({', '.join('?' * len(COLUMNS))})", ROWS
        )
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["alerts", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_lists_the_open_alerts_most_severe_first(warehouse: Path) -> None:
    code, out, _ = run("--db", str(warehouse), "--format", "json")
    assert code == 0
    alerts = json.loads(out)
    # 3 of the 4 rows are open; the one alert first, then the warns by period
    assert [a["rule"] for a in alerts] == ["sales_anomaly", "old_open", "orders_quarantine"]
    assert list(alerts[0]) == list(COLUMNS)
    assert alerts[0]["period_start"] == "2025-12-01"
    assert alerts[0]["value"] == -5.0 and alerts[0]["kpi"] == "member_net_sales"
    assert alerts[2]["source_table"] == "orders" and alerts[2]["kpi"] is None


def test_since_filters_by_period_start(warehouse: Path) -> None:
    _, out, _ = run("--db", str(warehouse), "--format", "json", "--since", "2025-12-01")
    assert [a["rule"] for a in json.loads(out)] == ["sales_anomaly", "orders_quarantine"]
    _, out, _ = run("--db", str(warehouse), "--format", "json", "--since", "2026-02-01")
    assert json.loads(out) == []


def test_text_prints_one_line_per_alert_in_the_language(warehouse: Path) -> None:
    _, out, _ = run("--db", str(warehouse), "--lang", "en")
    assert out.splitlines() == [
        "ALERT 2025-12-01 sales_anomaly: member net sales anomaly",
        "WARN  2025-11-01 old_open: old warn",
        "WARN  2026-01-04 orders_quarantine: orders quarantined",
    ]
    _, out, _ = run("--db", str(warehouse))
    assert "会员净销售额异常" in out
    assert alerts_text([], "en") == "no open alerts"


@pytest.mark.parametrize(
    ("since", "fail_on", "code"),
    [
        (None, None, 0),  # no --fail-on: never 1
        (None, "alert", 1),  # sales_anomaly is an open alert
        (None, "warn", 1),
        ("2026-01-01", "alert", 0),  # only orders_quarantine (warn) is left
        ("2026-01-01", "warn", 1),
    ],
)
def test_fail_on_sets_the_exit_code(
    warehouse: Path, since: str | None, fail_on: str | None, code: int
) -> None:
    args = ["--db", str(warehouse)]
    args += ["--since", since] if since else []
    args += ["--fail-on", fail_on] if fail_on else []
    assert run(*args)[0] == code


def test_should_fail_orders_severities() -> None:
    assert not should_fail([{"severity": "warn"}], "alert")
    assert should_fail([{"severity": "alert"}], "warn")
    assert not should_fail([], "warn")


def test_bad_options_and_a_missing_warehouse(tmp_path: Path, warehouse: Path) -> None:
    code, _, err = run("--db", str(tmp_path / "none.duckdb"))
    assert code == 3 and "no DuckDB file" in err
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    code, _, err = run("--db", str(empty))
    assert code == 3 and "has no table metrics.kpi_alerts" in err
    assert run("--db", str(warehouse), "--fail-on", "error")[0] == 2  # click usage error
    assert run("--db", str(warehouse), "--format", "csv")[0] == 2


class Received:
    """What the local webhook server got."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.content_types: list[str] = []


@contextmanager
def serve(status: int, received: Received) -> Iterator[str]:
    """A webhook on 127.0.0.1 answering every POST with status; its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers["Content-Length"])
            received.bodies.append(self.rfile.read(length))
            received.content_types.append(self.headers["Content-Type"])
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def ok_server() -> Iterator[tuple[str, Received]]:
    received = Received()
    with serve(200, received) as url:
        yield url, received


@pytest.fixture
def failing_server() -> Iterator[tuple[str, Received]]:
    received = Received()
    with serve(500, received) as url:
        yield url, received


def test_the_webhook_gets_the_json_that_is_printed(
    warehouse: Path, ok_server: tuple[str, Received]
) -> None:
    url, received = ok_server
    code, out, err = run("--db", str(warehouse), "--webhook", url, "--fail-on", "alert")
    assert code == 1, err  # the alerts still decide the exit code
    _, printed_json, _ = run("--db", str(warehouse), "--format", "json")
    assert len(received.bodies) == 1
    assert received.bodies[0].decode("utf-8") == printed_json.rstrip("\n")
    assert received.content_types[0].startswith("application/json")
    assert out.startswith("ALERT 2025-12-01 sales_anomaly")


def test_no_alert_no_post(warehouse: Path, ok_server: tuple[str, Received]) -> None:
    url, received = ok_server
    assert run("--db", str(warehouse), "--since", "2027-01-01", "--webhook", url)[0] == 0
    assert received.bodies == []


def test_a_server_error_is_reported_and_the_alerts_kept(
    warehouse: Path, failing_server: tuple[str, Received]
) -> None:
    url, received = failing_server
    code, out, err = run("--db", str(warehouse), "--format", "json", "--webhook", url)
    assert code == 2
    assert "HTTP 500" in err and url in err
    assert len(received.bodies) == 1
    assert [a["rule"] for a in json.loads(out)] == [
        "sales_anomaly",
        "old_open",
        "orders_quarantine",
    ]


def test_an_unreachable_webhook_is_reported(warehouse: Path, tmp_path: Path) -> None:
    received = Received()
    with serve(200, received) as url:
        closed = url  # shut down when the block ends
    code, out, err = run("--db", str(warehouse), "--webhook", closed)
    assert code == 2 and "not reached" in err
    assert "sales_anomaly" in out
