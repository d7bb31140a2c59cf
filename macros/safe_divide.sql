{#- A ratio as a double, null when the denominator is 0 or null
    (KPI_SPEC: ratios are NULL when their denominator is 0 or NULL). -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double)
    / cast(nullif({{ denominator }}, 0) as double)
{%- endmacro %}


{#- Relative change (x - base) / base, null when the base is null or 0. -#}
{% macro relative_change(value, base) -%}
    ({{ value }} - {{ base }}) / nullif({{ base }}, 0)
{%- endmacro %}
