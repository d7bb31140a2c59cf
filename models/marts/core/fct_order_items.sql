{#- Incremental like fct_orders (same look-back and restated members);
    the unique key is the order, so delete+insert replaces all lines of a
    rebuilt order, including lines that disappeared from the export. -#}
-- depends_on: {{ ref('stg_raw__member_bindings') }}
-- depends_on: {{ ref('int_enrolment_spans_derived') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
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
    bindings as (
        select * from {{ ref('stg_raw__member_bindings') }}
    ),

    spans as (
        select * from {{ ref('int_enrolment_spans_derived') }}
    ),

    cutoff as (
        select
            coalesce(
                cast({{ dbt.dateadd(
                    'day', -var('incremental_lookback_days'), 'max(order_date)'
                ) }} as date),
                cast('1900-01-01' as date)
            ) as cutoff_date
        from {{ this }}
    ),

    restated_members as (
        select bindings.member_id
        from bindings
        cross join cutoff
        where cast(bindings.bound_at as date) >= cutoff.cutoff_date
        union all
        select spans.member_id
        from spans
        cross join cutoff
        where
            spans.joined_date >= cutoff.cutoff_date
            or spans.exited_date >= cutoff.cutoff_date
    ),
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
        orders.is_valid,
        orders.is_member_order
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    {% if is_incremental() %}
        where
            orders.order_date is null
            or orders.order_date >= (select cutoff.cutoff_date from cutoff)
            or orders.member_id in (
                select restated_members.member_id from restated_members
            )
    {% endif %}
)

select * from final
