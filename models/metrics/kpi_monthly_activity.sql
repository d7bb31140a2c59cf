{#- The MBSC activity KPIs (meta mbsc_group activity) for every report
    month, long form: the family's KPI definitions
    (macro kpis_activity) with the grouping total. kpi_monthly_by_channel calls
    the same macro with the grouping channel. -#}
{{ kpis_activity(kpi_grouping('total')) }}
