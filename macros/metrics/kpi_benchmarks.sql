{#- The benchmark rows (seed kpi_benchmarks) of the brand's industry, var
    benchmark_industry: one row per KPI that has a benchmark. -#}
{% macro industry_kpi_benchmarks() %}
    select * from {{ ref('kpi_benchmarks') }}
    where industry = '{{ var("benchmark_industry") }}'
{% endmacro %}
