{#- Every KPI of KPI_SPEC.md for every report month, one column each.
    kpi_monthly is the long form of this table. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

points as (
    select * from {{ ref('fct_points') }}
),

traffic as (
    select * from {{ ref('fct_channel_traffic') }}
),

interactions as (
    select * from {{ ref('fct_interactions') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
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

exposure as (
    select * from {{ ref('fct_exposure') }}
),

-- which optional tables hold rows: a KPI that needs an absent table is null
presence as (
    select
        (select count(*) from points) > 0 as has_points,
        (select count(*) from traffic) > 0 as has_traffic,
        (select count(*) from interactions) > 0 as has_interactions,
        (select count(*) from order_items) > 0 as has_order_items,
        (select count(*) from tickets) > 0 as has_tickets,
        (select count(*) from reviews) > 0 as has_reviews,
        (select count(*) from surveys) > 0 as has_surveys,
        (select count(*) from exposure) > 0 as has_exposure
),

member_counts as (
    select
        report_month,
        {%- for column, condition in [
            ('members_total', 'is_enrolled_at_month_end'),
            ('members_new', 'has_joined_in_month'),
            ('members_exited', 'has_exited_in_month'),
            ('reachable_members', 'is_enrolled_at_month_end and is_reachable'),
            ('active_members', 'is_enrolled_at_month_end and is_engaged'),
            ('interacting_members',
                'is_enrolled_at_month_end and count_interactions > 0'),
            ('capital', 'is_capital'),
            ('capital_engaged_in_month', 'is_capital and is_engaged'),
            ('capital_cross_field', 'is_capital and has_multiple_channels_w12'),
            ('conversion_base',
                'is_enrolled_at_previous_month_end and is_enrolled_at_month_end'
                ~ ' and previous_depth_level < 3'),
            ('conversion_deepened',
                'is_enrolled_at_previous_month_end and is_enrolled_at_month_end'
                ~ ' and depth_level > previous_depth_level'),
            ('member_buyers', 'is_member_buyer'),
            ('new_member_buyers', 'is_member_buyer and has_joined_in_month'),
            ('member_buyers_w12', 'count_member_orders_w12 >= 1'),
            ('repeat_buyers_w12', 'count_member_orders_w12 >= 2'),
            ('cross_category_buyers_w12',
                'count_member_orders_w12 >= 1 and has_multiple_categories_w12'),
            ('retention_base', 'count_member_orders_w12prev >= 1'),
            ('retained_members',
                'count_member_orders_w12prev >= 1'
                ~ ' and count_member_orders_w12 >= 1'),
            ('second_purchase_cohort', 'is_second_purchase_cohort'),
            ('second_purchasers',
                'is_second_purchase_cohort and has_second_member_order_90d'),
        ] %}
            sum(case when {{ condition }} then 1 else 0 end) as {{ column }},
        {%- endfor %}
        sum(count_member_orders) as member_orders,
        sum(member_net_sales) as member_net_sales,
        sum(case when is_capital then member_net_sales_w12 else 0 end)
            as capital_member_net_sales_w12
    from member_monthly
    group by report_month
),

order_counts as (
    select
        order_month as report_month,
        sum(case when is_valid then net_amount else 0 end) as total_net_sales,
        count(distinct case when is_valid then person_key end) as total_buyers,
        sum(case when is_valid then 1 else 0 end) as valid_orders,
        sum(case when is_paid_not_cancelled then 1 else 0 end)
            as paid_not_cancelled_orders,
        sum(case when is_paid_not_cancelled and has_refund then 1 else 0 end)
            as refunded_orders
    from orders
    where order_month is not null
    group by order_month
),

points_counts as (
    select
        cast({{ dbt.date_trunc('month', 'occurred_date') }} as date)
            as report_month,
        sum(case when entry_type = 'earn' then points else 0 end)
            as points_issued,
        -sum(case when entry_type = 'redeem' then points else 0 end)
            as points_redeemed
    from points
    group by 1
),

traffic_counts as (
    select
        cast({{ dbt.date_trunc('month', 'traffic_date') }} as date)
            as report_month,
        sum(visitors) as visitors
    from traffic
    group by 1
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

latest_snapshots as (
    select
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date)
            as report_month,
        max(snapshot_date) as snapshot_date
    from exposure
    group by 1
),

exposure_counts as (
    select
        latest_snapshots.report_month,
        count(*) as resources,
        sum(case when exposure.shows_member_entry then 1 else 0 end)
            as resources_with_member_entry
    from latest_snapshots
    inner join exposure
        on latest_snapshots.snapshot_date = exposure.snapshot_date
    group by 1
),

combined as (
    select
        months.report_month,
        months.is_complete_month,
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(member_counts.members_new, 0) as members_new,
        coalesce(member_counts.members_exited, 0) as members_exited,
        coalesce(member_counts.reachable_members, 0) as reachable_members,
        coalesce(member_counts.active_members, 0) as active_members,
        coalesce(member_counts.interacting_members, 0) as interacting_members,
        coalesce(member_counts.capital, 0) as capital,
        coalesce(member_counts.capital_engaged_in_month, 0)
            as capital_engaged_in_month,
        coalesce(member_counts.capital_cross_field, 0) as capital_cross_field,
        coalesce(member_counts.capital_member_net_sales_w12, 0)
            as capital_member_net_sales_w12,
        coalesce(member_counts.conversion_base, 0) as conversion_base,
        coalesce(member_counts.conversion_deepened, 0) as conversion_deepened,
        coalesce(member_counts.member_buyers, 0) as member_buyers,
        coalesce(member_counts.new_member_buyers, 0) as new_member_buyers,
        coalesce(member_counts.member_orders, 0) as member_orders,
        coalesce(member_counts.member_net_sales, 0) as member_net_sales,
        coalesce(member_counts.member_buyers_w12, 0) as member_buyers_w12,
        coalesce(member_counts.repeat_buyers_w12, 0) as repeat_buyers_w12,
        coalesce(member_counts.cross_category_buyers_w12, 0)
            as cross_category_buyers_w12,
        coalesce(member_counts.retention_base, 0) as retention_base,
        coalesce(member_counts.retained_members, 0) as retained_members,
        coalesce(member_counts.second_purchase_cohort, 0)
            as second_purchase_cohort,
        coalesce(member_counts.second_purchasers, 0) as second_purchasers,
        coalesce(order_counts.total_net_sales, 0) as total_net_sales,
        coalesce(order_counts.total_buyers, 0) as total_buyers,
        coalesce(order_counts.valid_orders, 0) as valid_orders,
        coalesce(order_counts.paid_not_cancelled_orders, 0)
            as paid_not_cancelled_orders,
        coalesce(order_counts.refunded_orders, 0) as refunded_orders,
        case
            when presence.has_points
                then coalesce(points_counts.points_issued, 0)
        end as points_issued,
        case
            when presence.has_points
                then coalesce(points_counts.points_redeemed, 0)
        end as points_redeemed,
        case
            when presence.has_traffic then traffic_counts.visitors
        end as visitors,
        presence.has_interactions,
        presence.has_order_items,
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
        survey_counts.detractors,
        exposure_counts.resources,
        exposure_counts.resources_with_member_entry
    from months
    cross join presence
    left join member_counts
        on months.report_month = member_counts.report_month
    left join order_counts
        on months.report_month = order_counts.report_month
    left join points_counts
        on months.report_month = points_counts.report_month
    left join traffic_counts
        on months.report_month = traffic_counts.report_month
    left join tickets_resolved
        on months.report_month = tickets_resolved.report_month
    left join tickets_created
        on months.report_month = tickets_created.report_month
    left join review_counts
        on months.report_month = review_counts.report_month
    left join survey_counts
        on months.report_month = survey_counts.report_month
    left join exposure_counts
        on months.report_month = exposure_counts.report_month
),

kpis as (
    select
        report_month,
        is_complete_month,

        -- 4C
        cast(capital as double) as capital,
        {{ safe_divide('capital', 'members_total') }} as capital_rate,
        {{ safe_divide('conversion_deepened', 'conversion_base') }}
            as conversion,
        {{ safe_divide('capital_member_net_sales_w12', 'capital') }} as clv,
        {{ safe_divide('capital_engaged_in_month', 'capital') }}
            as connection,
        {{ safe_divide('capital_cross_field', 'capital') }}
            as cross_field_rate,

        -- MBSC: member scale
        cast(members_total as double) as members_total,
        cast(members_new as double) as members_new,
        cast(members_exited as double) as members_exited,
        {{ relative_change(
            'cast(members_total as double)',
            'lag(cast(members_total as double)) over (order by report_month)'
        ) }} as member_growth_rate,
        cast(reachable_members as double) as reachable_members,
        {{ safe_divide('members_new', 'visitors') }} as join_conversion_rate,

        -- MBSC: activity
        cast(active_members as double) as active_members,
        {{ safe_divide('active_members', 'members_total') }} as activity_rate,
        case
            when has_interactions
                then {{ safe_divide('interacting_members', 'members_total') }}
        end as engagement_rate,
        cast(points_issued as double) as points_issued,
        cast(points_redeemed as double) as points_redeemed,
        {{ safe_divide('points_redeemed', 'points_issued') }}
            as points_redemption_rate,

        -- MBSC: purchase penetration
        cast(total_net_sales as double) as total_net_sales,
        cast(member_net_sales as double) as member_net_sales,
        {{ safe_divide('member_net_sales', 'total_net_sales') }}
            as member_sales_share,
        cast(member_orders as double) as member_orders,
        cast(member_buyers as double) as member_buyers,
        cast(new_member_buyers as double) as new_member_buyers,
        cast(member_buyers - new_member_buyers as double)
            as returning_member_buyers,
        {{ safe_divide('member_buyers', 'total_buyers') }}
            as member_buyer_share,
        {{ safe_divide('member_buyers', 'members_total') }}
            as member_purchase_penetration,
        {{ safe_divide('member_net_sales', 'member_buyers') }} as member_aov,
        {{ safe_divide('member_net_sales', 'member_orders') }}
            as member_order_value,
        {{ safe_divide('member_orders', 'member_buyers') }}
            as member_purchase_frequency,
        {{ safe_divide('repeat_buyers_w12', 'member_buyers_w12') }}
            as repeat_purchase_rate,
        {{ safe_divide('second_purchasers', 'second_purchase_cohort') }}
            as second_purchase_rate_90d,
        case
            when has_order_items
                then {{ safe_divide(
                    'cross_category_buyers_w12', 'member_buyers_w12'
                ) }}
        end as cross_category_rate,
        {{ safe_divide('resources_with_member_entry', 'resources') }}
            as member_exposure_rate,

        -- MBSC: service experience
        csat,
        {{ safe_divide('complaints', 'valid_orders') }} as complaint_rate,
        {{ safe_divide('refunded_orders', 'paid_not_cancelled_orders') }}
            as refund_rate,
        first_response_minutes,
        {{ safe_divide('resolved_within_48h', 'tickets_created') }}
            as resolution_rate_48h,
        100 * {{ safe_divide('promoters - detractors', 'responses') }} as nps,
        {{ safe_divide('negative_reviews', 'reviews') }}
            as negative_review_rate,

        -- core and related
        {{ safe_divide('retained_members', 'retention_base') }}
            as retention_rate,
        {{ safe_divide('total_buyers', 'visitors') }}
            as purchase_conversion_rate
    from combined
),

final as (
    select
        *,
        {%- for core_kpi in [
            'member_purchase_frequency', 'member_aov', 'retention_rate'
        ] %}
        {{ relative_change(
            core_kpi,
            'lag(' ~ core_kpi ~ ') over (order by report_month)'
        ) }} as {{ core_kpi }}_mom,
        {{ relative_change(
            core_kpi,
            'lag(' ~ core_kpi ~ ', 12) over (order by report_month)'
        ) }} as {{ core_kpi }}_yoy
        {{- "," if not loop.last }}
    {%- endfor %}
    from kpis
)

select * from final
