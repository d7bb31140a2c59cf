{{ raw_row_reconciliation(raw_table_names()) }}
