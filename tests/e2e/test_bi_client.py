"""A BI client on the serving copy (issue 21, acceptance 4).

Superset-style tools reach DuckDB through SQLAlchemy and `duckdb_engine`.
On the serving copy of a build of the spec example, that client must list
every metric table the build wrote, show a description for each table and
each column (dbt's persist_docs writes them into the build's catalogue and
publish copies them), and run the queries the README and docs/bi_connect.md
give to BI users, with the same answers DuckDB's own client gets.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from helpers import NO_TESTS, PROJECT_DIR, SPEC_EXAMPLE, query, run_dbt
from memberkpi.publish.serving import PUBLISHED_TABLE, SCHEMA, publish

pytestmark = pytest.mark.slow

AS_OF = "2024-12-31"
BI_DOCS = (PROJECT_DIR / "README.md", PROJECT_DIR / "docs" / "bi_connect.md")


@pytest.fixture(scope="module")
def serving_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work_dir = tmp_path_factory.mktemp("bi_client")
    result = run_dbt(
        ["build", *NO_TESTS],
        work_dir=work_dir,
        raw_dir=SPEC_EXAMPLE / "raw",
        dbt_vars={"as_of_date": AS_OF},
    )
    assert result.success, result.output
    return publish(result.db_path, work_dir / "serving.duckdb")


@pytest.fixture(scope="module")
def engine(serving_copy: Path) -> Engine:
    """The connection a BI tool makes (docs/bi_connect.md, Superset)."""
    return create_engine(f"duckdb:///{serving_copy}", connect_args={"read_only": True})


def build_tables(serving_copy: Path, engine: Engine) -> set[str]:
    """The metric tables, read with DuckDB's own client: the independent path
    (the client's pooled connections closed first: DuckDB opens a file with
    one configuration per process)."""
    engine.dispose()
    rows = query(
        serving_copy,
        "select table_name from information_schema.tables "
        f"where table_schema = '{SCHEMA}' and table_type = 'BASE TABLE'",
    )
    return {name for (name,) in rows}


def documented_bi_queries() -> list[str]:
    """Every query on schema metrics that the README and bi_connect.md show,
    from their sql and python code blocks."""
    queries: list[str] = []
    for document in BI_DOCS:
        for block in re.findall(r"```(?:sql|python)\n(.*?)```", document.read_text(), re.S):
            # python blocks hold the query as adjacent string literals
            joined = re.sub(r'"\s*\n\s*"', "", block)
            for statement in re.findall(r"(select\b[^;\"]*?\bmetrics\.[^;\"]*)", joined, re.I):
                queries.append(" ".join(statement.split()))
    return queries


def test_the_client_lists_every_metric_table_with_descriptions(
    serving_copy: Path, engine: Engine
) -> None:
    expected = build_tables(serving_copy, engine)
    inspector = inspect(engine)
    listed = set(inspector.get_table_names(schema=SCHEMA))
    assert {"kpi_monthly", "kpi_catalog", "mbsc_scorecard", PUBLISHED_TABLE} <= expected
    assert listed == expected

    undescribed: list[str] = []
    for table in sorted(listed):
        if not (inspector.get_table_comment(table, schema=SCHEMA).get("text") or "").strip():
            undescribed.append(table)
        for column in inspector.get_columns(table, schema=SCHEMA):
            if not (column.get("comment") or "").strip():
                undescribed.append(f"{table}.{column['name']}")
    assert undescribed == [], f"no description in the BI client: {undescribed}"


def test_column_descriptions_are_the_models_yaml(engine: Engine) -> None:
    """The comment is dbt's description of the column, not a placeholder."""
    columns = {
        column["name"]: column["comment"]
        for column in inspect(engine).get_columns("kpi_monthly", schema=SCHEMA)
    }
    yaml_text = (PROJECT_DIR / "models" / "metrics" / "_metrics__models.yml").read_text()
    assert columns["month"] and columns["month"].split()[0] in yaml_text
    assert len(set(columns.values())) == len(columns), "one description repeated for all"


def test_the_documented_queries_run_and_agree_with_duckdb(
    serving_copy: Path, engine: Engine
) -> None:
    statements = [
        statement.replace("memberkpi.metrics.", "metrics.") for statement in documented_bi_queries()
    ]
    assert len(statements) >= 3, statements
    engine.dispose()
    with duckdb.connect(str(serving_copy), read_only=True) as direct:
        through_duckdb = [direct.execute(statement).fetchall() for statement in statements]
    with engine.connect() as connection:
        through_client = [
            [tuple(row) for row in connection.execute(text(statement))] for statement in statements
        ]
    for statement, client_rows, duckdb_rows in zip(
        statements, through_client, through_duckdb, strict=True
    ):
        assert client_rows == duckdb_rows, statement
        assert client_rows, f"no rows: {statement}"
