"""memberkpi: a member-operations metrics warehouse (dbt on DuckDB)."""

__version__ = "0.1.0"
