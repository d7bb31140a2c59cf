{#- The core and related KPIs of their own (meta family core or related)
    for every report month, long form: the family's KPI definitions
    (macro kpis_core) with the grouping total. kpi_monthly_by_channel calls
    the same macro with the grouping channel. -#}
{{ kpis_core(kpi_grouping('total')) }}
