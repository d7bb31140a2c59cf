"""`dbt source freshness` on the raw exports (models/staging/raw/_raw__sources.yml).

The spec example's raw files are copied with every timestamp and date of a
table shifted so that the table's newest loaded_at_field value falls a given
number of days before now in business time; dbt then reports each table
pass, warn (2 days or more) or error (7 days or more; 14 and 35 for
campaign_touches), and exits 1 only on an error.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from helpers import PROJECT_DIR, SPEC_EXAMPLE, run_dbt

pytestmark = pytest.mark.slow

SOURCES_YML = PROJECT_DIR / "models" / "staging" / "raw" / "_raw__sources.yml"
LOADED_AT_COLUMN = re.compile(r"try_cast\((\w+) as timestamp\)")


def loaded_at_columns() -> dict[str, str]:
    """Raw table -> the column its loaded_at_field reads (tables with freshness)."""
    sources = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))["sources"]
    found = {}
    for table in next(s for s in sources if s["name"] == "raw")["tables"]:
        expression = (table.get("config") or {}).get("loaded_at_field")
        if expression:
            match = LOADED_AT_COLUMN.search(expression)
            assert match, f"{table['name']}: loaded_at_field {expression!r}"
            found[table["name"]] = match.group(1)
    return found


def business_now() -> dt.datetime:
    zone = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
        "business_timezone"
    ]
    return dt.datetime.now(ZoneInfo(zone)).replace(tzinfo=None)


def shifted_raw(out: Path, days_late: int) -> Path:
    """The spec example's raw files, each table's newest loaded_at value
    moved to `days_late` days (and one hour) before now in business time."""
    out.mkdir(parents=True)
    target = business_now() - dt.timedelta(days=days_late, hours=1)
    columns = loaded_at_columns()
    connection = duckdb.connect()
    for path in sorted((SPEC_EXAMPLE / "raw").glob("*.parquet")):
        source = f"read_parquet('{path}')"
        written = f"'{out / path.name}'"
        column = columns.get(path.stem)
        if column is None:
            connection.execute(f"copy (select * from {source}) to {written} (format parquet)")
            continue
        query = f"select max(cast({column} as timestamp)) from {source}"
        newest = connection.execute(query).fetchone()[0]
        seconds = int((target - newest).total_seconds())
        days = (target.date() - newest.date()).days
        described = connection.execute(f"describe select * from {source}").fetchall()
        replaced = [
            f"{name} + interval {seconds} second as {name}"
            if kind.startswith("TIMESTAMP")
            else f"{name} + {days} as {name}"
            for name, kind, *_ in described
            if kind.startswith("TIMESTAMP") or kind == "DATE"
        ]
        select = f"select * replace ({', '.join(replaced)})" if replaced else "select *"
        connection.execute(f"copy ({select} from {source}) to {written} (format parquet)")
    connection.close()
    return out


def freshness(tmp_path: Path, raw_dir: Path) -> tuple[int, dict[str, str], str]:
    """Exit code, status per raw table (target/sources.json) and output."""
    result = run_dbt(["source", "freshness"], work_dir=tmp_path / "dbt", raw_dir=raw_dir)
    sources = json.loads((tmp_path / "dbt" / "target" / "sources.json").read_text())
    statuses = {
        row["unique_id"].removeprefix("source.memberkpi.raw."): row["status"]
        for row in sources["results"]
    }
    return result.returncode, statuses, result.output


def test_a_fresh_export_passes(tmp_path: Path) -> None:
    code, statuses, output = freshness(tmp_path, shifted_raw(tmp_path / "raw", days_late=0))
    assert code == 0, output[-3000:]
    assert set(statuses) == set(loaded_at_columns())
    assert set(statuses.values()) == {"pass"}, statuses


def test_an_export_three_days_old_warns_and_exits_0(tmp_path: Path) -> None:
    code, statuses, output = freshness(tmp_path, shifted_raw(tmp_path / "raw", days_late=3))
    assert code == 0, output[-3000:]
    # campaign_touches waits 14 days: campaigns come in waves
    assert statuses.pop("campaign_touches") == "pass"
    assert set(statuses.values()) == {"warn"}, statuses
    assert "WARN" in output


def test_a_stale_export_errors_and_exits_1(tmp_path: Path) -> None:
    """The spec example ends on 2024-12-31: every table is stale."""
    code, statuses, output = freshness(tmp_path, SPEC_EXAMPLE / "raw")
    assert code == 1, output[-3000:]
    assert set(statuses.values()) == {"error"}, statuses
    assert "ERROR STALE" in output
