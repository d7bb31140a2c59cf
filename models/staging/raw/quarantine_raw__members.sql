with

checked as (
    select * from {{ ref('base_raw__members') }}
),

rejected as (
    select
        reject_reason,
        raw_member_id as member_id,
        raw_joined_at as joined_at,
        raw_join_channel as join_channel,
        raw_exited_at as exited_at,
        raw_tier as tier,
        raw_gender as gender,
        raw_birth_year as birth_year,
        raw_city as city,
        raw_city_tier as city_tier,
        raw_sms_opt_in as sms_opt_in,
        raw_wechat_bound as wechat_bound,
        raw_app_push_opt_in as app_push_opt_in,
        raw_mobile_hash as mobile_hash
    from checked
    where reject_reason is not null
)

select * from rejected
