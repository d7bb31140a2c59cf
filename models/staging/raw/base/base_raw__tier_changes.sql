-- depends_on: {{ ref('tiers') }}, {{ ref('stg_raw__members') }}
{{ stage_raw_table('tier_changes') }}
