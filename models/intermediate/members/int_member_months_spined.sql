{#- Months a member needs a row for: from the earlier of the join month and
    the first interaction (pre-join interactions count as engagement) to
    the report end, or 23 months after exit (the last month whose W12prev
    window still holds member orders). The extra 11 months before the report
    range feed the first W12 windows. -#}
with

spans as (
    select * from {{ ref('int_enrolment_spans_derived') }}
),

activity as (
    select * from {{ ref('int_member_activity_months_aggregated') }}
),

report_months as (
    select * from {{ ref('int_report_months_bounded') }}
),

dates as (
    select * from {{ ref('int_dates_spined') }}
),

report_bounds as (
    select
        cast(
            {{ dbt.dateadd('month', -11, 'min(report_month)') }} as date
        ) as first_grid_month,
        max(report_month) as last_report_month
    from report_months
),

calendar as (
    select distinct
        cast({{ dbt.date_trunc('month', 'dates.date_day') }} as date)
            as grid_month
    from dates
    cross join report_bounds
    where
        dates.date_day between report_bounds.first_grid_month
        and report_bounds.last_report_month
),

first_activity as (
    select
        member_id,
        min(activity_month) as first_activity_month
    from activity
    group by member_id
),

member_bounds as (
    select
        spans.member_id,
        greatest(
            least(
                spans.join_month,
                coalesce(first_activity.first_activity_month, spans.join_month)
            ),
            report_bounds.first_grid_month
        ) as first_member_month,
        least(
            report_bounds.last_report_month,
            coalesce(
                cast(
                    {{ dbt.dateadd('month', 23, 'spans.exit_month') }} as date
                ),
                report_bounds.last_report_month
            )
        ) as last_member_month
    from spans
    cross join report_bounds
    left join first_activity
        on spans.member_id = first_activity.member_id
),

final as (
    select
        member_bounds.member_id,
        calendar.grid_month as report_month
    from member_bounds
    inner join calendar
        on
            calendar.grid_month between member_bounds.first_member_month
            and member_bounds.last_member_month
)

select * from final
