-- Raw rows = clean rows + quarantined rows + collapsed exact duplicates.
-- Distinct raw rows are counted by macro count_distinct_rows (exact).

with

members as (
    select
        'members' as source_table,
        (
            select count(*) from {{ source('raw', 'members') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'members')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__members') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__members') }}
        ) as count_quarantined_rows
),

member_bindings as (
    select
        'member_bindings' as source_table,
        (
            select count(*) from {{ source('raw', 'member_bindings') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'member_bindings')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__member_bindings') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__member_bindings') }}
        ) as count_quarantined_rows
),

orders as (
    select
        'orders' as source_table,
        (
            select count(*) from {{ source('raw', 'orders') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'orders')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__orders') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__orders') }}
        ) as count_quarantined_rows
),

order_items as (
    select
        'order_items' as source_table,
        (
            select count(*) from {{ source('raw', 'order_items') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'order_items')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__order_items') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__order_items') }}
        ) as count_quarantined_rows
),

points_ledger as (
    select
        'points_ledger' as source_table,
        (
            select count(*) from {{ source('raw', 'points_ledger') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'points_ledger')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__points_ledger') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__points_ledger') }}
        ) as count_quarantined_rows
),

tier_changes as (
    select
        'tier_changes' as source_table,
        (
            select count(*) from {{ source('raw', 'tier_changes') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'tier_changes')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__tier_changes') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__tier_changes') }}
        ) as count_quarantined_rows
),

channel_traffic as (
    select
        'channel_traffic' as source_table,
        (
            select count(*) from {{ source('raw', 'channel_traffic') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'channel_traffic')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__channel_traffic') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__channel_traffic') }}
        ) as count_quarantined_rows
),

interactions as (
    select
        'interactions' as source_table,
        (
            select count(*) from {{ source('raw', 'interactions') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'interactions')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__interactions') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__interactions') }}
        ) as count_quarantined_rows
),

campaigns as (
    select
        'campaigns' as source_table,
        (
            select count(*) from {{ source('raw', 'campaigns') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'campaigns')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__campaigns') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__campaigns') }}
        ) as count_quarantined_rows
),

campaign_touches as (
    select
        'campaign_touches' as source_table,
        (
            select count(*) from {{ source('raw', 'campaign_touches') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'campaign_touches')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__campaign_touches') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__campaign_touches') }}
        ) as count_quarantined_rows
),

service_tickets as (
    select
        'service_tickets' as source_table,
        (
            select count(*) from {{ source('raw', 'service_tickets') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'service_tickets')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__service_tickets') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__service_tickets') }}
        ) as count_quarantined_rows
),

reviews as (
    select
        'reviews' as source_table,
        (
            select count(*) from {{ source('raw', 'reviews') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'reviews')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__reviews') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__reviews') }}
        ) as count_quarantined_rows
),

surveys as (
    select
        'surveys' as source_table,
        (
            select count(*) from {{ source('raw', 'surveys') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'surveys')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__surveys') }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__surveys') }}
        ) as count_quarantined_rows
),

exposure_resources as (
    select
        'exposure_resources' as source_table,
        (
            select count(*) from {{ source('raw', 'exposure_resources') }}
        ) as count_raw_rows,
        {{ count_distinct_rows(source('raw', 'exposure_resources')) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__exposure_resources') }}
        ) as count_clean_rows,
        (
            select count(*)
            from {{ ref('quarantine_raw__exposure_resources') }}
        ) as count_quarantined_rows
),

counted as (

    select * from members

    union all

    select * from member_bindings

    union all

    select * from orders

    union all

    select * from order_items

    union all

    select * from points_ledger

    union all

    select * from tier_changes

    union all

    select * from channel_traffic

    union all

    select * from interactions

    union all

    select * from campaigns

    union all

    select * from campaign_touches

    union all

    select * from service_tickets

    union all

    select * from reviews

    union all

    select * from surveys

    union all

    select * from exposure_resources

),

reconciled as (
    select
        source_table,
        count_raw_rows,
        count_clean_rows,
        count_quarantined_rows,
        count_raw_rows - count_distinct_rows as count_collapsed_duplicates,
        {{ safe_divide('count_quarantined_rows', 'count_raw_rows') }}
            as quarantine_share,
        count_raw_rows = (
            count_clean_rows
            + count_quarantined_rows
            + (count_raw_rows - count_distinct_rows)
        ) as is_balanced
    from counted
)

select * from reconciled
