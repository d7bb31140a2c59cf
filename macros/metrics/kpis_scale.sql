{#- The MBSC member-scale KPIs (meta mbsc_group scale) per report month and
    group of grouping (kpi_grouping), long form: each KPI is one column
    expression of the kpis CTE. New members are join events
    (fct_member_joins, split by join channel); the other member counts read
    fct_member_monthly; visitors read fct_channel_traffic. -#}
{% macro kpis_scale(grouping) %}
with

{{ kpi_imports(grouping, ['member_months', 'member_joins', 'traffic']) }}

presence as (
    select {{ kpi_has_rows('traffic') }} as has_traffic
),

member_counts as (
    {% call kpi_counts(grouping, 'member_months') %}
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total,
        sum(case when has_exited_in_month then 1 else 0 end) as members_exited,
        sum(
            case
                when is_enrolled_at_month_end and is_reachable then 1 else 0
            end
        ) as reachable_members
    {% endcall %}
),

join_counts as (
    {% call kpi_counts(
        grouping, 'member_joins', 'event_month', "event_type = 'join'"
    ) %}
        count(*) as members_new
    {% endcall %}
),

traffic_counts as (
    {{ kpi_traffic_counts(grouping) }}
),

combined as (
    select
        {{ kpi_group_keys(grouping, 'grid') }}
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(join_counts.members_new, 0) as members_new,
        coalesce(member_counts.members_exited, 0) as members_exited,
        coalesce(member_counts.reachable_members, 0) as reachable_members,
        case
            when presence.has_traffic then traffic_counts.visitors
        end as visitors
    from grid
    cross join presence
    {{ kpi_join(grouping, 'member_months', 'member_counts') }}
    {{ kpi_join(grouping, 'member_joins', 'join_counts') }}
    {{ kpi_join(grouping, 'traffic', 'traffic_counts') }}
),

kpis as (
    select
        {{ kpi_group_keys(grouping) }}
        cast(members_total as double) as members_total,
        cast(members_new as double) as members_new,
        cast(members_exited as double) as members_exited,
        {{ relative_change(
            'cast(members_total as double)',
            'lag(cast(members_total as double)) over ('
            ~ kpi_month_window(grouping) ~ ')'
        ) }} as member_growth_rate,
        cast(reachable_members as double) as reachable_members,
        {{ safe_divide('members_new', 'visitors') }} as join_conversion_rate
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['scale'], grouping), grouping) }}
)

select * from final
{% endmacro %}
