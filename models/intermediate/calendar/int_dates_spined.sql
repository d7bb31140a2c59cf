{#- The calendar follows the data: every day of the whole years from the
    year before the earliest business date any clean staging row holds to
    the year of the later of the latest such date and the as-of date. The
    year before feeds the W12 warm-up months (int_member_months_spined
    starts 11 months before the first report month); whole years keep the
    monthly time spine free of partial months. -#}
with

members as (
    select * from {{ ref('stg_raw__members') }}
),

member_bindings as (
    select * from {{ ref('stg_raw__member_bindings') }}
),

orders as (
    select * from {{ ref('stg_raw__orders') }}
),

points_ledger as (
    select * from {{ ref('stg_raw__points_ledger') }}
),

tier_changes as (
    select * from {{ ref('stg_raw__tier_changes') }}
),

channel_traffic as (
    select * from {{ ref('stg_raw__channel_traffic') }}
),

interactions as (
    select * from {{ ref('stg_raw__interactions') }}
),

campaigns as (
    select * from {{ ref('stg_raw__campaigns') }}
),

campaign_touches as (
    select * from {{ ref('stg_raw__campaign_touches') }}
),

service_tickets as (
    select * from {{ ref('stg_raw__service_tickets') }}
),

reviews as (
    select * from {{ ref('stg_raw__reviews') }}
),

surveys as (
    select * from {{ ref('stg_raw__surveys') }}
),

exposure_resources as (
    select * from {{ ref('stg_raw__exposure_resources') }}
),

business_dates as (
    select cast(joined_at as date) as business_date from members
    union all
    select cast(exited_at as date) as business_date from members
    union all
    select cast(bound_at as date) as business_date from member_bindings
    union all
    select cast(ordered_at as date) as business_date from orders
    union all
    select cast(paid_at as date) as business_date from orders
    union all
    select cast(occurred_at as date) as business_date from points_ledger
    union all
    select cast(changed_at as date) as business_date from tier_changes
    union all
    select traffic_date as business_date from channel_traffic
    union all
    select cast(occurred_at as date) as business_date from interactions
    union all
    select cast(starts_at as date) as business_date from campaigns
    union all
    select cast(ends_at as date) as business_date from campaigns
    union all
    select cast(touched_at as date) as business_date from campaign_touches
    union all
    select cast(opened_at as date) as business_date from campaign_touches
    union all
    select cast(clicked_at as date) as business_date from campaign_touches
    union all
    select cast(created_at as date) as business_date from service_tickets
    union all
    select cast(first_response_at as date) as business_date
    from service_tickets
    union all
    select cast(resolved_at as date) as business_date from service_tickets
    union all
    select cast(created_at as date) as business_date from reviews
    union all
    select cast(responded_at as date) as business_date from surveys
    union all
    select snapshot_date as business_date from exposure_resources
),

data_bounds as (
    -- no clean dated row at all: the calendar is the as-of date's year
    select
        coalesce(min(business_date), {{ as_of_date() }})
            as first_business_date,
        greatest(
            coalesce(max(business_date), {{ as_of_date() }}),
            {{ as_of_date() }}
        ) as last_business_date
    from business_dates
),

calendar_bounds as (
    select
        make_date(
            cast(extract(year from first_business_date) as integer) - 1, 1, 1
        ) as first_calendar_date,
        make_date(
            cast(extract(year from last_business_date) as integer), 12, 31
        ) as last_calendar_date
    from data_bounds
),

days as (
    select
        {{ calendar_days('first_calendar_date', 'last_calendar_date') }}
            as date_day
    from calendar_bounds
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
