{#- Reference rule: the first available of the month's target
    (kpi_targets_monthly, from seed kpi_targets),
    the benchmark p50 (seed kpi_benchmarks), the same month last year when
    that month's window is complete, the previous month when that month's
    window is complete. Status: "warm_up" when this month's window is
    incomplete (never judged); else "good" when the value is at or better
    than the reference in the KPI's direction, "watch" when worse by at most
    5% of the reference, "bad" when worse by more; null when the value or
    every reference is null. Changes of ratio KPIs are in percentage points
    (100 x (value - base)), of the others relative ((value - base) / base).
    The previous month and the same month last year are the rows 1 and 12
    before in the KPI's months: kpi_monthly holds every report month
    (dim_month has no gaps).
    Attainment (macro attainment): value / target when higher is better,
    target / value otherwise, null in warm-up months. Year to date: the
    same ratio of the sums of value and target over the months of the
    year up to the month that are complete (is_complete_month), have a
    complete window and both a value and a target: for a KPI that adds up
    over months the year-to-date total against the year-to-date target,
    for any other the average monthly value against the average monthly
    target (the KPI itself cannot be recomputed over the year here). -#}
with

kpi_monthly as (
    select * from {{ ref('kpi_monthly') }}
),

benchmarks as (
    {{ industry_kpi_benchmarks() }}
),

targets as (
    select * from {{ ref('kpi_targets_monthly') }}
),

first_paid as (
    {{ first_valid_paid_month() }}
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
        {{ is_window_complete(
            'kpi_monthly.month',
            'kpi_monthly.kpi',
            'first_paid.first_paid_month',
        ) }} as is_window_complete,
        cast(targets.target_value as double) as target_value,
        cast(benchmarks.benchmark_p50 as double) as benchmark_p50
    from kpi_monthly
    cross join first_paid
    left join targets
        on
            kpi_monthly.month = targets.month
            and kpi_monthly.kpi = targets.kpi
    left join benchmarks
        on kpi_monthly.kpi = benchmarks.kpi
    where kpi_monthly.family != 'trend'
),

flagged as (
    select
        *,
        extract(year from month) as report_year,
        coalesce(
            is_complete_month
            and is_window_complete
            and value is not null
            and target_value is not null,
            false
        ) as is_in_year_to_date
    from framed
),

lagged as (
    select
        *,
        lag(value, 1) over kpi_months as previous_month_value,
        lag(value, 12) over kpi_months as same_month_last_year_value,
        coalesce(lag(is_window_complete, 1) over kpi_months, false)
            as is_previous_month_window_complete,
        coalesce(lag(is_window_complete, 12) over kpi_months, false)
            as is_last_year_window_complete,
        sum(
            case when is_in_year_to_date then value end
        ) over year_to_date as year_to_date_value,
        sum(
            case when is_in_year_to_date then target_value end
        ) over year_to_date as year_to_date_target
    from flagged
    window
        kpi_months as (
            partition by kpi
            order by month
        ),
        year_to_date as (
            partition by kpi, report_year
            order by month
            rows between unbounded preceding and current row
        )
),

referenced as (
    select
        *,
        case
            when target_value is not null then 'target'
            when benchmark_p50 is not null then 'benchmark'
            when
                same_month_last_year_value is not null
                and is_last_year_window_complete
                then 'last_year'
            when
                previous_month_value is not null
                and is_previous_month_window_complete
                then 'last_month'
        end as reference_kind,
        case when unit = 'ratio' then 'pp' else 'relative' end
            as change_unit
    from lagged
),

compared as (
    select
        *,
        case reference_kind
            when 'target' then target_value
            when 'benchmark' then benchmark_p50
            when 'last_year' then same_month_last_year_value
            when 'last_month' then previous_month_value
        end as reference_value
    from referenced
),

changed as (
    select
        *,
        case
            when change_unit = 'pp'
                then 100.0 * (value - previous_month_value)
            else {{ relative_change('value', 'previous_month_value') }}
        end as mom_change,
        case
            when change_unit = 'pp'
                then 100.0 * (value - same_month_last_year_value)
            else {{ relative_change('value', 'same_month_last_year_value') }}
        end as yoy_change,
        case
            when change_unit = 'pp'
                then 100.0 * (value - reference_value)
            else {{ relative_change('value', 'reference_value') }}
        end as reference_change
    from compared
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
        change_unit,
        mom_change,
        yoy_change,
        target_value,
        case
            when is_window_complete
                then {{ attainment(
                    'value', 'target_value', 'higher_is_better'
                ) }}
        end as attainment,
        case
            when is_window_complete and target_value is not null
                then {{ attainment(
                    'year_to_date_value',
                    'year_to_date_target',
                    'higher_is_better',
                ) }}
        end as ytd_attainment,
        benchmark_p50,
        reference_kind,
        reference_value,
        reference_change,
        case
            when not is_window_complete then 'warm_up'
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
        is_window_complete,
        is_complete_month,
        kpi_order
    from changed
)

select * from final
