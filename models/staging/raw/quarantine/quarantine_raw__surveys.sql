{{ stage_quarantine_rows('surveys') }}
