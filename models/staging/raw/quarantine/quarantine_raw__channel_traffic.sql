{{ stage_quarantine_rows('channel_traffic') }}
