"""Compare the metric tables of this checkout with those of an earlier commit.

A refactoring must not move a number. This script builds the same raw data
twice, once with the project as it is in the working tree and once with the
project at a git commit (checked out with `git worktree` in a scratch
folder, its own `src/` first on PYTHONPATH), and compares every table of
schema `metrics` (and, with --marts, of schema `marts`) row for row:
EXCEPT ALL both ways, doubles rounded to --digits decimals (the predictive
CLV fit sums floats in the order its rows arrive). Exit code 1 when any
table differs or exists on one side only.

    .venv/bin/python scripts/compare_builds.py --base HEAD~1
    .venv/bin/python scripts/compare_builds.py --base main --data generated --members 3000

Data sets: `spec_example` (tests/fixtures/spec_example/raw, as of
2024-12-31), `generated` (`memberkpi generate`, seed 7, two years, as of
2025-12-31, generated once with this checkout's generator for both sides),
`dirty` (the same with --dirty: rows of every reject class), or any folder
of raw files (--raw-dir, --as-of). --staging compares every table and view
of schema staging too (base_raw__, stg_raw__, quarantine_raw__ and the
audit models); --only-staging builds seeds and staging only, and compares
them even when the build fails its quarantine-share tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from memberkpi.core.sql_text import sql_string

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass(frozen=True)
class DataSet:
    """Raw files and the as-of date to build them with."""

    raw_dir: Path
    as_of_date: str


@dataclass(frozen=True)
class TableComparison:
    """How one table of one schema compares between the two builds."""

    name: str
    base_rows: int | None
    current_rows: int | None
    unmatched_rows: int

    @property
    def equal(self) -> bool:
        return (
            self.base_rows is not None
            and self.current_rows is not None
            and self.unmatched_rows == 0
        )


def prepare_data(name: str, members: int, scratch: Path) -> DataSet:
    if name.startswith("dir:"):  # --raw-dir: a folder of raw files as of --as-of
        raw_dir, _, as_of = name.removeprefix("dir:").rpartition("@")
        return DataSet(Path(raw_dir), as_of)
    if name == "spec_example":
        return DataSet(PROJECT_DIR / "tests" / "fixtures" / "spec_example" / "raw", "2024-12-31")
    raw_dir = scratch / "generated_raw"
    subprocess.run(
        [
            str(BIN / "memberkpi"),
            "generate",
            "--members",
            str(members),
            "--years",
            "2",
            "--seed",
            "7",
            "--out",
            str(raw_dir),
            *(["--dirty"] if name == "dirty" else []),
        ],
        check=True,
    )
    return DataSet(raw_dir, "2025-12-31")


def checkout(commit: str, folder: Path) -> Path:
    """The project at commit, as a detached git worktree in folder."""
    subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "worktree", "add", "--detach", str(folder), commit],
        check=True,
        capture_output=True,
    )
    return folder


def remove_checkout(folder: Path) -> None:
    subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "worktree", "remove", "--force", str(folder)],
        check=False,
        capture_output=True,
    )


def build(
    project_dir: Path, data: DataSet, work_dir: Path, select: list[str] | None = None
) -> Path:
    """dbt build of project_dir on data into work_dir/warehouse.duckdb; its path.
    A failing build stops the comparison, unless `select` limits it (a
    staging-only build of dirty data fails its quarantine-share tests)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / "warehouse.duckdb"
    env = {
        **os.environ,
        "PYTHONPATH": str(project_dir / "src"),
        "DBT_PROFILES_DIR": str(project_dir),
        "MEMBERKPI_RAW_DIR": str(data.raw_dir),
        "MEMBERKPI_DB": str(db_path),
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "MEMBERKPI_TEMP_DIR": str(work_dir / "duckdb_tmp"),
    }
    command = [
        str(BIN / "dbt"),
        "build",
        "--project-dir",
        str(project_dir),
        "--vars",
        f"{{as_of_date: '{data.as_of_date}'}}",
        *(select or []),
    ]
    print(f"building {project_dir} -> {db_path}", flush=True)
    completed = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True)
    if completed.returncode != 0 and not select:
        sys.stderr.write(completed.stdout[-4000:])
        raise SystemExit(f"dbt build failed in {project_dir} (exit {completed.returncode})")
    return db_path


def table_columns(
    connection: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
) -> list[tuple[str, str]]:
    return connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [catalog, schema, table],
    ).fetchall()


def tables(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> set[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE'",
        [catalog, schema],
    ).fetchall()
    return {name for (name,) in rows}


def comparable_select(columns: list[tuple[str, str]], relation: str, digits: int) -> str:
    expressions = [
        f'round("{name}", {digits}) as "{name}"' if data_type in FLOAT_TYPES else f'"{name}"'
        for name, data_type in columns
    ]
    return f"select {', '.join(expressions)} from {relation}"


def compare_schema(
    base_db: Path, current_db: Path, schema: str, digits: int
) -> list[TableComparison]:
    with duckdb.connect() as connection:
        connection.execute(f"attach {sql_string(base_db)} as base_build (read_only)")
        connection.execute(f"attach {sql_string(current_db)} as current_build (read_only)")
        base_tables = tables(connection, "base_build", schema)
        current_tables = tables(connection, "current_build", schema)
        results = []
        for table in sorted(base_tables | current_tables):
            counts = {}
            for side, present in (("base_build", base_tables), ("current_build", current_tables)):
                counts[side] = (
                    connection.execute(
                        f'select count(*) from {side}.{schema}."{table}"'
                    ).fetchone()[0]
                    if table in present
                    else None
                )
            unmatched = 0
            if table in base_tables and table in current_tables:
                columns = table_columns(connection, "base_build", schema, table)
                if columns != table_columns(connection, "current_build", schema, table):
                    unmatched = -1  # the columns differ: reported as unmatched
                else:
                    base = comparable_select(columns, f'base_build.{schema}."{table}"', digits)
                    current = comparable_select(
                        columns, f'current_build.{schema}."{table}"', digits
                    )
                    (unmatched,) = connection.execute(
                        f"select (select count(*) from ({base} except all {current}))"
                        f" + (select count(*) from ({current} except all {base}))"
                    ).fetchone()
            results.append(
                TableComparison(table, counts["base_build"], counts["current_build"], unmatched)
            )
        return results


def export_relations(db_path: Path, schema: str, out: Path) -> None:
    """Every table and view of a schema as out/<name>.parquet. Views are read
    in their own database, where their references resolve (attached under
    another name they would not)."""
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db_path), read_only=True) as connection:
        names = connection.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [schema],
        ).fetchall()
        for (name,) in names:
            target = sql_string(str(out / f"{name}.parquet"))
            connection.execute(
                f'copy (select * from {schema}."{name}") to {target} (format parquet)'
            )


def compare_exported(base_dir: Path, current_dir: Path, digits: int) -> list[TableComparison]:
    """compare_schema over two folders of export_relations."""
    base_names = {path.stem for path in base_dir.glob("*.parquet")}
    current_names = {path.stem for path in current_dir.glob("*.parquet")}
    results = []
    with duckdb.connect() as connection:
        for name in sorted(base_names | current_names):
            relations = {
                side: f"read_parquet({sql_string(str(folder / (name + '.parquet')))})"
                for side, folder in (("base", base_dir), ("current", current_dir))
            }
            counts = {
                side: connection.execute(f"select count(*) from {relation}").fetchone()[0]
                if name in names
                else None
                for (side, relation), names in zip(
                    relations.items(), (base_names, current_names), strict=True
                )
            }
            unmatched = 0
            if name in base_names and name in current_names:
                columns = {
                    side: connection.execute(
                        f"select column_name, column_type from (describe select * from {relation})"
                    ).fetchall()
                    for side, relation in relations.items()
                }
                if columns["base"] != columns["current"]:
                    unmatched = -1
                else:
                    base = comparable_select(
                        [(n, t) for n, t in columns["base"]], relations["base"], digits
                    )
                    current = comparable_select(
                        [(n, t) for n, t in columns["current"]], relations["current"], digits
                    )
                    (unmatched,) = connection.execute(
                        f"select (select count(*) from ({base} except all {current}))"
                        f" + (select count(*) from ({current} except all {base}))"
                    ).fetchone()
            results.append(TableComparison(name, counts["base"], counts["current"], unmatched))
    return results


def report(schema: str, results: list[TableComparison]) -> bool:
    same = True
    for result in results:
        if result.equal:
            status = "equal"
        elif result.base_rows is None or result.current_rows is None:
            status = "only in " + ("current" if result.base_rows is None else "base")
        elif result.unmatched_rows < 0:
            status = "columns differ"
        else:
            status = f"{result.unmatched_rows} unmatched rows"
        same = same and result.equal
        print(
            f"{schema}.{result.name:<32} base {result.base_rows!s:>8}  "
            f"current {result.current_rows!s:>8}  {status}"
        )
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="git commit to compare against")
    parser.add_argument(
        "--data", choices=("spec_example", "generated", "dirty"), default="spec_example"
    )
    parser.add_argument("--raw-dir", type=Path, help="build these raw files instead of --data")
    parser.add_argument("--as-of", default="2025-12-31", help="as-of date of --raw-dir")
    parser.add_argument("--members", type=int, default=3000, help="members of --data generated")
    parser.add_argument("--marts", action="store_true", help="compare schema marts too")
    parser.add_argument(
        "--staging",
        action="store_true",
        help="compare every table and view of schema staging too (base, stg, quarantine)",
    )
    parser.add_argument(
        "--only-staging",
        action="store_true",
        help="build seeds and staging only and compare schema staging",
    )
    parser.add_argument("--digits", type=int, default=9, help="decimals doubles are rounded to")
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="memberkpi-compare-"))
    base_project = scratch / "base_project"
    try:
        data = prepare_data(
            f"dir:{options.raw_dir.resolve()}@{options.as_of}" if options.raw_dir else options.data,
            options.members,
            scratch,
        )
        checkout(options.base, base_project)
        select = ["--select", "+staging"] if options.only_staging else []
        base_db = build(base_project, data, scratch / "base_build", select)
        current_db = build(PROJECT_DIR, data, scratch / "current_build", select)
        same = True
        schemas = [] if options.only_staging else ["metrics"]
        schemas += ["marts"] if options.marts and not options.only_staging else []
        for schema in schemas:
            same = (
                report(schema, compare_schema(base_db, current_db, schema, options.digits)) and same
            )
        if options.staging or options.only_staging:
            export_relations(base_db, "staging", scratch / "base_staging")
            export_relations(current_db, "staging", scratch / "current_staging")
            results = compare_exported(
                scratch / "base_staging", scratch / "current_staging", options.digits
            )
            same = report("staging", results) and same
    finally:
        remove_checkout(base_project)
        shutil.rmtree(scratch, ignore_errors=True)
    print("every table equal" if same else "DIFFERENCES: see above")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
