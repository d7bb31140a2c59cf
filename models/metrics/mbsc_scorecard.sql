{#- Status rule: the reference is the target when the seed gives one, else
    the benchmark p50, else the previous month. "good" when the value is at
    or better than the reference in the KPI's direction, "watch" when it is
    worse by at most 5% of the reference, "bad" when worse by more; null
    when the value or every reference is null. The previous month and the
    same month last year are the rows 1 and 12 before in the KPI's months:
    kpi_monthly holds every report month (dim_month has no gaps). -#}
with

kpi_monthly as (
    select * from {{ ref('kpi_monthly') }}
),

benchmarks as (
    {{ industry_kpi_benchmarks() }}
),

targets as (
    select * from {{ ref('kpi_targets') }}
),

framed as (
    select
        kpi_monthly.month,
        kpi_monthly.kpi,
        kpi_monthly.family,
        kpi_monthly.mbsc_group,
        kpi_monthly.quadrant,
        kpi_monthly.label_zh,
        kpi_monthly.label_en,
        kpi_monthly.unit,
        kpi_monthly.higher_is_better,
        kpi_monthly.is_complete_month,
        kpi_monthly.kpi_order,
        kpi_monthly.value,
        lag(kpi_monthly.value, 1) over kpi_months as previous_month_value,
        lag(kpi_monthly.value, 12) over kpi_months
            as same_month_last_year_value,
        cast(targets.target_value as double) as target_value,
        cast(benchmarks.benchmark_p50 as double) as benchmark_p50
    from kpi_monthly
    left join targets
        on kpi_monthly.kpi = targets.kpi
    left join benchmarks
        on kpi_monthly.kpi = benchmarks.kpi
    where kpi_monthly.family != 'trend'
    window kpi_months as (
        partition by kpi_monthly.kpi
        order by kpi_monthly.month
    )
),

referenced as (
    select
        *,
        {{ relative_change('value', 'previous_month_value') }} as mom_change,
        {{ relative_change('value', 'same_month_last_year_value') }}
            as yoy_change,
        coalesce(target_value, benchmark_p50, previous_month_value)
            as reference_value,
        case
            when target_value is not null then 'target'
            when benchmark_p50 is not null then 'benchmark_p50'
            when previous_month_value is not null then 'previous_month'
        end as reference_kind
    from framed
),

final as (
    select
        month,
        kpi,
        family,
        mbsc_group,
        quadrant,
        label_zh,
        label_en,
        unit,
        higher_is_better,
        value,
        previous_month_value,
        same_month_last_year_value,
        mom_change,
        yoy_change,
        target_value,
        benchmark_p50,
        reference_value,
        reference_kind,
        case
            when value is null or reference_value is null then null
            when
                (higher_is_better and value >= reference_value)
                or (not higher_is_better and value <= reference_value)
                then 'good'
            when
                abs(value - reference_value)
                <= 0.05 * abs(reference_value)
                then 'watch'
            else 'bad'
        end as status,
        is_complete_month,
        kpi_order
    from referenced
)

select * from final
