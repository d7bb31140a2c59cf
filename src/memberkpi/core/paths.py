"""Where memberkpi finds its project, its raw data, its DuckDB file and what
it derives from that file.

A warehouse owns its outputs. For the DuckDB file `exports/brand.duckdb` they
all live in one folder beside it, `exports/brand.outputs/`:

    brand_serving.duckdb   the serving copy BI tools read (`memberkpi publish`)
    dashboard/             the HTML dashboard pages
    dbt_target/            dbt's target path: run_results.json, manifest.json
                           and the dbt Data Docs (`dbt docs generate`)
    data_docs/             the Great Expectations Data Docs of the raw files
    logs/                  dbt's log
    duckdb_tmp/            where DuckDB spills while building

so two warehouses built from one checkout never share an output. The build
status is not a file: each build records itself inside the DuckDB file
(schema `memberkpi_meta`, macros/build_records.sql). Each default yields to
its environment variable or command option (MEMBERKPI_SERVING_DB,
DBT_TARGET_PATH, DBT_LOG_PATH, MEMBERKPI_TEMP_DIR, --out, --docs-dir).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]
# `memberkpi demo` writes its raw data and builds its warehouse here, never
# in MEMBERKPI_RAW_DIR or MEMBERKPI_DB
DEMO_DIR = PROJECT_DIR / "data" / "demo"
OUTPUTS_SUFFIX = ".outputs"


def target_dir() -> Path:
    """dbt's target directory: DBT_TARGET_PATH, else target/ in the project."""
    return Path(os.environ.get("DBT_TARGET_PATH", PROJECT_DIR / "target"))


def raw_dir() -> Path:
    """The raw directory: MEMBERKPI_RAW_DIR, else data/raw in the project."""
    return Path(os.environ.get("MEMBERKPI_RAW_DIR", PROJECT_DIR / "data" / "raw"))


def database_path() -> Path:
    """The build's DuckDB file: MEMBERKPI_DB, else target/memberkpi.duckdb."""
    return Path(os.environ.get("MEMBERKPI_DB", PROJECT_DIR / "target" / "memberkpi.duckdb"))


def demo_raw_dir() -> Path:
    """Where `memberkpi demo` writes its demo raw data: data/demo/raw."""
    return DEMO_DIR / "raw"


def demo_database_path() -> Path:
    """The DuckDB file `memberkpi demo` builds: data/demo/memberkpi_demo.duckdb."""
    return DEMO_DIR / "memberkpi_demo.duckdb"


def outputs_dir(db_path: Path) -> Path:
    """The folder of everything derived from db_path: brand.duckdb -> brand.outputs beside it."""
    db_path = Path(db_path).absolute()
    return db_path.with_name(db_path.stem + OUTPUTS_SUFFIX)


@dataclass(frozen=True)
class WarehouseOutputs:
    """Where one warehouse's outputs go (see the module docstring)."""

    db_path: Path
    serving: Path
    dashboard_dir: Path
    dbt_target: Path
    dbt_logs: Path
    gx_data_docs: Path
    duckdb_tmp: Path

    def dbt_env(self, raw_dir: Path) -> dict[str, str]:
        """The environment a dbt child process needs to build this warehouse from raw_dir."""
        return {
            "MEMBERKPI_RAW_DIR": str(raw_dir),
            "MEMBERKPI_DB": str(self.db_path),
            "DBT_TARGET_PATH": str(self.dbt_target),
            "DBT_LOG_PATH": str(self.dbt_logs),
            "MEMBERKPI_TEMP_DIR": str(self.duckdb_tmp),
        }


def warehouse_outputs(db_path: Path, *, honour_env: bool = True) -> WarehouseOutputs:
    """The outputs of the warehouse db_path; with honour_env, the environment
    variables that override them do (the demo ignores them, so that it never
    writes over a brand's serving copy)."""
    db_path = Path(db_path).absolute()
    folder = outputs_dir(db_path)
    env = os.environ if honour_env else {}
    return WarehouseOutputs(
        db_path=db_path,
        serving=Path(env.get("MEMBERKPI_SERVING_DB", folder / f"{db_path.stem}_serving.duckdb")),
        dashboard_dir=folder / "dashboard",
        dbt_target=Path(env.get("DBT_TARGET_PATH", folder / "dbt_target")),
        dbt_logs=Path(env.get("DBT_LOG_PATH", folder / "logs")),
        gx_data_docs=folder / "data_docs",
        duckdb_tmp=Path(env.get("MEMBERKPI_TEMP_DIR", folder / "duckdb_tmp")),
    )


def serving_path() -> Path:
    """The serving copy for BI tools: MEMBERKPI_SERVING_DB, else the one of MEMBERKPI_DB."""
    return warehouse_outputs(database_path()).serving


def metrics_database() -> Path:
    """Where readers of the metric tables look by default: the serving copy
    of MEMBERKPI_DB when it exists (the last clean build), else MEMBERKPI_DB."""
    serving = serving_path()
    return serving if serving.exists() else database_path()


def dashboard_dir(db_path: Path | None = None) -> Path:
    """Where the dashboard pages of db_path (default MEMBERKPI_DB) go."""
    return warehouse_outputs(db_path or database_path()).dashboard_dir


def gx_data_docs_dir(db_path: Path | None = None) -> Path:
    """Where the Great Expectations Data Docs of db_path (default MEMBERKPI_DB) go."""
    return warehouse_outputs(db_path or database_path()).gx_data_docs


def duckdb_memory_limit() -> str:
    """DuckDB's memory_limit: MEMBERKPI_MEMORY_LIMIT, else 6GB (as profiles.yml)."""
    return os.environ.get("MEMBERKPI_MEMORY_LIMIT", "6GB")


def duckdb_temp_dir() -> Path:
    """Where DuckDB spills: MEMBERKPI_TEMP_DIR, else target/duckdb_tmp (as profiles.yml)."""
    return Path(os.environ.get("MEMBERKPI_TEMP_DIR", PROJECT_DIR / "target" / "duckdb_tmp"))
