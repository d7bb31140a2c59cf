-- Two campaigns per channel and month: a member day (kind 0, the first
-- week; the 618 and Double 11 festivals in June and November) and a
-- first-purchase or reactivation campaign (kind 1, mid-month). The budget
-- is the cost of its treatment touches (a contacted member: the message
-- and the coupon set aside for it, by touch channel), so the export query
-- runs after campaign_touches.sql (clean_tables.WRITTEN_AFTER); a campaign
-- that contacted nobody has no budget (null).
create or replace table clean_campaigns as
with slots as (
    select
        range as campaign_index,
        range // 12 as month_index,
        (range % 12) // 2 as channel_index,
        range % 2 as campaign_kind
    from range($campaign_slot_count)
),

timed as (
    select
        *,
        ($first_campaign_month + to_months(month_index::integer))::date
            as month_start,
        case
            when campaign_kind = 0 then
                1 + floor(uniform_draw(campaign_index, 0, 50) * 7)::integer
            else 11 + floor(uniform_draw(campaign_index, 0, 50) * 10)::integer
        end as start_day_of_month,
        3 + floor(uniform_draw(campaign_index, 0, 51) * 12)::integer
            as length_days,
        floor(uniform_draw(campaign_index, 0, 52) * 86400)::integer
            as start_second_of_day
    from slots
),

placed as (
    select
        *,
        month_start + start_day_of_month - $window_start as start_day
    from timed
)

select
    campaign_index,
    channel_index,
    start_day * 86400 + start_second_of_day as start_second,
    printf('C%05d', campaign_index)::varchar as campaign_id,
    (
        strftime(month_start, '%Y-%m') || ' '
        || ['天猫', '京东', '抖音', '微信商城', '品牌App', '线下门店'][
            channel_index + 1
        ]
        || ' '
        || case
            when month(month_start) = 6 and campaign_kind = 0
                then '618 年中大促 & 会员加倍积分'
            when month(month_start) = 11 and campaign_kind = 0
                then '双11 狂欢 & 会员专享'
            when campaign_kind = 0 then '会员日 & 积分加倍'
            else '新客礼 <首单立减>'
        end
    )::varchar as campaign_name,
    channel_code(channel_index)::varchar as channel,
    (case
        when campaign_kind = 0 and month(month_start) in (6, 11) then 'gmv'
        when campaign_kind = 0 then 'repurchase'
        when uniform_draw(campaign_index, 0, 53) < 0.5 then 'first_purchase'
        else 'reactivation'
    end)::varchar as objective,
    window_timestamp(start_day * 86400 + start_second_of_day)::timestamp
        as starts_at,
    window_timestamp(
        (start_day + length_days) * 86400 + start_second_of_day
    )::timestamp as ends_at
from placed
where start_day >= 0 and start_day <= $last_day
order by campaign_index;

with budgets as (
    select
        campaign_index,
        sum(
            case touch_channel
                when 'sms' then $sms_touch_cost
                when 'wechat' then $wechat_touch_cost
                when 'app_push' then $app_push_touch_cost
                else $email_touch_cost
            end::decimal(18, 2)
        ) as budget_amount
    from clean_campaign_touches
    where not is_control
    group by campaign_index
)

select
    clean_campaigns.*,
    budgets.budget_amount
from clean_campaigns
left join budgets on clean_campaigns.campaign_index = budgets.campaign_index
order by clean_campaigns.campaign_index
