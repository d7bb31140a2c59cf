{{ stage_clean_rows('campaign_touches') }}
