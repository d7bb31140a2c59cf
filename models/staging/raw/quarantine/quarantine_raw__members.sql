{{ stage_quarantine_rows('members') }}
