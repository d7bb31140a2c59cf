{{ stage_quarantine_rows('member_bindings') }}
