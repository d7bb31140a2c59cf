{#- The MBSC purchase-penetration KPIs (meta mbsc_group purchase) for
    every report month, long form: the family's KPI definitions
    (macro kpis_purchase) with the grouping total. kpi_monthly_by_channel calls
    the same macro with the grouping channel. -#}
{{ kpis_purchase(kpi_grouping('total')) }}
