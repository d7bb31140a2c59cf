{#- The operations KPIs (meta family ops: tier ladder, points economics,
    purchase ladder, touch funnel) per report month, long form: each KPI is
    one column expression of the kpis CTE. Reads fct_member_tier_monthly,
    fct_member_monthly, fct_orders, fct_points and fct_campaign_touches;
    the member-level inputs (points balance and its CNY value, the purchase
    ladder cohort flags) and the per-touch 7-day conversion are mart columns
    that the MetricFlow measures read too, so each is defined once. A
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
            where member_tiers.has_tier_changes_table
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

-- points balance at end(m) of the members enrolled then
-- (fct_member_monthly.points_balance, its CNY value points_liability_cny)
points_outstanding_counts as (
    select
        report_month,
        sum(points_balance) as points_outstanding,
        sum(points_liability_cny) as points_liability_cny
    from member_months
    where is_enrolled_at_month_end
    group by report_month
),

-- purchase ladder: the cohort flags of fct_member_monthly at m
member_counts as (
    select
        report_month,
        sum(case when is_third_purchase_cohort then 1 else 0 end)
            as third_purchase_cohort,
        sum(
            case
                when is_third_purchase_cohort and has_third_member_order_90d
                    then 1
                else 0
            end
        ) as third_purchasers_90d,
        sum(case when is_new_member_purchase_cohort then 1 else 0 end)
            as new_member_cohort,
        sum(
            case
                when
                    is_new_member_purchase_cohort
                    and has_member_order_30d_after_join
                    then 1
                else 0
            end
        ) as new_member_buyers_30d,
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
touch_counts as (
    select
        cast({{ dbt.date_trunc('month', 'touched_date') }} as date)
            as report_month,
        count(*) as touches,
        sum(case when is_delivered then 1 else 0 end) as delivered_touches,
        sum(case when is_delivered and is_opened then 1 else 0 end)
            as opened_touches,
        sum(case when is_delivered and is_clicked then 1 else 0 end)
            as clicked_touches,
        sum(case when is_delivered and is_converted_7d then 1 else 0 end)
            as converted_touches_7d
    from touches
    where test_group = 'treatment'
    group by 1
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
        coalesce(points_outstanding_counts.points_liability_cny, 0)
            as points_liability_cny,
        coalesce(member_counts.third_purchase_cohort, 0)
            as third_purchase_cohort,
        coalesce(member_counts.third_purchasers_90d, 0)
            as third_purchasers_90d,
        coalesce(member_counts.new_member_cohort, 0) as new_member_cohort,
        coalesce(member_counts.new_member_buyers_30d, 0)
            as new_member_buyers_30d,
        coalesce(member_counts.enrolled_buyers_to_date, 0)
            as enrolled_buyers_to_date,
        coalesce(member_counts.enrolled_one_time_buyers, 0)
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
    left join member_counts
        on grid.report_month = member_counts.report_month
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
            -- KPI_SPEC: points_outstanding x var points_value_cny (an exact
            -- integer sum times the var: a sum of per-member doubles would
            -- depend on the order of its rows in the last digits)
            when has_points
                then cast(points_outstanding as double)
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
        {{ touch_funnel_rates() }}
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['ops'], grouping), grouping) }}
)

select * from final
{% endmacro %}
