{%- set raw_types = raw_column_types(source('raw', 'member_bindings')) -%}
{%- set raw_columns = raw_copy_columns('member_bindings') -%}
{%- set key_order -%}
    bound_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'member_bindings') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

members as (
    select member_id from {{ ref('stg_raw__members') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        member_id as raw_member_id,
        channel as raw_channel,
        customer_id as raw_customer_id,
        bound_at as raw_bound_at,

        -- ids
        {{ clean_text('member_id') }} as member_id,
        {{ clean_text('customer_id') }} as customer_id,

        -- codes
        {{ clean_text('channel') }} as channel,

        -- timestamps
        {{ business_timestamp('bound_at', raw_types) }} as bound_at

    from source
),

{{ rank_by_key('typed', ['channel', 'customer_id'], key_order) }},

checked as (
    select
        *,
        case
            when channel is null or customer_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when channel not in (select channels.channel_code from channels)
                then 'unknown_code'
            when
                bound_at is null
                or {{ is_outside_business_dates('bound_at') }}
                then 'bad_timestamp'
            when
                member_id is null
                or not exists (
                    select 1 from members
                    where members.member_id = ranked.member_id
                )
                then 'orphan'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        member_id,
        channel,
        customer_id,
        bound_at,
        key_rank,
        reject_reason
    from checked
)

select * from final
