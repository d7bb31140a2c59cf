-- depends_on: {{ ref('channels') }}
{{ stage_raw_table('service_tickets') }}
