{%- set raw_types = raw_column_types(source('raw', 'channel_traffic')) -%}

with

source as (
    select distinct * from {{ source('raw', 'channel_traffic') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

typed as (
    select
        -- raw values, as text, for the quarantine
        cast(traffic_date as string) as raw_traffic_date,
        cast(channel as string) as raw_channel,
        cast(visitors as string) as raw_visitors,

        -- codes
        nullif(trim(cast(channel as string)), '') as channel,

        -- amounts (visitors that are not a whole number do not parse)
        case
            when
                try_cast(visitors as double)
                = floor(try_cast(visitors as double))
                then try_cast(try_cast(visitors as double) as integer)
        end as visitors,

        -- dates
        -- (a self-alias when the raw column is already a date)
        {{ business_date('traffic_date', raw_types) }}
            as traffic_date -- noqa: AL09

    from source
),

ranked as (
    select
        *,
        -- a traffic_date that does not parse is keyed by its raw text
        row_number() over (
            partition by
                coalesce(
                    cast(traffic_date as string), trim(raw_traffic_date)
                ),
                channel
            order by
                raw_traffic_date desc, raw_channel desc, raw_visitors desc
        ) as key_rank
    from typed
),

checked as (
    select
        *,
        case
            when
                nullif(trim(raw_traffic_date), '') is null
                or channel is null
                then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when channel not in (select channels.channel_code from channels)
                then 'unknown_code'
            when
                {{ is_unparsed('raw_visitors', 'visitors') }}
                or visitors < 0
                then 'bad_amount'
            when
                traffic_date is null
                or traffic_date > {{ as_of_date() }}
                then 'bad_timestamp'
        end as reject_reason
    from ranked
)

select * from checked
