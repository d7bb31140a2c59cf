{{ stage_clean_rows('exposure_resources') }}
