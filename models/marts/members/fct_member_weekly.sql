{#- One row per member per report week in which the member joined, has a
    member order or has an interaction: the week-grain counterpart of the
    monthly activity of fct_member_monthly (same sources and rules,
    int_member_activity_months_aggregated), with enrolment at the week's
    Sunday. -#}
with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

interactions as (
    select * from {{ ref('stg_raw__interactions') }}
),

spans as (
    select * from {{ ref('int_enrolment_spans_derived') }}
),

report_weeks as (
    select * from {{ ref('int_report_weeks_bounded') }}
),

order_weeks as (
    select
        member_id,
        {{ first_day_of_iso_week('order_date') }} as report_week,
        count(*) as count_member_orders,
        cast(sum(net_amount) as decimal(38, 2)) as member_net_sales
    from orders
    where is_member_order
    group by 1, 2
),

-- interactions of unknown members are ignored (KPI_SPEC)
interaction_weeks as (
    select
        interactions.member_id,
        {{ first_day_of_iso_week('interactions.occurred_at') }}
            as report_week,
        count(*) as count_interactions
    from interactions
    inner join spans
        on interactions.member_id = spans.member_id
    group by 1, 2
),

join_weeks as (
    select
        member_id,
        {{ first_day_of_iso_week('joined_date') }} as report_week
    from spans
),

member_weeks as (
    select
        member_id,
        report_week
    from order_weeks
    union
    select
        member_id,
        report_week
    from interaction_weeks
    union
    select
        member_id,
        report_week
    from join_weeks
),

final as (
    select
        member_weeks.member_id,
        member_weeks.report_week,
        report_weeks.week_end_date,
        spans.joined_date,
        spans.exited_date,
        (
            spans.joined_date <= report_weeks.week_end_date
            and (
                spans.exited_date is null
                or spans.exited_date > report_weeks.week_end_date
            )
        ) as is_enrolled_at_week_end,
        {{ first_day_of_iso_week('spans.joined_date') }}
        = member_weeks.report_week as has_joined_in_week,
        coalesce(order_weeks.count_member_orders, 0) as count_member_orders,
        coalesce(order_weeks.member_net_sales, 0) as member_net_sales,
        coalesce(interaction_weeks.count_interactions, 0)
            as count_interactions,
        coalesce(order_weeks.count_member_orders, 0) > 0 as is_member_buyer,
        coalesce(order_weeks.count_member_orders, 0) > 0
        or coalesce(interaction_weeks.count_interactions, 0) > 0 as is_engaged
    from member_weeks
    inner join report_weeks
        on member_weeks.report_week = report_weeks.report_week
    inner join spans
        on member_weeks.member_id = spans.member_id
    left join order_weeks
        on
            member_weeks.member_id = order_weeks.member_id
            and member_weeks.report_week = order_weeks.report_week
    left join interaction_weeks
        on
            member_weeks.member_id = interaction_weeks.member_id
            and member_weeks.report_week = interaction_weeks.report_week
)

select * from final
