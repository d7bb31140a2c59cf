{#- Moves between lifecycle stages from end(m-1) to end(m). `joined` and
    `exited` are the outside states: a member not enrolled at end(m-1)
    comes from `joined`, a member not enrolled at end(m) goes to `exited`;
    one who joins and exits within m moves `joined` -> `exited`. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

current_month as (
    select
        member_id,
        report_month,
        cast(
            {{ dbt.dateadd('month', -1, 'report_month') }} as date
        ) as previous_month,
        is_enrolled_at_month_end,
        is_enrolled_at_previous_month_end,
        has_joined_in_month,
        has_exited_in_month,
        lifecycle_stage
    from member_monthly
),

previous_month as (
    select
        member_id,
        report_month,
        lifecycle_stage
    from member_monthly
),

moves as (
    select
        current_month.report_month,
        current_month.member_id,
        case
            when current_month.is_enrolled_at_previous_month_end
                then previous_month.lifecycle_stage
            else 'joined'
        end as from_stage,
        case
            when current_month.is_enrolled_at_month_end
                then current_month.lifecycle_stage
            else 'exited'
        end as to_stage
    from current_month
    left join previous_month
        on
            current_month.member_id = previous_month.member_id
            and current_month.previous_month = previous_month.report_month
    where
        current_month.is_enrolled_at_previous_month_end
        or current_month.is_enrolled_at_month_end
        or (
            current_month.has_joined_in_month
            and current_month.has_exited_in_month
        )
),

move_counts as (
    select
        report_month,
        from_stage,
        to_stage,
        count(*) as count_members
    from moves
    group by report_month, from_stage, to_stage
),

final as (
    select
        move_counts.report_month as month,
        move_counts.from_stage,
        move_counts.to_stage,
        move_counts.count_members,
        months.is_complete_month
    from move_counts
    left join months
        on move_counts.report_month = months.report_month
)

select * from final
