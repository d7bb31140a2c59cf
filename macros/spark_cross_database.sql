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

