"""Adding a column rule is one edit in the raw contract, and everything follows.

A copy of the project gets one new accepted code for orders.status
(`on_hold`) in its sources YAML, one line changed, nothing else. Then the
copy's contract and GX suite accept an `on_hold` order, its rendered
quarantine doc lists the code, the generator's schema still matches, and a
dbt build of a small fixture keeps the order in stg_raw__orders, where the
unedited project quarantines it as `unknown_code`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from helpers import PROJECT_DIR, DbtResult, dbt_env, dbt_executable, query, raw_columns, write_csv
from memberkpi.contract.raw import SOURCES_YML, load_contract

AS_OF_DATE = "2025-06-30"
STAGING = ["build", "--select", "+staging", "--indirect-selection", "cautious"]
NEW_CODE = "on_hold"
ONE_EDIT = (
    "accepted_values: [paid, cancelled, refunded, partially_refunded]",
    f"accepted_values: [paid, cancelled, refunded, partially_refunded, {NEW_CODE}]",
)
COPIED = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt", "docs")

ROWS = {
    "members": [
        ("M1", "2024-01-10 10:00:00", "tmall", None, "gold", "F", "1990", "Shanghai", "1",
         "true", "false", "true", "h1"),
    ],
    "member_bindings": [("M1", "tmall", "C1", "2024-01-11 10:00:00")],
    "orders": [
        ("O1", "tmall", "C1", None, "2024-02-01 10:00:00", "2024-02-01 10:05:00", "paid",
         "100.00", "10.00", "90.00", "0.00", None),
        ("O2", "tmall", "C1", None, "2024-02-02 10:00:00", "2024-02-02 10:05:00", NEW_CODE,
         "50.00", "0.00", "50.00", "0.00", None),
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def edited_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's dbt files, docs and sources YAML, with the one edit."""
    project = tmp_path_factory.mktemp("edited") / "project"
    for name in COPIED:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, project / name)
    sources = project / SOURCES_YML
    text = sources.read_text(encoding="utf-8")
    assert text.count(ONE_EDIT[0]) == 1
    sources.write_text(text.replace(*ONE_EDIT), encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("contract_edit_raw")
    for table, rows in ROWS.items():
        write_csv(folder / f"{table}.csv", raw_columns(table), rows)
    return folder


def renderer() -> ModuleType:
    path = PROJECT_DIR / "scripts" / "render_quarantine_rules.py"
    spec = importlib.util.spec_from_file_location("render_quarantine_rules", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(project_dir: Path, raw_dir: Path, work_dir: Path) -> DbtResult:
    """`dbt build` of seeds and staging of project_dir (run_dbt builds PROJECT_DIR only)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(dbt_executable()), *STAGING, "--project-dir", str(project_dir),
        "--vars", json.dumps({"as_of_date": AS_OF_DATE}),
    ]  # fmt: skip
    completed = subprocess.run(
        command, cwd=project_dir, env=dbt_env(work_dir, raw_dir),
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    results = work_dir / "target" / "run_results.json"
    statuses = {
        item["unique_id"]: item["status"]
        for item in (json.loads(results.read_text())["results"] if results.exists() else [])
    }
    return DbtResult(
        completed.returncode, completed.stdout + completed.stderr, statuses,
        work_dir / "warehouse.duckdb",
    )  # fmt: skip


def test_the_edit_is_one_line(edited_project: Path) -> None:
    before = (PROJECT_DIR / SOURCES_YML).read_text(encoding="utf-8").splitlines()
    after = (edited_project / SOURCES_YML).read_text(encoding="utf-8").splitlines()
    changed = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        "-                accepted_values: [paid, cancelled, refunded, partially_refunded]",
        f"+                accepted_values: [paid, cancelled, refunded, partially_refunded,"
        f" {NEW_CODE}]",
    ]


def test_the_contract_and_the_generator_schema_follow(edited_project: Path) -> None:
    from memberkpi.contract.generator_schema import RAW_TABLES

    edited = load_contract(edited_project)
    assert NEW_CODE in (edited["orders"].column("status").accepted_values or ())
    assert NEW_CODE not in (load_contract(PROJECT_DIR)["orders"].column("status").accepted_values)
    # a new code changes no column or type: the generator writes the same files
    assert RAW_TABLES == {
        name: tuple((c.name, c.data_type) for c in spec.columns) for name, spec in edited.items()
    }


def test_the_gx_suite_follows(edited_project: Path, raw_dir: Path, tmp_path: Path) -> None:
    from memberkpi.quality.validate import validate_raw_dir

    as_of = dt.date.fromisoformat(AS_OF_DATE)

    def status_findings(project_dir: Path) -> list[str]:
        report = validate_raw_dir(
            raw_dir, as_of=as_of, docs_dir=tmp_path / project_dir.name, project_dir=project_dir
        )
        return [
            f"{f.check}: {f.message}"
            for f in report.all_findings
            if f.table == "orders" and f.column == "status"
        ]

    (unedited,) = status_findings(PROJECT_DIR)
    assert unedited.startswith("code: 1 of 2 ") and f"'{NEW_CODE}'" in unedited, unedited
    assert status_findings(edited_project) == []


def test_the_quarantine_doc_follows(edited_project: Path) -> None:
    module = renderer()
    text = (PROJECT_DIR / module.DOC).read_text(encoding="utf-8")
    rendered = module.render_doc(text, load_contract(edited_project))
    (orders,) = [line for line in rendered.splitlines() if line.startswith("| orders |")]
    assert f"`partially_refunded`, `{NEW_CODE}` (or null)" in orders
    assert f"`{NEW_CODE}`" not in text


@pytest.mark.slow
def test_staging_keeps_the_order_the_unedited_project_quarantines(
    edited_project: Path, raw_dir: Path, tmp_path: Path
) -> None:
    unedited = build(PROJECT_DIR, raw_dir, tmp_path / "unedited")
    edited = build(edited_project, raw_dir, tmp_path / "edited")

    # unedited: O2 is quarantined, so 1 of 2 orders (50%) fails the error share
    assert query(
        unedited.db_path,
        "select reject_reason, order_id, status from staging.quarantine_raw__orders",
    ) == [("unknown_code", "O2", NEW_CODE)]
    assert query(unedited.db_path, "select order_id from staging.stg_raw__orders") == [("O1",)]
    assert unedited.with_status("error", "fail") == [
        "test.memberkpi.assert_quarantine_share_below_error"
    ], unedited.output[-3000:]

    # edited: O2 is clean, and every test passes, raw_contract_values included
    assert edited.success, edited.output[-3000:]
    assert query(edited.db_path, "select count(*) from staging.quarantine_raw__orders") == [(0,)]
    assert query(
        edited.db_path,
        "select order_id, order_status from staging.stg_raw__orders order by order_id",
    ) == [("O1", "paid"), ("O2", NEW_CODE)]
    contract_tests = [
        unique_id
        for unique_id, status in edited.statuses.items()
        if unique_id.startswith("test.memberkpi.raw_contract_values_stg_raw__orders_order_status")
        and status == "pass"
    ]
    assert len(contract_tests) == 1, sorted(edited.statuses)
