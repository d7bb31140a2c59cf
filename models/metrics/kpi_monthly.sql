{#- One row per report month per KPI: the union of the family models
    (kpi_monthly_4c, _scale, _activity, _purchase, _service, _core, _trend),
    each KPI with its classification from kpi_catalog (metrics.yml meta).
    A KPI of the catalogue no family model computes fails the
    relationships test on kpi_catalog.kpi. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

catalog as (
    select * from {{ ref('kpi_catalog') }}
),

kpi_monthly_4c as (
    select * from {{ ref('kpi_monthly_4c') }}
),

kpi_monthly_scale as (
    select * from {{ ref('kpi_monthly_scale') }}
),

kpi_monthly_activity as (
    select * from {{ ref('kpi_monthly_activity') }}
),

kpi_monthly_purchase as (
    select * from {{ ref('kpi_monthly_purchase') }}
),

kpi_monthly_service as (
    select * from {{ ref('kpi_monthly_service') }}
),

kpi_monthly_core as (
    select * from {{ ref('kpi_monthly_core') }}
),

kpi_monthly_trend as (
    select * from {{ ref('kpi_monthly_trend') }}
),

family_rows as (
    select
        month,
        kpi,
        value
    from kpi_monthly_4c
    union all
    select
        month,
        kpi,
        value
    from kpi_monthly_scale
    union all
    select
        month,
        kpi,
        value
    from kpi_monthly_activity
    union all
    select
        month,
        kpi,
        value
    from kpi_monthly_purchase
    union all
    select
        month,
        kpi,
        value
    from kpi_monthly_service
    union all
    select
        month,
        kpi,
        value
    from kpi_monthly_core
    union all
    select
        month,
        kpi,
        value
    from kpi_monthly_trend
),

final as (
    select
        family_rows.month,
        family_rows.kpi,
        cast(family_rows.value as double) as value,
        catalog.family,
        catalog.mbsc_group,
        catalog.quadrant,
        catalog.label_zh,
        catalog.label_en,
        catalog.unit,
        catalog.higher_is_better,
        months.is_complete_month,
        catalog.kpi_order
    from family_rows
    inner join catalog
        on family_rows.kpi = catalog.kpi
    inner join months
        on family_rows.month = months.report_month
)

select * from final
