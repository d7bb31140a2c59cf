{%- set raw_types = raw_column_types(source('raw', 'channel_traffic')) -%}
{%- set raw_columns = raw_copy_columns('channel_traffic') -%}
{%- set key_order -%}
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'channel_traffic') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        traffic_date as raw_traffic_date,
        channel as raw_channel,
        visitors as raw_visitors,

        -- codes
        {{ clean_text('channel') }} as channel,

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

-- a traffic_date that does not parse is keyed by its raw text
{{ rank_by_key(
    'typed',
    [
        "coalesce(cast(traffic_date as string), "
        ~ clean_text("raw_traffic_date") ~ ")",
        "channel",
    ],
    key_order
) }},

checked as (
    select
        *,
        case
            when
                {{ clean_text('raw_traffic_date') }} is null
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
                or {{ is_outside_business_dates('traffic_date') }}
                then 'bad_timestamp'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        traffic_date,
        channel,
        visitors,
        key_rank,
        reject_reason
    from checked
)

select * from final
