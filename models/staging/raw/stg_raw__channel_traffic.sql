{{ stage_clean_rows('channel_traffic') }}
