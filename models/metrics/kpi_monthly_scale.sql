{#- The MBSC member-scale KPIs (meta mbsc_group scale) for every report
    month, long form: the family's KPI definitions
    (macro kpis_scale) with the grouping total. kpi_monthly_by_channel calls
    the same macro with the grouping channel. -#}
{{ kpis_scale(kpi_grouping('total')) }}
