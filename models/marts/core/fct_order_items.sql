{#- Incremental like fct_orders (macro order_restatement: same look-back);
    the unique key is the order, so delete+insert replaces all lines of a
    rebuilt order, including lines that disappeared from the export. On
    Spark the table is partitioned by order_month and whole months are
    rewritten. -#}
-- depends_on: {{ ref('stg_raw__member_bindings') }}
-- depends_on: {{ ref('int_enrolment_spans_derived') }}
{{
    config(
        materialized='incremental',
        incremental_strategy=memberkpi.rebuild_strategy(),
        partition_by=memberkpi.rebuild_partition('order_month'),
        unique_key='order_id',
        on_schema_change='fail',
        post_hook="{{ memberkpi.delete_gone_rows(ref('stg_raw__order_items'), ['order_id', 'line_number']) }}",
    )
}}

with

order_items as (
    select * from {{ ref('stg_raw__order_items') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
),
{% if is_incremental() %}
    {{ order_restatement_ctes(ref('stg_raw__order_items'), ['order_id', 'line_number']) }}
{% endif %}

final as (
    select
        order_items.order_id,
        order_items.line_number,
        order_items.sku_id,
        order_items.category,
        order_items.quantity,
        order_items.unit_price,
        order_items.line_amount,
        orders.member_id,
        orders.channel,
        orders.order_date,
        cast(
            {{ dbt.date_trunc('month', 'orders.order_date') }} as date
        ) as order_month,
        orders.is_valid,
        orders.is_member_order
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    {% if is_incremental() %}
        where {{ order_rebuild_filter(
            'orders.order_date', 'orders.member_id', 'orders.order_id'
        ) }}
    {% endif %}
)

select * from final
