{%- set raw_types = raw_column_types(source('raw', 'campaign_touches')) -%}
{%- set raw_columns = raw_copy_columns('campaign_touches') -%}
{%- set key_order -%}
    touched_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'campaign_touches') }}
),

campaigns as (
    select campaign_id from {{ ref('stg_raw__campaigns') }}
),

members as (
    select member_id from {{ ref('stg_raw__members') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        touch_id as raw_touch_id,
        campaign_id as raw_campaign_id,
        member_id as raw_member_id,
        touch_channel as raw_touch_channel,
        test_group as raw_test_group,
        touched_at as raw_touched_at,
        delivered as raw_delivered,
        opened_at as raw_opened_at,
        clicked_at as raw_clicked_at,

        -- ids
        {{ clean_text('touch_id') }} as touch_id,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('member_id') }} as member_id,

        -- codes
        {{ clean_text('touch_channel') }} as touch_channel,
        {{ clean_text('test_group') }} as test_group,

        -- flags
        try_cast(delivered as boolean) as delivered,

        -- timestamps
        {{ business_timestamp('touched_at', raw_types) }} as touched_at,
        {{ business_timestamp('opened_at', raw_types) }} as opened_at,
        {{ business_timestamp('clicked_at', raw_types) }} as clicked_at

    from source
),

{{ rank_by_key('typed', ['touch_id'], key_order) }},

checked as (
    select
        *,
        case
            when touch_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                touch_channel not in ('sms', 'wechat', 'app_push', 'email')
                or touch_channel is null
                or test_group not in ('treatment', 'control')
                or test_group is null
                or {{ is_unparsed('raw_delivered', 'delivered') }}
                then 'unknown_code'
            when
                touched_at is null
                or {{ is_outside_business_dates('touched_at') }}
                or {{ is_unparsed('raw_opened_at', 'opened_at') }}
                or {{ is_outside_business_dates('opened_at') }}
                or {{ is_unparsed('raw_clicked_at', 'clicked_at') }}
                or {{ is_outside_business_dates('clicked_at') }}
                then 'bad_timestamp'
            when
                campaign_id is null
                or not exists (
                    select 1 from campaigns
                    where campaigns.campaign_id = ranked.campaign_id
                )
                or member_id is null
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
        touch_id,
        campaign_id,
        member_id,
        touch_channel,
        test_group,
        touched_at,
        delivered,
        opened_at,
        clicked_at,
        key_rank,
        reject_reason
    from checked
)

select * from final
