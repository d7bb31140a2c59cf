{{ stage_quarantine_rows('tier_changes') }}
