-- depends_on: {{ ref('channels') }}, {{ ref('stg_raw__members') }}
{{ stage_raw_table('member_bindings') }}
