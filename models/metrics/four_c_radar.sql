{#- The radar KPIs are the metrics whose metrics.yml meta has radar: true
    (macro kpi_names_with). -#}
with

radar_kpis as (
    select * from {{ ref('kpi_monthly') }}
    where kpi in ({{ sql_text_list(kpi_names_with('radar')) }})
),

benchmarks as (
    {{ industry_kpi_benchmarks() }}
),

scored as (
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
        case
            when
                radar_kpis.value is not null
                and benchmarks.benchmark_p50 > 0
                then least(
                    100.0,
                    50.0 * radar_kpis.value
                    / cast(benchmarks.benchmark_p50 as double)
                )
        end as score,
        radar_kpis.is_complete_month
    from radar_kpis
    left join benchmarks
        on radar_kpis.kpi = benchmarks.kpi
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
