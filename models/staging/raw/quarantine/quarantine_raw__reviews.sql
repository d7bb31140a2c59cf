{{ stage_quarantine_rows('reviews') }}
