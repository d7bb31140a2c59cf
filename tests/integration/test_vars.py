"""Vars are checked before any model runs (macro validate_vars, on-run-start).

Each bad var gives one line naming the var, the bad value and the valid
ones, and the build stops with no table written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from helpers import FIXTURES, PROJECT_DIR, query, run_dbt

VALIDATE_VARS_SQL = PROJECT_DIR / "macros" / "validate_vars.sql"
DECLARED = (
    "as_of_date, benchmark_industry, business_timezone, clv_calibration_end,"
    " earliest_business_date, enable_python_models, quarantine_error_share,"
    " quarantine_warn_share"
)


def declared_vars() -> set[str]:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return set(project["vars"])


def var_types() -> dict[str, str]:
    """The YAML of macro var_types, rendered by plain Jinja."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    module = environment.from_string(VALIDATE_VARS_SQL.read_text(encoding="utf-8")).module
    return yaml.safe_load(str(module.var_types()))


def test_every_declared_var_has_a_type() -> None:
    """validate_vars reads the names from dbt_project.yml; var_types must
    give each of them a type, and no other name."""
    assert set(var_types()) == declared_vars()
    assert ", ".join(sorted(declared_vars())) == DECLARED


BAD_VARS: list[tuple[dict[str, Any], str]] = [
    (
        {"enable_python_modles": False},
        f"var enable_python_modles (given false) is not a var of this project; valid: {DECLARED}",
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
        {"as_of_date": "2025-02-30"},
        "var as_of_date = '2025-02-30' is not a date; valid: YYYY-MM-DD or null",
    ),
    (
        {"earliest_business_date": "01/01/1990"},
        "var earliest_business_date = '01/01/1990' is not a date; valid: YYYY-MM-DD",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dbt_vars", "line"), BAD_VARS, ids=[next(iter(bad)) for bad, _ in BAD_VARS]
)
def test_bad_var_stops_the_build_before_any_model(
    tmp_path: Path, dbt_vars: dict[str, Any], line: str
) -> None:
    result = run_dbt(
        ["build"], work_dir=tmp_path / "dbt", raw_dir=FIXTURES / "handmade", dbt_vars=dbt_vars
    )

    assert result.returncode != 0
    lines = [text.strip() for text in result.output.splitlines()]
    assert line in lines, result.output[-3000:]
    assert sum(text.startswith("var ") for text in lines) == 1, result.output[-3000:]
    # no node ran: no run results, no table, and not even the raw views
    assert result.statuses == {}
    assert query(result.db_path, "select count(*) from duckdb_tables()") == [(0,)]
    assert query(result.db_path, "select count(*) from duckdb_views() where not internal") == [(0,)]
