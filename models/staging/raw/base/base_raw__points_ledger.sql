-- depends_on: {{ ref('stg_raw__members') }}
{{ stage_raw_table('points_ledger') }}
