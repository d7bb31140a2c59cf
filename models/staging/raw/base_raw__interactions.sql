{%- set raw_types = raw_column_types(source('raw', 'interactions')) -%}
{%- set raw_columns = raw_copy_columns('interactions') -%}
{%- set key_order -%}
    occurred_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'interactions') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        interaction_id as raw_interaction_id,
        member_id as raw_member_id,
        channel as raw_channel,
        occurred_at as raw_occurred_at,
        interaction_type as raw_interaction_type,

        -- ids
        {{ clean_text('interaction_id') }} as interaction_id,
        {{ clean_text('member_id') }} as member_id,

        -- codes
        {{ clean_text('channel') }} as channel,
        {{ clean_text('interaction_type') }} as interaction_type,

        -- timestamps
        {{ business_timestamp('occurred_at', raw_types) }} as occurred_at

    from source
),

{{ rank_by_key('typed', ['interaction_id'], key_order) }},

checked as (
    select
        *,
        case
            when interaction_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                channel not in (select channels.channel_code from channels)
                or channel is null
                or interaction_type not in (
                    'sign_in', 'game', 'content_view', 'share', 'live_view',
                    'coupon_claim', 'review'
                )
                or interaction_type is null
                then 'unknown_code'
            when
                occurred_at is null
                or {{ is_outside_business_dates('occurred_at') }}
                then 'bad_timestamp'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        interaction_id,
        member_id,
        channel,
        occurred_at,
        interaction_type,
        key_rank,
        reject_reason
    from checked
)

select * from final
