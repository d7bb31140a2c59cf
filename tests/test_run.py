"""The main job (`memberkpi run`, what `make demo` calls) end to end on a
small demo data set: every step runs, in order, and each leaves its output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import dbt_env, query


@pytest.mark.slow
def test_memberkpi_run_builds_publishes_and_draws(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    build_db = tmp_path / "warehouse.duckdb"
    serving_db = tmp_path / "serving.duckdb"
    env = dbt_env(tmp_path, raw_dir)
    env["MEMBERKPI_SERVING_DB"] = str(serving_db)
    memberkpi = Path(sys.executable).with_name("memberkpi")
    completed = subprocess.run(
        [str(memberkpi), "run", "--members", "600", "--years", "1", "--seed", "11",
         "--raw-dir", str(raw_dir), "--db", str(build_db), "--lang", "en"],
        env=env, capture_output=True, text=True, check=False, timeout=1200,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]

    # 1/6: demo data written; 3/6: dbt build; 4/6: the docs site
    assert (raw_dir / "orders.parquet").exists()
    assert (tmp_path / "target" / "run_results.json").exists()
    assert (tmp_path / "target" / "catalog.json").exists()
    assert (tmp_path / "target" / "index.html").exists()

    # 5/6: the serving copy holds exactly the build's metric tables
    sql = "select cast(month as varchar), kpi, value from metrics.kpi_monthly order by 1, 2"
    built = query(build_db, sql)
    assert len(built) > 49 * 12
    assert query(serving_db, sql) == built

    # 6/6: the dashboard page, named after the latest complete month
    pages = sorted((tmp_path / "target" / "dashboard").glob("memberkpi_*_en.html"))
    assert len(pages) == 1, pages
    assert "dashboard: " in output
    latest = query(
        serving_db, "select max(month) from metrics.kpi_monthly where is_complete_month"
    )[0][0]
    assert pages[0].name == f"memberkpi_{latest:%Y-%m}_en.html"
