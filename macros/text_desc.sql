{#- An order-by list: each column cast to text, descending. The base_raw__
    models break ties between rows sharing a key on their raw values
    compared as text (RAW_CONTRACT), whatever the file's types. -#}
{% macro text_desc(columns) -%}
    {%- for column in columns -%}
        cast({{ column }} as string) desc{{ ",\n    " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
