{#- Derived tags only: no mobile hash, no channel customer ids, no city
    text. Age is counted at the last business date of the data, so the
    same raw files always give the same bands. -#}
with

members as (
    select * from {{ ref('stg_raw__members') }}
),

spans as (
    select * from {{ ref('int_enrolment_spans_derived') }}
),

first_orders as (
    select * from {{ ref('int_member_first_orders_derived') }}
),

channel_months as (
    select * from {{ ref('int_member_channel_months_aggregated') }}
),

report_months as (
    select * from {{ ref('int_report_months_bounded') }}
),

as_of as (
    select
        max(last_business_date) as last_business_date,
        extract(year from max(last_business_date)) as last_business_year
    from report_months
),

member_channels as (
    select
        member_id,
        channel,
        sum(count_member_orders) as count_member_orders,
        sum(member_net_sales) as member_net_sales
    from channel_months
    group by member_id, channel
),

ranked_channels as (
    select
        member_id,
        channel,
        row_number() over (
            partition by member_id
            order by
                count_member_orders desc,
                member_net_sales desc,
                channel asc
        ) as channel_rank
    from member_channels
    where count_member_orders > 0
),

lifetime as (
    select
        member_id,
        cast(sum(count_member_orders) as bigint) as lifetime_member_orders,
        sum(member_net_sales) as lifetime_member_net_sales
    from member_channels
    group by member_id
),

final as (
    select
        -- ids
        members.member_id,

        -- codes
        members.join_channel,
        members.tier,
        members.gender,
        members.city_tier,
        case
            when members.birth_year is null then 'unknown'
            when as_of.last_business_year - members.birth_year < 25
                then 'under_25'
            when as_of.last_business_year - members.birth_year < 30
                then '25_29'
            when as_of.last_business_year - members.birth_year < 35
                then '30_34'
            when as_of.last_business_year - members.birth_year < 40
                then '35_39'
            else '40_plus'
        end as age_band,
        ranked_channels.channel as preferred_channel,

        -- flags
        spans.is_reachable,
        (
            spans.joined_date <= as_of.last_business_date
            and (
                spans.exited_date is null
                or spans.exited_date > as_of.last_business_date
            )
        ) as is_enrolled,
        first_orders.member_id is not null as has_member_order,

        -- amounts and counts
        coalesce(lifetime.lifetime_member_orders, 0) as lifetime_member_orders,
        coalesce(
            lifetime.lifetime_member_net_sales, cast(0 as decimal(18, 2))
        ) as lifetime_member_net_sales,

        -- dates
        spans.joined_date,
        spans.exited_date,
        spans.join_month,
        first_orders.first_member_order_date
    from members
    inner join spans
        on members.member_id = spans.member_id
    cross join as_of
    left join first_orders
        on members.member_id = first_orders.member_id
    left join ranked_channels
        on
            members.member_id = ranked_channels.member_id
            and ranked_channels.channel_rank = 1
    left join lifetime
        on members.member_id = lifetime.member_id
)

select * from final
