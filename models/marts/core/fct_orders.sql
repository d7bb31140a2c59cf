{#- Incremental: orders dated within the look-back (var
    incremental_lookback_days, counted back from the latest order date
    already loaded) are rebuilt, since refunds and cancellations restate
    them; so are unpaid orders and every order of a member whose binding,
    join or exit falls in the look-back (a new binding re-identifies old
    orders). Orders before the look-back keep their member order number:
    it only counts earlier orders. -#}
-- depends_on: {{ ref('stg_raw__member_bindings') }}
-- depends_on: {{ ref('int_enrolment_spans_derived') }}
{{
    config(
        materialized='incremental',
        incremental_strategy=memberkpi.rebuild_strategy(),
        partition_by=memberkpi.rebuild_partition('order_month'),
        unique_key='order_id',
        on_schema_change='fail',
        post_hook="{{ memberkpi.delete_gone_rows(ref('int_orders_enriched'), ['order_id']) }}",
    )
}}

with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),
{% if is_incremental() %}
    {{ order_restatement_ctes(ref('int_orders_enriched'), ['order_id']) }}
{% endif %}

final as (
    select
        -- ids
        order_id,
        member_id,
        person_key,
        store_id,

        -- codes
        channel,
        order_status,

        -- amounts
        gross_amount,
        discount_amount,
        paid_amount,
        refunded_amount,
        net_amount,

        -- flags
        is_paid_not_cancelled,
        is_valid,
        has_refund,
        is_member_order,
        is_first_member_order,
        member_order_number,

        -- dates and timestamps
        order_date,
        cast(
            {{ dbt.date_trunc('month', 'order_date') }} as date
        ) as order_month,
        ordered_at,
        paid_at
    from orders
    {% if is_incremental() %}
        where {{ order_rebuild_filter('order_date', 'member_id', 'order_id') }}
    {% endif %}
)

select * from final
