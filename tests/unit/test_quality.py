"""`memberkpi validate`: the raw contract checked with Great Expectations.

Expected findings are hand-derived from the files written here and from
docs/quarantine_rules.md, never pasted from a run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import jinja2
import pytest
from typer.testing import CliRunner

from helpers import PROJECT_DIR, SPEC_EXAMPLE, documented_reject_classes
from memberkpi.cli import app
from memberkpi.contract.raw import load_contract
from memberkpi.demo import dirty as _generate_dirty
from memberkpi.demo.generate import GenerateOptions, generate
from memberkpi.quality import validate as quality
from memberkpi.quality.gx import BusinessDates, ReferenceCheck, build_expectations
from memberkpi.quality.read import LoadedTable
from memberkpi.quality.validate import (
    REJECT_CLASS_BY_CHECK,
    REJECT_CLASSES,
    Severity,
    Status,
    validate_raw_dir,
)

EXAMPLE_RAW = SPEC_EXAMPLE / "raw"
AS_OF = "2024-06-30"
DEMO_AS_OF = dt.date(2026, 1, 31)  # `memberkpi generate` data end on 2025-12-31

MEMBERS = """\
member_id,joined_at,join_channel,exited_at,tier,gender,birth_year,city,city_tier,sms_opt_in,wechat_bound,app_push_opt_in,mobile_hash
M1,2023-01-01 10:00:00,tmall,,gold,F,1990,Shanghai,1,true,false,false,h1
M2,2023-02-01 10:00:00,jd,,normal,,,,,false,false,false,
"""
BINDINGS = """\
member_id,channel,customer_id,bound_at
M1,tmall,t1,2023-01-02 00:00:00
M2,jd,j2,2023-02-02 00:00:00
"""
ORDERS = """\
order_id,channel,customer_id,store_id,ordered_at,paid_at,status,gross_amount,discount_amount,paid_amount,refunded_amount,mobile_hash
O1,tmall,t1,,2023-01-05 10:00:00,2023-01-05 10:01:00,paid,100.00,0,100.00,0,
O2,jd,j2,,2023-02-05 10:00:00,2023-02-05 10:01:00,partially_refunded,80.00,10.00,70.00,20.00,
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def to_parquet(csv_path: Path, select: str = "*") -> Path:
    """The CSV as a parquet file beside it, every column as text."""
    target = csv_path.with_suffix(".parquet")
    duckdb.sql(
        f"copy (select {select} from read_csv('{csv_path}', all_varchar = true)) "
        f"to '{target}' (format parquet)"
    )
    return target


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A clean raw directory with the three required tables only."""
    raw = tmp_path / "raw"
    write(raw, "members.csv", MEMBERS)
    write(raw, "member_bindings.csv", BINDINGS)
    write(raw, "orders.csv", ORDERS)
    return raw


def run_cli(raw: Path, docs: Path, as_of: str = AS_OF) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["validate", str(raw), "--docs-dir", str(docs), "--as-of", as_of],
        env={"COLUMNS": "200"},  # rich tables one line per row
    )
    output = result.output
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    return result.exit_code, output


# --- clean data -------------------------------------------------------------


def generate_demo(out: Path, *, dirty: bool) -> Path:
    """`memberkpi generate --members 2000 --years 1 --seed 3 [--dirty]` (data end 2025-12-31)."""
    generate(GenerateOptions(members=2000, years=1, seed=3, out=out, dirty=dirty))
    return out


def data_docs_pages(report: quality.ValidationReport) -> list[Path]:
    """The validation result pages of the Data Docs site (one per validated table)."""
    assert report.docs_index is not None
    return sorted((report.docs_index.parent / "validations").rglob("*.html"))


@pytest.fixture(scope="module", params=["spec_example", "generated_demo"])
def clean_report(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> quality.ValidationReport:
    """The shared spec example and `memberkpi generate` output, each validated."""
    if request.param == "spec_example":
        raw, as_of = EXAMPLE_RAW, None
    else:
        raw, as_of = generate_demo(tmp_path_factory.mktemp("demo"), dirty=False), DEMO_AS_OF
    target = tmp_path_factory.mktemp("target")
    return validate_raw_dir(raw, as_of=as_of, docs_dir=target / "data_docs")


def test_clean_raw_passes(clean_report: quality.ValidationReport) -> None:
    assert clean_report.all_findings == []
    assert clean_report.status is Status.OK
    assert clean_report.exit_code == 0
    assert clean_report.reject_counts() == {}
    for table in clean_report.tables:
        assert table.file is not None, table.table  # all 14 tables are in both data sets
        assert table.rows and table.rows > 0
        assert table.expectations > 0
        assert table.failed == 0
        assert table.status is Status.OK


def test_clean_raw_builds_data_docs(clean_report: quality.ValidationReport) -> None:
    assert clean_report.docs_index is not None
    assert clean_report.docs_index.is_file()
    assert len(data_docs_pages(clean_report)) == len(clean_report.tables)


def test_minimal_clean_directory_via_cli(minimal: Path, tmp_path: Path) -> None:
    code, output = run_cli(minimal, tmp_path / "docs")
    assert code == 0
    assert "OK: the raw files meet the contract." in output
    assert "absent" in output
    assert (tmp_path / "docs" / "index.html").is_file()


def test_validation_runs_under_python_dash_c(minimal: Path, tmp_path: Path) -> None:
    """`python -c` leaves `__main__` without `__file__`; pyspark, imported by
    GX, then exits with code 0 on import (it takes the process for a doctest
    run). The validation must still run and say OK, not exit 0 silently."""
    completed = subprocess.run(
        [sys.executable, "-c", "from memberkpi.cli import app; app()",
         "validate", str(minimal), "--docs-dir", str(tmp_path / "docs"), "--as-of", AS_OF],
        capture_output=True, text=True, check=False, timeout=600,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert "OK: the raw files meet the contract." in output
    assert "Skipping doctests" not in output
    assert (tmp_path / "docs" / "index.html").is_file()


# --- row-level breaks: WARNINGS ------------------------------------------------

DIRTY_MEMBERS = """\
member_id,joined_at,join_channel,exited_at,tier,gender,birth_year,city,city_tier,sms_opt_in,wechat_bound,app_push_opt_in,mobile_hash
M1,2023-01-01 10:00:00,tmall,,gold,F,1990,Shanghai,1,true,false,false,h1
M1,2023-01-01 10:00:00,tmall,,gold,F,1990,Shanghai,1,true,false,false,h1
M2,2023-02-01 10:00:00,tiktok,,diamond,X,1985,Beijing,7,maybe,false,false,h2
M3,2024-07-01 10:00:00,jd,2022-01-01 00:00:00,normal,M,1899,,,false,false,false,
M4,not a date,app,,silver,,,,,true,true,true,
,2023-03-01 10:00:00,app,,silver,,,,,true,true,true,
M5,2023-03-01T10:00:00+08:00,app,,silver,,1990.5,,,true,true,true,
"""
DIRTY_BINDINGS = """\
member_id,channel,customer_id,bound_at
M1,tmall,t1,2023-01-02 00:00:00
M9,tmall,t2,2023-01-02 00:00:00
M2,tmall,t1,2023-01-03 00:00:00
M2,myspace,m1,2023-01-03 00:00:00
"""
DIRTY_ORDERS = """\
order_id,channel,customer_id,store_id,ordered_at,paid_at,status,gross_amount,discount_amount,paid_amount,refunded_amount,mobile_hash
O1,tmall,t1,,2023-01-05 10:00:00,2023-01-05 10:01:00,paid,100.00,0,100.00,0,
O2,tmall,t1,,2023-01-05 10:00:00,2023-01-05 10:01:00,shipped,100.00,0,120.00,0,
O3,jd,j1,,2023-01-05 10:00:00,,refunded,50,0,50,60,
O4,jd,j1,,2023-01-05 10:00:00,,paid,abc,-5,10,0,
O4,jd,j2,,2023-01-06 10:00:00,,paid,10,0,10,0,
"""
DIRTY_ITEMS = """\
order_id,line_number,sku_id,category,quantity,unit_price,line_amount
O1,1,S1,toys,1,100,100
O1,1,S2,toys,1,100,100
O9,1,S1,toys,1.5,10,15
"""
DIRTY_SURVEYS = """\
response_id,member_id,responded_at,nps_score
R1,M1,2023-06-01 00:00:00,11
R2,M1,2023-06-01 00:00:00,
"""

# (file, column, check): one line each, derived by hand from the rows above
DIRTY_EXPECTED = {
    ("members.csv", "member_id", "not_null"),  # blank member_id
    ("members.csv", "joined_at", "business_dates"),  # M3 joined 2024-07-01
    ("members.csv", "joined_at", "castable"),  # M4 'not a date'
    ("members.csv", "joined_at", "at_least"),  # M3 exited before joining
    ("members.csv", "join_channel", "code"),  # tiktok
    ("members.csv", "tier", "code"),  # diamond
    ("members.csv", "gender", "code"),  # X
    ("members.csv", "birth_year", "range"),  # 1899
    # 1990.5 is not reported: members' integers are read by a plain cast
    # (meta whole_number: false, as staging reads them), so it reads as 1991
    ("members.csv", "city_tier", "range"),  # 7
    ("members.csv", "sms_opt_in", "castable"),  # maybe
    ("member_bindings.csv", "member_id", "reference"),  # M9
    ("member_bindings.csv", "channel", "code"),  # myspace
    ("member_bindings.csv", "(channel, customer_id)", "unique_key"),  # tmall/t1 twice
    ("orders.csv", "order_id", "unique_key"),  # O4 twice, different values
    ("orders.csv", "status", "code"),  # shipped
    ("orders.csv", "gross_amount", "castable"),  # abc
    ("orders.csv", "discount_amount", "non_negative"),  # -5
    ("orders.csv", "paid_amount", "at_least"),  # O2 paid 120 > gross 100
    ("orders.csv", "refunded_amount", "at_least"),  # O3 refunded 60 > paid 50
    ("order_items.csv", "(order_id, line_number)", "unique_key"),  # O1/1 twice
    ("order_items.csv", "order_id", "reference"),  # O9
    ("order_items.csv", "quantity", "castable"),  # 1.5 is not whole
    ("surveys.csv", "nps_score", "not_null"),  # R2
    ("surveys.csv", "nps_score", "range"),  # 11
}


@pytest.fixture
def dirty(tmp_path: Path) -> Path:
    raw = tmp_path / "dirty"
    write(raw, "members.csv", DIRTY_MEMBERS)
    write(raw, "member_bindings.csv", DIRTY_BINDINGS)
    write(raw, "orders.csv", DIRTY_ORDERS)
    write(raw, "order_items.csv", DIRTY_ITEMS)
    write(raw, "surveys.csv", DIRTY_SURVEYS)
    return raw


def test_dirty_directory_reports_each_broken_rule(dirty: Path, tmp_path: Path) -> None:
    report = validate_raw_dir(dirty, as_of=dt.date.fromisoformat(AS_OF), docs_dir=tmp_path / "d")
    found = {(f.file, f.column, f.check) for f in report.all_findings}
    assert found == DIRTY_EXPECTED
    assert report.status is Status.WARNINGS
    assert report.exit_code == 1
    assert all(f.severity is Severity.WARNING for f in report.all_findings)
    members = report.table("members")
    assert members.rows == 7  # raw rows, exact duplicate included
    assert members.failed == 10
    assert report.table("points_ledger").status is Status.ABSENT
    lines = [f.line for f in report.all_findings]
    assert (
        "orders.csv: column gross_amount: 1 of 5 row(s) with a value that does not cast "
        "to decimal(18,2), e.g. 'abc'"
    ) in lines
    assert report.docs_index is not None and report.docs_index.is_file()


def test_dirty_directory_via_cli_with_anti_join_references(
    dirty: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parents above VALUE_SET_LIMIT keys are checked by an anti-join column."""
    monkeypatch.setattr(quality, "VALUE_SET_LIMIT", 0)
    code, output = run_cli(dirty, tmp_path / "docs")
    assert code == 1
    for line in (
        "WARN  member_bindings.csv: column member_id: 1 of 4 row(s) not found in "
        "members.member_id, e.g. 'M9'",
        "WARN  order_items.csv: column order_id: 1 of 3 row(s) not found in "
        "orders.order_id, e.g. 'O9'",
        "WARN  orders.csv: column status: 1 of 5 row(s) with an unknown code, e.g. 'shipped'",
    ):
        assert line in output
    assert sum(line.startswith("WARN ") for line in output.splitlines()) == len(DIRTY_EXPECTED)
    assert "WARNINGS: rows that break the contract" in output


# --- reject classes: `generate --dirty` output ---------------------------------
# Every (table, reject class) in _dirty_manifest.json must come back as failing
# expectations of that class on that table. Each injected row breaks exactly
# one rule (memberkpi.demo.dirty), which one expectation of its class
# catches, so GX counts each injected row once; a uniqueness expectation
# counts both rows of a key, the injected one and the clean row it copies.


def test_each_documented_reject_class_has_an_expectation() -> None:
    """Per table, the suite reports exactly the classes docs/quarantine_rules.md lists."""
    assert {
        cls
        for mapped in REJECT_CLASS_BY_CHECK.values()
        for cls in ([mapped] if isinstance(mapped, str) else mapped.values())
    } == set(REJECT_CLASSES)
    documented = documented_reject_classes()
    for name, spec in load_contract(PROJECT_DIR).items():
        table = LoadedTable(spec, Path(f"{name}.csv"), 0, list(spec.column_names))
        references = [
            ReferenceCheck(r.column, r.parent_table, r.parent_column, values=[])
            for r in spec.rules.references
        ]
        dates = BusinessDates(dt.date(1990, 1, 1), DEMO_AS_OF)
        expectations = build_expectations(table, dates, references)
        classes = {e.meta["reject_class"] for e in expectations if e.meta["reject_class"]}
        assert classes == documented[name], name
        file_level = {e.meta["check"] for e in expectations if not e.meta["reject_class"]}
        assert file_level == {"column_present", "known_columns"}, name


def injected(raw: Path) -> dict[tuple[str, str], int]:
    """(table, reject class) -> rows injected, from _dirty_manifest.json."""
    manifest = json.loads((raw / "_dirty_manifest.json").read_text(encoding="utf-8"))
    return {
        (table, cls): count
        for table, counts in manifest.items()
        for cls, count in counts.items()
        if cls != "exact_duplicates"  # collapsed by staging, not a reject class
    }


def assert_every_class_reported(
    expected: dict[tuple[str, str], int], reported: dict[tuple[str, str], int]
) -> None:
    assert set(reported) >= set(expected), sorted(set(expected) - set(reported))
    assert set(reported) == set(expected)  # no clean row fails a row-level expectation
    for (table, cls), count in expected.items():
        assert reported[(table, cls)] >= count, (table, cls)
        exact = 2 * count if cls == "duplicate_key" else count
        assert reported[(table, cls)] == exact, (table, cls)


DEFAULT_CLASS_COUNTS = _generate_dirty.class_counts


def every_variant(table: str, rows: int) -> dict[str, int]:
    """The generator's counts, raised so that every variant of every class is injected.

    `generate --dirty` cycles through the variants of a class (`n % variants`)
    and injects one row per class in tables under 10,000 rows.
    """
    counts = DEFAULT_CLASS_COUNTS(table, rows)
    for cls, variants in _generate_dirty.RULES[table].classes.items():
        counts[cls] = max(counts[cls], len(variants))
    return counts


@pytest.fixture(scope="module")
def dirty_demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, quality.ValidationReport]:
    """`generate --dirty` with every variant of every class, validated."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_generate_dirty, "class_counts", every_variant)
        raw = generate_demo(tmp_path_factory.mktemp("dirty"), dirty=True)
    target = tmp_path_factory.mktemp("target")
    return raw, validate_raw_dir(raw, as_of=DEMO_AS_OF, docs_dir=target / "data_docs")


def test_generate_dirty_reports_every_injected_class(
    dirty_demo: tuple[Path, quality.ValidationReport],
) -> None:
    raw, report = dirty_demo
    expected = injected(raw)
    assert sum(expected.values()) > len(expected)  # several variants per class
    assert_every_class_reported(expected, report.reject_counts())
    assert report.status is Status.WARNINGS
    assert report.exit_code == 1
    assert all(f.severity is Severity.WARNING for f in report.all_findings)
    unclassified = [f.line for f in report.all_findings if f.reject_class is None]
    assert unclassified == []
    for finding in report.all_findings:
        assert finding.expectation and finding.expectation.startswith("expect_"), finding


def test_generate_dirty_builds_data_docs_naming_classes(
    dirty_demo: tuple[Path, quality.ValidationReport],
) -> None:
    raw, report = dirty_demo
    assert report.docs_index is not None and report.docs_index.is_file()
    assert len(data_docs_pages(report)) == len(report.tables)
    suites = report.docs_index.parent / "expectations" / "raw"
    for table, cls in injected(raw):
        page = (suites / f"{table}.html").read_text(encoding="utf-8")
        assert f"Reject class: {cls}" in page, (table, cls)


def failing_expectations(output: str) -> dict[tuple[str, str], int]:
    """(table, reject class) -> rows, summed from the CLI's failing-expectations table."""
    section = output.split("Failing expectations by reject class", 1)[1]
    counts: dict[tuple[str, str], int] = {}
    for line in section.split("└", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) == 5:
            table, cls, _column, _check, rows = cells
            counts[(table, cls)] = counts.get((table, cls), 0) + int(rows)
    return counts


def test_generate_dirty_then_validate_via_cli(tmp_path: Path) -> None:
    raw = tmp_path / "dirty"
    done = CliRunner().invoke(
        app,
        ["generate", "--members", "2000", "--years", "1", "--seed", "3", "--dirty"]
        + ["--out", str(raw)],
    )
    assert done.exit_code == 0, done.output
    docs = tmp_path / "target" / "data_docs"
    code, output = run_cli(raw, docs, as_of=DEMO_AS_OF.isoformat())
    assert code == 1
    assert_every_class_reported(injected(raw), failing_expectations(output))
    assert "WARNINGS: rows that break the contract" in output
    assert "FATAL" not in output
    assert f"Data Docs: {docs / 'index.html'}" in output
    assert (docs / "index.html").is_file()


# --- fault injection ----------------------------------------------------------
# Faults go in two directories: one where every fault is FATAL, one where
# every fault is a warning (so that each must be non-fatal on its own).


def test_fatal_faults(minimal: Path, tmp_path: Path) -> None:
    raw = minimal
    # truncated parquet
    (raw / "orders.csv").unlink()
    data = (EXAMPLE_RAW / "orders.parquet").read_bytes()
    (raw / "orders.parquet").write_bytes(data[: len(data) // 3])
    # a required table with a header and no rows
    write(raw, "members.csv", MEMBERS.splitlines()[0] + "\n")
    # a required file missing
    (raw / "member_bindings.csv").unlink()
    # a CSV with a wrong delimiter
    write(raw, "interactions.csv", "interaction_id;member_id;channel\nI1;M1;tmall\n")
    # an empty file
    write(raw, "reviews.csv", "")
    # a contract column missing
    write(raw, "surveys.csv", "response_id,member_id,responded_at\nR1,M1,2023-06-01\n")
    # a timestamp column stored as an integer (staging cannot read it)
    campaigns = write(
        raw,
        "campaigns.csv",
        "campaign_id,campaign_name,channel,objective,starts_at,ends_at\n"
        "C1,Spring,tmall,join,2023-03-01,2023-03-31\n",
    )
    to_parquet(campaigns, "* replace (1677628800 as starts_at)")
    campaigns.unlink()

    code, output = run_cli(raw, tmp_path / "docs")
    assert code == 3
    for line in (
        "FATAL orders.parquet: cannot be read as parquet (truncated or corrupt)",
        "FATAL members.csv: has no data rows (the table is required)",
        f"FATAL member_bindings: required file member_bindings.parquet or "
        f"member_bindings.csv is missing in {raw}",
        "FATAL interactions.csv: has a single column 'interaction_id;member_id;channel': "
        "not comma separated (the header is split by ';')",
        "FATAL reviews.csv: file is empty (0 bytes)",
        "FATAL surveys.csv: column nps_score: missing (the raw contract requires it; "
        "dbt cannot build)",
        "FATAL campaigns.parquet: column starts_at: stored as INTEGER: the build reads a "
        "timestamp column only from a timestamp, date or text column",
        "FATAL: the build would be meaningless",
    ):
        assert line in output
    assert (tmp_path / "docs" / "index.html").is_file()

    report = validate_raw_dir(raw, as_of=dt.date.fromisoformat(AS_OF), docs_dir=tmp_path / "d")
    fatal_tables = {
        "orders", "members", "member_bindings", "interactions", "reviews", "surveys",
        "campaigns",
    }  # fmt: skip
    assert {t.table for t in report.tables if t.status is Status.FATAL} == fatal_tables
    assert report.table("points_ledger").status is Status.ABSENT


def test_warning_faults(minimal: Path, tmp_path: Path) -> None:
    raw = minimal
    # text in an amount column (CSV) and an unknown extra column
    lines = ORDERS.replace("80.00,10.00", "eighty,10.00").splitlines()
    lines = [lines[0] + ",coupon_code"] + [line + ",C1" for line in lines[1:]]
    write(raw, "orders.csv", "\n".join(lines) + "\n")
    # text in an amount column of a parquet file (a VARCHAR column)
    items = write(
        raw,
        "order_items.csv",
        "order_id,line_number,sku_id,category,quantity,unit_price,line_amount\n"
        "O1,1,S1,toys,1,100,100\n",
    )
    to_parquet(items, "* replace ('n/a' as unit_price)")
    items.unlink()
    # the same table as parquet and CSV
    to_parquet(raw / "members.csv")
    # a file outside the contract
    write(raw, "order.csv", ORDERS)

    code, output = run_cli(raw, tmp_path / "docs")
    assert code == 1
    assert "FATAL" not in output
    for line in (
        "WARN  orders.csv: column gross_amount: 1 of 2 row(s) with a value that does not "
        "cast to decimal(18,2), e.g. 'eighty'",
        "WARN  orders.csv: column coupon_code: not in the raw contract: ignored by the build",
        "WARN  order_items.parquet: column unit_price: 1 of 1 row(s) with a value that does "
        "not cast to decimal(18,2), e.g. 'n/a'",
        "WARN  members.csv: members.parquet is also present: reading the parquet file only",
        "WARN  order.csv: not a table of the raw contract: ignored",
        "WARNINGS: rows that break the contract",
    ):
        assert line in output
    assert (tmp_path / "docs" / "index.html").is_file()

    report = validate_raw_dir(raw, as_of=dt.date.fromisoformat(AS_OF), docs_dir=tmp_path / "d")
    members = report.table("members")
    assert members.file == raw / "members.parquet"  # parquet wins
    assert [f.check for f in members.findings] == ["one_file_per_table"]
    assert members.failed == 0
    assert report.table("orders").status is Status.WARNINGS
    assert report.status is Status.WARNINGS


CAMPAIGNS_HEADER = "campaign_id,campaign_name,channel,objective,starts_at,ends_at"


def test_an_optional_column_may_be_absent_and_is_checked_when_present(
    minimal: Path, tmp_path: Path
) -> None:
    """campaigns.budget_amount (meta optional, nullable): a file without it
    passes; in a file with it, a blank budget passes, `-5` and `abc` are the
    bad_amount rows docs/quarantine_rules.md lists."""
    write(
        minimal,
        "campaigns.csv",
        CAMPAIGNS_HEADER + "\nC1,Spring,tmall,join,2023-03-01,2023-03-31\n",
    )
    as_of = dt.date.fromisoformat(AS_OF)
    report = validate_raw_dir(minimal, as_of=as_of, docs_dir=tmp_path / "without")
    assert report.table("campaigns").findings == []
    assert report.status is Status.OK

    write(
        minimal,
        "campaigns.csv",
        CAMPAIGNS_HEADER + ",budget_amount\n"
        "C1,Spring,tmall,join,2023-03-01,2023-03-31,1200.50\n"
        "C2,Summer,tmall,join,2023-06-01,2023-06-30,\n"
        "C3,Autumn,tmall,join,2023-09-01,2023-09-30,-5\n"
        "C4,Winter,tmall,join,2023-12-01,2023-12-31,abc\n",
    )
    report = validate_raw_dir(minimal, as_of=as_of, docs_dir=tmp_path / "with")
    findings = report.table("campaigns").findings
    assert {(f.column, f.check, f.unexpected_count) for f in findings} == {
        ("budget_amount", "castable", 1),  # abc
        ("budget_amount", "non_negative", 1),  # -5
    }
    assert all(f.severity is Severity.WARNING for f in findings)
    assert report.status is Status.WARNINGS


def test_missing_raw_dir_is_fatal_not_an_exception(tmp_path: Path) -> None:
    report = validate_raw_dir(tmp_path / "nowhere", docs_dir=tmp_path / "docs")
    assert report.status is Status.FATAL
    assert report.exit_code == 3
    assert {f.table for f in report.fatal} == {None, "members", "member_bindings", "orders"}


def test_csv_exports_read_like_parquet(tmp_path: Path) -> None:
    """Example tables exported as CSV text meet the contract like their parquet twins."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("members", "member_bindings", "orders", "campaigns", "surveys"):
        source = EXAMPLE_RAW / f"{name}.parquet"
        if name in {"campaigns", "surveys"}:
            duckdb.sql(f"copy (select * from '{source}') to '{raw / name}.csv'")
        else:
            shutil.copyfile(source, raw / f"{name}.parquet")
    report = validate_raw_dir(raw, docs_dir=tmp_path / "docs")
    assert report.all_findings == []
    assert report.table("campaigns").file == raw / "campaigns.csv"
    assert report.table("surveys").failed == 0


# --- the staging rules the gate shares ------------------------------------------


def test_required_parquet_without_rows_is_fatal(minimal: Path, tmp_path: Path) -> None:
    orders_csv = write(minimal, "orders.csv", ORDERS.splitlines()[0] + "\n")
    to_parquet(orders_csv)
    orders_csv.unlink()
    report = validate_raw_dir(minimal, as_of=dt.date.fromisoformat(AS_OF), docs_dir=tmp_path / "d")
    assert [f.line for f in report.fatal] == [
        "orders.parquet: has no data rows (the table is required)"
    ]
    assert report.table("orders").rows == 0
    assert report.exit_code == 3


def test_keys_trim_tabs_and_carriage_returns_and_epoch_zero_is_flagged(
    minimal: Path, tmp_path: Path
) -> None:
    """`O3\\t` and `O4\\r` are the orders O3 and O4 (their lines are no
    orphans), as in staging; an order of 1970-01-01 lies before var
    earliest_business_date and is a bad timestamp."""
    orders = ORDERS + (
        "O3\t,tmall,t1,,2023-03-05 10:00:00\t,,paid,10,0,10,0,\n"
        '"O4\r",jd,"j2\r",,2023-03-06 10:00:00,,paid,10,0,10,0,\n'
        "O5,jd,j2,,1970-01-01 00:00:00,,paid,10,0,10,0,\n"
    )
    write(minimal, "orders.csv", orders)
    write(
        minimal,
        "order_items.csv",
        "order_id,line_number,sku_id,category,quantity,unit_price,line_amount\n"
        "O3,1,S1,toys,1,10,10\n"
        '"O4",1,S1,toys,1,10,10\n'
        "\u00a0O1\u3000,1,S1,toys,1,100,100\n",
    )
    report = validate_raw_dir(minimal, as_of=dt.date.fromisoformat(AS_OF), docs_dir=tmp_path / "d")
    assert [f.line for f in report.all_findings] == [
        "orders.csv: column ordered_at: 1 of 5 row(s) outside the business dates "
        "1990-01-01..2024-06-30, e.g. 1970-01-01 00:00:00"
    ]
    assert report.reject_counts() == {("orders", "bad_timestamp"): 1}


def test_whitespace_rule_is_the_staging_macros() -> None:
    """macros/clean_text.sql and the GX gate spell the whitespace class alike,
    and the class trims exactly Unicode White_Space plus U+200B and U+FEFF
    (every code point checked in DuckDB), a superset of what DuckDB's own
    trim() removed before (so clean data stages as it did)."""
    from memberkpi.quality.text import WHITESPACE_CLASS, WHITESPACE_CODE_POINTS, clean_text_sql

    macros = (PROJECT_DIR / "macros" / "clean_text.sql").read_text(encoding="utf-8")
    module = jinja2.Environment().from_string(macros).module
    assert str(module.whitespace_class()) == WHITESPACE_CLASS

    python_white_space = {c for c in range(0x110000) if chr(c).isspace()}
    # str.isspace() also holds U+001C..U+001F (separators, not White_Space)
    expected = python_white_space - set(range(0x1C, 0x20)) | {0x200B, 0xFEFF}
    assert expected == WHITESPACE_CODE_POINTS
    assert len(expected) == 27
    rows = duckdb.sql(
        f"""
        with code_points as (
            select range as code_point from range(1, 1114112)
            where range not between 55296 and 57343
        ),
        framed as (
            select code_point, chr(code_point::integer) as c from code_points
        )
        select
            code_point,
            {clean_text_sql("c || 'x' || c || 'y' || c")} = 'x' || c || 'y',
            length(trim(c || 'x' || c)) = 1
        from framed
        """
    ).fetchall()
    trimmed = {code_point for code_point, new, _old in rows if new}
    assert trimmed == expected
    assert {code_point for code_point, _new, old in rows if old} < trimmed
    blank = duckdb.execute(f"select {clean_text_sql('?')}", [" \t\u3000\r\n "]).fetchall()
    assert blank == [(None,)]
