{%- set raw_types = raw_column_types(source('raw', 'points_ledger')) -%}
{%- set raw_columns = raw_copy_columns('points_ledger') -%}
{%- set key_order -%}
    occurred_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'points_ledger') }}
),

members as (
    select member_id from {{ ref('stg_raw__members') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        entry_id as raw_entry_id,
        member_id as raw_member_id,
        occurred_at as raw_occurred_at,
        points as raw_points,
        entry_type as raw_entry_type,
        order_id as raw_order_id,

        -- ids
        {{ clean_text('entry_id') }} as entry_id,
        {{ clean_text('member_id') }} as member_id,
        {{ clean_text('order_id') }} as order_id,

        -- codes
        {{ clean_text('entry_type') }} as entry_type,

        -- amounts (points that are not a whole number do not parse)
        case
            when
                try_cast(points as double)
                = floor(try_cast(points as double))
                then try_cast(try_cast(points as double) as integer)
        end as points,

        -- timestamps
        {{ business_timestamp('occurred_at', raw_types) }} as occurred_at

    from source
),

{{ rank_by_key('typed', ['entry_id'], key_order) }},

checked as (
    select
        *,
        case
            when entry_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                entry_type not in ('earn', 'redeem', 'expire', 'adjust')
                or entry_type is null
                then 'unknown_code'
            when points is null then 'bad_amount'
            when
                occurred_at is null
                or {{ is_outside_business_dates('occurred_at') }}
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
        entry_id,
        member_id,
        occurred_at,
        points,
        entry_type,
        order_id,
        key_rank,
        reject_reason
    from checked
)

select * from final
