"""`memberkpi alerts`: the open alerts of a warehouse, for cron and CI.

Reads metrics.kpi_alerts (built by dbt from the rules in
models/metrics/monitoring/kpi_alerts.yml) through a read-only connection,
prints the open alerts (is_open) as text or JSON and exits with a code a
scheduler can act on; with --webhook it also POSTs the JSON it printed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import typer

from memberkpi.core import paths

# severities from mild to severe; --fail-on names one of them
SEVERITIES = ("warn", "alert")
FORMATS = ("text", "json")
LANGS = ("zh", "en")
EXIT_NO_ALERT = 0
EXIT_ALERTS = 1
EXIT_WEBHOOK_FAILED = 2
EXIT_NO_WAREHOUSE = 3
WEBHOOK_TIMEOUT_SECONDS = 10.0
# the columns of metrics.kpi_alerts, in its contract's order
COLUMNS = (
    "grain",
    "period_start",
    "rule",
    "rule_kind",
    "kpi",
    "source_table",
    "value",
    "reference_value",
    "severity",
    "message_zh",
    "message_en",
    "is_open",
)

Alert = dict[str, Any]


class AlertsError(Exception):
    """The warehouse cannot be read, or holds no kpi_alerts table."""


class WebhookError(Exception):
    """The webhook refused the alerts or could not be reached."""


def read_open_alerts(db_path: Path, since: dt.date | None = None) -> list[Alert]:
    """The open alerts (is_open) of the warehouse db_path, with period_start on
    or after since when given: the most severe first, then by period and rule."""
    if not db_path.exists():
        raise AlertsError(f"no DuckDB file at {db_path}: build the warehouse first")
    try:
        with duckdb.connect(str(db_path), read_only=True) as connection:
            found = connection.execute(
                "select count(*) from information_schema.tables"
                " where table_schema = 'metrics' and table_name = 'kpi_alerts'"
            ).fetchone()
            if not found or not found[0]:
                raise AlertsError(f"{db_path} has no table metrics.kpi_alerts: run dbt build")
            result = connection.execute(
                f"select {', '.join(COLUMNS)} from metrics.kpi_alerts"
                " where is_open and (cast(? as date) is null or period_start >= ?)",
                [since, since],
            )
            rows = [dict(zip(COLUMNS, row, strict=True)) for row in result.fetchall()]
    except duckdb.Error as error:
        raise AlertsError(f"cannot read {db_path}: {str(error).splitlines()[0]}") from error
    return sorted(
        rows,
        key=lambda row: (
            -severity_rank(row["severity"]),
            row["period_start"],
            row["rule"],
            row["kpi"] or "",
            row["source_table"] or "",
        ),
    )


def severity_rank(severity: str) -> int:
    """0 for warn, 1 for alert; ValueError for anything else."""
    return SEVERITIES.index(severity)


def should_fail(alerts: Sequence[Alert], fail_on: str | None) -> bool:
    """True when fail_on is given and an alert is at or above that severity."""
    if fail_on is None:
        return False
    threshold = severity_rank(fail_on)
    return any(severity_rank(alert["severity"]) >= threshold for alert in alerts)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {value!r}")


def alerts_json(alerts: Sequence[Alert]) -> str:
    """The alerts as a JSON list of objects with the kpi_alerts columns (dates ISO)."""
    return json.dumps(list(alerts), default=_json_value, ensure_ascii=False, indent=2)


def alerts_text(alerts: Sequence[Alert], lang: str = "zh") -> str:
    """One line per alert: severity, period, rule and the message in lang."""
    if not alerts:
        return "no open alerts" if lang == "en" else "没有未关闭的告警"
    return "\n".join(
        f"{alert['severity'].upper():5} {alert['period_start'].isoformat()} "
        f"{alert['rule']}: {alert[f'message_{lang}']}"
        for alert in alerts
    )


def post_webhook(url: str, body: str, timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> None:
    """POST body (JSON) to url; WebhookError unless the server answers 2xx."""
    request = urllib.request.Request(
        url,
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise WebhookError(f"webhook {url} answered HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise WebhookError(f"webhook {url} not reached: {reason}") from error
    if not 200 <= status < 300:
        raise WebhookError(f"webhook {url} answered HTTP {status}")


def _check_choice(value: str | None, choices: Sequence[str], option: str) -> None:
    if value is not None and value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)


def alerts_command(
    since: dt.datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Only alerts whose period starts on or after DATE."
    ),
    output_format: str = typer.Option("text", "--format", help="Output: text or json."),
    fail_on: str | None = typer.Option(
        None, help="Exit 1 when an open alert has this severity or a higher one: warn or alert."
    ),
    webhook: str | None = typer.Option(
        None,
        help="POST the JSON of the alerts (as --format json prints it) to this URL "
        "when there is at least one.",
    ),
    lang: str = typer.Option("zh", help="Language of the text messages: zh or en."),
    db: Path | None = typer.Option(
        None,
        help="DuckDB file to read (default: the serving copy of MEMBERKPI_DB when it exists,"
        " the last clean build, else MEMBERKPI_DB).",
    ),
) -> None:
    """Print the open alerts of metrics.kpi_alerts (the latest complete month's
    KPI alerts and the data checks of the as-of date).

    Exit codes: 0 no open alert at or above --fail-on (or no --fail-on);
    1 an open alert at or above --fail-on; 2 the webhook failed (the alerts
    are printed all the same); 3 the warehouse or its kpi_alerts table
    cannot be read.
    """
    _check_choice(output_format, FORMATS, "--format")
    _check_choice(fail_on, SEVERITIES, "--fail-on")
    _check_choice(lang, LANGS, "--lang")
    try:
        alerts = read_open_alerts(db or paths.metrics_database(), since.date() if since else None)
    except AlertsError as error:
        typer.echo(f"alerts: {error}", err=True)
        raise typer.Exit(code=EXIT_NO_WAREHOUSE) from error
    body = alerts_json(alerts)
    typer.echo(body if output_format == "json" else alerts_text(alerts, lang))
    sys.stdout.flush()
    if webhook and alerts:
        try:
            post_webhook(webhook, body)
        except WebhookError as error:
            typer.echo(f"alerts: {error}; the alerts above were not delivered", err=True)
            raise typer.Exit(code=EXIT_WEBHOOK_FAILED) from error
    if should_fail(alerts, fail_on):
        raise typer.Exit(code=EXIT_ALERTS)
