{{ stage_clean_rows('tier_changes') }}
