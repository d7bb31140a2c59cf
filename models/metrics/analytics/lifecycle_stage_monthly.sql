with

months as (
    select * from {{ ref('dim_month') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

stages as (
    select
        'new' as lifecycle_stage,
        1 as lifecycle_stage_order
    union all
    select
        'unconverted' as lifecycle_stage,
        2 as lifecycle_stage_order
    union all
    select
        'first_time' as lifecycle_stage,
        3 as lifecycle_stage_order
    union all
    select
        'repeat' as lifecycle_stage,
        4 as lifecycle_stage_order
    union all
    select
        'silent' as lifecycle_stage,
        5 as lifecycle_stage_order
    union all
    select
        'lapsed' as lifecycle_stage,
        6 as lifecycle_stage_order
),

stage_counts as (
    select
        report_month,
        lifecycle_stage,
        count(*) as count_members
    from member_monthly
    where is_enrolled_at_month_end
    group by report_month, lifecycle_stage
),

final as (
    select
        months.report_month as month,
        stages.lifecycle_stage,
        stages.lifecycle_stage_order,
        coalesce(stage_counts.count_members, 0) as count_members,
        {{ safe_divide(
            'coalesce(stage_counts.count_members, 0)',
            'sum(coalesce(stage_counts.count_members, 0))'
            ~ ' over (partition by months.report_month)'
        ) }} as share,  -- noqa: RF04
        months.is_complete_month
    from months
    cross join stages
    left join stage_counts
        on
            months.report_month = stage_counts.report_month
            and stages.lifecycle_stage = stage_counts.lifecycle_stage
)

select * from final
