{#- Every code the metric tables carry, with its labels: channels, tiers
    and RFM segments from their own seeds, every other code from seed
    code_names, so each label is written in one place. -#}
with

channels as (
    select * from {{ ref('channels') }}
),

tiers as (
    select * from {{ ref('tiers') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

code_names as (
    select * from {{ ref('code_names') }}
),

labels as (
    select
        'channel' as code_type,
        channel_code as code,
        name_zh as label_zh,
        name_en as label_en,
        channel_index as sort_order
    from channels
    union all
    select
        'tier' as code_type,
        tier_code as code,
        name_zh as label_zh,
        name_en as label_en,
        tier_rank as sort_order
    from tiers
    union all
    select
        'rfm_segment' as code_type,
        segment_code as code,
        segment_name_zh as label_zh,
        segment_name_en as label_en,
        priority as sort_order
    from rfm_segments
    union all
    select
        code_type,
        code,
        name_zh as label_zh,
        name_en as label_en,
        sort_order
    from code_names
),

final as (
    select
        cast(code_type as string) as code_type,
        cast(code as string) as code,
        cast(label_zh as string) as label_zh,
        cast(label_en as string) as label_en,
        cast(sort_order as integer) as sort_order
    from labels
)

select * from final
