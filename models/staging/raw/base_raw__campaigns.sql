{%- set raw_types = raw_column_types(source('raw', 'campaigns')) -%}

with

source as (
    select distinct * from {{ source('raw', 'campaigns') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

typed as (
    select
        -- raw values, as text, for the quarantine
        cast(campaign_id as string) as raw_campaign_id,
        cast(campaign_name as string) as raw_campaign_name,
        cast(channel as string) as raw_channel,
        cast(objective as string) as raw_objective,
        cast(starts_at as string) as raw_starts_at,
        cast(ends_at as string) as raw_ends_at,

        -- ids
        nullif(trim(cast(campaign_id as string)), '') as campaign_id,

        -- texts
        nullif(trim(cast(campaign_name as string)), '') as campaign_name,

        -- codes
        trim(cast(channel as string)) as channel,
        nullif(trim(cast(objective as string)), '') as objective,

        -- timestamps
        {{ business_timestamp('starts_at', raw_types) }} as starts_at,
        {{ business_timestamp('ends_at', raw_types) }} as ends_at

    from source
),

ranked as (
    select
        *,
        row_number() over (
            partition by campaign_id
            order by
                starts_at desc nulls last,
                raw_campaign_id desc, raw_campaign_name desc,
                raw_channel desc, raw_objective desc, raw_starts_at desc,
                raw_ends_at desc
        ) as key_rank
    from typed
),

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
                or cast(starts_at as date) > {{ as_of_date() }}
                or {{ is_unparsed('raw_ends_at', 'ends_at') }}
                or ends_at < starts_at
                then 'bad_timestamp'
        end as reject_reason
    from ranked
)

select * from checked
