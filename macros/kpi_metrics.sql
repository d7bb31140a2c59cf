{#- The KPI metrics of metrics.yml (meta is_kpi: true), in file order.
    Empty at parse time, when dbt's graph is not yet filled. -#}
{% macro kpi_metrics() %}
    {%- set kpis = [] -%}
    {%- if execute -%}
        {%- for metric in graph.metrics.values()
            if metric.config.meta.get('is_kpi') -%}
            {%- do kpis.append(metric) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(kpis) }}
{% endmacro %}


{#- A Python value as a SQL text literal (null for none). -#}
{% macro sql_text(value) -%}
    {%- if value is none -%}
        cast(null as string)
    {%- else -%}
        '{{ value | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}


{#- Python strings as a comma-separated list of SQL text literals (for an
    `in (...)` list). -#}
{% macro sql_text_list(values) -%}
    {%- for value in values -%}
        {{ sql_text(value) }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
