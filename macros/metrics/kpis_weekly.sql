{#- The weekly KPIs (metrics.yml meta weekly: true) per report week
    (dim_week), long form (week, kpi, value): each KPI is one column
    expression of the kpis CTE. The definitions are KPI_SPEC's for a month
    m with m replaced by the ISO week w (Monday to Sunday in business time)
    and end(m) by the week's Sunday, over the columns the monthly family
    macros read: join events (fct_member_joins), the member's activity of
    the week (fct_member_weekly, the weekly counterpart of
    fct_member_monthly), all orders (fct_orders), visitors
    (fct_channel_traffic) and treatment touches (fct_campaign_touches). A
    KPI that needs an absent optional table (no rows) is null in every
    week, as in the monthly families. -#}
{% macro kpis_weekly() %}
with

grid as (
    select report_week from {{ ref('dim_week') }}
),

member_weeks as (
    select * from {{ ref('fct_member_weekly') }}
),

member_joins as (
    select * from {{ ref('fct_member_joins') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

traffic as (
    select * from {{ ref('fct_channel_traffic') }}
),

touches as (
    select * from {{ ref('fct_campaign_touches') }}
),

presence as (
    select
        {{ kpi_has_rows('traffic') }} as has_traffic,
        {{ kpi_has_rows('touches') }} as has_touches
),

join_counts as (
    select
        {{ first_day_of_iso_week('event_date') }} as report_week,
        count(*) as members_new
    from member_joins
    where event_type = 'join'
    group by 1
),

activity_counts as (
    select
        report_week,
        sum(case when is_enrolled_at_week_end and is_engaged then 1 else 0 end)
            as active_members,
        sum(case when is_member_buyer then 1 else 0 end) as member_buyers,
        sum(count_member_orders) as member_orders,
        sum(member_net_sales) as member_net_sales
    from member_weeks
    group by report_week
),

order_counts as (
    select
        {{ first_day_of_iso_week('order_date') }} as report_week,
        sum(case when is_valid then net_amount else 0 end) as total_net_sales
    from orders
    where order_date is not null
    group by 1
),

traffic_counts as (
    select
        {{ first_day_of_iso_week('traffic_date') }} as report_week,
        sum(visitors) as visitors
    from traffic
    group by 1
),

-- touch funnel: treatment touches, no enrolment test
treatment_touches as (
    select
        touch_id,
        member_id,
        touched_at,
        is_delivered,
        is_opened,
        is_clicked,
        is_converted_7d,
        {{ first_day_of_iso_week('touched_date') }} as report_week
    from touches
    where test_group = 'treatment'
),

touch_counts as (
    select
        treatment_touches.report_week,
        count(*) as touches,
        sum(case when treatment_touches.is_delivered then 1 else 0 end)
            as delivered_touches,
        sum(
            case
                when
                    treatment_touches.is_delivered
                    and treatment_touches.is_opened
                    then 1
                else 0
            end
        ) as opened_touches,
        sum(
            case
                when
                    treatment_touches.is_delivered
                    and treatment_touches.is_clicked
                    then 1
                else 0
            end
        ) as clicked_touches,
        sum(
            case
                when
                    treatment_touches.is_delivered
                    and treatment_touches.is_converted_7d
                    then 1
                else 0
            end
        ) as converted_touches_7d
    from treatment_touches
    group by treatment_touches.report_week
),

combined as (
    select
        grid.report_week,
        presence.has_touches,
        coalesce(join_counts.members_new, 0) as members_new,
        coalesce(activity_counts.active_members, 0) as active_members,
        coalesce(activity_counts.member_buyers, 0) as member_buyers,
        coalesce(activity_counts.member_orders, 0) as member_orders,
        coalesce(activity_counts.member_net_sales, 0) as member_net_sales,
        coalesce(order_counts.total_net_sales, 0) as total_net_sales,
        case
            when presence.has_traffic
                then coalesce(traffic_counts.visitors, 0)
        end as visitors,
        coalesce(touch_counts.touches, 0) as touches,
        coalesce(touch_counts.delivered_touches, 0) as delivered_touches,
        coalesce(touch_counts.opened_touches, 0) as opened_touches,
        coalesce(touch_counts.clicked_touches, 0) as clicked_touches,
        coalesce(touch_counts.converted_touches_7d, 0) as converted_touches_7d
    from grid
    cross join presence
    left join join_counts
        on grid.report_week = join_counts.report_week
    left join activity_counts
        on grid.report_week = activity_counts.report_week
    left join order_counts
        on grid.report_week = order_counts.report_week
    left join traffic_counts
        on grid.report_week = traffic_counts.report_week
    left join touch_counts
        on grid.report_week = touch_counts.report_week
),

kpis as (
    select
        report_week as report_month,
        cast(members_new as double) as members_new,
        cast(active_members as double) as active_members,
        cast(member_orders as double) as member_orders,
        cast(member_net_sales as double) as member_net_sales,
        {{ safe_divide('member_net_sales', 'total_net_sales') }}
            as member_sales_share,
        {{ safe_divide('member_net_sales', 'member_buyers') }} as member_aov,
        {{ safe_divide('members_new', 'visitors') }} as join_conversion_rate,
        {{ touch_funnel_rates() }}
    from combined
),

-- kpi_rows names the period column month; here it is the week's Monday
final as (
    select
        month as week,
        kpi,
        value
    from ({{ kpi_rows('kpis', kpi_names_with('weekly')) }}) as weekly_rows
)

select * from final
{% endmacro %}
