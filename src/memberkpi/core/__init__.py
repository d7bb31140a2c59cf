"""The bottom layer: where things are (paths), SQL quoting (sql_text), the dbt
project's facts read once (project: vars, as-of date, business time zone,
the UTC-offset pattern) and how dbt is called (dbt). Imports nothing else of
memberkpi."""
