{#- The MBSC activity KPIs (meta mbsc_group activity) for every report
    month, long form: one column expression per KPI in kpis. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

points as (
    select * from {{ ref('fct_points') }}
),

interactions as (
    select * from {{ ref('fct_interactions') }}
),

-- a KPI that needs an absent optional table (no rows) is null
presence as (
    select
        (select count(*) from points) > 0 as has_points,
        (select count(*) from interactions) > 0 as has_interactions
),

member_counts as (
    select
        report_month,
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total,
        sum(case when is_enrolled_at_month_end and is_engaged then 1 else 0 end)
            as active_members,
        sum(
            case
                when is_enrolled_at_month_end and count_interactions > 0
                    then 1
                else 0
            end
        ) as interacting_members
    from member_monthly
    group by report_month
),

points_counts as (
    select
        cast({{ dbt.date_trunc('month', 'occurred_date') }} as date)
            as report_month,
        sum(case when entry_type = 'earn' then points else 0 end)
            as points_issued,
        -sum(case when entry_type = 'redeem' then points else 0 end)
            as points_redeemed
    from points
    group by 1
),

combined as (
    select
        months.report_month,
        presence.has_interactions,
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(member_counts.active_members, 0) as active_members,
        coalesce(member_counts.interacting_members, 0) as interacting_members,
        case
            when presence.has_points
                then coalesce(points_counts.points_issued, 0)
        end as points_issued,
        case
            when presence.has_points
                then coalesce(points_counts.points_redeemed, 0)
        end as points_redeemed
    from months
    cross join presence
    left join member_counts
        on months.report_month = member_counts.report_month
    left join points_counts
        on months.report_month = points_counts.report_month
),

kpis as (
    select
        report_month,
        cast(active_members as double) as active_members,
        {{ safe_divide('active_members', 'members_total') }} as activity_rate,
        case
            when has_interactions
                then {{ safe_divide('interacting_members', 'members_total') }}
        end as engagement_rate,
        cast(points_issued as double) as points_issued,
        cast(points_redeemed as double) as points_redeemed,
        {{ safe_divide('points_redeemed', 'points_issued') }}
            as points_redemption_rate
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['activity'])) }}
)

select * from final
