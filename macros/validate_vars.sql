{#- on-run-start, first: stops the build before any model runs when a var
    is wrong. The vars the project declares are read from dbt_project.yml
    itself (`vars:`), so the list is written once; a var given with --vars
    that is not among them, or a declared var whose value has the wrong
    type (var_types), gives one line naming the var, the bad value and the
    valid ones. -#}
{% macro validate_vars() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set declared = memberkpi.declared_vars() -%}
    {%- set types = fromyaml(memberkpi.var_types()) -%}
    {%- set given = invocation_args_dict.get('vars') or {} -%}
    {%- set problems = [] -%}
    {%- for name in given if name not in declared -%}
        {%- do problems.append(
            "var " ~ name ~ " (given " ~ memberkpi.shown_value(given[name])
            ~ ") is not a var of this project; valid: "
            ~ declared | sort | join(', ')) -%}
    {%- endfor -%}
    {%- for name in declared | sort if types.get(name) -%}
        {%- set problem = memberkpi.var_type_problem(
            types[name], var(name)) -%}
        {%- if problem -%}
            {%- do problems.append(
                "var " ~ name ~ " = " ~ memberkpi.shown_value(var(name))
                ~ " " ~ problem) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in declared | sort if not types.get(name) -%}
        {{ log("validate_vars: WARNING var " ~ name ~ " has no type in"
            ~ " macros/validate_vars.sql (var_types): not checked",
            info=true) }}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(problems | join('\n')) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- The type of each var of dbt_project.yml, as YAML (var: type). Types:
    boolean; share (a number from 0 to 1); count (a whole number, 0 or
    more); amount (a number, 0 or more); date (YYYY-MM-DD); date_or_null;
    time_zone (an IANA name);
    industry (an industry of seeds/kpi_benchmarks.csv). tests/integration/test_vars.py checks that
    the names are those of dbt_project.yml. -#}
{% macro var_types() -%}
business_timezone: time_zone
as_of_date: date_or_null
earliest_business_date: date
quarantine_warn_share: share
quarantine_error_share: share
benchmark_industry: industry
enable_python_models: boolean
clv_calibration_end: date_or_null
min_control_members: count
points_value_cny: amount
lifecycle_lapsed_after_days: count
points_expire_after_years: count
include_demo_targets: boolean
{%- endmacro %}


{#- The vars dbt_project.yml declares, name -> default, read from the file
    (dbt does not tell a declared var from one given with --vars). -#}
{% macro declared_vars() %}
    {%- set path = invocation_args_dict.get('project_dir', '.')
        ~ '/dbt_project.yml' -%}
    {%- set project = fromyaml(memberkpi.read_text_file(path)) -%}
    {{ return(project.get('vars') or {}) }}
{% endmacro %}


{#- The text of a (small) file, read by the engine. -#}
{% macro read_text_file(path) %}
    {{ return(adapter.dispatch('read_text_file', 'memberkpi')(path)) }}
{% endmacro %}


{% macro default__read_text_file(path) %}
    {%- set result = run_query(
        'select content from read_text(' ~ memberkpi.sql_string(path) ~ ')') -%}
    {{ return(result.columns[0].values()[0]) }}
{% endmacro %}


{% macro spark__read_text_file(path) %}
    {%- set result = run_query(
        "select decode(content, 'UTF-8') from binaryFile."
        ~ memberkpi.spark_path_identifier(path)) -%}
    {{ return(result.columns[0].values()[0]) }}
{% endmacro %}


{#- What is wrong with a var's value for its type ("is not ...; valid:
    ..."), or '' when it is right. -#}
{% macro var_type_problem(var_type, value) %}
    {%- if var_type == 'boolean' -%}
        {%- if value is not sameas true and value is not sameas false -%}
            {{ return('is not a boolean; valid: true, false') }}
        {%- endif -%}
    {%- elif var_type == 'share' -%}
        {%- if value is boolean or value is not number
            or value < 0 or value > 1 -%}
            {{ return('is not a share; valid: a number from 0 to 1') }}
        {%- endif -%}
    {%- elif var_type == 'count' -%}
        {%- if value is boolean or value is not integer or value < 0 -%}
            {{ return('is not a count; valid: a whole number, 0 or more') }}
        {%- endif -%}
    {%- elif var_type == 'amount' -%}
        {%- if value is boolean or value is not number or value < 0 -%}
            {{ return('is not an amount; valid: a number, 0 or more') }}
        {%- endif -%}
    {%- elif var_type in ('date', 'date_or_null') -%}
        {%- if not (value is none and var_type == 'date_or_null')
            and not memberkpi.is_iso_date(value) -%}
            {{ return('is not a date; valid: YYYY-MM-DD'
                ~ (' or null' if var_type == 'date_or_null' else '')) }}
        {%- endif -%}
    {%- elif var_type == 'time_zone' -%}
        {%- if value not in modules.pytz.all_timezones_set -%}
            {{ return('is not a time zone; valid: an IANA name such as '
                ~ memberkpi.time_zone_hint(value)) }}
        {%- endif -%}
    {%- elif var_type == 'industry' -%}
        {%- set industries = memberkpi.benchmark_industries() -%}
        {%- if industries is not none and value not in industries -%}
            {{ return('is not an industry of seeds/kpi_benchmarks.csv; valid: '
                ~ industries | join(', ')) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- True for a real calendar date written YYYY-MM-DD (a string, or a date
    YAML read unquoted). -#}
{% macro is_iso_date(value) %}
    {%- set text = value if value is string
        else (value.isoformat() if value.isoformat is defined else '') -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set year, month, day = text.split('-') | map('int') | list -%}
    {%- if month < 1 or month > 12 or day < 1 -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(
        year + month // 12, month % 12 + 1, 1) -%}
    {%- set last_day = (next_month - modules.datetime.timedelta(days=1)).day -%}
    {{ return(day <= last_day) }}
{% endmacro %}


{#- Time zones like a misspelt one (same region, city starting alike),
    else a few common ones. -#}
{% macro time_zone_hint(value) %}
    {%- set text = value | string | lower -%}
    {%- set region = text.split('/')[0] if '/' in text else '' -%}
    {%- set city = text.split('/') | last -%}
    {%- set like = [] -%}
    {%- for zone in modules.pytz.common_timezones
        if zone.lower().startswith(region)
        and (zone.lower().split('/') | last).startswith(city[:3]) -%}
        {%- do like.append(zone) -%}
    {%- endfor -%}
    {%- if like and city[:3] -%}
        {{ return(like[:5] | join(', ')) }}
    {%- endif -%}
    {{ return('Asia/Shanghai, Asia/Hong_Kong, Europe/London, America/New_York'
        ~ ' (pytz.all_timezones lists them all)') }}
{% endmacro %}


{#- The industries of the benchmark seed, read from its CSV file (the seed
    may not be loaded yet on a first build); none where the engine cannot
    read the file here (Spark: the check is skipped). -#}
{% macro benchmark_industries() %}
    {{ return(adapter.dispatch('benchmark_industries', 'memberkpi')()) }}
{% endmacro %}


{% macro default__benchmark_industries() %}
    {%- set path = invocation_args_dict.get('project_dir', '.')
        ~ '/seeds/kpi_benchmarks.csv' -%}
    {%- set result = run_query(
        'select distinct industry from read_csv(' ~ memberkpi.sql_string(path)
        ~ ', header = true, all_varchar = true) order by industry') -%}
    {{ return(result.columns[0].values() | list) }}
{% endmacro %}


{% macro spark__benchmark_industries() %}
    {{ return(none) }}
{% endmacro %}


{#- A var's value as the error shows it: text quoted, the rest as is. -#}
{% macro shown_value(value) %}
    {%- if value is string -%}{{ return("'" ~ value ~ "'") }}{%- endif -%}
    {%- if value is none -%}{{ return('null') }}{%- endif -%}
    {%- if value is sameas true or value is sameas false -%}
        {{ return(value | string | lower) }}
    {%- endif -%}
    {{ return(value | string) }}
{% endmacro %}
