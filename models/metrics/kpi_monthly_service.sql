{#- The MBSC service-experience KPIs (meta mbsc_group service) for every
    report month, long form: the family's KPI definitions
    (macro kpis_service) with the grouping total. kpi_monthly_by_channel calls
    the same macro with the grouping channel. -#}
{{ kpis_service(kpi_grouping('total')) }}
