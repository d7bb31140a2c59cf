{#- The operations KPIs (meta family ops: tier ladder, points economics,
    purchase ladder, touch funnel) for every report month, long form: the
    family's KPI definitions (macro kpis_ops) with the grouping total. -#}
{{ kpis_ops(kpi_grouping('total')) }}
