"""`memberkpi validate` and the required-table check of `memberkpi run` on
daily drops (RAW_CONTRACT.md "Daily drops"): each drop file is checked as a
batch of its table, findings name the file, progress is one line per table.

The data are tests/fixtures/drops (hand-made; its README lists each drop
and the planted changes) beside the handmade fixture's other tables.
Expected values are counted by hand from those files.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import FIXTURES, file_hashes
from memberkpi.cli import app
from memberkpi.contract.files import raw_table_files
from memberkpi.pipeline.run import StepFailed, check_required_tables
from memberkpi.quality.validate import Status, validate_raw_dir

DROP_TABLES = ("members", "member_bindings", "orders", "order_items", "tier_changes")
AS_OF = dt.date(2025, 2, 28)  # the fixture's last drop is 2025-02-10
STEP = re.compile(r"^  (?P<table>\S+) +(?P<rows>[\d,]+) rows +\d+\.\d s$")


def drops_raw(raw: Path) -> Path:
    """The drops fixture beside the handmade fixture's other tables (CSV)."""
    shutil.copytree(FIXTURES / "drops", raw, ignore=shutil.ignore_patterns("README.md"))
    for path in (FIXTURES / "handmade").glob("*.csv"):
        if path.stem not in DROP_TABLES:
            shutil.copy(path, raw / path.name)
    return raw


def test_fixture_drops_pass_validate_and_the_required_table_check(tmp_path: Path) -> None:
    raw = drops_raw(tmp_path / "raw")
    before = file_hashes(raw)

    check_required_tables(raw)  # raises StepFailed when a table is missing or empty

    result = CliRunner().invoke(
        app,
        ["validate", str(raw), "--docs-dir", str(tmp_path / "docs"), "--as-of", str(AS_OF)],
        env={"COLUMNS": "200"},
    )
    # exit 1 = WARNINGS: the one planted contract break, O24's status
    # `shipped` in the 2025-01-15 drop (corrected to `paid` on 2025-01-31)
    assert result.exit_code == 1, result.output
    finding_lines = [
        line for line in result.stdout.splitlines() if line.startswith(("WARN ", "FATAL "))
    ]
    assert len(finding_lines) == 1, finding_lines
    assert "orders/ds=2025-01-15/part-0.csv: column status: 1 of 7 row(s)" in finding_lines[0]
    assert "'shipped'" in finding_lines[0]
    # is_deleted (a column of the 2024-10-20 drops of orders and order_items)
    # is a drop column, not an unknown one
    assert "is_deleted" not in result.stdout

    # one progress line per table and stage; rows of drops = every drop row
    # (README hand counts: members 10+1+1+2+1, bindings 11+2+1+1,
    # orders 19+3+3+7+11+4, items 14+3+3+6+4, tier_changes 1)
    for heading in ("Reading 14 raw files", "Checking 14 tables with Great Expectations"):
        lines = result.stderr.split(heading, 1)[1].splitlines()[1:15]
        rows = {m["table"]: int(m["rows"].replace(",", "")) for m in map(STEP.match, lines) if m}
        assert len(rows) == 14, lines
        assert {table: rows[table] for table in DROP_TABLES} == {
            "members": 15, "member_bindings": 15, "orders": 47, "order_items": 30,
            "tier_changes": 1,
        }  # fmt: skip
    assert "orders/ds=*/ (6 drop files)" in result.stdout
    assert file_hashes(raw) == before  # the raw folder is only read


def test_a_drop_file_breaking_the_contract_is_named(tmp_path: Path) -> None:
    raw = drops_raw(tmp_path / "raw")
    drop = raw / "members" / "ds=2025-01-31" / "part-0.csv"
    # the last column (mobile_hash) taken out of this one drop file
    drop.write_text(
        "\n".join(line.rsplit(",", 1)[0] for line in drop.read_text().splitlines()) + "\n"
    )
    # one negative paid amount in an otherwise clean drop of orders
    orders_drop = raw / "orders" / "ds=2024-12-31" / "part-0.csv"
    header, first, *rest = orders_drop.read_text().splitlines()
    columns = header.split(",")
    values = first.split(",")
    values[columns.index("paid_amount")] = "-1.00"
    orders_drop.write_text("\n".join([header, ",".join(values), *rest]) + "\n")

    report = validate_raw_dir(raw, docs_dir=tmp_path / "docs", as_of=AS_OF)

    assert report.status is Status.FATAL
    [missing] = [f for f in report.fatal if f.column == "mobile_hash"]
    assert (missing.table, missing.file) == ("members", "members/ds=2025-01-31/part-0.csv")
    assert "missing" in missing.line
    # the other drops of members lack nothing
    assert [f.file for f in report.table("members").findings] == [missing.file]
    negative = [f for f in report.warnings if f.check == "non_negative"]
    assert [(f.file, f.column, f.unexpected_count) for f in negative] == [
        ("orders/ds=2024-12-31/part-0.csv", "paid_amount", 1)
    ]


@pytest.mark.parametrize("leftover", [None, "_SUCCESS"])
def test_a_required_table_given_as_an_empty_drops_folder_is_named(
    tmp_path: Path, leftover: str | None
) -> None:
    raw = drops_raw(tmp_path / "raw")
    shutil.rmtree(raw / "member_bindings")
    (raw / "member_bindings" / "ds=2025-01-01").mkdir(parents=True)
    if leftover:
        (raw / "member_bindings" / "ds=2025-01-01" / leftover).write_text("")

    with pytest.raises(StepFailed) as stopped:
        check_required_tables(raw)
    assert "required raw table 'member_bindings' is missing" in str(stopped.value)
    assert f"{raw}/member_bindings/ds=*/" in str(stopped.value)

    report = validate_raw_dir(raw, docs_dir=tmp_path / "docs", as_of=AS_OF)
    [fatal] = report.fatal
    assert (fatal.table, fatal.check) == ("member_bindings", "required_file")


def test_a_required_table_whose_drops_hold_no_rows_is_named(tmp_path: Path) -> None:
    raw = drops_raw(tmp_path / "raw")
    for path in (raw / "orders").glob("ds=*/*.csv"):
        path.write_text(path.read_text().splitlines()[0] + "\n")  # the header only

    with pytest.raises(StepFailed) as stopped:
        check_required_tables(raw)
    assert "required raw table 'orders' has no data rows" in str(stopped.value)
    assert "its 6 drop files" in str(stopped.value)

    report = validate_raw_dir(raw, docs_dir=tmp_path / "docs", as_of=AS_OF)
    has_rows = [f for f in report.fatal if f.check == "has_rows"]
    assert [(f.table, f.file) for f in has_rows] == [("orders", "orders/")]


def test_one_empty_drop_of_a_required_table_is_a_quiet_day(tmp_path: Path) -> None:
    raw = drops_raw(tmp_path / "raw")
    drop = raw / "orders" / "ds=2025-02-10" / "part-0.csv"
    drop.write_text(drop.read_text().splitlines()[0] + "\n")

    check_required_tables(raw)
    report = validate_raw_dir(raw, docs_dir=tmp_path / "docs", as_of=AS_OF)
    assert not report.fatal
    assert report.table("orders").rows == 47 - 4  # the 4 rows of that drop


def test_a_table_in_both_layouts_is_fatal(tmp_path: Path) -> None:
    raw = drops_raw(tmp_path / "raw")
    shutil.copy(FIXTURES / "handmade" / "members.csv", raw / "members.csv")

    report = validate_raw_dir(raw, docs_dir=tmp_path / "docs", as_of=AS_OF)
    [fatal] = report.fatal
    assert (fatal.table, fatal.check) == ("members", "one_layout_per_table")
    assert "members.csv" in fatal.message
    assert "5 drop files in members/ds=*/" in fatal.message


def test_raw_table_files_finds_what_the_build_reads(tmp_path: Path) -> None:
    raw = drops_raw(tmp_path / "raw")
    (raw / "orders" / "ds=2025-02-10" / "_SUCCESS").write_text("")
    orders = raw_table_files(raw, "orders")
    assert orders.is_drops and orders.snapshot is None
    # 6 drops of one file each, by day; _SUCCESS is no data file
    assert [path.parent.name for path in orders.drops] == [
        "ds=2024-09-30", "ds=2024-10-20", "ds=2024-12-31", "ds=2025-01-15",
        "ds=2025-01-31", "ds=2025-02-10",
    ]  # fmt: skip
    points = raw_table_files(raw, "points_ledger")
    assert points.snapshot == raw / "points_ledger.csv" and not points.drops
    absent = raw_table_files(raw, "surveys_nowhere")
    assert not absent.present and absent.where is None
