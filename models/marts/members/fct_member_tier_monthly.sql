with

member_tiers as (
    select * from {{ ref('int_member_tiers_at_month_end') }}
),

tiers as (
    select * from {{ ref('dim_tier') }}
),

-- tier_changes has rows (for any member): the tier ladder KPIs are null
-- in every month without them; one row (an aggregate, not a window over
-- every member-month, which Spark would run in a single partition)
tier_changes_presence as (
    select
        coalesce(
            max(case when has_tier_changes then 1 else 0 end) = 1, false
        ) as has_tier_changes_table
    from member_tiers
),

final as (
    select
        -- ids
        member_tiers.member_id,

        -- dates
        member_tiers.report_month,
        member_tiers.month_end_date,
        member_tiers.tier_read_date,

        -- codes
        member_tiers.tier_at_month_end,
        member_tiers.tier_at_previous_month_end,

        -- ranks
        month_end_tiers.tier_rank as tier_rank_at_month_end,
        previous_month_end_tiers.tier_rank as tier_rank_at_previous_month_end,

        -- enrolment
        member_tiers.is_enrolled_at_month_end,
        member_tiers.is_enrolled_at_previous_month_end,

        -- flags
        not month_end_tiers.is_lowest_tier as is_upper_tier,
        (
            member_tiers.is_enrolled_at_previous_month_end
            and member_tiers.is_enrolled_at_month_end
            and month_end_tiers.tier_rank
            > previous_month_end_tiers.tier_rank
        ) as has_tier_upgrade,
        (
            member_tiers.is_enrolled_at_previous_month_end
            and member_tiers.is_enrolled_at_month_end
            and month_end_tiers.tier_rank
            < previous_month_end_tiers.tier_rank
        ) as has_tier_downgrade,
        member_tiers.has_tier_changes,
        tier_changes_presence.has_tier_changes_table
    from member_tiers
    cross join tier_changes_presence
    inner join tiers as month_end_tiers
        on member_tiers.tier_at_month_end = month_end_tiers.tier
    inner join tiers as previous_month_end_tiers
        on
            member_tiers.tier_at_previous_month_end
            = previous_month_end_tiers.tier
)

select * from final
