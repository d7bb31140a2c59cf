{#- The input of the predicted-CLV models (BG/NBD x Gamma-Gamma): one row
    per member with a purchase on or before the calibration end (macro
    clv_calibration_end). A purchase is a paid, not cancelled order of a
    member enrolled on its date that was not refunded in full (net amount
    > 0, or nothing to pay): member orders plus zero-value purchases. A
    purchase day merges a member's purchases of one date, worth their net
    amounts summed. Time in weeks = days / 7 from the first purchase day;
    frequency and the monetary value count repeat purchase days only. -#}
with

orders as (
    select * from {{ ref('fct_orders') }}
),

members as (
    select * from {{ ref('dim_member') }}
),

calibration as (
    select
        {{ clv_calibration_end(
            '(select max(order_date) from orders where is_paid_not_cancelled)'
        ) }} as calibration_end_date
),

purchases as (
    select
        orders.member_id,
        orders.order_date,
        orders.net_amount
    from orders
    inner join members
        on orders.member_id = members.member_id
    cross join calibration
    where
        orders.is_paid_not_cancelled
        and (orders.net_amount > 0 or orders.paid_amount = 0)
        and members.joined_date <= orders.order_date
        and (
            members.exited_date is null
            or members.exited_date > orders.order_date
        )
        and orders.order_date <= calibration.calibration_end_date
),

purchase_days as (
    select
        member_id,
        order_date as purchase_date,
        sum(net_amount) as purchase_amount
    from purchases
    group by member_id, order_date
),

ranked_days as (
    select
        *,
        min(purchase_date) over (partition by member_id) as first_purchase_date
    from purchase_days
),

summarised as (
    select
        member_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) as count_purchase_days,
        sum(purchase_amount) as total_purchase_amount,
        -- an exact decimal sum divided in double: the same bits on every run
        -- and on both engines (an average of doubles depends on the order)
        cast(
            sum(
                case
                    when purchase_date > first_purchase_date
                        then purchase_amount
                end
            ) as double
        )
        / nullif(
            count(
                case when purchase_date > first_purchase_date then 1 end
            ),
            0
        ) as mean_repeat_purchase_amount
    from ranked_days
    group by member_id
),

final as (
    select
        -- ids
        summarised.member_id,

        -- model inputs
        cast(summarised.count_purchase_days - 1 as bigint) as frequency,
        cast({{ dbt.datediff(
            'summarised.first_purchase_date',
            'summarised.last_purchase_date',
            'day'
        ) }} as double) / 7 as recency_weeks,
        cast({{ dbt.datediff(
            'summarised.first_purchase_date',
            'calibration.calibration_end_date',
            'day'
        ) }} as double) / 7 as age_weeks,
        cast(summarised.mean_repeat_purchase_amount as double)
            as mean_repeat_purchase_amount,

        -- counts and amounts
        cast(summarised.count_purchase_days as bigint) as count_purchase_days,
        cast(summarised.total_purchase_amount as decimal(18, 2))
            as total_purchase_amount,

        -- dates
        summarised.first_purchase_date,
        summarised.last_purchase_date,
        calibration.calibration_end_date
    from summarised
    cross join calibration
)

select * from final
