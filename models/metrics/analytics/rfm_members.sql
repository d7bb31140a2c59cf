{#- RFM scores at end(m) over member buyers in W12(m), enrolled at end(m)
    or not. Scores are quintiles with member_id breaking ties, so equal
    values may get adjacent scores; recency is ordered descending so the
    most recent buyers get 5. The segment is the first seed rule, by
    priority, whose three score ranges all hold. -#}
with

buyers as (
    select
        member_id,
        report_month,
        month_end_date,
        is_enrolled_at_month_end,
        last_member_order_date,
        cast(days_since_last_member_order as bigint) as recency_days,
        cast(count_member_orders_w12 as bigint) as frequency,
        cast(member_net_sales_w12 as decimal(18, 2)) as monetary
    from {{ ref('fct_member_monthly') }}
    where count_member_orders_w12 >= 1
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

scored as (
    select
        *,
        ntile(5) over (
            partition by report_month
            order by recency_days desc, member_id asc
        ) as r_score,
        ntile(5) over (
            partition by report_month
            order by frequency, member_id
        ) as f_score,
        ntile(5) over (
            partition by report_month
            order by monetary, member_id
        ) as m_score
    from buyers
),

-- the segment of each of the 125 score triples: the segment rule is
-- matched once per triple, not once per member and month
scores as (
    select 1 as score
    union all
    select 2 as score
    union all
    select 3 as score
    union all
    select 4 as score
    union all
    select 5 as score
),

score_segments as (
    select
        r.score as r_score,
        f.score as f_score,
        m.score as m_score,
        segments.segment_code,
        segments.segment_name_zh,
        segments.segment_name_en,
        row_number() over (
            partition by r.score, f.score, m.score
            order by segments.priority, segments.segment_code
        ) as match_rank
    from scores as r
    cross join scores as f
    cross join scores as m
    inner join segments
        on
            r.score between segments.r_min and segments.r_max
            and f.score between segments.f_min and segments.f_max
            and m.score between segments.m_min and segments.m_max
),

final as (
    select
        -- ids
        scored.member_id,
        scored.report_month as month,

        -- rfm inputs
        scored.recency_days,
        scored.frequency,
        scored.monetary,

        -- scores
        cast(scored.r_score as integer) as r_score,
        cast(scored.f_score as integer) as f_score,
        cast(scored.m_score as integer) as m_score,
        {{ dbt.concat([
            'cast(scored.r_score as ' ~ dbt.type_string() ~ ')',
            'cast(scored.f_score as ' ~ dbt.type_string() ~ ')',
            'cast(scored.m_score as ' ~ dbt.type_string() ~ ')'
        ]) }} as rfm_code,

        -- segment
        score_segments.segment_code as rfm_segment,
        score_segments.segment_name_zh as rfm_segment_name_zh,
        score_segments.segment_name_en as rfm_segment_name_en,

        -- flags and dates
        scored.is_enrolled_at_month_end,
        scored.month_end_date,
        scored.last_member_order_date,
        months.is_complete_month
    from scored
    left join score_segments
        on
            scored.r_score = score_segments.r_score
            and scored.f_score = score_segments.f_score
            and scored.m_score = score_segments.m_score
            and score_segments.match_rank = 1
    left join months
        on scored.report_month = months.report_month
)

select * from final
