{{ stage_clean_rows('surveys') }}
