with

traffic as (
    select * from {{ ref('stg_raw__channel_traffic') }}
),

final as (
    select
        traffic_date,
        channel,
        visitors
    from traffic
)

select * from final
