{{ stage_clean_rows('order_items') }}
