{#- The report weeks: ISO weeks (Monday to Sunday, business time) over the
    business-date range of int_report_months_bounded, the range of the
    report months, so kpi_weekly and kpi_monthly read the same data. -#}
with

report_months as (
    select * from {{ ref('int_report_months_bounded') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

dates as (
    select * from {{ ref('int_dates_spined') }}
),

bounds as (
    select
        min(first_business_date) as first_business_date,
        max(last_business_date) as last_business_date
    from report_months
),

first_paid as (
    select min(order_date) as first_paid_date
    from orders
    where is_valid
),

weeks as (
    select distinct
        {{ first_day_of_iso_week('dates.date_day') }} as report_week
    from dates
    cross join bounds
    where
        dates.date_day between bounds.first_business_date
        and bounds.last_business_date
),

dated as (
    select
        weeks.report_week,
        cast({{ dbt.dateadd('day', 6, 'weeks.report_week') }} as date)
            as week_end_date,
        -- the ISO year of a week is the year of its Thursday
        cast({{ dbt.dateadd('day', 3, 'weeks.report_week') }} as date)
            as week_thursday,
        bounds.last_business_date,
        first_paid.first_paid_date
    from weeks
    cross join bounds
    cross join first_paid
),

final as (
    select
        report_week,
        week_end_date,
        cast(extract(year from week_thursday) as integer) as iso_year,
        cast(
            floor(
                {{ dbt.datediff(
                    first_day_of_year('week_thursday'), 'week_thursday', 'day'
                ) }} / 7
            ) as integer
        ) + 1 as iso_week,
        last_business_date,
        coalesce(
            report_week >= first_paid_date
            and week_end_date <= last_business_date,
            false
        ) as is_complete_week
    from dated
)

select * from final
