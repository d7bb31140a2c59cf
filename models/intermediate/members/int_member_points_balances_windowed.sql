{#- A member's points balance at the end of each month of the member's
    spine: the sum of points of all ledger entries (every type) dated on or
    before end(m), entries dated before the spine's first month included.
    A running sum over the member's spine months and points months together
    (a month's points rows are peers of its spine row, so they are in the
    sum). Null in every row when points_ledger has no rows (the optional
    table is absent or empty): the balance is then unknown, not 0. -#}
with

spined as (
    select * from {{ ref('int_member_months_spined') }}
),

points as (
    select * from {{ ref('stg_raw__points_ledger') }}
),

presence as (
    select count(*) > 0 as has_points from points
),

member_points_months as (
    select
        member_id,
        cast(
            {{ dbt.date_trunc('month', 'cast(occurred_at as date)') }} as date
        ) as points_month,
        sum(points) as points
    from points
    group by 1, 2
),

balance_events as (
    select
        member_id,
        report_month as event_month,
        true as is_spine_month,
        0 as points
    from spined
    union all
    select
        member_id,
        points_month as event_month,
        false as is_spine_month,
        points
    from member_points_months
),

running as (
    select
        member_id,
        event_month,
        is_spine_month,
        sum(points) over (
            partition by member_id
            order by event_month asc
            range between unbounded preceding and current row
        ) as points_balance
    from balance_events
),

final as (
    select
        running.member_id,
        running.event_month as report_month,
        case
            when presence.has_points
                then cast(running.points_balance as bigint)
        end as points_balance
    from running
    cross join presence
    where running.is_spine_month
)

select * from final
