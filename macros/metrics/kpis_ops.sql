{#- The operations KPIs (meta family ops: tier ladder, points economics,
    purchase ladder, touch funnel) per report month, long form: each KPI is
    one column expression of the kpis CTE. Reads fct_member_tier_monthly,
    fct_member_monthly, fct_orders, fct_points and fct_campaign_touches. A
    KPI that needs an absent optional table (tier_changes, points_ledger,
    campaign_touches: no rows) is null in every month. No ops KPI is split
    (meta splits empty; kpi_split refuses one that lists a grouping): the
    definitions are written for the grouping total only, and any other
    grouping fails the compilation. -#}
{% macro kpis_ops(grouping) %}
{%- if execute and grouping.name != 'total' -%}
    {{ exceptions.raise_compiler_error(
        'kpis_ops: the ops KPIs have no split; grouping ' ~ grouping.name
        ~ ' is not supported (remove it from their meta splits)'
    ) }}
{%- endif %}
with

{{ kpi_imports(
    grouping,
    ['member_months', 'member_tiers', 'orders', 'points', 'touches'],
) }}

-- a KPI that needs an absent optional table (no rows) is null
presence as (
    select
        (
            select count(*) from member_tiers
            where member_tiers.has_tier_changes
        ) > 0 as has_tier_changes,
        (select count(*) from points) > 0 as has_points,
        (select count(*) from touches) > 0 as has_touches
),

-- tier ladder: tiers at end(m) and end(m-1) of fct_member_tier_monthly
tier_counts as (
    select
        report_month,
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total,
        sum(
            case
                when is_enrolled_at_month_end and is_upper_tier then 1 else 0
            end
        ) as upper_tier_members,
        sum(
            case
                when
                    is_enrolled_at_previous_month_end
                    and is_enrolled_at_month_end
                    then 1
                else 0
            end
        ) as tier_change_base,
        sum(case when has_tier_upgrade then 1 else 0 end)
            as tier_upgraded_members,
        sum(case when has_tier_downgrade then 1 else 0 end)
            as tier_downgraded_members
    from member_tiers
    group by report_month
),

-- points economics
points_months as (
    select
        cast({{ dbt.date_trunc('month', 'occurred_date') }} as date)
            as points_month,
        sum(case when entry_type = 'earn' then points else 0 end)
            as points_issued,
        -sum(case when entry_type = 'expire' then points else 0 end)
            as points_expired
    from points
    group by 1
),

points_w12 as (
    select
        grid.report_month,
        sum(points_months.points_issued) as points_issued_w12,
        sum(points_months.points_expired) as points_expired_w12
    from grid
    inner join points_months
        on
            points_months.points_month
            between cast(
                {{ dbt.dateadd('month', -11, 'grid.report_month') }} as date
            )
            and grid.report_month
    group by grid.report_month
),

member_points_months as (
    select
        member_id,
        cast({{ dbt.date_trunc('month', 'occurred_date') }} as date)
            as points_month,
        sum(points) as points
    from points
    group by 1, 2
),

-- a member's balance at end(m): a running sum over the member's points
-- months and member months together (a month's points rows are peers of
-- its member-month row, so they are in the sum)
balance_events as (
    select
        member_id,
        report_month as event_month,
        is_enrolled_at_month_end,
        true as is_member_month,
        0 as points
    from member_months
    union all
    select
        member_id,
        points_month as event_month,
        false as is_enrolled_at_month_end,
        false as is_member_month,
        points
    from member_points_months
),

member_balances as (
    select
        event_month,
        is_enrolled_at_month_end,
        is_member_month,
        sum(points) over (
            partition by member_id
            order by event_month asc
            range between unbounded preceding and current row
        ) as points_balance
    from balance_events
),

points_outstanding_counts as (
    select
        event_month as report_month,
        sum(points_balance) as points_outstanding
    from member_balances
    where is_member_month and is_enrolled_at_month_end
    group by event_month
),

-- purchase ladder: f, s and the third member-order date of each member
member_order_dates as (
    select distinct
        member_id,
        order_date
    from orders
    where is_member_order
),

numbered_order_dates as (
    select
        member_id,
        order_date,
        row_number() over (
            partition by member_id
            order by order_date asc
        ) as order_date_number
    from member_order_dates
),

member_order_ladders as (
    select
        member_id,
        min(order_date) as first_member_order_date,
        max(case when order_date_number = 2 then order_date end)
            as second_member_order_date,
        max(case when order_date_number = 3 then order_date end)
            as third_member_order_date
    from numbered_order_dates
    group by member_id
),

third_purchase_counts as (
    select
        cast(
            {{ dbt.date_trunc('month', 'second_member_order_date') }} as date
        ) as cohort_month,
        count(*) as third_purchase_cohort,
        sum(
            case
                when
                    third_member_order_date <= cast(
                        {{ dbt.dateadd(
                            'day', 90, 'second_member_order_date'
                        ) }} as date
                    )
                    then 1
                else 0
            end
        ) as third_purchasers_90d
    from member_order_ladders
    where second_member_order_date is not null
    group by 1
),

-- member orders start on the joining date at the earliest, so a member
-- order in [j, j + 30] is a first member order on or before j + 30
new_member_counts as (
    select
        member_months.report_month as cohort_month,
        count(*) as new_member_cohort,
        sum(
            case
                when
                    member_order_ladders.first_member_order_date <= cast(
                        {{ dbt.dateadd(
                            'day', 30, 'member_months.joined_date'
                        ) }} as date
                    )
                    then 1
                else 0
            end
        ) as new_member_buyers_30d
    from member_months
    left join member_order_ladders
        on member_months.member_id = member_order_ladders.member_id
    where member_months.has_joined_in_month
    group by member_months.report_month
),

buyer_counts as (
    select
        report_month,
        sum(
            case
                when
                    is_enrolled_at_month_end
                    and count_member_orders_to_date >= 1
                    then 1
                else 0
            end
        ) as enrolled_buyers_to_date,
        sum(
            case
                when
                    is_enrolled_at_month_end
                    and count_member_orders_to_date = 1
                    then 1
                else 0
            end
        ) as enrolled_one_time_buyers
    from member_months
    group by report_month
),

discount_counts as (
    select
        order_month as report_month,
        count(*) as member_orders,
        sum(case when discount_amount > 0 then 1 else 0 end)
            as discounted_member_orders,
        sum(discount_amount) as member_discount_amount,
        sum(gross_amount) as member_gross_amount
    from orders
    where is_member_order
    group by order_month
),

-- touch funnel: treatment touches, no enrolment test
treatment_touches as (
    select
        touch_id,
        member_id,
        touched_at,
        is_delivered,
        is_opened,
        is_clicked,
        cast({{ dbt.date_trunc('month', 'touched_date') }} as date)
            as touch_month
    from touches
    where test_group = 'treatment'
),

converted_touches as (
    select distinct treatment_touches.touch_id
    from treatment_touches
    inner join orders
        on
            treatment_touches.member_id = orders.member_id
            and orders.is_member_order
            and treatment_touches.touched_at < orders.paid_at
            and orders.paid_at <= {{ dbt.dateadd(
                'day', 7, 'treatment_touches.touched_at'
            ) }}
    where treatment_touches.is_delivered
),

touch_counts as (
    select
        treatment_touches.touch_month as report_month,
        count(*) as touches,
        sum(case when treatment_touches.is_delivered then 1 else 0 end)
            as delivered_touches,
        sum(
            case
                when
                    treatment_touches.is_delivered
                    and treatment_touches.is_opened
                    then 1
                else 0
            end
        ) as opened_touches,
        sum(
            case
                when
                    treatment_touches.is_delivered
                    and treatment_touches.is_clicked
                    then 1
                else 0
            end
        ) as clicked_touches,
        count(converted_touches.touch_id) as converted_touches_7d
    from treatment_touches
    left join converted_touches
        on treatment_touches.touch_id = converted_touches.touch_id
    group by treatment_touches.touch_month
),

combined as (
    select
        {{ kpi_group_keys(grouping, 'grid') }}
        presence.has_tier_changes,
        presence.has_points,
        presence.has_touches,
        coalesce(tier_counts.members_total, 0) as members_total,
        coalesce(tier_counts.upper_tier_members, 0) as upper_tier_members,
        coalesce(tier_counts.tier_change_base, 0) as tier_change_base,
        coalesce(tier_counts.tier_upgraded_members, 0)
            as tier_upgraded_members,
        coalesce(tier_counts.tier_downgraded_members, 0)
            as tier_downgraded_members,
        coalesce(points_months.points_expired, 0) as points_expired,
        coalesce(points_w12.points_issued_w12, 0) as points_issued_w12,
        coalesce(points_w12.points_expired_w12, 0) as points_expired_w12,
        coalesce(points_outstanding_counts.points_outstanding, 0)
            as points_outstanding,
        coalesce(third_purchase_counts.third_purchase_cohort, 0)
            as third_purchase_cohort,
        coalesce(third_purchase_counts.third_purchasers_90d, 0)
            as third_purchasers_90d,
        coalesce(new_member_counts.new_member_cohort, 0) as new_member_cohort,
        coalesce(new_member_counts.new_member_buyers_30d, 0)
            as new_member_buyers_30d,
        coalesce(buyer_counts.enrolled_buyers_to_date, 0)
            as enrolled_buyers_to_date,
        coalesce(buyer_counts.enrolled_one_time_buyers, 0)
            as enrolled_one_time_buyers,
        coalesce(discount_counts.member_orders, 0) as member_orders,
        coalesce(discount_counts.discounted_member_orders, 0)
            as discounted_member_orders,
        discount_counts.member_discount_amount,
        discount_counts.member_gross_amount,
        coalesce(touch_counts.touches, 0) as touches,
        coalesce(touch_counts.delivered_touches, 0) as delivered_touches,
        coalesce(touch_counts.opened_touches, 0) as opened_touches,
        coalesce(touch_counts.clicked_touches, 0) as clicked_touches,
        coalesce(touch_counts.converted_touches_7d, 0) as converted_touches_7d
    from grid
    cross join presence
    left join tier_counts
        on grid.report_month = tier_counts.report_month
    left join points_months
        on grid.report_month = points_months.points_month
    left join points_w12
        on grid.report_month = points_w12.report_month
    left join points_outstanding_counts
        on grid.report_month = points_outstanding_counts.report_month
    left join third_purchase_counts
        on
            third_purchase_counts.cohort_month = cast(
                {{ dbt.dateadd('month', -4, 'grid.report_month') }} as date
            )
    left join new_member_counts
        on
            new_member_counts.cohort_month = cast(
                {{ dbt.dateadd('month', -2, 'grid.report_month') }} as date
            )
    left join buyer_counts
        on grid.report_month = buyer_counts.report_month
    left join discount_counts
        on grid.report_month = discount_counts.report_month
    left join touch_counts
        on grid.report_month = touch_counts.report_month
),

kpis as (
    select
        {{ kpi_group_keys(grouping) }}
        case
            when has_tier_changes
                then {{ safe_divide(
                    'tier_upgraded_members', 'tier_change_base'
                ) }}
        end as tier_upgrade_rate,
        case
            when has_tier_changes
                then {{ safe_divide(
                    'tier_downgraded_members', 'tier_change_base'
                ) }}
        end as tier_downgrade_rate,
        case
            when has_tier_changes
                then {{ safe_divide('upper_tier_members', 'members_total') }}
        end as upper_tier_share,
        case
            when has_points then cast(points_expired as double)
        end as points_expired,
        case
            when has_points then cast(points_outstanding as double)
        end as points_outstanding,
        case
            when has_points
                then
                    cast(points_outstanding as double)
                    * cast({{ var('points_value_cny') }} as double)
        end as points_liability_cny,
        case
            when has_points
                then {{ safe_divide(
                    'points_expired_w12', 'points_issued_w12'
                ) }}
        end as points_expiry_rate_w12,
        {{ safe_divide('third_purchasers_90d', 'third_purchase_cohort') }}
            as third_purchase_rate_90d,
        {{ safe_divide('new_member_buyers_30d', 'new_member_cohort') }}
            as new_member_purchase_rate_30d,
        {{ safe_divide('enrolled_one_time_buyers', 'enrolled_buyers_to_date') }}
            as one_time_buyer_share,
        {{ safe_divide('member_discount_amount', 'member_gross_amount') }}
            as member_discount_rate,
        {{ safe_divide('discounted_member_orders', 'member_orders') }}
            as discounted_member_order_share,
        case
            when has_touches
                then {{ safe_divide('delivered_touches', 'touches') }}
        end as touch_delivery_rate,
        case
            when has_touches
                then {{ safe_divide('opened_touches', 'delivered_touches') }}
        end as touch_open_rate,
        case
            when has_touches
                then {{ safe_divide('clicked_touches', 'delivered_touches') }}
        end as touch_click_rate,
        case
            when has_touches
                then {{ safe_divide(
                    'converted_touches_7d', 'delivered_touches'
                ) }}
        end as touch_conversion_rate_7d
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['ops'], grouping), grouping) }}
)

select * from final
{% endmacro %}
