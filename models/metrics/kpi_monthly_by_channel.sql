{#- Channel splits of the KPIs KPI_SPEC names: connection (capital members
    engaged in the channel within the month over all capital members),
    member orders, buyers and net sales by order channel, total net sales by
    order channel, and new members by join channel. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

channels as (
    select * from {{ ref('channels') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

member_channel_monthly as (
    select * from {{ ref('fct_member_channel_monthly') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

members as (
    select * from {{ ref('dim_member') }}
),

capital as (
    select
        report_month,
        sum(case when is_capital then 1 else 0 end) as capital
    from member_monthly
    group by report_month
),

capital_engaged as (
    select
        member_channel_monthly.report_month,
        member_channel_monthly.channel,
        count(*) as capital_engaged_in_month
    from member_channel_monthly
    inner join member_monthly
        on
            member_channel_monthly.member_id = member_monthly.member_id
            and member_channel_monthly.report_month
            = member_monthly.report_month
    where member_monthly.is_capital and member_channel_monthly.is_engaged
    group by 1, 2
),

order_sales as (
    select
        order_month as report_month,
        channel,
        sum(case when is_member_order then net_amount else 0 end)
            as member_net_sales,
        count(distinct case when is_member_order then member_id end)
            as member_buyers,
        sum(case when is_member_order then 1 else 0 end) as member_orders,
        sum(case when is_valid then net_amount else 0 end) as total_net_sales
    from orders
    where is_valid
    group by 1, 2
),

joins as (
    select
        join_month as report_month,
        join_channel as channel,
        count(*) as members_new
    from members
    group by 1, 2
),

grid as (
    select
        months.report_month,
        channels.channel_code as channel,
        coalesce(capital.capital, 0) as capital,
        coalesce(capital_engaged.capital_engaged_in_month, 0)
            as capital_engaged_in_month,
        coalesce(order_sales.member_net_sales, 0) as member_net_sales,
        coalesce(order_sales.member_buyers, 0) as member_buyers,
        coalesce(order_sales.member_orders, 0) as member_orders,
        coalesce(order_sales.total_net_sales, 0) as total_net_sales,
        coalesce(joins.members_new, 0) as members_new
    from months
    cross join channels
    left join capital
        on months.report_month = capital.report_month
    left join capital_engaged
        on
            months.report_month = capital_engaged.report_month
            and channels.channel_code = capital_engaged.channel
    left join order_sales
        on
            months.report_month = order_sales.report_month
            and channels.channel_code = order_sales.channel
    left join joins
        on
            months.report_month = joins.report_month
            and channels.channel_code = joins.channel
),

-- the same column expressions as in the family models (connection as in
-- kpi_monthly_4c, the counts as in kpi_monthly_purchase and _scale), at the
-- grain of a month and a channel
kpis as (
    select
        report_month,
        channel,
        {{ safe_divide('capital_engaged_in_month', 'capital') }}
            as connection,
        cast(member_net_sales as double) as member_net_sales,
        cast(member_buyers as double) as member_buyers,
        cast(member_orders as double) as member_orders,
        cast(members_new as double) as members_new,
        cast(total_net_sales as double) as total_net_sales
    from grid
),

final as (
    {{ kpi_rows(
        'kpis',
        [
            'connection', 'member_net_sales', 'member_buyers',
            'member_orders', 'members_new', 'total_net_sales',
        ],
        ['channel'],
    ) }}
)

select * from final
