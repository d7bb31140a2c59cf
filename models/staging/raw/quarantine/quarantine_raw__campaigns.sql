{{ stage_quarantine_rows('campaigns') }}
