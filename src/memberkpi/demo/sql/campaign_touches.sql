-- Each campaign draws $touches_per_campaign members (a fixed share of all
-- members), touched within two days of its start if enrolled then; 15% are
-- a control group that is never contacted.
create or replace table clean_campaign_touches as
with drawn as (
    select
        campaign_index,
        start_second,
        touch_number,
        -- 2147483647 is prime: coprime with any member count below it
        1 + (
            (
                floor(
                    uniform_draw(campaign_index, 0, 60) * $member_count
                )::bigint
                + touch_number * 2147483647
            ) % $member_count
        ) as member_index
    from (
        select
            campaign_index,
            start_second,
            unnest(range($touches_per_campaign)) as touch_number
        from clean_campaigns
    )
),

timed as (
    select
        drawn.*,
        drawn.start_second + floor(
            uniform_draw(drawn.campaign_index, drawn.touch_number, 61) * 172800
        )::integer as touch_second,
        uniform_draw(drawn.campaign_index, drawn.touch_number, 62) < 0.15
            as is_control,
        members.join_day * 86400 + members.join_second_of_day as join_second,
        members.exit_day,
        members.sms_opt_in,
        members.wechat_bound,
        members.app_push_opt_in
    from drawn
    inner join clean_members as members
        on drawn.member_index = members.member_index
),

eligible as (
    select *
    from timed
    where touch_second >= join_second
        and (exit_day is null or touch_second < exit_day * 86400)
        and touch_second <= $last_second
),

responded as (
    select
        *,
        not is_control
        and uniform_draw(campaign_index, touch_number, 63) < 0.90
            as is_delivered,
        touch_second + 60 + floor(
            -ln(uniform_draw(campaign_index, touch_number, 64)) * 7200
        )::integer as open_second,
        floor(
            -ln(uniform_draw(campaign_index, touch_number, 66)) * 600
        )::integer as click_lag_seconds,
        uniform_draw(campaign_index, touch_number, 65) < 0.36 as opens,
        uniform_draw(campaign_index, touch_number, 67) < 0.28 as clicks,
        uniform_draw(campaign_index, touch_number, 68) as touch_channel_draw
    from eligible
),

outcomes as (
    select
        *,
        is_delivered and opens and open_second <= $last_second as is_opened,
        is_delivered and opens and clicks
        and open_second + click_lag_seconds <= $last_second as is_clicked
    from responded
)

select
    campaign_index,
    touch_number,
    member_index,
    touch_second,
    is_control,
    is_delivered,
    is_opened,
    is_clicked,
    printf('X%05d%07d', campaign_index, touch_number)::varchar as touch_id,
    printf('C%05d', campaign_index)::varchar as campaign_id,
    make_member_id(member_index)::varchar as member_id,
    (case
        when app_push_opt_in and touch_channel_draw < 0.4 then 'app_push'
        when wechat_bound and touch_channel_draw < 0.8 then 'wechat'
        when sms_opt_in then 'sms'
        else 'email'
    end)::varchar as touch_channel,
    (case when is_control then 'control' else 'treatment' end)::varchar
        as test_group,
    window_timestamp(touch_second)::timestamp as touched_at,
    is_delivered::boolean as delivered,
    case when is_opened then window_timestamp(open_second) end::timestamp
        as opened_at,
    case
        when is_clicked then window_timestamp(open_second + click_lag_seconds)
    end::timestamp as clicked_at
from outcomes
order by campaign_index, touch_number;

select * from clean_campaign_touches
