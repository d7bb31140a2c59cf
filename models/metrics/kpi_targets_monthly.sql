{#- The target of each report month of each KPI with one, from seed
    kpi_targets: the KPI's monthly row for the month, else its annual row
    for the year phased to the month, else its standing row. Phasing of an
    annual target T of year y: for a KPI whose monthly values add up to the
    year's (macro kpi_names_summing_over_months), T x the month's share of
    the KPI's total of year y - 1 in kpi_monthly (the same calendar month
    of y - 1 over the sum of its 12 months) when that year is usable (12
    complete months, each window complete, no value null or negative, a
    total above 0), else T / 12; for any other KPI, T in every month. -#}
{%- set summing_kpis = kpi_names_summing_over_months() -%}

with

kpi_monthly as (
    select * from {{ ref('kpi_monthly') }}
),

targets as (
    {{ kpi_target_rows() }}
),

kpi_months as (
    select
        month,
        kpi,
        value,
        is_complete_month,
        is_window_complete,
        extract(year from month) as report_year,
        extract(month from month) as month_of_year,
        {% if summing_kpis -%}
            kpi in ({{ sql_text_list(summing_kpis) }})
        {%- else -%}
            false
        {%- endif %} as is_additive
    from kpi_monthly
),

parsed_targets as (
    select
        kpi,
        period,
        cast(target_value as double) as target_value,
        target_note,
        case
            when period is null then 'standing'
            when length(period) = 4 then 'annual'
            when length(period) = 7 then 'monthly'
        end as period_kind,
        -- try_cast (DuckDB and Spark 3.2+; dbt.safe_cast is a plain cast on
        -- Spark, an error under ANSI mode): null for a malformed period,
        -- which fails test assert_kpi_targets_period_format
        case
            when length(period) in (4, 7)
                then try_cast(substring(period, 1, 4) as integer)
        end as period_year,
        case
            when length(period) = 7
                then try_cast(substring(period, 6, 2) as integer)
        end as period_month
    from targets
),

year_totals as (
    select
        kpi,
        report_year,
        sum(value) as year_total,
        sum(
            case
                when
                    is_complete_month
                    and is_window_complete
                    and value >= 0
                    then 1
                else 0
            end
        ) as usable_months
    from kpi_months
    where is_additive
    group by kpi, report_year
),

monthly_targets as (
    select
        kpi_months.month,
        kpi_months.kpi,
        parsed_targets.period,
        parsed_targets.target_value,
        parsed_targets.target_note
    from kpi_months
    inner join parsed_targets
        on
            kpi_months.kpi = parsed_targets.kpi
            and kpi_months.report_year = parsed_targets.period_year
            and kpi_months.month_of_year = parsed_targets.period_month
    where parsed_targets.period_kind = 'monthly'
),

annual_targets as (
    select
        kpi_months.month,
        kpi_months.kpi,
        parsed_targets.period,
        parsed_targets.target_value as annual_target_value,
        parsed_targets.target_note,
        case
            when not kpi_months.is_additive then 'annual_unchanged'
            when
                last_year_totals.usable_months = 12
                and last_year_totals.year_total > 0
                then 'annual_last_year_shape'
            else 'annual_equal_twelfths'
        end as target_basis,
        last_year_months.value as last_year_value,
        last_year_totals.year_total as last_year_total
    from kpi_months
    inner join parsed_targets
        on
            kpi_months.kpi = parsed_targets.kpi
            and kpi_months.report_year = parsed_targets.period_year
    left join kpi_months as last_year_months
        on
            kpi_months.kpi = last_year_months.kpi
            and kpi_months.report_year - 1 = last_year_months.report_year
            and kpi_months.month_of_year = last_year_months.month_of_year
    left join year_totals as last_year_totals
        on
            kpi_months.kpi = last_year_totals.kpi
            and kpi_months.report_year - 1 = last_year_totals.report_year
    where parsed_targets.period_kind = 'annual'
),

phased_targets as (
    select
        month,
        kpi,
        period,
        annual_target_value,
        target_note,
        target_basis,
        case target_basis
            when 'annual_last_year_shape'
                then annual_target_value * last_year_value / last_year_total
            when 'annual_equal_twelfths' then annual_target_value / 12.0
            else annual_target_value
        end as target_value
    from annual_targets
),

standing_targets as (
    select
        kpi_months.month,
        kpi_months.kpi,
        parsed_targets.target_value,
        parsed_targets.target_note
    from kpi_months
    inner join parsed_targets
        on kpi_months.kpi = parsed_targets.kpi
    where parsed_targets.period_kind = 'standing'
),

chosen as (
    select
        kpi_months.month,
        kpi_months.kpi,
        kpi_months.is_additive,
        case
            when monthly_targets.kpi is not null
                then monthly_targets.target_value
            when phased_targets.kpi is not null
                then phased_targets.target_value
            else standing_targets.target_value
        end as target_value,
        case
            when monthly_targets.kpi is not null then 'monthly'
            when phased_targets.kpi is not null
                then phased_targets.target_basis
            when standing_targets.kpi is not null then 'standing'
        end as target_basis,
        case
            when monthly_targets.kpi is not null then monthly_targets.period
            when phased_targets.kpi is not null then phased_targets.period
        end as target_period,
        phased_targets.annual_target_value,
        case
            when monthly_targets.kpi is not null
                then monthly_targets.target_note
            when phased_targets.kpi is not null
                then phased_targets.target_note
            else standing_targets.target_note
        end as target_note
    from kpi_months
    left join monthly_targets
        on
            kpi_months.month = monthly_targets.month
            and kpi_months.kpi = monthly_targets.kpi
    left join phased_targets
        on
            kpi_months.month = phased_targets.month
            and kpi_months.kpi = phased_targets.kpi
    left join standing_targets
        on
            kpi_months.month = standing_targets.month
            and kpi_months.kpi = standing_targets.kpi
),

final as (
    select
        month,
        kpi,
        cast(target_value as double) as target_value,
        target_basis,
        target_period,
        cast(annual_target_value as double) as annual_target_value,
        is_additive,
        target_note
    from chosen
    where target_basis is not null
)

select * from final
