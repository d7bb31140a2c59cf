{#- The warehouse's own record of its builds, inside the DuckDB file:
    memberkpi_meta.builds (one row per invocation) and
    memberkpi_meta.build_nodes (one row per node of a finished invocation).
    `memberkpi publish` reads them (docs: macros/_build_records.yml). -#}

{% macro record_build_start() %}
    {{ return(adapter.dispatch('record_build_start', 'memberkpi')()) }}
{% endmacro %}


{% macro record_build_end(results) %}
    {{ return(adapter.dispatch('record_build_end', 'memberkpi')(results)) }}
{% endmacro %}


{#- Spark: publish is DuckDB-only, so nothing reads a record there. -#}
{% macro spark__record_build_start() %}
    {{ return('') }}
{% endmacro %}


{% macro spark__record_build_end(results) %}
    {{ return('') }}
{% endmacro %}


{#- The dbt commands that write relations and so are builds. `dbt test`
    writes none: it is not recorded and does not change what publish sees. -#}
{% macro build_record_commands() %}
    {{ return(['build', 'run', 'seed', 'snapshot', 'retry']) }}
{% endmacro %}


{#- Node statuses that count as passed; `warn` does (a warn-severity test,
    such as the quarantine share warning, must not block publishing). -#}
{% macro build_record_passed_statuses() %}
    {{ return(['success', 'pass', 'warn', 'no-op']) }}
{% endmacro %}


{% macro build_records_is_recorded() %}
    {{ return(execute
        and flags.WHICH in memberkpi.build_record_commands()) }}
{% endmacro %}


{% macro build_records_create() %}
    {%- do run_query('create schema if not exists memberkpi_meta') -%}
    {%- do run_query(
        'create table if not exists memberkpi_meta.builds ('
        ~ ' invocation_id varchar not null,'
        ~ ' dbt_command varchar not null,'
        ~ ' raw_dir varchar,'
        ~ ' started_at timestamptz not null,'
        ~ ' ended_at timestamptz,'
        ~ ' finished_at timestamptz,'
        ~ ' build_status varchar not null)') -%}
    {%- do run_query(
        'create table if not exists memberkpi_meta.build_nodes ('
        ~ ' invocation_id varchar not null,'
        ~ ' unique_id varchar not null,'
        ~ ' resource_type varchar,'
        ~ ' relation_schema varchar,'
        ~ ' relation_name varchar,'
        ~ ' node_status varchar not null,'
        ~ ' execution_seconds double)') -%}
{% endmacro %}


{#- A SQL string literal (NULL for none). -#}
{% macro build_records_literal(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- endif -%}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{% endmacro %}


{#- on-run-start: a row `running` for this invocation, committed before any
    model runs, so a build killed at any later point is seen as unfinished. -#}
{% macro default__record_build_start() %}
    {%- if not memberkpi.build_records_is_recorded() -%}
        {{ return('') }}
    {%- endif -%}
    {%- do memberkpi.build_records_create() -%}
    {%- set lit = memberkpi.build_records_literal -%}
    {%- do run_query(
        'insert into memberkpi_meta.builds'
        ~ ' (invocation_id, dbt_command, raw_dir, started_at, build_status)'
        ~ ' values (' ~ lit(invocation_id) ~ ', ' ~ lit(flags.WHICH) ~ ', '
        ~ lit(env_var('MEMBERKPI_RAW_DIR', 'data/raw'))
        ~ ", now(), 'running')") -%}
    {{ return('') }}
{% endmacro %}


{#- The relation a result wrote, as (schema, name); (none, none) for tests,
    hooks and ephemeral models. -#}
{% macro build_records_relation(node) %}
    {%- if node.resource_type in ['model', 'seed', 'snapshot']
        and node.config.materialized != 'ephemeral' -%}
        {{ return([node.schema, node.alias]) }}
    {%- endif -%}
    {{ return([none, none]) }}
{% endmacro %}


{% macro build_records_node_row(result) %}
    {%- set lit = memberkpi.build_records_literal -%}
    {%- set relation = memberkpi.build_records_relation(result.node) -%}
    {{ return('(' ~ lit(invocation_id)
        ~ ', ' ~ lit(result.node.unique_id)
        ~ ', ' ~ lit(result.node.resource_type)
        ~ ', ' ~ lit(relation[0]) ~ ', ' ~ lit(relation[1])
        ~ ', ' ~ lit(result.status)
        ~ ', ' ~ (result.execution_time or 0) ~ ')') }}
{% endmacro %}


{#- on-run-end: a row per node, then the invocation `finished` when every
    node passed, else `failed` (finished_at stays null). An invocation whose
    on-run-start stopped before record_build_start has no row and gets none. -#}
{% macro default__record_build_end(results) %}
    {%- if not memberkpi.build_records_is_recorded() -%}
        {{ return('') }}
    {%- endif -%}
    {%- do memberkpi.build_records_create() -%}
    {%- set lit = memberkpi.build_records_literal -%}
    {%- set passed = memberkpi.build_record_passed_statuses() -%}
    {%- set rows = [] -%}
    {%- set failed = [] -%}
    {%- for result in results -%}
        {%- do rows.append(memberkpi.build_records_node_row(result)) -%}
        {%- if result.status not in passed -%}
            {%- do failed.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set this_build = 'invocation_id = ' ~ lit(invocation_id) -%}
    {%- if rows -%}
        {%- do run_query(
            'insert into memberkpi_meta.build_nodes'
            ~ ' select * from (values ' ~ rows | join(', ') ~ ')'
            ~ ' where exists (select 1 from memberkpi_meta.builds where '
            ~ this_build ~ ')') -%}
    {%- endif -%}
    {%- set status = 'failed' if failed else 'finished' -%}
    {%- do run_query(
        "update memberkpi_meta.builds set ended_at = now(),"
        ~ ' finished_at = '
        ~ ('null' if failed else 'now()')
        ~ ', build_status = ' ~ lit(status)
        ~ ' where ' ~ this_build) -%}
    {{ return('') }}
{% endmacro %}
