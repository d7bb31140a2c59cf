{#- Whether the dbt Python models (predictive CLV) build: var
    enable_python_models (default true) and an engine that runs them in
    this setup. dbt-duckdb runs Python models in-process; dbt-spark runs
    them only on a Databricks cluster, not in session mode, so they are
    off on Spark. Use it as `config(enabled=memberkpi.python_models_enabled())`. -#}
{% macro python_models_enabled() %}
    {{ return(var('enable_python_models', true)
        and memberkpi.engine_runs_python_models()) }}
{% endmacro %}


{% macro engine_runs_python_models() %}
    {{ return(adapter.dispatch('engine_runs_python_models', 'memberkpi')()) }}
{% endmacro %}


{% macro default__engine_runs_python_models() %}
    {{ return(false) }}
{% endmacro %}


{% macro duckdb__engine_runs_python_models() %}
    {{ return(true) }}
{% endmacro %}


{#- on-run-start: say so when the Python models are switched off by the
    engine rather than by the var. -#}
{% macro log_python_models() %}
    {%- if execute and var('enable_python_models', true)
        and not memberkpi.engine_runs_python_models() -%}
        {{ log("python models: disabled on target type '" ~ target.type
            ~ "' (dbt Python models run on DuckDB only here); the predictive"
            ~ " CLV table is not built", info=true) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
