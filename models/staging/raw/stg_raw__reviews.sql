{{ stage_clean_rows('reviews') }}
