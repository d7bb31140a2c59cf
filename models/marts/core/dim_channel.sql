with

channels as (
    select * from {{ ref('channels') }}
),

final as (
    select
        cast(channel_code as string) as channel,
        cast(channel_index as integer) as channel_index,
        cast(name_zh as string) as channel_name_zh,
        cast(name_en as string) as channel_name_en,
        cast(domain as string) as channel_domain
    from channels
)

select * from final
