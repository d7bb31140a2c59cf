"""A bad var stops `dbt build` before any model runs (macro validate_vars,
on-run-start): one line naming the var, the bad value and the valid ones,
and no table written. validate_vars lists every problem before it stops, so
one build given all the bad vars below checks each of them (a line apiece,
none for the good ones) with one parse of the project instead of eight;
tests/integration/test_vars.py checks that every declared var has a type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import DECLARED_VARS, FIXTURES, query, run_dbt

BAD_VARS: list[tuple[dict[str, Any], str]] = [
    (
        {"enable_python_modles": False},
        "var enable_python_modles (given false) is not a var of this project;"
        f" valid: {DECLARED_VARS}",
    ),
    (
        {"benchmark_industry": "mother_bbay"},
        "var benchmark_industry = 'mother_bbay' is not an industry of"
        " seeds/kpi_benchmarks.csv; valid: mother_baby",
    ),
    (
        {"business_timezone": "Asia/Shangai"},
        "var business_timezone = 'Asia/Shangai' is not a time zone; valid: an IANA"
        " name such as Asia/Shanghai",
    ),
    (
        {"enable_python_models": "no"},
        "var enable_python_models = 'no' is not a boolean; valid: true, false",
    ),
    (
        {"quarantine_error_share": 5},
        "var quarantine_error_share = 5 is not a share; valid: a number from 0 to 1",
    ),
    (
        {"points_value_cny": -0.01},
        "var points_value_cny = -0.01 is not an amount; valid: a number, 0 or more",
    ),
    (
        {"as_of_date": "2025-02-30"},
        "var as_of_date = '2025-02-30' is not a date; valid: YYYY-MM-DD or null",
    ),
    (
        {"earliest_business_date": "01/01/1990"},
        "var earliest_business_date = '01/01/1990' is not a date; valid: YYYY-MM-DD",
    ),
]


@pytest.mark.slow
def test_bad_vars_stop_the_build_before_any_model(tmp_path: Path) -> None:
    all_bad: dict[str, Any] = {}
    for bad, _ in BAD_VARS:
        all_bad.update(bad)
    assert len(all_bad) == len(BAD_VARS)  # one var per case
    result = run_dbt(
        ["build"], work_dir=tmp_path / "dbt", raw_dir=FIXTURES / "handmade", dbt_vars=all_bad
    )

    assert result.returncode != 0
    lines = [text.strip() for text in result.output.splitlines()]
    var_lines = [text for text in lines if text.startswith("var ")]
    # each bad var named once with its value and the valid ones; nothing else
    assert sorted(var_lines) == sorted(line for _, line in BAD_VARS), result.output[-3000:]
    # no node ran: no run results, no table, and not even the raw views
    assert result.statuses == {}
    assert query(result.db_path, "select count(*) from duckdb_tables()") == [(0,)]
    assert query(result.db_path, "select count(*) from duckdb_views() where not internal") == [(0,)]
