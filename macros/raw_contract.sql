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
    A missing optional table becomes an empty, typed view; a required table
    whose file is missing or holds no data rows, or a missing column, stops
    the build with a message naming it. A column whose meta says `optional`
    may be missing from the file: it then reads as a typed null. -#}
{% macro register_raw_tables() %}
    {{ return(adapter.dispatch('register_raw_tables', 'memberkpi')()) }}
{% endmacro %}


{% macro default__register_raw_tables() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw_dir = env_var('MEMBERKPI_RAW_DIR', 'data/raw') -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- set file_names = memberkpi.raw_file_names(raw_dir) -%}
    {%- set drop_files = memberkpi.raw_drop_files(raw_dir) -%}
    {%- for table in raw_contract_tables() -%}
        {%- set found = memberkpi.find_raw_file(raw_dir, table.name, file_names) -%}
        {%- set drops = drop_files.get(table.name) -%}
        {%- if drops and found is not none -%}
            {{ exceptions.raise_compiler_error(
                "raw table '" ~ table.name ~ "' arrives twice: as " ~ found
                ~ " and as drops " ~ raw_dir ~ "/" ~ table.name
                ~ "/ds=*/; keep one layout") }}
        {%- elif drops -%}
            {%- set found = raw_dir ~ '/' ~ table.name ~ '/' -%}
        {%- endif -%}
        {%- if not drops -%}
            {%- do memberkpi.forget_raw_drops(table.name) -%}
        {%- endif -%}
        {%- set contract_columns = table.columns.values() | list -%}
        {%- if found is none -%}
            {%- if table.meta.get('required') -%}
                {{ exceptions.raise_compiler_error(
                    "raw table '" ~ table.name ~ "' is required but no file "
                    ~ raw_dir ~ "/" ~ table.name ~ ".parquet or .csv exists"
                    ~ " and no drop file " ~ raw_dir ~ "/" ~ table.name
                    ~ "/ds=YYYY-MM-DD/*"
                    ~ " (MEMBERKPI_RAW_DIR=" ~ raw_dir ~ ")") }}
            {%- endif -%}
            {{ log("raw: " ~ table.name ~ " absent (optional): empty", info=true) }}
            {%- set select_sql -%}
                select
                {%- for column in contract_columns %}
                    cast(null as {{ memberkpi.raw_sql_type(column.data_type) }})
                    as {{ column.name }}
                    {{- "," if not loop.last }}
                {%- endfor %}
                where false
            {%- endset -%}
        {%- else -%}
            {%- set reader = memberkpi.raw_drops_reader(table, found, drops)
                if drops else memberkpi.raw_file_reader(found, table.name) -%}
            {%- set file_columns = memberkpi.raw_file_columns(reader) -%}
            {%- set missing = [] -%}
            {%- for column in contract_columns
                if column.name not in file_columns
                and not column.meta.get('optional') -%}
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
            {%- if table.meta.get('required') -%}
                {{ memberkpi.raise_if_no_rows(reader, table.name, found) }}
            {%- endif -%}
            {{ log("raw: " ~ table.name ~ " <- " ~ found, info=true) }}
            {%- set select_sql -%}
                select
                {%- for column in contract_columns %}
                    {%- if column.name in file_columns %}
                    {{ adapter.quote(column.name) }}
                    {%- else %}
                    cast(null as {{ memberkpi.raw_sql_type(column.data_type) }})
                    as {{ column.name }}
                    {%- endif %}
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


{#- Stops the build when a required raw table's file holds no data rows
    (a header-only CSV, a parquet file of 0 rows): every KPI would be 0. -#}
{% macro raise_if_no_rows(reader, table_name, path) %}
    {%- set result = run_query('select 1 from ' ~ reader ~ ' limit 1') -%}
    {%- if result.rows | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "raw table '" ~ table_name ~ "' is required but its file " ~ path
            ~ " holds no data rows") }}
    {%- endif -%}
{% endmacro %}


{#- A text as a SQL string literal, quoted and escaped for the engine: a
    path that holds a quote or a backslash reads as itself. -#}
{% macro sql_string(text) %}
    {{ return(adapter.dispatch('sql_string', 'memberkpi')(text)) }}
{% endmacro %}


{% macro default__sql_string(text) %}
    {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{% endmacro %}


{#- Spark string literals escape with a backslash. -#}
{% macro spark__sql_string(text) %}
    {{ return("'" ~ text | replace("\\", "\\\\") | replace("'", "\\'") ~ "'") }}
{% endmacro %}


{#- Spark: a path as the backquoted identifier of `<format>.`path``. -#}
{% macro spark_path_identifier(path) %}
    {{ return('`' ~ path | replace('`', '``') ~ '`') }}
{% endmacro %}


{#- The file for a raw table among the names in the raw directory:
    <table>.parquet, else <table>.csv, else none. Both present: parquet
    wins, with a warning. -#}
{% macro find_raw_file(raw_dir, table_name, file_names) %}
    {%- set parquet = table_name ~ '.parquet' -%}
    {%- set csv = table_name ~ '.csv' -%}
    {%- if parquet in file_names and csv in file_names -%}
        {{ log("raw: WARNING both " ~ raw_dir ~ "/" ~ parquet ~ " and "
            ~ raw_dir ~ "/" ~ csv ~ " exist: reading the parquet file only",
            info=true) }}
    {%- endif -%}
    {%- if parquet in file_names -%}
        {{ return(raw_dir ~ '/' ~ parquet) }}
    {%- endif -%}
    {%- if csv in file_names -%}{{ return(raw_dir ~ '/' ~ csv) }}{%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- The names (no directory) of the files directly in the raw directory. -#}
{% macro raw_file_names(raw_dir) %}
    {{ return(adapter.dispatch('raw_file_names', 'memberkpi')(raw_dir)) }}
{% endmacro %}


{% macro default__raw_file_names(raw_dir) %}
    {%- set result = run_query(
        "select parse_filename(file) from glob("
        ~ memberkpi.sql_string(raw_dir ~ '/*') ~ ") order by file") -%}
    {{ return(result.columns[0].values() | list) }}
{% endmacro %}


{#- Spark has no glob(): the files of the recursive listing of the raw
    directory (spark_raw_dir_paths) that lie in the raw directory itself. -#}
{% macro spark__raw_file_names(raw_dir) %}
    {%- set names = [] -%}
    {%- for path in memberkpi.spark_raw_dir_paths(raw_dir) -%}
        {%- set parts = path.split('/') -%}
        {%- if memberkpi.spark_path_is_in(parts[:-1] | join('/'), raw_dir) -%}
            {%- do names.append(parts[-1]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- Every file under the raw directory, subfolders (daily drops) included,
    as Spark names it (file:/<absolute path>), in order: binaryFile lists
    them (only the path column is read, never the contents), through a
    temporary view because a direct query (binaryFile.`dir`) cannot switch
    off partition discovery, which leaves out the files beside the
    partition folders. -#}
{% macro spark_raw_dir_paths(raw_dir) %}
    {%- do run_query(
        "create or replace temporary view memberkpi_raw_dir_files using binaryFile"
        ~ " options (path " ~ memberkpi.sql_string(raw_dir)
        ~ ", recursiveFileLookup 'true')") -%}
    {%- set result = run_query(
        "select path from memberkpi_raw_dir_files order by path") -%}
    {{ return(result.columns[0].values() | list) }}
{% endmacro %}


{#- True when Spark's folder name (file:/<absolute path>) is the raw
    directory, given absolute or relative to the project directory. -#}
{% macro spark_path_is_in(folder, raw_dir) %}
    {%- set wanted = '/' ~ raw_dir.rstrip('/').lstrip('./').lstrip('/') -%}
    {{ return(folder.endswith(wanted)) }}
{% endmacro %}


{#- A relation reading one raw file. CSV is read as text so that values
    that do not parse reach the quarantine models, not an error. -#}
{% macro raw_file_reader(path, table_name) %}
    {{ return(adapter.dispatch('raw_file_reader', 'memberkpi')(
        path, table_name)) }}
{% endmacro %}


{% macro default__raw_file_reader(path, table_name) %}
    {%- if path.endswith('.parquet') -%}
        {{ return("read_parquet(" ~ memberkpi.sql_string(path) ~ ")") }}
    {%- else -%}
        {{ return("read_csv(" ~ memberkpi.sql_string(path)
            ~ ", header = true, delim = ','"
            ~ ", quote = '\"', all_varchar = true)") }}
    {%- endif -%}
{% endmacro %}


{#- Spark: a parquet file is read in place (parquet.`path`); a CSV file
    through an external table raw.<table>__file over it (dropping it leaves
    the file alone), re-created each run so that it follows the file.
    Without an explicit schema Spark's CSV reader gives every column as a
    string, like DuckDB's all_varchar; quotes are doubled inside quoted
    values (RFC 4180) and a quoted value may span lines. -#}
{% macro spark__raw_file_reader(path, table_name) %}
    {%- if path.endswith('.parquet') -%}
        {{ return('parquet.' ~ memberkpi.spark_path_identifier(path)) }}
    {%- endif -%}
    {%- set relation = 'raw.' ~ table_name ~ '__file' -%}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- do run_query('create table ' ~ relation ~ ' using csv options (path '
        ~ memberkpi.sql_string(path) ~ ", header 'true', sep ','"
        ~ ", quote '\"', escape '\"', multiLine 'true')") -%}
    {{ return(relation) }}
{% endmacro %}


{% macro raw_file_columns(reader) %}
    {%- set result = run_query('select * from ' ~ reader ~ ' limit 0') -%}
    {{ return(result.column_names | list) }}
{% endmacro %}


{#- A raw contract data type as the engine spells it: Spark has no
    varchar without a length, its text type is string. -#}
{% macro raw_sql_type(data_type) %}
    {{ return(adapter.dispatch('raw_sql_type', 'memberkpi')(data_type)) }}
{% endmacro %}


{% macro default__raw_sql_type(data_type) %}
    {{ return(data_type) }}
{% endmacro %}


{% macro spark__raw_sql_type(data_type) %}
    {{ return('string' if data_type | lower == 'varchar' else data_type) }}
{% endmacro %}


{#- The names of a base_raw__ model's raw copies: `raw_<column>` for every
    column of raw table `table_name` in the raw contract (sources YAML), in
    contract order. Empty while dbt parses (the graph is not built yet). -#}
{% macro raw_copy_columns(table_name) %}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for table in raw_contract_tables() if table.name == table_name -%}
            {%- for column in table.columns.values() -%}
                {%- do names.append('raw_' ~ column.name) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{% endmacro %}
