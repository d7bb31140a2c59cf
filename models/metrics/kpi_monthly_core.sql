{#- The core and related KPIs of their own (meta family core or related;
    core KPIs that are MBSC KPIs too live in their MBSC group's model) for
    every report month, long form: one column expression per KPI in kpis. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

traffic as (
    select * from {{ ref('fct_channel_traffic') }}
),

-- a KPI that needs an absent optional table (no rows) is null
presence as (
    select (select count(*) from traffic) > 0 as has_traffic
),

member_counts as (
    select
        report_month,
        sum(case when count_member_orders_w12prev >= 1 then 1 else 0 end)
            as retention_base,
        sum(
            case
                when
                    count_member_orders_w12prev >= 1
                    and count_member_orders_w12 >= 1
                    then 1
                else 0
            end
        ) as retained_members
    from member_monthly
    group by report_month
),

order_counts as (
    select
        order_month as report_month,
        count(distinct case when is_valid then person_key end) as total_buyers
    from orders
    where order_month is not null
    group by order_month
),

traffic_counts as (
    select
        cast({{ dbt.date_trunc('month', 'traffic_date') }} as date)
            as report_month,
        sum(visitors) as visitors
    from traffic
    group by 1
),

combined as (
    select
        months.report_month,
        coalesce(member_counts.retention_base, 0) as retention_base,
        coalesce(member_counts.retained_members, 0) as retained_members,
        coalesce(order_counts.total_buyers, 0) as total_buyers,
        case
            when presence.has_traffic then traffic_counts.visitors
        end as visitors
    from months
    cross join presence
    left join member_counts
        on months.report_month = member_counts.report_month
    left join order_counts
        on months.report_month = order_counts.report_month
    left join traffic_counts
        on months.report_month = traffic_counts.report_month
),

kpis as (
    select
        report_month,
        {{ safe_divide('retained_members', 'retention_base') }}
            as retention_rate,
        {{ safe_divide('total_buyers', 'visitors') }}
            as purchase_conversion_rate
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['core', 'related'])) }}
)

select * from final
