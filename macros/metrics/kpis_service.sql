{#- The MBSC service-experience KPIs (meta mbsc_group service) per report
    month and group of grouping (kpi_grouping), long form: each KPI is one
    column expression of the kpis CTE. Reads fct_orders, fct_service_tickets
    (by month created, and by month resolved for csat), fct_reviews and
    fct_surveys. -#}
{% macro kpis_service(grouping) %}
with

{{ kpi_imports(grouping, ['orders', 'tickets', 'reviews', 'surveys']) }}

presence as (
    select {{ kpi_has_rows('tickets') }} as has_tickets
),

order_counts as (
    {% call kpi_counts(
        grouping, 'orders', 'order_month', 'order_month is not null'
    ) %}
        sum(case when is_valid then 1 else 0 end) as valid_orders,
        sum(case when is_paid_not_cancelled then 1 else 0 end)
            as paid_not_cancelled_orders,
        sum(case when is_paid_not_cancelled and has_refund then 1 else 0 end)
            as refunded_orders
    {% endcall %}
),

tickets_resolved as (
    {% call kpi_counts(
        grouping,
        'tickets',
        first_day_of_month('resolved_date'),
        'resolved_date is not null'
    ) %}
        avg(cast(satisfaction_score as double)) as csat
    {% endcall %}
),

tickets_created as (
    {% call kpi_counts(
        grouping,
        'tickets',
        first_day_of_month('created_date')
    ) %}
        count(*) as tickets_created,
        sum(case when ticket_type = 'complaint' then 1 else 0 end)
            as complaints,
        avg(first_response_minutes) as first_response_minutes,
        sum(case when is_resolved_within_48h then 1 else 0 end)
            as resolved_within_48h
    {% endcall %}
),

review_counts as (
    {% call kpi_counts(
        grouping,
        'reviews',
        first_day_of_month('created_date'),
        'rating is not null'
    ) %}
        count(*) as reviews,
        sum(case when is_negative then 1 else 0 end) as negative_reviews
    {% endcall %}
),

survey_counts as (
    {% call kpi_counts(
        grouping,
        'surveys',
        first_day_of_month('responded_date'),
        'nps_score is not null'
    ) %}
        count(*) as responses,
        sum(case when nps_category = 'promoter' then 1 else 0 end)
            as promoters,
        sum(case when nps_category = 'detractor' then 1 else 0 end)
            as detractors
    {% endcall %}
),

combined as (
    select
        {{ kpi_group_keys(grouping, 'grid') }}
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
    from grid
    cross join presence
    {{ kpi_join(grouping, 'orders', 'order_counts') }}
    {{ kpi_join(grouping, 'tickets', 'tickets_resolved') }}
    {{ kpi_join(grouping, 'tickets', 'tickets_created') }}
    {{ kpi_join(grouping, 'reviews', 'review_counts') }}
    {{ kpi_join(grouping, 'surveys', 'survey_counts') }}
),

kpis as (
    select
        {{ kpi_group_keys(grouping) }}
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
    {{ kpi_rows('kpis', kpi_names(['service'], grouping), grouping) }}
)

select * from final
{% endmacro %}
