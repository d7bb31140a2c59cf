{#- Status rule: the reference is the target when the seed gives one, else
    the benchmark p50, else the previous month. "good" when the value is at
    or better than the reference in the KPI's direction, "watch" when it is
    worse by at most 5% of the reference, "bad" when worse by more; null
    when the value or every reference is null. -#}
with

kpis as (
    select * from {{ ref('kpi_monthly') }}
),

benchmarks as (
    select * from {{ ref('kpi_benchmarks') }}
    where industry = '{{ var("benchmark_industry") }}'
),

targets as (
    select * from {{ ref('kpi_targets') }}
),

scorecard_kpis as (
    select *
    from kpis
    where family != 'trend'
),

framed as (
    select
        current_month.month,
        current_month.kpi,
        current_month.family,
        current_month.mbsc_group,
        current_month.quadrant,
        current_month.label_zh,
        current_month.label_en,
        current_month.unit,
        current_month.higher_is_better,
        current_month.is_complete_month,
        current_month.kpi_order,
        current_month.value,
        previous_month.value as previous_month_value,
        last_year.value as same_month_last_year_value,
        cast(targets.target_value as double) as target_value,
        cast(benchmarks.benchmark_p50 as double) as benchmark_p50
    from scorecard_kpis as current_month
    left join scorecard_kpis as previous_month
        on
            current_month.kpi = previous_month.kpi
            and previous_month.month
            = cast(
                {{ dbt.dateadd('month', -1, 'current_month.month') }}
                as date
            )
    left join scorecard_kpis as last_year
        on
            current_month.kpi = last_year.kpi
            and last_year.month
            = cast(
                {{ dbt.dateadd('month', -12, 'current_month.month') }}
                as date
            )
    left join targets
        on current_month.kpi = targets.kpi
    left join benchmarks
        on current_month.kpi = benchmarks.kpi
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
