with

members as (
    select * from {{ ref('stg_raw__members') }}
),

orders as (
    select * from {{ ref('stg_raw__orders') }}
),

dates as (
    select * from {{ ref('int_dates_spined') }}
),

business_dates as (
    select cast(joined_at as date) as business_date from members
    union all
    select cast(paid_at as date) as business_date
    from orders
    where paid_at is not null
),

bounds as (
    select
        min(business_date) as first_business_date,
        max(business_date) as last_business_date
    from business_dates
),

months as (
    select distinct
        cast({{ dbt.date_trunc('month', 'dates.date_day') }} as date)
            as report_month
    from dates
    cross join bounds
    where
        dates.date_day between bounds.first_business_date
        and bounds.last_business_date
),

final as (
    select
        months.report_month,
        cast({{ dbt.last_day('months.report_month', 'month') }} as date)
            as month_end_date,
        bounds.first_business_date,
        bounds.last_business_date,
        bounds.last_business_date
        >= cast({{ dbt.last_day('months.report_month', 'month') }} as date)
            as is_complete_month
    from months
    cross join bounds
)

select * from final
