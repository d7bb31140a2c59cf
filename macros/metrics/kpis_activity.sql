{#- The MBSC activity KPIs (meta mbsc_group activity) per report month and
    group of grouping (kpi_grouping), long form: each KPI is one column
    expression of the kpis CTE. Reads fct_member_monthly (members at month
    end), the member activity of the month, fct_points and, for its
    presence, fct_interactions. -#}
{% macro kpis_activity(grouping) %}
with

{{ kpi_imports(
    grouping,
    ['member_months', 'member_activity', 'points', 'interactions'],
) }}

presence as (
    select
        {{ kpi_has_rows('points') }} as has_points,
        {{ kpi_has_rows('interactions') }} as has_interactions
),

member_counts as (
    {% call kpi_counts(grouping, 'member_months') %}
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total
    {% endcall %}
),

activity_counts as (
    {% call kpi_counts(grouping, 'member_activity') %}
        sum(case when is_enrolled_at_month_end and is_engaged then 1 else 0 end)
            as active_members,
        sum(
            case
                when is_enrolled_at_month_end and count_interactions > 0
                    then 1
                else 0
            end
        ) as interacting_members
    {% endcall %}
),

points_counts as (
    {% call kpi_counts(
        grouping,
        'points',
        first_day_of_month('occurred_date')
    ) %}
        sum(case when entry_type = 'earn' then points else 0 end)
            as points_issued,
        -sum(case when entry_type = 'redeem' then points else 0 end)
            as points_redeemed
    {% endcall %}
),

combined as (
    select
        {{ kpi_group_keys(grouping, 'grid') }}
        presence.has_interactions,
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(activity_counts.active_members, 0) as active_members,
        coalesce(activity_counts.interacting_members, 0)
            as interacting_members,
        case
            when presence.has_points
                then coalesce(points_counts.points_issued, 0)
        end as points_issued,
        case
            when presence.has_points
                then coalesce(points_counts.points_redeemed, 0)
        end as points_redeemed
    from grid
    cross join presence
    {{ kpi_join(grouping, 'member_months', 'member_counts') }}
    {{ kpi_join(grouping, 'member_activity', 'activity_counts') }}
    {{ kpi_join(grouping, 'points', 'points_counts') }}
),

kpis as (
    select
        {{ kpi_group_keys(grouping) }}
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
    {{ kpi_rows('kpis', kpi_names(['activity'], grouping), grouping) }}
)

select * from final
{% endmacro %}
