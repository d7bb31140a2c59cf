{#- The radar KPIs are the metrics whose metrics.yml meta has radar: true
    (macro kpi_names_with). Score (KPI_SPEC.md, 4C radar): piecewise linear
    in the value v through (0, 0), (p25, 25), (p50, 50), (p75, 75),
    continued above p75 with the slope of the p50-p75 segment, clipped to
    [0, 100]; null when v or a quartile is null, or when the month's window
    is incomplete (macro is_window_complete). -#}
with

radar_kpis as (
    select * from {{ ref('kpi_monthly') }}
    where kpi in ({{ sql_text_list(kpi_names_with('radar')) }})
),

benchmarks as (
    {{ industry_kpi_benchmarks() }}
),

first_paid as (
    {{ first_valid_paid_month() }}
),

framed as (
    select
        radar_kpis.month,
        radar_kpis.kpi,
        radar_kpis.label_zh,
        radar_kpis.label_en,
        radar_kpis.unit,
        radar_kpis.value,
        cast(benchmarks.benchmark_p25 as double) as benchmark_p25,
        cast(benchmarks.benchmark_p50 as double) as benchmark_p50,
        cast(benchmarks.benchmark_p75 as double) as benchmark_p75,
        benchmarks.is_illustrative as is_benchmark_illustrative,
        {{ is_window_complete(
            'radar_kpis.month',
            'radar_kpis.kpi',
            'first_paid.first_paid_month',
        ) }} as is_window_complete,
        radar_kpis.is_complete_month
    from radar_kpis
    cross join first_paid
    left join benchmarks
        on radar_kpis.kpi = benchmarks.kpi
),

interpolated as (
    select
        *,
        case
            when
                is_window_complete
                and value is not null
                and benchmark_p25 is not null
                and benchmark_p50 is not null
                and benchmark_p75 is not null
                then case
                    when value <= benchmark_p25
                        then 25.0 * value / nullif(benchmark_p25, 0)
                    when value <= benchmark_p50
                        then
                            25.0 + 25.0 * (value - benchmark_p25)
                            / nullif(benchmark_p50 - benchmark_p25, 0)
                    when value <= benchmark_p75
                        then
                            50.0 + 25.0 * (value - benchmark_p50)
                            / nullif(benchmark_p75 - benchmark_p50, 0)
                    else
                        75.0 + 25.0 * (value - benchmark_p75)
                        / nullif(benchmark_p75 - benchmark_p50, 0)
                end
        end as unclipped_score
    from framed
),

scored as (
    select
        month,
        kpi,
        label_zh,
        label_en,
        unit,
        value,
        benchmark_p25,
        benchmark_p50,
        benchmark_p75,
        is_benchmark_illustrative,
        case
            when unclipped_score < 0 then 0.0
            when unclipped_score > 100 then 100.0
            else unclipped_score
        end as score,
        is_window_complete,
        is_complete_month
    from interpolated
),

final as (
    select
        *,
        month = max(month) over () as is_latest_month,
        month = max(case when is_complete_month then month end) over ()
            as is_latest_complete_month
    from scored
)

select * from final
