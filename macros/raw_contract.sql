{#- The raw contract as dbt knows it: the tables and columns of source `raw`
    (models/staging/raw/_raw__sources.yml). -#}
{% macro raw_contract_tables() %}
    {%- set tables = [] -%}
    {%- for node in graph.sources.values()
        if node.source_name == 'raw' -%}
        {%- do tables.append(node) -%}
    {%- endfor -%}
    {{ return(tables | sort(attribute='name')) }}
{% endmacro %}


{#- Create one view per raw table in schema `raw` over the brand's file.
    A missing optional table becomes an empty, typed view; a missing
    required table or column stops the build with a message naming it. -#}
{% macro register_raw_tables() %}
    {{ return(adapter.dispatch('register_raw_tables', 'memberkpi')()) }}
{% endmacro %}


{% macro default__register_raw_tables() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw_dir = env_var('MEMBERKPI_RAW_DIR', 'data/raw') -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- for table in raw_contract_tables() -%}
        {%- set found = memberkpi.find_raw_file(raw_dir, table.name) -%}
        {%- set contract_columns = table.columns.values() | list -%}
        {%- if found is none -%}
            {%- if table.meta.get('required') -%}
                {{ exceptions.raise_compiler_error(
                    "raw table '" ~ table.name ~ "' is required but no file "
                    ~ raw_dir ~ "/" ~ table.name ~ ".parquet or .csv exists"
                    ~ " (MEMBERKPI_RAW_DIR=" ~ raw_dir ~ ")") }}
            {%- endif -%}
            {{ log("raw: " ~ table.name ~ " absent (optional): empty", info=true) }}
            {%- set select_sql -%}
                select
                {%- for column in contract_columns %}
                    cast(null as {{ column.data_type }}) as {{ column.name }}
                    {{- "," if not loop.last }}
                {%- endfor %}
                where false
            {%- endset -%}
        {%- else -%}
            {%- set reader = memberkpi.raw_file_reader(found) -%}
            {%- set file_columns = memberkpi.raw_file_columns(reader) -%}
            {%- set missing = [] -%}
            {%- for column in contract_columns
                if column.name not in file_columns -%}
                {%- do missing.append(column.name) -%}
            {%- endfor -%}
            {%- if missing -%}
                {{ exceptions.raise_compiler_error(
                    "raw file " ~ found ~ " lacks required column(s) "
                    ~ missing | join(', ')
                    ~ "; found: " ~ file_columns | join(', ')) }}
            {%- endif -%}
            {%- set extra = [] -%}
            {%- for name in file_columns
                if name not in table.columns -%}
                {%- do extra.append(name) -%}
            {%- endfor -%}
            {%- if extra -%}
                {{ log("raw: WARNING " ~ found ~ " has unknown column(s) "
                    ~ extra | join(', ') ~ ": kept out", info=true) }}
            {%- endif -%}
            {{ log("raw: " ~ table.name ~ " <- " ~ found, info=true) }}
            {%- set select_sql -%}
                select
                {%- for column in contract_columns %}
                    {{ adapter.quote(column.name) }}
                    {{- "," if not loop.last }}
                {%- endfor %}
                from {{ reader }}
            {%- endset -%}
        {%- endif -%}
        {%- do run_query(
            'create or replace view raw.' ~ table.name ~ ' as ' ~ select_sql) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{#- The file for a raw table: <dir>/<table>.parquet, else <dir>/<table>.csv,
    else none. Both present: parquet wins, with a warning. -#}
{% macro find_raw_file(raw_dir, table_name) %}
    {%- set pattern = raw_dir ~ '/' ~ table_name ~ '.*' -%}
    {%- set result = run_query(
        "select file from glob('" ~ pattern ~ "') order by file") -%}
    {%- set files = result.columns[0].values() | list -%}
    {%- set parquet = raw_dir ~ '/' ~ table_name ~ '.parquet' -%}
    {%- set csv = raw_dir ~ '/' ~ table_name ~ '.csv' -%}
    {%- if parquet in files and csv in files -%}
        {{ log("raw: WARNING both " ~ parquet ~ " and " ~ csv
            ~ " exist: reading the parquet file only", info=true) }}
    {%- endif -%}
    {%- if parquet in files -%}{{ return(parquet) }}{%- endif -%}
    {%- if csv in files -%}{{ return(csv) }}{%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- A table expression reading one raw file. CSV is read as text so that
    values that do not parse reach the quarantine models, not an error. -#}
{% macro raw_file_reader(path) %}
    {%- if path.endswith('.parquet') -%}
        {{ return("read_parquet('" ~ path ~ "')") }}
    {%- else -%}
        {{ return("read_csv('" ~ path ~ "', header = true, delim = ','"
            ~ ", quote = '\"', all_varchar = true)") }}
    {%- endif -%}
{% endmacro %}


{% macro raw_file_columns(reader) %}
    {%- set result = run_query('describe select * from ' ~ reader) -%}
    {{ return(result.columns[0].values() | list) }}
{% endmacro %}
