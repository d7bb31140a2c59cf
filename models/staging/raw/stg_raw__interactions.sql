{{ stage_clean_rows('interactions') }}
