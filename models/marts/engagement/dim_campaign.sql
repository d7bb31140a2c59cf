with

campaigns as (
    select * from {{ ref('stg_raw__campaigns') }}
),

touches as (
    select * from {{ ref('stg_raw__campaign_touches') }}
),

touch_counts as (
    select
        campaign_id,
        count(*) as count_touches,
        count(case when test_group = 'treatment' then 1 end)
            as count_treatment_touches,
        count(case when test_group = 'control' then 1 end)
            as count_control_touches
    from touches
    group by campaign_id
),

final as (
    select
        -- ids
        campaigns.campaign_id,

        -- codes and text
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.objective,

        -- counts
        coalesce(touch_counts.count_touches, 0) as count_touches,
        coalesce(touch_counts.count_treatment_touches, 0)
            as count_treatment_touches,
        coalesce(touch_counts.count_control_touches, 0)
            as count_control_touches,

        -- amounts
        campaigns.budget_amount,

        -- dates and timestamps
        cast(campaigns.starts_at as date) as start_date,
        cast(campaigns.ends_at as date) as end_date,
        campaigns.starts_at,
        campaigns.ends_at
    from campaigns
    left join touch_counts
        on campaigns.campaign_id = touch_counts.campaign_id
)

select * from final
