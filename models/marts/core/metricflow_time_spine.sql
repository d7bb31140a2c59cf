with

dates as (
    select * from {{ ref('int_dates_spined') }}
),

final as (
    select date_day
    from dates
)

select * from final
