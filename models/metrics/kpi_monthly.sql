{#- The long form of kpi_monthly_wide: one row per report month per KPI,
    with the KPI's classification from kpi_catalog. The CASE below is
    generated from the KPI metrics of metrics.yml, so a metric without a
    column in kpi_monthly_wide fails the build. -#}
with

wide as (
    select * from {{ ref('kpi_monthly_wide') }}
),

catalog as (
    select * from {{ ref('kpi_catalog') }}
),

unpivoted as (
    select
        wide.report_month as month,
        catalog.kpi,
        cast(
            case catalog.kpi
                {%- for metric in kpi_metrics() %}
                    when '{{ metric.name }}' then wide.{{ metric.name }}
                {%- endfor %}
            end as double
        ) as value,
        catalog.family,
        catalog.mbsc_group,
        catalog.quadrant,
        catalog.label_zh,
        catalog.label_en,
        catalog.unit,
        catalog.higher_is_better,
        wide.is_complete_month,
        catalog.kpi_order
    from wide
    cross join catalog
),

final as (
    select
        month,
        kpi,
        value,
        family,
        mbsc_group,
        quadrant,
        label_zh,
        label_en,
        unit,
        higher_is_better,
        is_complete_month,
        kpi_order
    from unpivoted
)

select * from final
