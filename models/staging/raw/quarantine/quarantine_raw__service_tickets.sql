{{ stage_quarantine_rows('service_tickets') }}
