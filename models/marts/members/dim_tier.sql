with

tiers as (
    select * from {{ ref('tiers') }}
),

typed as (
    select
        cast(tier_code as string) as tier,
        cast(tier_rank as integer) as tier_rank,
        cast(name_zh as string) as tier_name_zh,
        cast(name_en as string) as tier_name_en,
        cast(points_multiplier as double) as points_multiplier
    from tiers
),

lowest_rank as (
    select min(tier_rank) as lowest_tier_rank
    from typed
),

final as (
    select
        typed.tier,
        typed.tier_rank,
        typed.tier_name_zh,
        typed.tier_name_en,
        typed.points_multiplier,
        typed.tier_rank = lowest_rank.lowest_tier_rank as is_lowest_tier
    from typed
    cross join lowest_rank
)

select * from final
