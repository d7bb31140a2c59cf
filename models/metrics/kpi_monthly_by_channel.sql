{#- The channel split of the KPIs whose metrics.yml meta lists `channel` in
    splits: every family's KPI definitions (macros kpis_4c, kpis_scale, ...,
    the same the family models call for the totals) with the grouping
    channel (macros kpi_split, kpi_grouping), which splits member activity,
    joins, orders, traffic, tickets and reviews by their channel and counts
    the other facts whole in every channel. A family without a channel KPI
    gives no rows. -#}
with

channel_kpis as (
    {{ kpi_split(kpi_grouping('channel')) }}
),

final as (
    select
        month,
        channel,
        kpi,
        value
    from channel_kpis
)

select * from final
