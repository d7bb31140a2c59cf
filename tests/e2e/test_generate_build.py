"""The warehouse quarantines exactly the rows `memberkpi generate --dirty` injects.

Moved from tests/unit/test_generate.py, which runs no dbt: the dirty demo
(2,500 members, seed 11, CSV) is built by `dbt seed` and `dbt run` up to
`quarantine_summary`, whose counts must equal the generator's manifest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from helpers import PROJECT_DIR
from memberkpi.demo.generate import GenerateOptions, generate

PROJECT = PROJECT_DIR
AS_OF = "2026-01-31"


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dirty demo of tests/unit/test_generate.py (its `dirty` fixture)."""
    out = tmp_path_factory.mktemp("dirty")
    generate(GenerateOptions(members=2500, seed=11, out=out, dirty=True, file_format="csv"))
    return out


@pytest.mark.slow
def test_dirty_manifest_matches_the_warehouse_quarantine(dirty: Path, tmp_path: Path) -> None:
    """The staging models quarantine exactly the injected rows, reason by reason."""
    dbt = Path(sys.executable).parent / "dbt"
    env = {
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "MEMBERKPI_DB": str(tmp_path / "w.duckdb"),
        "MEMBERKPI_TEMP_DIR": str(tmp_path / "tmp"),
        "MEMBERKPI_RAW_DIR": str(dirty),
        "PATH": str(Path(sys.executable).parent),
    }
    for args in (
        ["seed"],
        ["run", "--select", "+quarantine_summary", "--vars", f"{{as_of_date: '{AS_OF}'}}"],
    ):
        done = subprocess.run(
            [str(dbt), *args], cwd=PROJECT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    found: dict[str, dict[str, int]] = {}
    for table, reason, count in con.execute(
        "select source_table, reject_reason, count_rows from staging.quarantine_summary"
    ).fetchall():
        found.setdefault(table, {})[reason] = count
    manifest = json.loads((dirty / "_dirty_manifest.json").read_text(encoding="utf-8"))
    expected = {
        table: {k: v for k, v in counts.items() if k != "exact_duplicates"}
        for table, counts in manifest.items()
    }
    assert found == expected
