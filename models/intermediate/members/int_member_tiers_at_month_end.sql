{#- The tier of each member at end(m) and at end(m-1), for every report
    month from the member's join month on. A member who exited keeps the
    tier of the exit date (KPI_SPEC "Splits"), so the tier is read at the
    earlier of the month end and the exit date. -#}
with

report_months as (
    select * from {{ ref('int_report_months_bounded') }}
),

spans as (
    select * from {{ ref('int_enrolment_spans_derived') }}
),

tier_spans as (
    select * from {{ ref('int_member_tier_spans_derived') }}
),

member_month_dates as (
    select
        spans.member_id,
        report_months.report_month,
        report_months.month_end_date,
        cast(
            {{ dbt.dateadd('day', -1, 'report_months.report_month') }} as date
        ) as previous_month_end_date,
        spans.joined_date,
        spans.exited_date
    from spans
    inner join report_months
        on spans.join_month <= report_months.report_month
),

tier_read_dates as (
    select
        *,
        case
            when exited_date is not null and exited_date < month_end_date
                then exited_date
            else month_end_date
        end as tier_read_date,
        case
            when
                exited_date is not null
                and exited_date < previous_month_end_date
                then exited_date
            else previous_month_end_date
        end as previous_tier_read_date
    from member_month_dates
),

member_has_tier_changes as (
    select
        member_id,
        max(is_from_tier_change) as has_tier_changes
    from tier_spans
    group by member_id
),

final as (
    select
        -- ids
        tier_read_dates.member_id,

        -- dates
        tier_read_dates.report_month,
        tier_read_dates.month_end_date,
        tier_read_dates.previous_month_end_date,
        tier_read_dates.tier_read_date,
        tier_read_dates.previous_tier_read_date,

        -- codes
        month_end_tiers.tier as tier_at_month_end,
        previous_month_end_tiers.tier as tier_at_previous_month_end,

        -- flags
        (
            tier_read_dates.joined_date <= tier_read_dates.month_end_date
            and (
                tier_read_dates.exited_date is null
                or tier_read_dates.exited_date > tier_read_dates.month_end_date
            )
        ) as is_enrolled_at_month_end,
        (
            tier_read_dates.joined_date
            <= tier_read_dates.previous_month_end_date
            and (
                tier_read_dates.exited_date is null
                or tier_read_dates.exited_date
                > tier_read_dates.previous_month_end_date
            )
        ) as is_enrolled_at_previous_month_end,
        coalesce(member_has_tier_changes.has_tier_changes, false)
            as has_tier_changes
    from tier_read_dates
    left join tier_spans as month_end_tiers
        on
            tier_read_dates.member_id = month_end_tiers.member_id
            and (
                month_end_tiers.valid_from_date is null
                or tier_read_dates.tier_read_date
                >= month_end_tiers.valid_from_date
            )
            and (
                month_end_tiers.valid_to_date is null
                or tier_read_dates.tier_read_date
                < month_end_tiers.valid_to_date
            )
    left join tier_spans as previous_month_end_tiers
        on
            tier_read_dates.member_id = previous_month_end_tiers.member_id
            and (
                previous_month_end_tiers.valid_from_date is null
                or tier_read_dates.previous_tier_read_date
                >= previous_month_end_tiers.valid_from_date
            )
            and (
                previous_month_end_tiers.valid_to_date is null
                or tier_read_dates.previous_tier_read_date
                < previous_month_end_tiers.valid_to_date
            )
    left join member_has_tier_changes
        on tier_read_dates.member_id = member_has_tier_changes.member_id
)

select * from final
