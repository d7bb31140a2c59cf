{#- Spark versions of dbt's cross-database macros, found before
    dbt-spark's own (dbt searches the root project first for the `dbt`
    namespace). -#}

{#- dbt.dateadd, exact: timestampadd keeps fractional seconds and a null
    input stays null (dbt-spark's own version goes through whole unix
    seconds). Like DuckDB's date + interval it returns a timestamp; months
    clip to the month end (Jan 31 + 1 month = Feb 28/29) on both. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) %}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{% endmacro %}


{#- dbt.date_spine: from the start date up to the end date, the end
    excluded, like dbt's default. One sequence() instead of the default's
    cross joins of generate_series, which Spark plans and runs slowly. -#}
{% macro spark__date_spine(datepart, start_date, end_date) %}
    select spine.date_{{ datepart }}
    from (
        select explode(sequence(
            cast({{ start_date }} as date),
            cast({{ end_date }} as date),
            interval 1 {{ datepart }}
        )) as date_{{ datepart }}
    ) as spine
    where spine.date_{{ datepart }} < cast({{ end_date }} as date)
{% endmacro %}
