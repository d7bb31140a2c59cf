-- Reviews of 9% of paid orders, one to fifteen days after payment.
with reviewed_orders as (
    select
        *,
        paid_second
        + 86400 * (1 + floor(uniform_draw(order_key, 0, 201) * 14)::integer)
        + floor(uniform_draw(order_key, 0, 202) * 36000)::integer
            as review_second
    from clean_orders
    where is_paid
        and status in ('paid', 'partially_refunded')
        and uniform_draw(order_key, 0, 203) < 0.09
)

select
    ('R' || substr(order_id, 2))::varchar as review_id,
    order_id::varchar as order_id,
    channel::varchar as channel,
    window_timestamp(review_second)::timestamp as created_at,
    -- partial refunds are rated lower
    (case
        when status = 'partially_refunded' then score_from_draw(
            uniform_draw(order_key, 0, 200), 0.25, 0.45, 0.65, 0.85
        )
        else score_from_draw(
            uniform_draw(order_key, 0, 200), 0.02, 0.035, 0.10, 0.32
        )
    end)::integer as rating
from reviewed_orders
where review_second <= $last_second
