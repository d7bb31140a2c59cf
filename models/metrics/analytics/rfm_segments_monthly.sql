with

months as (
    select * from {{ ref('dim_month') }}
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

rfm_members as (
    select * from {{ ref('rfm_members') }}
),

segment_counts as (
    select
        month,
        rfm_segment,
        count(*) as count_members,
        avg(cast(monetary as double)) as avg_monetary
    from rfm_members
    group by month, rfm_segment
),

month_totals as (
    select
        month,
        count(*) as count_rfm_members
    from rfm_members
    group by month
),

final as (
    select
        months.report_month as month,
        segments.segment_code as rfm_segment,
        segments.segment_name_zh as rfm_segment_name_zh,
        segments.segment_name_en as rfm_segment_name_en,
        segments.priority as rfm_segment_priority,
        coalesce(segment_counts.count_members, 0) as count_members,
        {{ safe_divide(
            'coalesce(segment_counts.count_members, 0)',
            'month_totals.count_rfm_members'
        ) }} as share,  -- noqa: RF04
        segment_counts.avg_monetary,
        months.is_complete_month
    from months
    cross join segments
    left join segment_counts
        on
            months.report_month = segment_counts.month
            and segments.segment_code = segment_counts.rfm_segment
    left join month_totals
        on months.report_month = month_totals.month
)

select * from final
