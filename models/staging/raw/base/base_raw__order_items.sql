-- depends_on: {{ ref('stg_raw__orders') }}
{{ stage_raw_table('order_items') }}
