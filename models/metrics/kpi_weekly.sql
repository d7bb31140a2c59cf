{#- One row per report week per weekly KPI (metrics.yml meta weekly:
    true): the weekly definitions of macro kpis_weekly, with the ISO year
    and week and completeness from dim_week and each KPI's classification
    from kpi_catalog (metrics.yml meta). -#}
with

weeks as (
    select * from {{ ref('dim_week') }}
),

catalog as (
    select * from {{ ref('kpi_catalog') }}
),

weekly_rows as (
    {{ kpis_weekly() }}
),

final as (
    select
        weekly_rows.week,
        weeks.iso_year,
        weeks.iso_week,
        weekly_rows.kpi,
        cast(weekly_rows.value as double) as value,
        catalog.family,
        catalog.mbsc_group,
        catalog.quadrant,
        catalog.label_zh,
        catalog.label_en,
        catalog.unit,
        catalog.higher_is_better,
        weeks.is_complete_week,
        catalog.kpi_order
    from weekly_rows
    inner join catalog
        on weekly_rows.kpi = catalog.kpi
    inner join weeks
        on weekly_rows.week = weeks.report_week
)

select * from final
