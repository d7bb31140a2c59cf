{%- set audiences = memberkpi.audience_rules() -%}

with

members as (
    select * from {{ ref('dim_member') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

points as (
    select * from {{ ref('fct_points') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

{{ memberkpi.audience_clv_predictions() }}

month_evaluation_dates as (
    -- end(m); the as-of date for the month that holds it
    select
        report_month,
        case
            when month_end_date > {{ memberkpi.as_of_date() }}
                then {{ memberkpi.as_of_date() }}
            else month_end_date
        end as evaluation_date
    from months
),

evaluation_dates as (
    select distinct evaluation_date from month_evaluation_dates
),

{{ memberkpi.audience_ctes(audiences) }},

audience_titles as (
    {{ memberkpi.audience_titles(audiences) }}
),

membership_counts as (
    select
        evaluation_date,
        audience,
        count(*) as member_count
    from memberships
    group by evaluation_date, audience
),

final as (
    select
        month_evaluation_dates.report_month as month,
        audience_titles.audience,
        audience_titles.title_zh,
        audience_titles.title_en,
        {{ memberkpi.audience_member_count(
            audiences,
            'audience_titles.audience',
            'month_evaluation_dates.evaluation_date',
            'membership_counts.member_count'
        ) }} as member_count
    from month_evaluation_dates
    cross join audience_titles
    left join membership_counts
        on
            month_evaluation_dates.evaluation_date
            = membership_counts.evaluation_date
            and audience_titles.audience = membership_counts.audience
)

select * from final
