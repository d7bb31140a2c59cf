{#- A stg_raw__<table> model: the clean rows of base_raw__<table>, its typed
    columns grouped as ids, codes, flags (a null flag reads as false),
    amounts, scores, pii and timestamps, each group in contract order. A
    text column is an id when its name ends in `_id`, an integer key column
    is an id, a text column with meta `pii` is pii, an integer or decimal
    with a `range` is a score. -#}
{% macro stage_clean_rows(table_name) %}
    {%- set base = ref('base_raw__' ~ table_name) -%}
    {%- set columns = memberkpi.raw_contract_columns(
        memberkpi.raw_contract_table(table_name)) -%}
    {%- set groups = {
        'ids': [], 'codes': [], 'flags (a null flag reads as false)': [],
        'amounts': [], 'scores': [], 'pii': [], 'timestamps': []} -%}
    {%- for column in columns -%}
        {%- set staged = column.staged -%}
        {%- if column.pii -%}
            {%- do groups['pii'].append(staged) -%}
        {%- elif column.kind == 'boolean' -%}
            {%- do groups['flags (a null flag reads as false)'].append(
                'coalesce(' ~ staged ~ ', false) as ' ~ staged) -%}
        {%- elif column.kind in ['timestamp', 'date'] -%}
            {%- do groups['timestamps'].append(staged) -%}
        {%- elif (column.kind == 'text' and column.name.endswith('_id'))
            or (column.kind == 'integer' and column.in_primary_key) -%}
            {%- do groups['ids'].append(staged) -%}
        {%- elif column.kind == 'text' -%}
            {%- do groups['codes'].append(staged) -%}
        {%- elif column.range is not none -%}
            {%- do groups['scores'].append(staged) -%}
        {%- else -%}
            {%- do groups['amounts'].append(staged) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set selected = [] -%}
    {%- for group in groups.values() -%}
        {%- do selected.extend(group) -%}
    {%- endfor -%}
with

checked as (
    select * from {{ base }}
),

clean as (
    select
        {%- for name, group in groups.items() if group %}

        -- {{ name }}
            {%- for item in group %}
        {{ item }}{{ ',' if item != selected[-1] }}
            {%- endfor %}
        {%- endfor %}
        {%- if not selected %}
        1 as parsing
        {%- endif %}

    from checked
    where reject_reason is null
)

select * from clean
{%- endmacro %}


{#- A quarantine_raw__<table> model: the rejected rows of
    base_raw__<table>, their reject reason and their raw values as text,
    named and ordered as the raw contract's columns. -#}
{% macro stage_quarantine_rows(table_name) %}
    {%- set base = ref('base_raw__' ~ table_name) -%}
    {%- set columns = memberkpi.raw_contract_columns(
        memberkpi.raw_contract_table(table_name)) -%}
with

checked as (
    select * from {{ base }}
),

rejected as (
    select
        reject_reason
        {%- for column in columns %},
        cast({{ column.raw }} as string) as {{ column.name }}
        {%- endfor %}
    from checked
    where reject_reason is not null
)

select * from rejected
{%- endmacro %}


{#- The raw contract's tables, for the models that read one relation per
    table (raw_row_reconciliation, quarantine_summary): dbt needs their refs
    while it parses, before the graph of sources exists, so the names are
    listed here once and check_raw_table_list compares them with the
    contract at run time. -#}
{% macro raw_table_names() %}
    {{- return([
        'members',
        'member_bindings',
        'orders',
        'order_items',
        'points_ledger',
        'tier_changes',
        'channel_traffic',
        'interactions',
        'campaigns',
        'campaign_touches',
        'service_tickets',
        'reviews',
        'surveys',
        'exposure_resources',
    ]) -}}
{% endmacro %}


{#- Stops the build when a model's list of raw tables is not the raw
    contract's (dbt needs the list while it parses, before the graph of
    sources exists). -#}
{% macro check_raw_table_list(table_names, model_name) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set contract = memberkpi.raw_contract_tables() | map(attribute='name')
        | list -%}
    {%- if (table_names | sort) != (contract | sort) -%}
        {{ exceptions.raise_compiler_error(
            model_name ~ " lists the raw tables " ~ table_names | sort | join(', ')
            ~ " but the raw contract has " ~ contract | sort | join(', ')
            ~ ": list exactly the contract's tables") }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- raw_row_reconciliation: per raw table, raw rows = clean rows +
    quarantined rows + collapsed exact duplicates (count_distinct_rows). -#}
{% macro raw_row_reconciliation(table_names) %}
    {{- memberkpi.check_raw_table_list(table_names, 'raw_row_reconciliation') -}}
-- Raw rows = clean rows + quarantined rows + collapsed exact duplicates.
-- Distinct raw rows are counted by macro count_distinct_rows (exact).

with

{% for name in table_names -%}
{{ name }} as (
    select
        '{{ name }}' as source_table,
        (
            select count(*) from {{ source('raw', name) }}
        ) as count_raw_rows,
        {{ memberkpi.count_distinct_rows(source('raw', name)) }}
            as count_distinct_rows,
        (
            select count(*) from {{ ref('stg_raw__' ~ name) }}
        ) as count_clean_rows,
        (
            select count(*) from {{ ref('quarantine_raw__' ~ name) }}
        ) as count_quarantined_rows
),

{% endfor -%}
counted as (
    {%- for name in table_names %}
    select * from {{ name }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

reconciled as (
    select
        source_table,
        count_raw_rows,
        count_clean_rows,
        count_quarantined_rows,
        count_raw_rows - count_distinct_rows as count_collapsed_duplicates,
        {{ memberkpi.safe_divide('count_quarantined_rows', 'count_raw_rows') }}
            as quarantine_share,
        count_raw_rows = (
            count_clean_rows
            + count_quarantined_rows
            + (count_raw_rows - count_distinct_rows)
        ) as is_balanced
    from counted
)

select * from reconciled
{%- endmacro %}


{#- quarantine_summary: rows per raw table and reject reason of the
    quarantine_raw__ models. -#}
{% macro quarantine_summary(table_names) %}
    {{- memberkpi.check_raw_table_list(table_names, 'quarantine_summary') -}}
with

rejected as (
    {%- for name in table_names %}
    select
        '{{ name }}' as source_table,
        reject_reason
    from {{ ref('quarantine_raw__' ~ name) }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

summarised as (
    select
        source_table,
        reject_reason,
        count(*) as count_rows
    from rejected
    group by source_table, reject_reason
)

select * from summarised
{%- endmacro %}
