-- depends_on: {{ ref('channels') }}, {{ ref('tiers') }}
{{ stage_raw_table('members') }}
