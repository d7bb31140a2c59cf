{#- The report weeks (int_report_weeks_bounded): the grid of
    metrics.kpi_weekly. -#}
with

report_weeks as (
    select * from {{ ref('int_report_weeks_bounded') }}
),

final as (
    select
        report_week,
        week_end_date,
        iso_year,
        iso_week,
        is_complete_week
    from report_weeks
)

select * from final
