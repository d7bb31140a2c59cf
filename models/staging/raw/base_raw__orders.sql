{%- set raw_types = raw_column_types(source('raw', 'orders')) -%}
{%- set raw_columns = raw_copy_columns('orders') -%}
{%- set key_order -%}
    ordered_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'orders') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        order_id as raw_order_id,
        channel as raw_channel,
        customer_id as raw_customer_id,
        store_id as raw_store_id,
        ordered_at as raw_ordered_at,
        paid_at as raw_paid_at,
        status as raw_status,
        gross_amount as raw_gross_amount,
        discount_amount as raw_discount_amount,
        paid_amount as raw_paid_amount,
        refunded_amount as raw_refunded_amount,
        mobile_hash as raw_mobile_hash,

        -- ids
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('store_id') }} as store_id,

        -- codes
        {{ clean_text('channel') }} as channel,
        {{ clean_text('status') }} as order_status,

        -- amounts
        try_cast(gross_amount as decimal(18, 2)) as gross_amount,
        try_cast(discount_amount as decimal(18, 2)) as discount_amount,
        try_cast(paid_amount as decimal(18, 2)) as paid_amount,
        try_cast(refunded_amount as decimal(18, 2)) as refunded_amount,

        -- pii
        {{ clean_text('mobile_hash') }} as mobile_hash,

        -- timestamps
        {{ business_timestamp('ordered_at', raw_types) }} as ordered_at,
        {{ business_timestamp('paid_at', raw_types) }} as paid_at

    from source
),

{{ rank_by_key('typed', ['order_id'], key_order) }},

checked as (
    select
        *,
        case
            when order_id is null or customer_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                channel not in (select channels.channel_code from channels)
                or channel is null
                or order_status not in (
                    'paid', 'cancelled', 'refunded', 'partially_refunded'
                )
                or order_status is null
                then 'unknown_code'
            when
                gross_amount is null
                or discount_amount is null
                or paid_amount is null
                or refunded_amount is null
                or gross_amount < 0
                or discount_amount < 0
                or paid_amount < 0
                or refunded_amount < 0
                or paid_amount > gross_amount
                or refunded_amount > paid_amount
                then 'bad_amount'
            when
                ordered_at is null
                or {{ is_unparsed('raw_paid_at', 'paid_at') }}
                or {{ is_outside_business_dates('ordered_at') }}
                or {{ is_outside_business_dates('paid_at') }}
                then 'bad_timestamp'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        order_id,
        channel,
        customer_id,
        store_id,
        ordered_at,
        paid_at,
        order_status,
        gross_amount,
        discount_amount,
        paid_amount,
        refunded_amount,
        mobile_hash,
        key_rank,
        reject_reason
    from checked
)

select * from final
