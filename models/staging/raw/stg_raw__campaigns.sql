{{ stage_clean_rows('campaigns') }}
