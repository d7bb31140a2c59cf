{#- Incremental: months from the first month touched by the look-back
    (var incremental_lookback_days, counted back from the latest month
    already loaded) are rebuilt, because late orders and refunds move every
    window and to-date count from their month on; so are all months of a
    member whose member-level columns (enrolment dates, reachability, first
    member order) differ from the loaded ones, or whose count of member
    orders before the look-back changed (an order deleted from the export
    or quarantined since it was loaded). Loaded rows no longer among the
    member-months (a member removed from the export, a join date moved
    later) are deleted by a post-hook on DuckDB; on Spark their months are
    rewritten, as months of a changed member. On Spark the table is
    partitioned by report_month and every month holding such a row is
    rewritten whole (macro member_month_rebuild_filter). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=memberkpi.rebuild_strategy(),
        partition_by=memberkpi.rebuild_partition('report_month'),
        unique_key=['member_id', 'report_month'],
        on_schema_change='fail',
        post_hook="{{ memberkpi.delete_gone_rows(
            ref('int_member_months_windowed'), ['member_id', 'report_month']
        ) }}",
    )
}}

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
{% if is_incremental() %}
    cutoff as (
        select
            coalesce(
                cast({{ dbt.date_trunc('month', dbt.dateadd(
                    'day', -var('incremental_lookback_days'), 'max(report_month)'
                )) }} as date),
                cast('1900-01-01' as date)
            ) as cutoff_month
        from {{ this }}
    ),

    changed_member_columns as (
        select
            spans.member_id,
            spans.joined_date,
            spans.exited_date,
            spans.is_reachable,
            first_orders.first_member_order_date,
            coalesce(first_orders.has_second_member_order_90d, false)
                as has_second_member_order_90d
        from spans
        left join first_orders
            on spans.member_id = first_orders.member_id
        {{ dbt.except() }}
        select distinct
            member_id,
            joined_date,
            exited_date,
            is_reachable,
            first_member_order_date,
            has_second_member_order_90d
        from {{ this }}
    ),

    -- members whose member orders before the cutoff are no longer what was
    -- loaded (an order deleted from the export or quarantined since): the
    -- to-date count of their last month before the cutoff differs (it
    -- never decreases, so its maximum is that month's value)
    recounted_members as (
        select loaded.member_id
        from (
            select
                member_id,
                max(count_member_orders_to_date) as count_member_orders_to_date
            from {{ this }}
            where report_month < (select cutoff.cutoff_month from cutoff)
            group by member_id
        ) as loaded
        left join (
            select
                member_id,
                max(count_member_orders_to_date) as count_member_orders_to_date
            from windowed
            where report_month < (select cutoff.cutoff_month from cutoff)
            group by member_id
        ) as current_counts
            on loaded.member_id = current_counts.member_id
        where
            coalesce(current_counts.count_member_orders_to_date, -1)
            != loaded.count_member_orders_to_date
    ),

    changed_members as (
        select changed_member_columns.member_id
        from changed_member_columns
        union
        select recounted_members.member_id
        from recounted_members
    ),
{% endif %}

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
        coalesce(first_orders.has_second_member_order_90d, false)
            as has_second_member_order_90d
    from windowed
    inner join report_months
        on windowed.report_month = report_months.report_month
    inner join spans
        on windowed.member_id = spans.member_id
    left join first_orders
        on windowed.member_id = first_orders.member_id
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
            when days_since_last_member_order <= 365 then 'silent'
            else 'lapsed'
        end as lifecycle_stage,
        has_second_member_order_90d,
        coalesce(
            cast(
                {{ dbt.date_trunc('month', 'first_member_order_date') }} as date
            ) = cast({{ dbt.dateadd('month', -4, 'report_month') }} as date),
            false
        ) as is_second_purchase_cohort
    from enrolment
    {% if is_incremental() %}
        where {{ member_month_rebuild_filter() }}
    {% endif %}
)

select * from final
