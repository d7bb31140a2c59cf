with

members as (
    select * from {{ ref('stg_raw__members') }}
),

final as (
    select
        member_id,
        cast(joined_at as date) as joined_date,
        cast(exited_at as date) as exited_date,
        cast({{ dbt.date_trunc('month', 'joined_at') }} as date) as join_month,
        cast({{ dbt.date_trunc('month', 'exited_at') }} as date) as exit_month,
        (sms_opt_in or wechat_bound or app_push_opt_in) as is_reachable
    from members
)

select * from final
