{%- set raw_types = raw_column_types(source('raw', 'service_tickets')) -%}
{%- set raw_columns = raw_copy_columns('service_tickets') -%}
{%- set key_order -%}
    created_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'service_tickets') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        ticket_id as raw_ticket_id,
        member_id as raw_member_id,
        channel as raw_channel,
        order_id as raw_order_id,
        ticket_type as raw_ticket_type,
        created_at as raw_created_at,
        first_response_at as raw_first_response_at,
        resolved_at as raw_resolved_at,
        satisfaction_score as raw_satisfaction_score,

        -- ids
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('member_id') }} as member_id,
        {{ clean_text('order_id') }} as order_id,

        -- codes
        {{ clean_text('channel') }} as channel,
        {{ clean_text('ticket_type') }} as ticket_type,

        -- scores (a score that is not a whole number does not parse)
        case
            when
                try_cast(satisfaction_score as double)
                = floor(try_cast(satisfaction_score as double))
                then try_cast(
                    try_cast(satisfaction_score as double) as integer
                )
        end as satisfaction_score,

        -- timestamps
        {{ business_timestamp('created_at', raw_types) }} as created_at,
        {{ business_timestamp('first_response_at', raw_types) }}
            as first_response_at,
        {{ business_timestamp('resolved_at', raw_types) }} as resolved_at

    from source
),

{{ rank_by_key('typed', ['ticket_id'], key_order) }},

checked as (
    select
        *,
        case
            when ticket_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                channel not in (select channels.channel_code from channels)
                or channel is null
                or ticket_type not in (
                    'inquiry', 'complaint', 'return', 'exchange'
                )
                or ticket_type is null
                then 'unknown_code'
            when
                created_at is null
                or {{ is_outside_business_dates('created_at') }}
                or {{ is_unparsed(
                    'raw_first_response_at', 'first_response_at'
                ) }}
                or {{ is_outside_business_dates('first_response_at') }}
                or {{ is_unparsed('raw_resolved_at', 'resolved_at') }}
                or {{ is_outside_business_dates('resolved_at') }}
                then 'bad_timestamp'
            when
                {{ is_unparsed(
                    'raw_satisfaction_score', 'satisfaction_score'
                ) }}
                or satisfaction_score not between 1 and 5
                then 'out_of_range'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        ticket_id,
        member_id,
        channel,
        order_id,
        ticket_type,
        created_at,
        first_response_at,
        resolved_at,
        satisfaction_score,
        key_rank,
        reject_reason
    from checked
)

select * from final
