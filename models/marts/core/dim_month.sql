with

report_months as (
    select * from {{ ref('int_report_months_bounded') }}
),

final as (
    select
        report_month,
        month_end_date,
        cast({{ dbt.dateadd('month', -1, 'report_month') }} as date)
            as previous_month,
        cast({{ dbt.dateadd('month', -12, 'report_month') }} as date)
            as same_month_last_year,
        is_complete_month
    from report_months
)

select * from final
