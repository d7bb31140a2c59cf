{#- Generated from the metrics of metrics.yml (dbt's graph), never typed
    twice: one row per KPI, the metrics whose meta has is_kpi: true. -#}
{%- set kpis = kpi_metrics() -%}

with

catalog as (
    {%- for metric in kpis %}
    {%- set meta = metric.config.meta %}
    select
        '{{ metric.name }}' as kpi,
        {{ memberkpi.sql_text(metric.label) }} as label,
        {{ memberkpi.sql_text(metric.description) }} as definition,
        '{{ metric.type }}' as metric_type,
        '{{ meta.family }}' as family,
        {{ memberkpi.sql_text(meta.also_in | join(',')) }} as other_families,
        {{ memberkpi.sql_text(meta.mbsc_group) }} as mbsc_group,
        '{{ meta.quadrant }}' as quadrant,
        {{ memberkpi.sql_text(meta.label_zh) }} as label_zh,
        {{ memberkpi.sql_text(meta.label_en) }} as label_en,
        '{{ meta.unit }}' as unit,
        {{ 'true' if meta.higher_is_better else 'false' }} as higher_is_better,
        {{ loop.index }} as kpi_order
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as string) as kpi,
        cast(null as string) as label,
        cast(null as string) as definition,
        cast(null as string) as metric_type,
        cast(null as string) as family,
        cast(null as string) as other_families,
        cast(null as string) as mbsc_group,
        cast(null as string) as quadrant,
        cast(null as string) as label_zh,
        cast(null as string) as label_en,
        cast(null as string) as unit,
        cast(null as boolean) as higher_is_better,
        cast(null as integer) as kpi_order
    where false
    {%- endfor %}
),

final as (
    select
        kpi,
        label,
        definition,
        metric_type,
        family,
        nullif(other_families, '') as other_families,
        mbsc_group,
        quadrant,
        label_zh,
        label_en,
        unit,
        higher_is_better,
        cast(kpi_order as integer) as kpi_order
    from catalog
)

select * from final
