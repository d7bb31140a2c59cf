{{ stage_quarantine_rows('points_ledger') }}
