{#- The channel split of the KPIs whose metrics.yml meta lists `channel` in
    splits: every family's KPI definitions (macros kpis_4c, kpis_scale, ...,
    the same the family models call for the totals) with the grouping
    channel (macros kpi_split, kpi_grouping), which splits member activity,
    joins (by join channel), orders, traffic, tickets, reviews and exposure
    by their channel and counts the other facts whole in every channel (so
    connection keeps the all-channel capital denominator). A family without
    a channel KPI is left out. -#}
with

channel_kpis as (
    {{ kpi_split(kpi_grouping('channel')) }}
),

months as (
    select * from {{ ref('dim_month') }}
),

first_paid as (
    {{ first_valid_paid_month() }}
),

final as (
    select
        channel_kpis.month,
        channel_kpis.channel,
        channel_kpis.kpi,
        channel_kpis.value,
        months.is_complete_month,
        {{ is_window_complete(
            'channel_kpis.month',
            'channel_kpis.kpi',
            'first_paid.first_paid_month',
        ) }} as is_window_complete
    from channel_kpis
    inner join months
        on channel_kpis.month = months.report_month
    cross join first_paid
)

select * from final
