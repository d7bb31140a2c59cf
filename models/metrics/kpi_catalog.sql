{#- Generated from the metrics of metrics.yml (dbt's graph), never typed
    twice: one row per KPI, the metrics whose meta has is_kpi: true. One
    VALUES list rather than a union of one-row selects, which Spark would
    write as one file per KPI. Each column is named once, in columns, with
    its type and its value for a metric. -#}
{%- set kpis = kpi_metrics() -%}
{%- set columns = [
    ('kpi', 'string'),
    ('label', 'string'),
    ('definition', 'string'),
    ('definition_zh', 'string'),
    ('metric_type', 'string'),
    ('family', 'string'),
    ('other_families', 'string'),
    ('mbsc_group', 'string'),
    ('quadrant', 'string'),
    ('label_zh', 'string'),
    ('label_en', 'string'),
    ('unit', 'string'),
    ('higher_is_better', 'boolean'),
    ('is_weekly', 'boolean'),
    ('kpi_order', 'integer'),
] -%}

with

catalog as (
    {%- if kpis %}
        select *
        from (
            values
            {%- for metric in kpis %}
                {%- set meta = metric.config.meta %}
                (
                    {{ sql_text(metric.name) }},
                    {{ sql_text(metric.label) }},
                    {{ sql_text(metric.description) }},
                    {{ sql_text(meta.definition_zh) }},
                    {{ sql_text(metric.type) }},
                    {{ sql_text(meta.family) }},
                    {{ sql_text(meta.also_in | join(',') or none) }},
                    {{ sql_text(meta.mbsc_group) }},
                    {{ sql_text(meta.quadrant) }},
                    {{ sql_text(meta.label_zh) }},
                    {{ sql_text(meta.label_en) }},
                    {{ sql_text(meta.unit) }},
                    {{ 'true' if meta.higher_is_better else 'false' }},
                    {{ 'true' if meta.get('weekly') else 'false' }},
                    {{ loop.index }}
                ){{ "," if not loop.last }}
            {%- endfor %}
        ) as kpi_rows ({{ columns | map('first') | join(', ') }})  -- noqa: AL05
    {%- else %}
        select
            {%- for name, type in columns %}
            cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        where false
    {%- endif %}
),

final as (
    select * from catalog
)

select * from final
