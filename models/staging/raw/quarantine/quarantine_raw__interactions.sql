{{ stage_quarantine_rows('interactions') }}
