{{ stage_quarantine_rows('exposure_resources') }}
