"""Where memberkpi finds its project, its raw data and its DuckDB file."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def target_dir() -> Path:
    """dbt's target directory: DBT_TARGET_PATH, else target/ in the project."""
    return Path(os.environ.get("DBT_TARGET_PATH", PROJECT_DIR / "target"))


def raw_dir() -> Path:
    """The raw directory: MEMBERKPI_RAW_DIR, else data/raw in the project."""
    return Path(os.environ.get("MEMBERKPI_RAW_DIR", PROJECT_DIR / "data" / "raw"))


def database_path() -> Path:
    """The build's DuckDB file: MEMBERKPI_DB, else target/memberkpi.duckdb."""
    return Path(os.environ.get("MEMBERKPI_DB", PROJECT_DIR / "target" / "memberkpi.duckdb"))


def serving_path() -> Path:
    """The serving copy for BI tools: MEMBERKPI_SERVING_DB, else <target>/serving/."""
    default = target_dir() / "serving" / "memberkpi_serving.duckdb"
    return Path(os.environ.get("MEMBERKPI_SERVING_DB", default))


def duckdb_memory_limit() -> str:
    """DuckDB's memory_limit: MEMBERKPI_MEMORY_LIMIT, else 6GB (as profiles.yml)."""
    return os.environ.get("MEMBERKPI_MEMORY_LIMIT", "6GB")


def duckdb_temp_dir() -> Path:
    """Where DuckDB spills: MEMBERKPI_TEMP_DIR, else target/duckdb_tmp (as profiles.yml)."""
    return Path(os.environ.get("MEMBERKPI_TEMP_DIR", PROJECT_DIR / "target" / "duckdb_tmp"))
