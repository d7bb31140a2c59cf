{#-
    The CTE hint `not materialized` where the engine has it (DuckDB), nothing
    elsewhere. A staging model reads its raw view through CTEs that the
    de-duplication (rank_by_key) references three times; DuckDB would
    otherwise materialize the whole raw table in memory once per model (at
    1M members, 8 of the orders model's 18 s and 5 GB of memory), where
    scanning the parquet file again costs about 2 s.
-#}
{% macro not_materialized() %}
    {{- return(adapter.dispatch('not_materialized', 'memberkpi')()) -}}
{% endmacro %}

{% macro default__not_materialized() %}{% endmacro %}

{% macro duckdb__not_materialized() %}not materialized{% endmacro %}
