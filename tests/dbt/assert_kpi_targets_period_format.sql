-- Fails on every row of seed kpi_targets whose period is neither empty
-- (standing), 'YYYY' (annual) nor 'YYYY-MM' (monthly, month 01-12): such a
-- row would apply to no month. The failing rows name the KPI and period.

with

targets as (
    {{ kpi_target_rows() }}
),

parsed as (
    select
        kpi,
        period,
        -- try_cast: DuckDB and Spark 3.2+ (dbt.safe_cast is a plain cast
        -- on Spark, an error under ANSI mode)
        try_cast(substring(period, 1, 4) as integer) as period_year,
        try_cast(substring(period, 6, 2) as integer) as period_month
    from targets
    where period is not null
),

final as (
    select
        kpi,
        period
    from parsed
    where
        period_year is null
        or period_year < 1000
        or not (
            length(period) = 4
            or (
                length(period) = 7
                and substring(period, 5, 1) = '-'
                and period_month between 1 and 12
            )
        )
)

select * from final
