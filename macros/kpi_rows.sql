{#- The KPI metrics of metrics.yml whose meta family or mbsc_group is one of
    groups, by name, in file order: the KPIs a family model computes. -#}
{% macro kpi_names(groups) %}
    {%- set names = [] -%}
    {%- for metric in kpi_metrics() -%}
        {%- set meta = metric.config.meta -%}
        {%- if meta.family in groups or meta.mbsc_group in groups -%}
            {%- do names.append(metric.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- One row (month, grouping columns, kpi, value) per row of relation and
    KPI of kpis: relation holds report_month, the grouping columns and one
    column per KPI. A KPI without its column fails the build. -#}
{% macro kpi_rows(relation, kpis, grouping=[]) %}
    {%- if kpis -%}
        {%- for kpi in kpis %}
    select
        report_month as month,
        {%- for column in grouping %}
        {{ column }},
        {%- endfor %}
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
        {%- for column in grouping %}
        {{ column }},
        {%- endfor %}
        cast(null as string) as kpi,
        cast(null as double) as value
    from {{ relation }}
    where false
    {%- endif %}
{% endmacro %}
