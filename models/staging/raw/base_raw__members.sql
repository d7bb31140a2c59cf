{%- set raw_types = raw_column_types(source('raw', 'members')) -%}
{%- set raw_columns = raw_copy_columns('members') -%}
{%- set key_order -%}
    joined_at desc nulls last,
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'members') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

tiers as (
    select tier_code from {{ ref('tiers') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        member_id as raw_member_id,
        joined_at as raw_joined_at,
        join_channel as raw_join_channel,
        exited_at as raw_exited_at,
        tier as raw_tier,
        gender as raw_gender,
        birth_year as raw_birth_year,
        city as raw_city,
        city_tier as raw_city_tier,
        sms_opt_in as raw_sms_opt_in,
        wechat_bound as raw_wechat_bound,
        app_push_opt_in as raw_app_push_opt_in,
        mobile_hash as raw_mobile_hash,

        -- ids
        {{ clean_text('member_id') }} as member_id,

        -- codes
        {{ clean_text('join_channel') }} as join_channel,
        {{ clean_text('tier') }} as tier,
        {{ clean_text('gender') }} as gender,
        {{ clean_text('city') }} as city,
        try_cast(city_tier as integer) as city_tier,
        try_cast(birth_year as integer) as birth_year,

        -- flags
        try_cast(sms_opt_in as boolean) as sms_opt_in,
        try_cast(wechat_bound as boolean) as wechat_bound,
        try_cast(app_push_opt_in as boolean) as app_push_opt_in,

        -- pii
        {{ clean_text('mobile_hash') }} as mobile_hash,

        -- timestamps
        {{ business_timestamp('joined_at', raw_types) }} as joined_at,
        {{ business_timestamp('exited_at', raw_types) }} as exited_at

    from source
),

{{ rank_by_key('typed', ['member_id'], key_order) }},

checked as (
    select
        *,
        case
            when member_id is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                join_channel not in (select channels.channel_code from channels)
                or join_channel is null
                or tier not in (select tiers.tier_code from tiers)
                or tier is null
                or gender not in ('F', 'M')
                or {{ is_unparsed('raw_sms_opt_in', 'sms_opt_in') }}
                or {{ is_unparsed('raw_wechat_bound', 'wechat_bound') }}
                or {{ is_unparsed('raw_app_push_opt_in', 'app_push_opt_in') }}
                then 'unknown_code'
            when
                joined_at is null
                or {{ is_unparsed('raw_exited_at', 'exited_at') }}
                or {{ is_outside_business_dates('joined_at') }}
                or {{ is_outside_business_dates('exited_at') }}
                or exited_at < joined_at
                then 'bad_timestamp'
            when
                {{ is_unparsed('raw_city_tier', 'city_tier') }}
                or city_tier not between 1 and 5
                or {{ is_unparsed('raw_birth_year', 'birth_year') }}
                or birth_year not between 1900 and year({{ as_of_date() }})
                then 'out_of_range'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        member_id,
        joined_at,
        join_channel,
        exited_at,
        tier,
        gender,
        birth_year,
        city,
        city_tier,
        sms_opt_in,
        wechat_bound,
        app_push_opt_in,
        mobile_hash,
        key_rank,
        reject_reason
    from checked
)

select * from final
