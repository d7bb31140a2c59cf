-- depends_on: {{ ref('channels') }}, {{ ref('stg_raw__orders') }}
{{ stage_raw_table('reviews') }}
