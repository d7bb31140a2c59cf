"""Demo data: `memberkpi generate` writes raw exports (generate), clean rows from
SQL (clean_sql) and, with --dirty, rows that break the contract (dirty)."""
