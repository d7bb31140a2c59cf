{{ stage_clean_rows('service_tickets') }}
