{#- Generated from the metrics of metrics.yml (dbt's graph), never typed
    twice: one row per KPI, the metrics whose meta has is_kpi: true. One
    VALUES list rather than a union of one-row selects, which Spark would
    write as one file per KPI. -#}
{%- set kpis = kpi_metrics() -%}

with

catalog as (
    {%- if kpis %}
        select *
        from (
            values
            {%- for metric in kpis %}
                {%- set meta = metric.config.meta %}
                (
                    '{{ metric.name }}',
                    {{ memberkpi.sql_text(metric.label) }},
                    {{ memberkpi.sql_text(metric.description) }},
                    '{{ metric.type }}',
                    '{{ meta.family }}',
                    {{ memberkpi.sql_text(meta.also_in | join(',')) }},
                    {{ memberkpi.sql_text(meta.mbsc_group) }},
                    '{{ meta.quadrant }}',
                    {{ memberkpi.sql_text(meta.label_zh) }},
                    {{ memberkpi.sql_text(meta.label_en) }},
                    '{{ meta.unit }}',
                    {{ 'true' if meta.higher_is_better else 'false' }},
                    {{ loop.index }}
                ){{ "," if not loop.last }}
            {%- endfor %}
        ) as kpi_rows (  -- noqa: AL05
            kpi,
            label,
            definition,
            metric_type,
            family,
            other_families,
            mbsc_group,
            quadrant,
            label_zh,
            label_en,
            unit,
            higher_is_better,
            kpi_order
        )
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
    {%- endif %}
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
