-- A daily snapshot of each channel's resources (8, 6, 7, 5, 6 and 4 by
-- channel) and whether each shows the member entry, a little more often
-- over time. Planted: douyin's live rooms and pages mostly hide it.
with resource_days as (
    select
        range // 48 as window_day,
        (range // 8) % 6 as channel_index,
        range % 8 as resource_number
    from range($window_days * 48)
)

select
    window_date(window_day)::date as snapshot_date,
    channel_code(channel_index)::varchar as channel,
    printf('%s-r%02d', channel_prefix(channel_index), resource_number)::varchar
        as resource_id,
    [
        'banner', 'live_room', 'product_detail',
        'member_center', 'store_page', 'popup'
    ][1 + (resource_number + channel_index) % 6]::varchar as resource_type,
    (
        uniform_draw(window_day * 64 + channel_index, resource_number, 170)
        < [0.70, 0.64, 0.10, 0.82, 0.86, 0.62][channel_index + 1]
        + 0.08 * window_day / $window_days
    )::boolean as shows_member_entry
from resource_days
where resource_number < [8, 6, 7, 5, 6, 4][channel_index + 1]
