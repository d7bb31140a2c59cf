{#- The MBSC service-experience KPIs (meta mbsc_group service) for every
    report month, long form: one column expression per KPI in kpis. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

reviews as (
    select * from {{ ref('fct_reviews') }}
),

surveys as (
    select * from {{ ref('fct_surveys') }}
),

-- a KPI that needs an absent optional table (no rows) is null
presence as (
    select (select count(*) from tickets) > 0 as has_tickets
),

order_counts as (
    select
        order_month as report_month,
        sum(case when is_valid then 1 else 0 end) as valid_orders,
        sum(case when is_paid_not_cancelled then 1 else 0 end)
            as paid_not_cancelled_orders,
        sum(case when is_paid_not_cancelled and has_refund then 1 else 0 end)
            as refunded_orders
    from orders
    where order_month is not null
    group by order_month
),

tickets_resolved as (
    select
        cast({{ dbt.date_trunc('month', 'resolved_date') }} as date)
            as report_month,
        avg(cast(satisfaction_score as double)) as csat
    from tickets
    where resolved_date is not null
    group by 1
),

tickets_created as (
    select
        cast({{ dbt.date_trunc('month', 'created_date') }} as date)
            as report_month,
        count(*) as tickets_created,
        sum(case when ticket_type = 'complaint' then 1 else 0 end)
            as complaints,
        avg(first_response_minutes) as first_response_minutes,
        sum(case when is_resolved_within_48h then 1 else 0 end)
            as resolved_within_48h
    from tickets
    group by 1
),

review_counts as (
    select
        cast({{ dbt.date_trunc('month', 'created_date') }} as date)
            as report_month,
        count(*) as reviews,
        sum(case when is_negative then 1 else 0 end) as negative_reviews
    from reviews
    where rating is not null
    group by 1
),

survey_counts as (
    select
        cast({{ dbt.date_trunc('month', 'responded_date') }} as date)
            as report_month,
        count(*) as responses,
        sum(case when nps_category = 'promoter' then 1 else 0 end)
            as promoters,
        sum(case when nps_category = 'detractor' then 1 else 0 end)
            as detractors
    from surveys
    where nps_score is not null
    group by 1
),

combined as (
    select
        months.report_month,
        coalesce(order_counts.valid_orders, 0) as valid_orders,
        coalesce(order_counts.paid_not_cancelled_orders, 0)
            as paid_not_cancelled_orders,
        coalesce(order_counts.refunded_orders, 0) as refunded_orders,
        tickets_resolved.csat,
        case
            when presence.has_tickets
                then coalesce(tickets_created.complaints, 0)
        end as complaints,
        tickets_created.tickets_created,
        tickets_created.first_response_minutes,
        tickets_created.resolved_within_48h,
        review_counts.reviews,
        review_counts.negative_reviews,
        survey_counts.responses,
        survey_counts.promoters,
        survey_counts.detractors
    from months
    cross join presence
    left join order_counts
        on months.report_month = order_counts.report_month
    left join tickets_resolved
        on months.report_month = tickets_resolved.report_month
    left join tickets_created
        on months.report_month = tickets_created.report_month
    left join review_counts
        on months.report_month = review_counts.report_month
    left join survey_counts
        on months.report_month = survey_counts.report_month
),

kpis as (
    select
        report_month,
        csat,
        {{ safe_divide('complaints', 'valid_orders') }} as complaint_rate,
        {{ safe_divide('refunded_orders', 'paid_not_cancelled_orders') }}
            as refund_rate,
        first_response_minutes,
        {{ safe_divide('resolved_within_48h', 'tickets_created') }}
            as resolution_rate_48h,
        100 * {{ safe_divide('promoters - detractors', 'responses') }} as nps,
        {{ safe_divide('negative_reviews', 'reviews') }}
            as negative_review_rate
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['service'])) }}
)

select * from final
