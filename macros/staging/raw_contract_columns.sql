{#- The raw contract's node of raw table `table_name` (graph.sources, the
    sources YAML); none while dbt parses (the graph is not built yet). -#}
{% macro raw_contract_table(table_name) %}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- for table in memberkpi.raw_contract_tables()
        if table.name == table_name -%}
        {{ return(table) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "raw table '" ~ table_name ~ "' is not in the raw contract"
        ~ " (models/staging/raw/_raw__sources.yml)") }}
{% endmacro %}


{#- The family of a contract data_type, as memberkpi.contract.raw.column_kind
    reads it: text, integer, decimal, timestamp, date or boolean. -#}
{% macro raw_column_kind(data_type) %}
    {%- set normalized = (data_type or '') | trim | lower -%}
    {%- if normalized.startswith('decimal') or normalized.startswith('numeric') -%}
        {{ return('decimal') }}
    {%- elif normalized in ['integer', 'int', 'bigint', 'smallint'] -%}
        {{ return('integer') }}
    {%- elif normalized.startswith('timestamp') -%}
        {{ return('timestamp') }}
    {%- elif normalized == 'date' -%}
        {{ return('date') }}
    {%- elif normalized in ['boolean', 'bool'] -%}
        {{ return('boolean') }}
    {%- endif -%}
    {{ return('text') }}
{% endmacro %}


{#- The columns of a raw contract table (raw_contract_table) in contract
    order, each a dict of what the staging macros need, read from the
    column's meta (the keys are documented at the top of the sources YAML):
    name, raw (`raw_<name>`), staged (meta staged_as, else name), data_type,
    kind, is_key (in the primary key or meta missing_key), in_primary_key,
    required (a key, the dedupe timestamp or meta not_null), codes (a list,
    or the seed's relation name and column), nullable (a code or decimal
    that may be null), non_negative,
    at_least, range, reference, may_be_future, whole (an integer that must
    be a whole number), pii. -#}
{% macro raw_contract_columns(table) %}
    {%- set found = [] -%}
    {%- if table is none -%}{{ return(found) }}{%- endif -%}
    {%- set primary_key = table.meta.get('primary_key') or [] -%}
    {%- set dedupe = table.meta.get('dedupe_timestamp') -%}
    {%- set staged_names = {} -%}
    {%- for column in table.columns.values() -%}
        {%- do staged_names.update({
            column.name: column.meta.get('staged_as') or column.name}) -%}
    {%- endfor -%}
    {%- for column in table.columns.values() -%}
        {%- set meta = column.meta or {} -%}
        {%- set kind = memberkpi.raw_column_kind(column.data_type) -%}
        {%- set is_key = column.name in primary_key
            or meta.get('missing_key') is true -%}
        {%- set seed = none -%}
        {%- if meta.get('accepted_values_seed') -%}
            {%- set seed = meta.get('accepted_values_seed').split('.') -%}
        {%- endif -%}
        {%- set reference = none -%}
        {%- if meta.get('references') -%}
            {%- set reference = meta.get('references').split('.') -%}
        {%- endif -%}
        {%- do found.append({
            'name': column.name,
            'raw': 'raw_' ~ column.name,
            'staged': staged_names[column.name],
            'data_type': column.data_type,
            'kind': kind,
            'is_key': is_key,
            'in_primary_key': column.name in primary_key,
            'required': is_key or column.name == dedupe
                or meta.get('not_null') is true,
            'values': meta.get('accepted_values'),
            'seed': seed,
            'nullable': meta.get('nullable') is true,
            'non_negative': kind == 'decimal' or meta.get('non_negative') is true,
            'at_least': staged_names.get(meta.get('at_least')),
            'range': meta.get('range'),
            'reference': reference,
            'may_be_future': meta.get('may_be_future') is true,
            'whole': kind == 'integer' and meta.get('whole_number') is not false,
            'pii': meta.get('pii') is true,
        }) -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}
