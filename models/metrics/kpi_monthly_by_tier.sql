{#- The tier split of the KPIs whose metrics.yml meta lists `tier` in
    splits: every family's KPI definitions (macros kpis_scale, kpis_activity,
    kpis_purchase, ..., the same the family models call for the totals) with
    the grouping tier (macros kpi_split, kpi_grouping), which restricts the
    member-level facts (members by month, join events, member orders through
    the order's member, points entries) to the members whose tier at the end
    of the month (fct_member_tier_monthly; an exited member keeps the tier
    of the exit date) is the row's tier. A family without a tier KPI is left
    out. -#}
with

tier_kpis as (
    {{ kpi_split(kpi_grouping('tier')) }}
),

months as (
    select * from {{ ref('dim_month') }}
),

first_paid as (
    {{ first_valid_paid_month() }}
),

final as (
    select
        tier_kpis.month,
        tier_kpis.tier,
        tier_kpis.kpi,
        tier_kpis.value,
        months.is_complete_month,
        {{ is_window_complete(
            'tier_kpis.month',
            'tier_kpis.kpi',
            'first_paid.first_paid_month',
        ) }} as is_window_complete
    from tier_kpis
    inner join months
        on tier_kpis.month = months.report_month
    cross join first_paid
)

select * from final
