-- Daily store visitors per channel: a share of the member count by
-- channel, growing over the window, peaking at festivals and weekends.
with channel_days as (
    select
        range // 6 as window_day,
        range % 6 as channel_index
    from range($window_days * 6)
)

select
    window_date(window_day)::date as traffic_date,
    channel_code(channel_index)::varchar as channel,
    round(
        $member_count * [0.3, 0.18, 0.4, 0.06, 0.05, 0.08][channel_index + 1]
        * (0.7 + 0.6 * window_day / $window_days)
        * (1 + 3.5 * list_max(list_transform(
            $festival_days,
            lambda festival: exp(-abs(window_day - festival) / 2.5)
        )))
        -- weekends
        * case
            when dayofweek(window_date(window_day)) in (0, 6) then 1.15
            else 1.0
        end
        * exp(0.15 * normal_draw(window_day, channel_index, 160))
    )::integer + 1 as visitors
from channel_days
