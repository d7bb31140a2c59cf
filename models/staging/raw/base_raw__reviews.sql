{%- set raw_types = raw_column_types(source('raw', 'reviews')) -%}
{%- set raw_columns = raw_copy_columns('reviews') -%}
{%- set key_order -%}
    created_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'reviews') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

orders as (
    select order_id from {{ ref('stg_raw__orders') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        review_id as raw_review_id,
        order_id as raw_order_id,
        channel as raw_channel,
        created_at as raw_created_at,
        rating as raw_rating,

        -- ids
        {{ clean_text('review_id') }} as review_id,
        {{ clean_text('order_id') }} as order_id,

        -- codes
        {{ clean_text('channel') }} as channel,

        -- scores (a rating that is not a whole number does not parse)
        case
            when
                try_cast(rating as double)
                = floor(try_cast(rating as double))
                then try_cast(try_cast(rating as double) as integer)
        end as rating,

        -- timestamps
        {{ business_timestamp('created_at', raw_types) }} as created_at

    from source
),

{{ rank_by_key('typed', ['review_id'], key_order) }},

checked as (
    select
        *,
        case
            when review_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                channel not in (select channels.channel_code from channels)
                or channel is null
                then 'unknown_code'
            when
                created_at is null
                or {{ is_outside_business_dates('created_at') }}
                then 'bad_timestamp'
            when
                order_id is null
                or not exists (
                    select 1 from orders
                    where orders.order_id = ranked.order_id
                )
                then 'orphan'
            when
                rating is null
                or rating not between 1 and 5
                then 'out_of_range'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        review_id,
        order_id,
        channel,
        created_at,
        rating,
        key_rank,
        reject_reason
    from checked
)

select * from final
