with

checked as (
    select * from {{ ref('base_raw__channel_traffic') }}
),

clean as (
    select
        -- codes
        channel,

        -- amounts
        visitors,

        -- dates
        traffic_date

    from checked
    where reject_reason is null
)

select * from clean
