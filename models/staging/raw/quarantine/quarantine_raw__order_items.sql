{{ stage_quarantine_rows('order_items') }}
