{#- One row per report month per KPI: the union of the family models
    (kpi_monthly_<family>, each in long form: month, kpi, value), each KPI
    with its classification from kpi_catalog (metrics.yml meta). A KPI of
    the catalogue no family model computes fails the relationships test on
    kpi_catalog.kpi. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

catalog as (
    select * from {{ ref('kpi_catalog') }}
),

first_paid as (
    {{ first_valid_paid_month() }}
),

family_rows as (
    {{ union_all_rows([
        ref('kpi_monthly_4c'),
        ref('kpi_monthly_scale'),
        ref('kpi_monthly_activity'),
        ref('kpi_monthly_purchase'),
        ref('kpi_monthly_service'),
        ref('kpi_monthly_core'),
        ref('kpi_monthly_trend'),
        ref('kpi_monthly_ops'),
    ]) }}
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
        {{ is_window_complete(
            'family_rows.month',
            'family_rows.kpi',
            'first_paid.first_paid_month',
        ) }} as is_window_complete,
        catalog.kpi_order
    from family_rows
    inner join catalog
        on family_rows.kpi = catalog.kpi
    inner join months
        on family_rows.month = months.report_month
    cross join first_paid
)

select * from final
