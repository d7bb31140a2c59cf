"""`memberkpi validate` shows its progress table by table, on stderr.

A raw folder of four tables is validated once through the CLI; stderr has
a line per table when it is read and when Great Expectations has checked
it, with its row count, and stdout holds the report alone.
"""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from helpers import SPEC_EXAMPLE
from memberkpi.cli import app

EXAMPLE_RAW = SPEC_EXAMPLE / "raw"
PARQUET_TABLES = ("members", "member_bindings", "orders")
CAMPAIGNS = """\
campaign_id,campaign_name,channel,objective,starts_at,ends_at
C1,Spring,tmall,join,2023-03-01,2023-03-31
C2,Summer,jd,join,2023-06-01,2023-06-30
"""
STEP = re.compile(r"^  (?P<table>\S+) +(?P<rows>[\d,]+) rows +(?P<seconds>\d+\.\d) s$")


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], str, str]:
    """(rows per table, counted apart from memberkpi; stderr; stdout) of one run."""
    raw = tmp_path_factory.mktemp("raw")
    rows: dict[str, int] = {}
    for name in PARQUET_TABLES:
        source = EXAMPLE_RAW / f"{name}.parquet"
        shutil.copyfile(source, raw / source.name)
        [(rows[name],)] = duckdb.sql(f"select count(*) from '{source}'").fetchall()
    (raw / "campaigns.csv").write_text(CAMPAIGNS, encoding="utf-8")
    rows["campaigns"] = 2  # the two lines under the header
    docs = tmp_path_factory.mktemp("target") / "data_docs"
    result = CliRunner().invoke(app, ["validate", str(raw), "--docs-dir", str(docs)])
    assert result.exit_code == 0, result.output
    return rows, result.stderr, result.stdout


def stage_lines(stderr: str, heading: str) -> list[str]:
    """The lines under `heading` up to the next heading."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    block: list[str] = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line)
    return block


def steps(stderr: str, heading: str) -> dict[str, int]:
    """table -> rows, from the step lines under `heading`."""
    # other indented lines may come between (a library's warning, say)
    matches = [STEP.match(line) for line in stage_lines(stderr, heading)]
    return {m["table"]: int(m["rows"].replace(",", "")) for m in matches if m}


def test_every_table_is_named_when_read_and_when_checked(
    validated: tuple[dict[str, int], str, str],
) -> None:
    rows, stderr, _stdout = validated
    assert steps(stderr, "Reading 4 raw files") == rows
    assert steps(stderr, "Checking 4 tables with Great Expectations") == rows
    docs = stage_lines(stderr, "Building the Data Docs")
    assert any(re.match(r"^  done +\d+\.\d s$", line) for line in docs), docs


def test_tables_come_in_contract_order(validated: tuple[dict[str, int], str, str]) -> None:
    _rows, stderr, _stdout = validated
    order = ["members", "member_bindings", "orders", "campaigns"]  # the sources YAML
    assert list(steps(stderr, "Reading")) == order
    assert list(steps(stderr, "Checking")) == order


def test_stdout_holds_the_report_alone(validated: tuple[dict[str, int], str, str]) -> None:
    _rows, stderr, stdout = validated
    for heading in ("Reading", "Checking", "Building the Data Docs"):
        assert heading not in stdout
    assert "Raw contract:" not in stderr
    assert "OK: the raw files meet the contract." in stdout
