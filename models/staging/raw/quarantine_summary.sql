with

members as (
    select reject_reason from {{ ref('quarantine_raw__members') }}
),

member_bindings as (
    select reject_reason from {{ ref('quarantine_raw__member_bindings') }}
),

orders as (
    select reject_reason from {{ ref('quarantine_raw__orders') }}
),

order_items as (
    select reject_reason from {{ ref('quarantine_raw__order_items') }}
),

points_ledger as (
    select reject_reason from {{ ref('quarantine_raw__points_ledger') }}
),

tier_changes as (
    select reject_reason from {{ ref('quarantine_raw__tier_changes') }}
),

channel_traffic as (
    select reject_reason from {{ ref('quarantine_raw__channel_traffic') }}
),

interactions as (
    select reject_reason from {{ ref('quarantine_raw__interactions') }}
),

campaigns as (
    select reject_reason from {{ ref('quarantine_raw__campaigns') }}
),

campaign_touches as (
    select reject_reason from {{ ref('quarantine_raw__campaign_touches') }}
),

service_tickets as (
    select reject_reason from {{ ref('quarantine_raw__service_tickets') }}
),

reviews as (
    select reject_reason from {{ ref('quarantine_raw__reviews') }}
),

surveys as (
    select reject_reason from {{ ref('quarantine_raw__surveys') }}
),

exposure_resources as (
    select reject_reason from {{ ref('quarantine_raw__exposure_resources') }}
),

rejected as (

    select
        'members' as source_table,
        reject_reason
    from members

    union all

    select
        'member_bindings' as source_table,
        reject_reason
    from member_bindings

    union all

    select
        'orders' as source_table,
        reject_reason
    from orders

    union all

    select
        'order_items' as source_table,
        reject_reason
    from order_items

    union all

    select
        'points_ledger' as source_table,
        reject_reason
    from points_ledger

    union all

    select
        'tier_changes' as source_table,
        reject_reason
    from tier_changes

    union all

    select
        'channel_traffic' as source_table,
        reject_reason
    from channel_traffic

    union all

    select
        'interactions' as source_table,
        reject_reason
    from interactions

    union all

    select
        'campaigns' as source_table,
        reject_reason
    from campaigns

    union all

    select
        'campaign_touches' as source_table,
        reject_reason
    from campaign_touches

    union all

    select
        'service_tickets' as source_table,
        reject_reason
    from service_tickets

    union all

    select
        'reviews' as source_table,
        reject_reason
    from reviews

    union all

    select
        'surveys' as source_table,
        reject_reason
    from surveys

    union all

    select
        'exposure_resources' as source_table,
        reject_reason
    from exposure_resources

),

summarised as (
    select
        source_table,
        reject_reason,
        count(*) as count_rows
    from rejected
    group by source_table, reject_reason
)

select * from summarised
