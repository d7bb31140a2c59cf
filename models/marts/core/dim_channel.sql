with

channels as (
    select * from {{ ref('channels') }}
),

final as (
    select
        cast(channel_code as varchar) as channel,
        cast(channel_index as integer) as channel_index,
        cast(name_zh as varchar) as channel_name_zh,
        cast(name_en as varchar) as channel_name_en,
        cast(domain as varchar) as channel_domain
    from channels
)

select * from final
