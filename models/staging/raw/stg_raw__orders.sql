{{ stage_clean_rows('orders') }}
