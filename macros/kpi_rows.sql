{#- The KPI metrics of metrics.yml whose meta family is one of groups, or,
    for family mbsc only, whose mbsc_group is (the ops KPIs carry an
    mbsc_group too but are family ops), by name, in file order: the KPIs a
    family macro or model computes. With a grouping other than total, only
    those whose meta splits names it. -#}
{% macro kpi_names(groups, grouping=none) %}
    {%- set names = [] -%}
    {%- for metric in kpi_metrics() -%}
        {%- set meta = metric.config.meta -%}
        {%- set in_split = grouping is none or grouping.name == 'total'
            or grouping.name in (meta.get('splits') or []) -%}
        {%- set in_groups = meta.family in groups
            or (meta.family == 'mbsc' and meta.mbsc_group in groups) -%}
        {%- if in_groups and in_split -%}
            {%- do names.append(metric.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- The KPI metrics of metrics.yml whose meta key is true, by name, in file
    order (e.g. radar: the KPIs of the 4C radar). -#}
{% macro kpi_names_with(key) %}
    {%- set names = [] -%}
    {%- for metric in kpi_metrics() if metric.config.meta.get(key) -%}
        {%- do names.append(metric.name) -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- The KPI metrics of metrics.yml whose meta splits lists the grouping
    called grouping_name, by name, in file order: the KPIs the split table
    metrics.kpi_monthly_by_<grouping_name> publishes. -#}
{% macro kpi_names_split_by(grouping_name) %}
    {%- set names = [] -%}
    {%- for metric in kpi_metrics()
        if grouping_name in (metric.config.meta.get('splits') or []) -%}
        {%- do names.append(metric.name) -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- One row (month, group column, kpi, value) per row of relation and KPI
    of kpis: relation holds report_month, the grouping's column (none for
    the totals) and one column per KPI. A KPI without its column fails the
    build. -#}
{% macro kpi_rows(relation, kpis, grouping=none) %}
    {%- set group_column = grouping.column if grouping is not none else none %}
    {%- if kpis -%}
        {%- for kpi in kpis %}
    select
        report_month as month,
        {%- if group_column is not none %}
        {{ group_column }},
        {%- endif %}
        '{{ kpi }}' as kpi,
        cast({{ kpi }} as double) as value
    from {{ relation }}
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
    {%- else %}
    select
        report_month as month,
        {%- if group_column is not none %}
        {{ group_column }},
        {%- endif %}
        cast(null as string) as kpi,
        cast(null as double) as value
    from {{ relation }}
    where false
    {%- endif %}
{% endmacro %}
