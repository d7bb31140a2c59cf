{#- A staged column holds only what the raw contract accepts for its raw
    column: a code of its `accepted_values` (a seed's codes are tested by
    `relationships`), an integer within its `range`. Rows breaking it are
    the failures; null passes (the contract's not-null rules are tested
    with not_null). -#}
{% test raw_contract_values(model, column_name, raw_table, raw_column) %}
    {%- set checks = [] -%}
    {%- for column in memberkpi.raw_contract_columns(
        memberkpi.raw_contract_table(raw_table))
        if column.name == raw_column -%}
        {%- if column['values'] is not none -%}
            {%- set literals = [] -%}
            {%- for value in column['values'] -%}
                {%- do literals.append(memberkpi.sql_string(value | string)) -%}
            {%- endfor -%}
            {%- do checks.append(
                'cast(' ~ column_name ~ ' as string) not in ('
                ~ literals | join(', ') ~ ')') -%}
        {%- endif -%}
        {%- if column.range is not none -%}
            {%- set high = column.range[1] -%}
            {%- if high == 'as_of_year' -%}
                {%- set high = 'year(' ~ memberkpi.as_of_date() ~ ')' -%}
            {%- endif -%}
            {%- do checks.append(
                column_name ~ ' not between ' ~ column.range[0] ~ ' and ' ~ high) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if execute and not checks -%}
        {{ exceptions.raise_compiler_error(
            "raw_contract_values: " ~ raw_table ~ "." ~ raw_column
            ~ " has no accepted_values or range in the raw contract") }}
    {%- endif -%}
select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and ({{ checks | join(' or ') if checks else 'false' }})
{% endtest %}
