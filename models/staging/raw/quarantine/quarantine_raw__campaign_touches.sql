{{ stage_quarantine_rows('campaign_touches') }}
