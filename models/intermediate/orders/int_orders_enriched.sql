with

orders as (
    select * from {{ ref('stg_raw__orders') }}
),

identified as (
    select * from {{ ref('int_orders_identified') }}
),

spans as (
    select * from {{ ref('int_enrolment_spans_derived') }}
),

enriched as (
    select
        orders.order_id,
        identified.member_id,
        identified.person_key,
        orders.channel,
        orders.store_id,
        orders.order_status,
        orders.gross_amount,
        orders.discount_amount,
        orders.paid_amount,
        orders.refunded_amount,
        orders.paid_amount - orders.refunded_amount as net_amount,
        orders.ordered_at,
        orders.paid_at,
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
    inner join identified
        on orders.order_id = identified.order_id
    left join spans
        on identified.member_id = spans.member_id
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

sequenced as (
    select
        *,
        case
            when is_member_order
                then cast(row_number() over (
                    partition by member_id, is_member_order
                    order by paid_at, order_id
                ) as bigint)
        end as member_order_number
    from flagged
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
