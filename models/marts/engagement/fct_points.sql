with

points as (
    select * from {{ ref('stg_raw__points_ledger') }}
),

final as (
    select
        entry_id,
        member_id,
        order_id,
        entry_type,
        points,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        cast(
            {{ dbt.date_trunc('month', 'cast(occurred_at as date)') }} as date
        ) as occurred_month
    from points
)

select * from final
