{#- The 4C KPIs (meta family 4c) for every report month, long form: the
    family's KPI definitions (macro kpis_4c) with the grouping total.
    kpi_monthly_by_channel calls the same macro with the grouping channel. -#}
{{ kpis_4c(kpi_grouping('total')) }}
