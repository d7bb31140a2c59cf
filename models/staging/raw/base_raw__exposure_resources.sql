{%- set raw_types = raw_column_types(source('raw', 'exposure_resources')) -%}
{%- set raw_columns = raw_copy_columns('exposure_resources') -%}
{%- set key_order -%}
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'exposure_resources') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        snapshot_date as raw_snapshot_date,
        channel as raw_channel,
        resource_id as raw_resource_id,
        resource_type as raw_resource_type,
        shows_member_entry as raw_shows_member_entry,

        -- ids
        {{ clean_text('resource_id') }} as resource_id,

        -- codes
        {{ clean_text('channel') }} as channel,
        {{ clean_text('resource_type') }} as resource_type,

        -- flags
        try_cast(shows_member_entry as boolean) as shows_member_entry,

        -- dates
        -- (a self-alias when the raw column is already a date)
        {{ business_date('snapshot_date', raw_types) }}
            as snapshot_date -- noqa: AL09

    from source
),

-- a snapshot_date that does not parse is keyed by its raw text
{{ rank_by_key(
    'typed',
    [
        "coalesce(cast(snapshot_date as string), "
        ~ clean_text("raw_snapshot_date") ~ ")",
        "channel",
        "resource_id",
    ],
    key_order
) }},

checked as (
    select
        *,
        case
            when
                {{ clean_text('raw_snapshot_date') }} is null
                or channel is null
                or resource_id is null
                then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                channel not in (select channels.channel_code from channels)
                or {{ is_unparsed(
                    'raw_shows_member_entry', 'shows_member_entry'
                ) }}
                then 'unknown_code'
            when
                snapshot_date is null
                or {{ is_outside_business_dates('snapshot_date') }}
                then 'bad_timestamp'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        snapshot_date,
        channel,
        resource_id,
        resource_type,
        shows_member_entry,
        key_rank,
        reject_reason
    from checked
)

select * from final
