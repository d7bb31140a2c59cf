{#- Column name -> lower-case data type of a relation, read at run time. -#}
{% macro raw_column_types(relation) %}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({column.name: column.dtype | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{% endmacro %}


{#- A raw timestamp as a business-local timestamp (var business_timezone).
    Values with an offset are converted; values without one are already
    business-local; text is trimmed first (macro clean_text); text that does
    not parse gives null. -#}
{% macro business_timestamp(column_name, raw_types) %}
    {{ return(adapter.dispatch('business_timestamp', 'memberkpi')(
        column_name, raw_types)) }}
{% endmacro %}


{% macro default__business_timestamp(column_name, raw_types) %}
    {%- set raw_type = raw_types.get(column_name, 'varchar') -%}
    {%- set zone = var('business_timezone') -%}
    {%- set text = memberkpi.clean_text(column_name) -%}
    {%- if 'with time zone' in raw_type or raw_type == 'timestamptz' -%}
        timezone('{{ zone }}', {{ column_name }})
    {%- elif raw_type.startswith('timestamp') or raw_type == 'date' -%}
        cast({{ column_name }} as timestamp)
    {%- else -%}
        case
            when regexp_matches(
                {{ text }}, '{{ memberkpi.utc_offset_pattern() }}'
            )
                then timezone('{{ zone }}', try_cast({{ text }} as timestamptz))
            else try_cast({{ text }} as timestamp)
        end
    {%- endif -%}
{% endmacro %}


{#- Spark: a `timestamp` column is an instant (timestamp_ltz, the profile
    sets spark.sql.timestampType to TIMESTAMP_NTZ so every other timestamp
    here is a wall-clock timestamp_ntz) and is converted from UTC (the
    session time zone) to business time; text with an offset is parsed as
    an instant and converted; text without one is business-local. -#}
{% macro spark__business_timestamp(column_name, raw_types) %}
    {%- set raw_type = raw_types.get(column_name, 'string') -%}
    {%- set zone = var('business_timezone') -%}
    {%- set text = memberkpi.clean_text(column_name) -%}
    {%- if raw_type == 'timestamp' or raw_type == 'timestamp_ltz' -%}
        cast(from_utc_timestamp({{ column_name }}, '{{ zone }}') as timestamp_ntz)
    {%- elif raw_type.startswith('timestamp') or raw_type == 'date' -%}
        cast({{ column_name }} as timestamp_ntz)
    {%- else -%}
        case
            when {{ text }} rlike r'{{ memberkpi.utc_offset_pattern() }}'
                then cast(from_utc_timestamp(
                    try_cast({{ text }} as timestamp_ltz), '{{ zone }}'
                ) as timestamp_ntz)
            else try_cast({{ text }} as timestamp_ntz)
        end
    {%- endif -%}
{% endmacro %}


{#- A time of day followed by Z or a +hh, +hhmm or +hh:mm offset. -#}
{% macro utc_offset_pattern() -%}
    \d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$
{%- endmacro %}


{#- A raw date column (traffic_date, snapshot_date) as a date. -#}
{% macro business_date(column_name, raw_types) %}
    {%- set raw_type = raw_types.get(column_name, 'varchar') -%}
    {%- if raw_type == 'date' -%}
        {{ column_name }}
    {%- else -%}
        cast({{ memberkpi.business_timestamp(column_name, raw_types) }} as date)
    {%- endif -%}
{% endmacro %}


{#- The build's as-of date as a SQL date literal: var as_of_date, or today
    in business time when the var is null. While dbt parses, a placeholder:
    the time zone is checked first, by validate_vars in on-run-start. -#}
{% macro as_of_date() %}
    {%- set configured = var('as_of_date') -%}
    {%- if configured -%}
        {%- set day = configured -%}
    {%- elif not execute -%}
        {{ return('current_date') }}
    {%- else -%}
        {%- set zone = modules.pytz.timezone(var('business_timezone')) -%}
        {%- set day = modules.datetime.datetime.now(zone).strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {{ return("cast('" ~ day ~ "' as date)") }}
{% endmacro %}


{#- The earliest business date as a SQL date literal: var
    earliest_business_date (default 1990-01-01). Raw timestamps before it
    are placeholders (1970-01-01), not business events. -#}
{% macro earliest_business_date() %}
    {{ return("cast('" ~ var('earliest_business_date') ~ "' as date)") }}
{% endmacro %}


{#- True when a typed timestamp or date lies outside the business dates:
    its business date after the as-of date or before the earliest business
    date (a `bad_timestamp`). Null stays null. -#}
{% macro is_outside_business_dates(column) -%}
    (
        cast({{ column }} as date) > {{ memberkpi.as_of_date() }}
        or cast({{ column }} as date) < {{ memberkpi.earliest_business_date() }}
    )
{%- endmacro %}


{#- True when a raw value is present but its typed value is null: text that
    did not parse as the contract's type. -#}
{% macro is_unparsed(raw_column, typed_expression) -%}
    ({{ raw_column }} is not null and ({{ typed_expression }}) is null)
{%- endmacro %}


{#- The calibration end date of the predicted-CLV models, inclusive: var
    clv_calibration_end; else var as_of_date; else the data's own end,
    given as a SQL expression (the last business day with a purchase), so
    that an export that stops before today is not read as members who
    stopped buying. -#}
{% macro clv_calibration_end(data_end_expression) %}
    {%- set configured = var('clv_calibration_end') or var('as_of_date') -%}
    {%- if configured -%}
        {{ return("cast('" ~ configured ~ "' as date)") }}
    {%- endif -%}
    {{ return("cast(" ~ data_end_expression ~ " as date)") }}
{% endmacro %}
