{#- Response to a touch: a member order of the touched member with paid_at
    in (touched_at, touched_at + 7 days], both business-local timestamps.
    Units are touches (a member touched twice in a campaign counts twice).
    The test is a two-proportion z-test with the pooled proportion,
    two-sided: p = 2 * Phi(-|z|), left NULL when the control group has
    fewer than var min_control_members touches. The p-values of a month
    (the month of the campaign's start date) get Benjamini-Hochberg
    q-values: with the month's m p-values ranked 1..m ascending,
    q_(i) = min over j >= i of p_(j) * m / j, capped at 1, taken as a
    running min from the largest rank down. ROI is incremental net sales
    over the campaign's budget (RAW_CONTRACT, optional column
    campaigns.budget_amount), null without a budget or with a budget of 0. -#}
with

campaigns as (
    select * from {{ ref('dim_campaign') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

test_touches as (
    select * from {{ ref('fct_campaign_touches') }}
    where
        (test_group = 'treatment' and is_delivered)
        or test_group = 'control'
),

orders as (
    select * from {{ ref('fct_orders') }}
),

touch_responses as (
    select
        test_touches.touch_id,
        test_touches.campaign_id,
        test_touches.test_group,
        count(orders.order_id) as count_response_orders,
        coalesce(sum(orders.net_amount), 0) as response_net_sales
    from test_touches
    left join orders
        on
            test_touches.member_id = orders.member_id
            and orders.is_member_order
            and test_touches.touched_at < orders.paid_at
            and orders.paid_at <= {{ dbt.dateadd(
                'day', 7, 'test_touches.touched_at'
            ) }}
    group by
        test_touches.touch_id,
        test_touches.campaign_id,
        test_touches.test_group
),

campaign_groups as (
    select
        campaign_id,
        count(case when test_group = 'treatment' then 1 end)
            as treatment_size,
        count(case when test_group = 'control' then 1 end) as control_size,
        count(
            case
                when test_group = 'treatment' and count_response_orders > 0
                    then 1
            end
        ) as treatment_responders,
        count(
            case
                when test_group = 'control' and count_response_orders > 0
                    then 1
            end
        ) as control_responders,
        sum(case when test_group = 'treatment' then response_net_sales end)
            as treatment_net_sales,
        sum(case when test_group = 'control' then response_net_sales end)
            as control_net_sales
    from touch_responses
    group by campaign_id
),

rates as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.budget_amount,
        cast(
            {{ dbt.date_trunc('month', 'campaigns.start_date') }} as date
        ) as month,
        coalesce(campaign_groups.treatment_size, 0) as treatment_size,
        coalesce(campaign_groups.control_size, 0) as control_size,
        coalesce(campaign_groups.treatment_responders, 0)
            as treatment_responders,
        coalesce(campaign_groups.control_responders, 0)
            as control_responders,
        {{ safe_divide(
            'campaign_groups.treatment_responders',
            'campaign_groups.treatment_size'
        ) }} as treatment_response_rate,
        {{ safe_divide(
            'campaign_groups.control_responders',
            'campaign_groups.control_size'
        ) }} as control_response_rate,
        {{ safe_divide(
            'campaign_groups.treatment_responders'
            ~ ' + campaign_groups.control_responders',
            'campaign_groups.treatment_size'
            ~ ' + campaign_groups.control_size'
        ) }} as pooled_response_rate,
        {{ safe_divide(
            'campaign_groups.treatment_net_sales',
            'campaign_groups.treatment_size'
        ) }} as treatment_net_sales_per_member,
        {{ safe_divide(
            'campaign_groups.control_net_sales',
            'campaign_groups.control_size'
        ) }} as control_net_sales_per_member
    from campaigns
    left join campaign_groups
        on campaigns.campaign_id = campaign_groups.campaign_id
),

tested as (
    select
        *,
        treatment_response_rate - control_response_rate as uplift,
        (treatment_net_sales_per_member - control_net_sales_per_member)
        * treatment_size as incremental_net_sales,
        {{ safe_divide(
            '(treatment_net_sales_per_member - control_net_sales_per_member)'
            ~ ' * treatment_size',
            'budget_amount'
        ) }} as roi,
        (treatment_response_rate - control_response_rate)
        / nullif(
            sqrt(
                pooled_response_rate
                * (1 - pooled_response_rate)
                * (
                    1.0 / nullif(treatment_size, 0)
                    + 1.0 / nullif(control_size, 0)
                )
            ),
            0
        ) as z_score
    from rates
),

judged as (
    select
        *,
        control_size < {{ var('min_control_members') }}
            as is_control_too_small,
        case
            when control_size >= {{ var('min_control_members') }}
                then 2 * {{ standard_normal_cdf('(-abs(z_score))') }}
        end as p_value
    from tested
),

-- ranks 1..m of the month's p-values, ascending; campaigns without a
-- p-value sit in a partition of their own and get no q-value
ranked as (
    select
        *,
        row_number() over (
            partition by month, p_value is null
            order by p_value, campaign_id
        ) as p_rank,
        count(p_value) over (partition by month) as count_month_p_values
    from judged
),

-- running min of p_(j) * m / j from the largest rank j down to rank i
adjusted as (
    select
        *,
        min(p_value * count_month_p_values / p_rank) over (
            partition by month, p_value is null
            order by p_rank desc
            rows between unbounded preceding and current row
        ) as running_min_adjusted_p
    from ranked
),

final as (
    select
        -- ids and names
        adjusted.campaign_id,
        adjusted.campaign_name,
        adjusted.month,

        -- groups
        adjusted.treatment_size,
        adjusted.control_size,
        adjusted.treatment_responders,
        adjusted.control_responders,

        -- rates
        adjusted.treatment_response_rate,
        adjusted.control_response_rate,
        adjusted.uplift,

        -- sales
        adjusted.treatment_net_sales_per_member,
        adjusted.control_net_sales_per_member,
        adjusted.incremental_net_sales,
        adjusted.budget_amount,
        adjusted.roi,

        -- test
        adjusted.pooled_response_rate,
        adjusted.z_score,
        adjusted.p_value,
        case
            when adjusted.running_min_adjusted_p > 1 then cast(1 as double)
            else adjusted.running_min_adjusted_p
        end as q_value,

        -- flags
        adjusted.is_control_too_small,
        -- q_value < 0.05 (the cap at 1 cannot change the comparison)
        case
            when adjusted.running_min_adjusted_p is not null
                then adjusted.running_min_adjusted_p < 0.05
        end as is_significant,
        months.is_complete_month
    from adjusted
    left join months
        on adjusted.month = months.report_month
)

select * from final
