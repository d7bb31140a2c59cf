{#- Calendar expressions that differ between engines (documented in
    macros/_calendar.yml). -#}

{#- Every calendar day from first_date to last_date, both included: a
    set-returning expression, to be used alone and aliased in the select
    list of a query over the relation holding the two dates. Cast the
    result to date (DuckDB returns timestamps). -#}
{% macro calendar_days(first_date, last_date) %}
    {{ return(adapter.dispatch('calendar_days', 'memberkpi')(
        first_date, last_date)) }}
{% endmacro %}

{% macro default__calendar_days(first_date, last_date) %}
    unnest(generate_series(
        cast({{ first_date }} as date),
        cast({{ last_date }} as date),
        interval 1 day
    ))
{% endmacro %}

{% macro spark__calendar_days(first_date, last_date) %}
    explode(sequence(
        cast({{ first_date }} as date),
        cast({{ last_date }} as date),
        interval 1 day
    ))
{% endmacro %}


{#- ISO weekday of a date, 1 = Monday ... 7 = Sunday, from the engine's own
    day-of-week function (right for every date, before or after any
    reference day). -#}
{% macro iso_weekday(date_expression) %}
    {{ return(adapter.dispatch('iso_weekday', 'memberkpi')(date_expression)) }}
{% endmacro %}

{% macro default__iso_weekday(date_expression) %}
    isodow({{ date_expression }})
{% endmacro %}

{% macro spark__iso_weekday(date_expression) %}
    extract(dayofweek_iso from {{ date_expression }})
{% endmacro %}


{#- The first day of the month of a date or timestamp, as a date. -#}
{% macro first_day_of_month(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}


{#- The Monday of the ISO week of a date or timestamp, as a date (dbt's
    date_trunc to week: Monday on DuckDB, Spark and Postgres alike). -#}
{% macro first_day_of_iso_week(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}


{#- January 1 of the year of a date, as a date. -#}
{% macro first_day_of_year(date_expression) -%}
    cast({{ dbt.date_trunc('year', date_expression) }} as date)
{%- endmacro %}
