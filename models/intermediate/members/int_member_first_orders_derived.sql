{#- The purchase ladder of each member with a member order, over the
    member's distinct member-order dates: f the first, s the earliest after
    f, t the earliest after s (two orders on one day are one date). -#}
with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

member_order_dates as (
    select distinct
        member_id,
        order_date
    from orders
    where is_member_order
),

numbered_order_dates as (
    select
        member_id,
        order_date,
        row_number() over (
            partition by member_id
            order by order_date asc
        ) as order_date_number
    from member_order_dates
),

ladders as (
    select
        member_id,
        min(order_date) as first_member_order_date,
        max(case when order_date_number = 2 then order_date end)
            as second_member_order_date,
        max(case when order_date_number = 3 then order_date end)
            as third_member_order_date
    from numbered_order_dates
    where order_date_number <= 3
    group by member_id
),

final as (
    select
        member_id,
        first_member_order_date,
        second_member_order_date,
        coalesce(
            second_member_order_date <= cast(
                {{ dbt.dateadd('day', 90, 'first_member_order_date') }} as date
            ),
            false
        ) as has_second_member_order_90d,
        coalesce(
            third_member_order_date <= cast(
                {{ dbt.dateadd('day', 90, 'second_member_order_date') }} as date
            ),
            false
        ) as has_third_member_order_90d
    from ladders
)

select * from final
