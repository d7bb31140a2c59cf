with

dates as (
    select * from {{ ref('int_dates_spined') }}
),

final as (
    select distinct
        cast({{ dbt.date_trunc('month', 'date_day') }} as date)
            as month_start_date
    from dates
)

select * from final
