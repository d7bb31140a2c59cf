with

windowed as (
    select * from {{ ref('int_member_months_windowed') }}
),

report_months as (
    select * from {{ ref('int_report_months_bounded') }}
),

spans as (
    select * from {{ ref('int_enrolment_spans_derived') }}
),

first_orders as (
    select * from {{ ref('int_member_first_orders_derived') }}
),

points_balances as (
    select * from {{ ref('int_member_points_balances_windowed') }}
),

interactions as (
    select * from {{ ref('fct_interactions') }}
),

service_tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
),

-- whether an optional table has rows (RAW_CONTRACT: a KPI that needs an
-- absent table is null in every month), one row
optional_tables as (
    select
        {{ kpi_has_rows('interactions') }} as has_interactions_table,
        {{ kpi_has_rows('service_tickets') }} as has_service_tickets_table,
        {{ kpi_has_rows('order_items') }} as has_order_items_table
),

joined as (
    select
        windowed.*,
        report_months.month_end_date,
        cast(
            {{ dbt.dateadd('day', -1, 'windowed.report_month') }} as date
        ) as previous_month_end_date,
        spans.joined_date,
        spans.exited_date,
        spans.join_month,
        spans.exit_month,
        spans.is_reachable,
        first_orders.first_member_order_date,
        first_orders.second_member_order_date,
        coalesce(first_orders.has_second_member_order_90d, false)
            as has_second_member_order_90d,
        coalesce(first_orders.has_third_member_order_90d, false)
            as has_third_member_order_90d,
        points_balances.points_balance,
        optional_tables.has_interactions_table,
        optional_tables.has_service_tickets_table,
        optional_tables.has_order_items_table
    from windowed
    cross join optional_tables
    inner join report_months
        on windowed.report_month = report_months.report_month
    inner join spans
        on windowed.member_id = spans.member_id
    left join first_orders
        on windowed.member_id = first_orders.member_id
    left join points_balances
        on
            windowed.member_id = points_balances.member_id
            and windowed.report_month = points_balances.report_month
),

enrolment as (
    select
        *,
        (
            joined_date <= month_end_date
            and (exited_date is null or exited_date > month_end_date)
        ) as is_enrolled_at_month_end,
        (
            joined_date <= previous_month_end_date
            and (exited_date is null or exited_date > previous_month_end_date)
        ) as is_enrolled_at_previous_month_end,
        (
            joined_date <= month_end_date
            and (exited_date is null or exited_date > report_month)
            and (exited_date is null or exited_date > joined_date)
        ) as is_enrolled_in_month,
        cast(
            {{ dbt.datediff(
                'last_member_order_date', 'month_end_date', 'day'
            ) }}
            as bigint
        ) as days_since_last_member_order,
        cast(
            {{ dbt.datediff('joined_date', 'month_end_date', 'day') }}
            as bigint
        ) as days_since_joined
    from joined
),

final as (
    select
        -- ids
        member_id,

        -- dates
        report_month,
        month_end_date,
        joined_date,
        exited_date,
        first_member_order_date,
        second_member_order_date,
        last_member_order_date,

        -- enrolment
        is_enrolled_in_month,
        is_enrolled_at_month_end,
        is_enrolled_at_previous_month_end,
        join_month = report_month as has_joined_in_month,
        coalesce(exit_month = report_month, false) as has_exited_in_month,
        is_reachable,

        -- activity within the month
        count_member_orders,
        member_net_sales,
        count_interactions,
        count_member_orders > 0 as is_member_buyer,
        count_member_orders > 0 or count_interactions > 0 as is_engaged,

        -- rolling 12 months (W12) and the 12 before (W12prev)
        count_member_orders_w12,
        member_net_sales_w12,
        count_interactions_w12,
        count_member_orders_w12prev,
        count_member_orders_w12 > 0 or count_interactions_w12 > 0
            as is_engaged_w12,
        coalesce(has_multiple_channels_w12, false) as has_multiple_channels_w12,
        coalesce(has_multiple_categories_w12, false)
            as has_multiple_categories_w12,

        -- relationship depth (L0-L3 from member orders in W12)
        depth_level,
        previous_depth_level,

        -- 4C membership
        (
            is_enrolled_at_month_end
            and is_reachable
            and (count_member_orders_w12 > 0 or count_interactions_w12 > 0)
        ) as is_capital,

        -- lifecycle and RFM inputs
        count_member_orders_to_date,
        days_since_last_member_order,
        case
            when not is_enrolled_at_month_end then null
            when count_member_orders_to_date = 0 and days_since_joined <= 90
                then 'new'
            when count_member_orders_to_date = 0 then 'unconverted'
            when
                days_since_last_member_order <= 180
                and count_member_orders_to_date = 1
                then 'first_time'
            when days_since_last_member_order <= 180 then 'repeat'
            when
                days_since_last_member_order
                <= {{ var('lifecycle_lapsed_after_days') }}
                then 'silent'
            else 'lapsed'
        end as lifecycle_stage,
        has_second_member_order_90d,
        coalesce(
            cast(
                {{ dbt.date_trunc('month', 'first_member_order_date') }} as date
            ) = cast({{ dbt.dateadd('month', -4, 'report_month') }} as date),
            false
        ) as is_second_purchase_cohort,

        -- purchase ladder cohorts (KPI_SPEC ops)
        has_third_member_order_90d,
        coalesce(
            cast(
                {{ dbt.date_trunc('month', 'second_member_order_date') }}
                as date
            ) = cast({{ dbt.dateadd('month', -4, 'report_month') }} as date),
            false
        ) as is_third_purchase_cohort,
        join_month = cast(
            {{ dbt.dateadd('month', -2, 'report_month') }} as date
        ) as is_new_member_purchase_cohort,
        coalesce(
            first_member_order_date <= cast(
                {{ dbt.dateadd('day', 30, 'joined_date') }} as date
            ),
            false
        ) as has_member_order_30d_after_join,

        -- points economics (null when points_ledger has no rows)
        points_balance,
        cast(points_balance as double)
        * cast({{ var('points_value_cny') }} as double) as points_liability_cny,

        -- optional tables present (the same in every row)
        has_interactions_table,
        has_service_tickets_table,
        has_order_items_table
    from enrolment
)

select * from final
