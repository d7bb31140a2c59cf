with

checked as (
    select * from {{ ref('base_raw__members') }}
),

clean as (
    select
        -- ids
        member_id,

        -- codes
        join_channel,
        tier,
        gender,
        city,
        city_tier,
        birth_year,

        -- flags (a null flag reads as false)
        coalesce(sms_opt_in, false) as sms_opt_in,
        coalesce(wechat_bound, false) as wechat_bound,
        coalesce(app_push_opt_in, false) as app_push_opt_in,

        -- pii
        mobile_hash,

        -- timestamps
        joined_at,
        exited_at

    from checked
    where reject_reason is null
)

select * from clean
