{#- Join cohorts against the report months that follow them: k runs from 0
    to 24 and stops at the last report month, so the table is a triangle.
    A retained member is one with a member order dated in month c + k. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

members as (
    select * from {{ ref('dim_member') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

cohort_cells as (
    select
        cohort_months.report_month as cohort_month,
        activity_months.report_month as activity_month,
        activity_months.is_complete_month,
        {{ dbt.datediff(
            'cohort_months.report_month',
            'activity_months.report_month',
            'month'
        ) }} as months_since_join
    from months as cohort_months
    inner join months as activity_months
        on
            cohort_months.report_month <= activity_months.report_month
            and activity_months.report_month <= cast(
                {{ dbt.dateadd('month', 24, 'cohort_months.report_month') }}
                as date
            )
),

cohort_sizes as (
    select
        join_month as cohort_month,
        count(*) as cohort_size
    from members
    group by join_month
),

member_order_months as (
    select distinct
        member_id,
        order_month
    from orders
    where is_member_order
),

retained as (
    select
        members.join_month as cohort_month,
        member_order_months.order_month as activity_month,
        count(*) as members_with_member_order
    from members
    inner join member_order_months
        on members.member_id = member_order_months.member_id
    group by members.join_month, member_order_months.order_month
),

final as (
    select
        cohort_cells.cohort_month,
        cast(cohort_cells.months_since_join as integer) as months_since_join,
        cohort_cells.activity_month,
        coalesce(cohort_sizes.cohort_size, 0) as cohort_size,
        coalesce(retained.members_with_member_order, 0)
            as members_with_member_order,
        {{ safe_divide(
            'coalesce(retained.members_with_member_order, 0)',
            'cohort_sizes.cohort_size'
        ) }} as retention_share,
        cohort_cells.is_complete_month
    from cohort_cells
    left join cohort_sizes
        on cohort_cells.cohort_month = cohort_sizes.cohort_month
    left join retained
        on
            cohort_cells.cohort_month = retained.cohort_month
            and cohort_cells.activity_month = retained.activity_month
)

select * from final
