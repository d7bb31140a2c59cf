{#- The select-list items of a base_raw__ model's raw columns: each raw
    value on a rejected row (the quarantine prints it), null on a clean row
    (the typed columns hold what it says). Storing the raw copy of every
    clean row doubled the widest staging tables for nothing a reader used. -#}
{% macro raw_values_if_rejected(columns) -%}
    {%- for column in columns %}
        case when reject_reason is not null then {{ column }} end
            as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
