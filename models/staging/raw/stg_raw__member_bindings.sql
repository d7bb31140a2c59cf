{{ stage_clean_rows('member_bindings') }}
