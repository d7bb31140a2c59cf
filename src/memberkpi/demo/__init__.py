"""Demo data: `memberkpi generate` writes raw exports (generate), clean rows from
the SQL templates of `sql/` (clean_tables, sql_templates, window) and, with
--dirty, rows that break the contract (dirty)."""
