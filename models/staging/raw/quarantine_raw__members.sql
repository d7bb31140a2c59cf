with

checked as (
    select * from {{ ref('base_raw__members') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_member_id as string) as member_id,
        cast(raw_joined_at as string) as joined_at,
        cast(raw_join_channel as string) as join_channel,
        cast(raw_exited_at as string) as exited_at,
        cast(raw_tier as string) as tier,
        cast(raw_gender as string) as gender,
        cast(raw_birth_year as string) as birth_year,
        cast(raw_city as string) as city,
        cast(raw_city_tier as string) as city_tier,
        cast(raw_sms_opt_in as string) as sms_opt_in,
        cast(raw_wechat_bound as string) as wechat_bound,
        cast(raw_app_push_opt_in as string) as app_push_opt_in,
        cast(raw_mobile_hash as string) as mobile_hash
    from checked
    where reject_reason is not null
)

select * from rejected
