{%- set raw_types = raw_column_types(source('raw', 'tier_changes')) -%}
{%- set raw_columns = raw_copy_columns('tier_changes') -%}
{%- set key_order -%}
    changed_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'tier_changes') }}
),

tiers as (
    select tier_code from {{ ref('tiers') }}
),

members as (
    select member_id from {{ ref('stg_raw__members') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        member_id as raw_member_id,
        changed_at as raw_changed_at,
        from_tier as raw_from_tier,
        to_tier as raw_to_tier,

        -- ids
        {{ clean_text('member_id') }} as member_id,

        -- codes
        {{ clean_text('from_tier') }} as from_tier,
        {{ clean_text('to_tier') }} as to_tier,

        -- timestamps
        {{ business_timestamp('changed_at', raw_types) }} as changed_at

    from source
),

-- a changed_at that does not parse is keyed by its raw text
{{ rank_by_key(
    'typed',
    [
        "member_id",
        "coalesce(cast(changed_at as string), "
        ~ clean_text("raw_changed_at") ~ ")",
    ],
    key_order
) }},

checked as (
    select
        *,
        case
            when
                member_id is null
                or {{ clean_text('raw_changed_at') }} is null
                then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                to_tier not in (select tiers.tier_code from tiers)
                or to_tier is null
                or from_tier not in (select tiers.tier_code from tiers)
                then 'unknown_code'
            when
                changed_at is null
                or {{ is_outside_business_dates('changed_at') }}
                then 'bad_timestamp'
            when
                not exists (
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
        changed_at,
        from_tier,
        to_tier,
        key_rank,
        reject_reason
    from checked
)

select * from final
