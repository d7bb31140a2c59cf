{%- set raw_types = raw_column_types(source('raw', 'surveys')) -%}
{%- set raw_columns = raw_copy_columns('surveys') -%}
{%- set key_order -%}
    responded_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'surveys') }}
),

members as (
    select member_id from {{ ref('stg_raw__members') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        response_id as raw_response_id,
        member_id as raw_member_id,
        responded_at as raw_responded_at,
        nps_score as raw_nps_score,

        -- ids
        {{ clean_text('response_id') }} as response_id,
        {{ clean_text('member_id') }} as member_id,

        -- scores (a score that is not a whole number does not parse)
        case
            when
                try_cast(nps_score as double)
                = floor(try_cast(nps_score as double))
                then try_cast(try_cast(nps_score as double) as integer)
        end as nps_score,

        -- timestamps
        {{ business_timestamp('responded_at', raw_types) }} as responded_at

    from source
),

{{ rank_by_key('typed', ['response_id'], key_order) }},

checked as (
    select
        *,
        case
            when response_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                responded_at is null
                or {{ is_outside_business_dates('responded_at') }}
                then 'bad_timestamp'
            when
                member_id is null
                or not exists (
                    select 1 from members
                    where members.member_id = ranked.member_id
                )
                then 'orphan'
            when
                nps_score is null
                or nps_score not between 0 and 10
                then 'out_of_range'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        response_id,
        member_id,
        responded_at,
        nps_score,
        key_rank,
        reject_reason
    from checked
)

select * from final
