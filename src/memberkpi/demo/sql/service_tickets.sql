-- Tickets about 0.8% of orders and a tenth of refunded ones, opened
-- within five days of the order.
with ticketed_orders as (
    select
        *,
        least(
            $last_second,
            order_second
            + floor(uniform_draw(order_key, 0, 197) * 432000)::integer
        ) as created_second,
        case
            when status in ('refunded', 'partially_refunded')
                then case
                    when uniform_draw(order_key, 0, 198) < 0.65 then 'return'
                    else 'complaint'
                end
            -- inquiry 60%, complaint 15%, return 10%, exchange 15%
            when uniform_draw(order_key, 0, 198) < 0.60 then 'inquiry'
            when uniform_draw(order_key, 0, 198) < 0.75 then 'complaint'
            when uniform_draw(order_key, 0, 198) < 0.85 then 'return'
            else 'exchange'
        end as ticket_type
    from clean_orders
    where uniform_draw(order_key, 0, 199) < case
        when status in ('refunded', 'partially_refunded') then 0.10
        else 0.008
    end
),

handled as (
    select
        *,
        created_second + 30
        + floor(-ln(uniform_draw(order_key, 0, 193)) * case
            when channel_index = 5 then 5400
            else 1800
        end)::integer as response_second,
        created_second + 600
        + floor(-ln(uniform_draw(order_key, 0, 194)) * 64800)::integer
            as resolve_second,
        uniform_draw(order_key, 0, 195) < 0.93 as will_answer,
        uniform_draw(order_key, 0, 196) < 0.88 as will_resolve
    from ticketed_orders
),

outcomes as (
    select
        *,
        will_answer and response_second <= $last_second as is_answered,
        will_resolve and resolve_second <= $last_second as is_resolved
    from handled
)

select
    ('T' || substr(order_id, 2))::varchar as ticket_id,
    case
        when member_index is not null then make_member_id(member_index)
    end::varchar as member_id,
    channel::varchar as channel,
    case
        when ticket_type = 'inquiry' and uniform_draw(order_key, 0, 190) < 0.3
            then null
        else order_id
    end::varchar as order_id,
    ticket_type::varchar as ticket_type,
    window_timestamp(created_second)::timestamp as created_at,
    case
        when is_answered then window_timestamp(response_second)
    end::timestamp as first_response_at,
    case when is_resolved then window_timestamp(resolve_second) end::timestamp
        as resolved_at,
    -- 55% of resolved tickets are scored, complaints lower
    case
        when is_resolved and uniform_draw(order_key, 0, 191) < 0.55 then
            case
                when ticket_type = 'complaint' then score_from_draw(
                    uniform_draw(order_key, 0, 192), 0.10, 0.22, 0.42, 0.70
                )
                else score_from_draw(
                    uniform_draw(order_key, 0, 192), 0.02, 0.04, 0.10, 0.38
                )
            end
    end::integer as satisfaction_score
from outcomes
