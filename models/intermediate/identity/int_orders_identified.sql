with

orders as (
    select * from {{ ref('stg_raw__orders') }}
),

bindings as (
    select * from {{ ref('stg_raw__member_bindings') }}
),

identified as (
    select
        orders.order_id,
        orders.channel,
        orders.store_id,
        orders.order_status,
        orders.gross_amount,
        orders.discount_amount,
        orders.paid_amount,
        orders.refunded_amount,
        orders.ordered_at,
        orders.paid_at,
        bindings.member_id,
        case
            when bindings.member_id is not null
                then 'member:' || bindings.member_id
            when orders.mobile_hash is not null
                then 'mobile:' || orders.mobile_hash
            else 'account:' || orders.channel || ':' || orders.customer_id
        end as person_natural_key
    from orders
    left join bindings
        on
            orders.channel = bindings.channel
            and orders.customer_id = bindings.customer_id
),

final as (
    select
        order_id,
        member_id,
        {{ dbt.hash('person_natural_key') }} as person_key,
        channel,
        store_id,
        order_status,
        gross_amount,
        discount_amount,
        paid_amount,
        refunded_amount,
        ordered_at,
        paid_at
    from identified
)

select * from final
