-- depends_on: {{ ref('stg_raw__campaigns') }}, {{ ref('stg_raw__members') }}
{{ stage_raw_table('campaign_touches') }}
