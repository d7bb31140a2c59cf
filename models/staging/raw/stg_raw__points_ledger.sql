{{ stage_clean_rows('points_ledger') }}
