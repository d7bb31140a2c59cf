{#- Business calendar over the days of int_dates_spined (whole years
    around the data): the shopping festivals are fixed dates in the
    business time zone; weekdays are ISO (1 = Monday, macro iso_weekday).
    618 season: June 1-18; Double 11 season: the pre-sale from October 20
    to November 11. -#}
with

dates as (
    select * from {{ ref('int_dates_spined') }}
),

parts as (
    select
        date_day,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date)
            as month_start_date,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(day from date_day) as integer) as day_of_month,
        -- the engine's own ISO day of week: 1 = Monday ... 7 = Sunday
        cast({{ iso_weekday('date_day') }} as integer) as iso_weekday
    from dates
),

final as (
    select
        date_day,
        month_start_date,
        year_number,
        month_number,
        day_of_month,
        iso_weekday,
        iso_weekday >= 6 as is_weekend,
        month_number = 6 and day_of_month = 18 as is_618,
        month_number = 6 and day_of_month <= 18 as is_618_season,
        month_number = 11 and day_of_month = 11 as is_double_11,
        (month_number = 10 and day_of_month >= 20)
        or (month_number = 11 and day_of_month <= 11)
            as is_double_11_season
    from parts
)

select * from final
