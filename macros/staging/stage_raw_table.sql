{#-
    A base_raw__<table> model from the raw contract (the sources YAML): every
    distinct raw row with its raw copies, typed values, key rank and reject
    reason (docs/quarantine_rules.md). The model file is

        -- depends_on: {{ ref('<seed or stg_raw__ parent>') }} ...
        {{ stage_raw_table('<table>') }}

    dbt knows a model's refs from its parse, before the graph of sources
    exists, so the seeds of `accepted_values_seed` and the stg_raw__ parents
    of `references` are named in the depends_on line (dbt stops the build
    naming a missing one; tests/unit/test_contract.py checks the lines).
-#}
{% macro stage_raw_table(table_name) %}
    {%- set relation = source('raw', table_name) -%}
    {%- set table = memberkpi.raw_contract_table(table_name) -%}
    {%- if table is none -%}
        {#- dbt is parsing: the refs are the depends_on line's -#}
        {{ return('select 1 as parsing') }}
    {%- endif -%}
    {%- set columns = memberkpi.raw_contract_columns(table) -%}
    {%- set raw_types = memberkpi.raw_column_types(relation) -%}
    {%- set raw_columns = columns | map(attribute='raw') | list -%}
    {%- set dedupe = table.meta.get('dedupe_timestamp') -%}
    {%- set key_order -%}
        {%- if dedupe -%}
            {%- for column in columns if column.name == dedupe -%}
                {{ column.staged }} desc nulls last,
    {% endfor -%}
        {%- endif -%}
        {{ memberkpi.text_desc(raw_columns) }}
    {%- endset -%}

with

source as {{ memberkpi.not_materialized() }} (
    select * from {{ relation }}
),

{{ memberkpi.raw_lookups(columns) }}

typed as {{ memberkpi.not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        {%- for column in columns %}
        {{ column.name }} as {{ column.raw }},
        {%- endfor %}

        -- typed values
        {%- for column in columns %}
        {{ memberkpi.raw_typed_value(column, raw_types) }}
            as {{ column.staged }}{{ ',' if not loop.last }}
        {%- endfor %}

    from source
),

{{ memberkpi.rank_by_key('typed', memberkpi.raw_key_expressions(columns), key_order) }},

checked as (
    select
        *,
        {{ memberkpi.raw_reject_reason(columns) }} as reject_reason
    from ranked
),

final as (
    select
        {{ memberkpi.raw_values_if_rejected(raw_columns) }},
        {%- for column in columns %}
        {{ column.staged }},
        {%- endfor %}
        key_rank,
        reject_reason
    from checked
)

select * from final
{%- endmacro %}


{#- One CTE per code seed (accepted_values_seed) and per parent table of a
    reference (its stg_raw__ model), each followed by a comma. -#}
{% macro raw_lookups(columns) %}
    {%- set seen = [] -%}
    {%- for column in columns if column.seed and column.seed[0] not in seen %}
        {%- do seen.append(column.seed[0]) %}
{{ column.seed[0] }} as (
    select {{ column.seed[1] }} from {{ ref(column.seed[0]) }}
),
    {% endfor -%}
    {%- for column in columns
        if column.reference and column.reference[0] not in seen %}
        {%- do seen.append(column.reference[0]) %}
{{ column.reference[0] }} as (
    select {{ column.reference[1] }}
    from {{ ref('stg_raw__' ~ column.reference[0]) }}
),
    {% endfor -%}
{% endmacro %}


{#- A raw column typed as the contract says: text trimmed (clean_text),
    integers whole numbers (else null; meta whole_number: false reads them
    by a plain cast), decimals and flags cast, timestamps and dates in
    business time (macros/business_time.sql). -#}
{% macro raw_typed_value(column, raw_types) %}
    {%- set name = column.name -%}
    {%- if column.kind == 'text' -%}
        {{ memberkpi.clean_text(name) }}
    {%- elif column.kind == 'integer' and column.whole -%}
        case
            when
                try_cast({{ name }} as double)
                = floor(try_cast({{ name }} as double))
                then try_cast(try_cast({{ name }} as double) as integer)
        end
    {%- elif column.kind == 'integer' -%}
        try_cast({{ name }} as integer)
    {%- elif column.kind == 'decimal' -%}
        try_cast({{ name }} as {{ column.data_type }})
    {%- elif column.kind == 'boolean' -%}
        try_cast({{ name }} as boolean)
    {%- elif column.kind == 'date' -%}
        {{ memberkpi.business_date(name, raw_types) }}
    {%- else -%}
        {{ memberkpi.business_timestamp(name, raw_types) }}
    {%- endif -%}
{% endmacro %}


{#- The key of rank_by_key: the primary key's typed columns; a timestamp or
    date that does not parse is keyed by its raw text. -#}
{% macro raw_key_expressions(columns) %}
    {%- set keys = [] -%}
    {%- for column in columns if column.in_primary_key -%}
        {%- if column.kind in ['timestamp', 'date'] -%}
            {%- do keys.append(
                'coalesce(cast(' ~ column.staged ~ ' as string), '
                ~ memberkpi.clean_text(column.raw) ~ ')') -%}
        {%- else -%}
            {%- do keys.append(column.staged) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(keys) }}
{% endmacro %}


{#- The reject CASE: the first class, in the order of evaluation, whose
    conditions (raw_reject_conditions) a row meets; null for a clean row. -#}
{% macro raw_reject_reason(columns) %}
    {%- set conditions = memberkpi.raw_reject_conditions(columns) -%}
case
        {%- for reason in [
            'missing_key', 'duplicate_key', 'unknown_code', 'bad_amount',
            'bad_timestamp', 'orphan', 'out_of_range'
        ] if conditions[reason] %}
            when
                {{ conditions[reason] | join('\n                or ') }}
                then '{{ reason }}'
        {%- endfor %}
        end
{%- endmacro %}


{#- reject class -> the SQL conditions over a ranked row that give it, from
    the column meta (docs/quarantine_rules.md says them in words). -#}
{% macro raw_reject_conditions(columns) %}
    {%- set found = {
        'missing_key': [], 'duplicate_key': ['key_rank > 1'],
        'unknown_code': [], 'bad_amount': [], 'bad_timestamp': [],
        'orphan': [], 'out_of_range': []} -%}
    {%- for column in columns -%}
        {%- set staged = column.staged -%}
        {%- set unparsed = memberkpi.is_unparsed(column.raw, staged) -%}
        {%- set null_or_unparsed = staged ~ ' is null'
            if column.required else unparsed -%}
        {#- missing_key: a key null or blank (a key date: its raw text) -#}
        {%- if column.is_key and column.kind in ['timestamp', 'date'] -%}
            {%- do found.missing_key.append(
                memberkpi.clean_text(column.raw) ~ ' is null') -%}
        {%- elif column.is_key -%}
            {%- do found.missing_key.append(staged ~ ' is null') -%}
        {%- endif -%}
        {#- unknown_code: a code outside its set; a flag that does not parse -#}
        {%- if column.seed -%}
            {%- do found.unknown_code.append(
                staged ~ ' not in (select ' ~ column.seed[0] ~ '.'
                ~ column.seed[1] ~ ' from ' ~ column.seed[0] ~ ')') -%}
        {%- elif column['values'] is not none -%}
            {%- set literals = [] -%}
            {%- for value in column['values'] -%}
                {%- do literals.append(memberkpi.sql_string(value | string)) -%}
            {%- endfor -%}
            {%- do found.unknown_code.append(
                staged ~ ' not in (' ~ literals | join(', ') ~ ')') -%}
        {%- elif column.kind == 'boolean' -%}
            {%- do found.unknown_code.append(unparsed) -%}
        {%- endif -%}
        {%- if (column.seed or column['values'] is not none)
            and not column.nullable -%}
            {%- do found.unknown_code.append(staged ~ ' is null') -%}
        {%- endif -%}
        {#- bad_amount: an amount or count null/unparsed or negative (a
            nullable decimal: unparsed or negative) -#}
        {%- if column.kind in ['decimal', 'integer'] and not column.is_key
            and column.range is none -%}
            {%- do found.bad_amount.append(
                staged ~ ' is null'
                if column.kind == 'decimal' and not column.nullable
                else null_or_unparsed) -%}
            {%- if column.non_negative -%}
                {%- do found.bad_amount.append(staged ~ ' < 0') -%}
            {%- endif -%}
        {%- endif -%}
        {#- bad_timestamp: null or unparsed, outside the business dates -#}
        {%- if column.kind in ['timestamp', 'date'] -%}
            {%- do found.bad_timestamp.append(null_or_unparsed) -%}
            {%- if not column.may_be_future -%}
                {%- do found.bad_timestamp.append(
                    memberkpi.is_outside_business_dates(staged)) -%}
            {%- endif -%}
        {%- endif -%}
        {#- at_least: this column >= the other when both are present -#}
        {%- if column.at_least -%}
            {%- set broken = staged ~ ' < ' ~ column.at_least -%}
            {%- if column.kind in ['timestamp', 'date'] -%}
                {%- do found.bad_timestamp.append(broken) -%}
            {%- else -%}
                {%- do found.bad_amount.append(broken) -%}
            {%- endif -%}
        {%- endif -%}
        {#- orphan: not a key of the parent's clean rows -#}
        {%- if column.reference -%}
            {%- set parent = column.reference[0] -%}
            {%- do found.orphan.append(
                staged ~ ' is null\n                or not exists (\n'
                ~ '                    select 1 from ' ~ parent ~ '\n'
                ~ '                    where ' ~ parent ~ '.' ~ column.reference[1]
                ~ ' = ranked.' ~ staged ~ '\n                )') -%}
        {%- endif -%}
        {#- out_of_range: a bounded integer null/unparsed or outside -#}
        {%- if column.range is not none -%}
            {%- set high = column.range[1] -%}
            {%- if high == 'as_of_year' -%}
                {%- set high = 'year(' ~ memberkpi.as_of_date() ~ ')' -%}
            {%- endif -%}
            {%- do found.out_of_range.append(null_or_unparsed) -%}
            {%- do found.out_of_range.append(
                staged ~ ' not between ' ~ column.range[0] ~ ' and ' ~ high) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}
