{{ stage_quarantine_rows('orders') }}
