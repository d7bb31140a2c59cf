{{ quarantine_summary(raw_table_names()) }}
