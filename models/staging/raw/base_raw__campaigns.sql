{%- set raw_types = raw_column_types(source('raw', 'campaigns')) -%}
{%- set raw_columns = raw_copy_columns('campaigns') -%}
{%- set key_order -%}
    starts_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'campaigns') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        campaign_id as raw_campaign_id,
        campaign_name as raw_campaign_name,
        channel as raw_channel,
        objective as raw_objective,
        starts_at as raw_starts_at,
        ends_at as raw_ends_at,

        -- ids
        {{ clean_text('campaign_id') }} as campaign_id,

        -- texts
        {{ clean_text('campaign_name') }} as campaign_name,

        -- codes
        {{ clean_text('channel') }} as channel,
        {{ clean_text('objective') }} as objective,

        -- timestamps
        {{ business_timestamp('starts_at', raw_types) }} as starts_at,
        {{ business_timestamp('ends_at', raw_types) }} as ends_at

    from source
),

{{ rank_by_key('typed', ['campaign_id'], key_order) }},

checked as (
    select
        *,
        case
            when campaign_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                channel not in (select channels.channel_code from channels)
                or channel is null
                then 'unknown_code'
            -- a campaign may end after the as-of date
            when
                starts_at is null
                or {{ is_outside_business_dates('starts_at') }}
                or {{ is_unparsed('raw_ends_at', 'ends_at') }}
                or ends_at < starts_at
                then 'bad_timestamp'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        campaign_id,
        campaign_name,
        channel,
        objective,
        starts_at,
        ends_at,
        key_rank,
        reject_reason
    from checked
)

select * from final
