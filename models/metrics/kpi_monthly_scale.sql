{#- The MBSC member-scale KPIs (meta mbsc_group scale) for every report
    month, long form: one column expression per KPI in kpis. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
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
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total,
        sum(case when has_joined_in_month then 1 else 0 end) as members_new,
        sum(case when has_exited_in_month then 1 else 0 end) as members_exited,
        sum(
            case
                when is_enrolled_at_month_end and is_reachable then 1 else 0
            end
        ) as reachable_members
    from member_monthly
    group by report_month
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
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(member_counts.members_new, 0) as members_new,
        coalesce(member_counts.members_exited, 0) as members_exited,
        coalesce(member_counts.reachable_members, 0) as reachable_members,
        case
            when presence.has_traffic then traffic_counts.visitors
        end as visitors
    from months
    cross join presence
    left join member_counts
        on months.report_month = member_counts.report_month
    left join traffic_counts
        on months.report_month = traffic_counts.report_month
),

kpis as (
    select
        report_month,
        cast(members_total as double) as members_total,
        cast(members_new as double) as members_new,
        cast(members_exited as double) as members_exited,
        {{ relative_change(
            'cast(members_total as double)',
            'lag(cast(members_total as double)) over (order by report_month)'
        ) }} as member_growth_rate,
        cast(reachable_members as double) as reachable_members,
        {{ safe_divide('members_new', 'visitors') }} as join_conversion_rate
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['scale'])) }}
)

select * from final
