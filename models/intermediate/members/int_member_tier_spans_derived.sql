{#- The tier of a member at a date d (KPI_SPEC "Tier ladder"): to_tier of
    the member's last tier change whose changed_at date is <= d; before
    the first change, from_tier of the first change; with no change at all,
    members.tier. As spans: one row per member and tier period, from
    valid_from_date (null = since ever) up to valid_to_date excluded (null =
    still open). Several changes on one date give one span, the last
    change's to_tier. -#}
with

members as (
    select * from {{ ref('stg_raw__members') }}
),

tier_changes as (
    select * from {{ ref('stg_raw__tier_changes') }}
),

changes_ordered as (
    select
        member_id,
        from_tier,
        to_tier,
        cast(changed_at as date) as changed_date,
        row_number() over (
            partition by member_id
            order by changed_at asc
        ) as change_number,
        row_number() over (
            partition by member_id, cast(changed_at as date)
            order by changed_at desc
        ) as change_number_from_day_end
    from tier_changes
),

-- the last change of each day holds the tier from that day on
day_end_changes as (
    select
        member_id,
        to_tier,
        changed_date,
        lead(changed_date) over (
            partition by member_id
            order by changed_date asc
        ) as next_changed_date
    from changes_ordered
    where change_number_from_day_end = 1
),

change_spans as (
    select
        member_id,
        to_tier as tier,
        changed_date as valid_from_date,
        next_changed_date as valid_to_date,
        true as is_from_tier_change
    from day_end_changes
),

before_first_change_spans as (
    select
        member_id,
        from_tier as tier,
        cast(null as date) as valid_from_date,
        changed_date as valid_to_date,
        true as is_from_tier_change
    from changes_ordered
    where change_number = 1
),

unchanged_member_spans as (
    select
        members.member_id,
        members.tier,
        cast(null as date) as valid_from_date,
        cast(null as date) as valid_to_date,
        false as is_from_tier_change
    from members
    where
        not exists (
            select 1
            from tier_changes
            where tier_changes.member_id = members.member_id
        )
),

final as (
    select * from change_spans
    union all
    select * from before_first_change_spans
    union all
    select * from unchanged_member_spans
)

select * from final
