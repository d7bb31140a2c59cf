{%- set raw_types = raw_column_types(source('raw', 'members')) -%}
{%- set key_order -%}
    joined_at desc nulls last, raw_member_id desc, raw_joined_at desc,
    raw_join_channel desc, raw_exited_at desc, raw_tier desc,
    raw_gender desc, raw_birth_year desc, raw_city desc,
    raw_city_tier desc, raw_sms_opt_in desc, raw_wechat_bound desc,
    raw_app_push_opt_in desc, raw_mobile_hash desc
{%- endset -%}

with

source as (
    select * from {{ source('raw', 'members') }}
),

channels as (
    select channel_code from {{ ref('channels') }}
),

tiers as (
    select tier_code from {{ ref('tiers') }}
),

typed as (
    select
        -- raw values, as text, for the quarantine
        cast(member_id as string) as raw_member_id,
        cast(joined_at as string) as raw_joined_at,
        cast(join_channel as string) as raw_join_channel,
        cast(exited_at as string) as raw_exited_at,
        cast(tier as string) as raw_tier,
        cast(gender as string) as raw_gender,
        cast(birth_year as string) as raw_birth_year,
        cast(city as string) as raw_city,
        cast(city_tier as string) as raw_city_tier,
        cast(sms_opt_in as string) as raw_sms_opt_in,
        cast(wechat_bound as string) as raw_wechat_bound,
        cast(app_push_opt_in as string) as raw_app_push_opt_in,
        cast(mobile_hash as string) as raw_mobile_hash,

        -- ids
        nullif(trim(cast(member_id as string)), '') as member_id,

        -- codes
        trim(cast(join_channel as string)) as join_channel,
        trim(cast(tier as string)) as tier,
        nullif(trim(cast(gender as string)), '') as gender,
        nullif(trim(cast(city as string)), '') as city,
        try_cast(city_tier as integer) as city_tier,
        try_cast(birth_year as integer) as birth_year,

        -- flags
        try_cast(sms_opt_in as boolean) as sms_opt_in,
        try_cast(wechat_bound as boolean) as wechat_bound,
        try_cast(app_push_opt_in as boolean) as app_push_opt_in,

        -- pii
        nullif(trim(cast(mobile_hash as string)), '') as mobile_hash,

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
                or cast(joined_at as date) > {{ as_of_date() }}
                or cast(exited_at as date) > {{ as_of_date() }}
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
)

-- the columns are typed's and key_rank, reject_reason; sqlfluff cannot
-- count columns through the union inside rank_by_key
select * from checked  -- noqa: AM04
