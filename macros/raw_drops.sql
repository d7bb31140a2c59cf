{#- Daily drops (RAW_CONTRACT.md "Daily drops"): a raw table delivered as
    a Hive-style directory <raw_dir>/<table>/ds=YYYY-MM-DD/ of parquet or
    csv files, one folder per day holding the rows created or changed that
    day. register_raw_tables reads such a table through raw_drops_reader:
    the current version of every key (its rows in the latest drop that
    holds it) minus the keys that drop marks `is_deleted`. -#}


{#- The drop files in the raw directory, by table:
    {table: [path, ...]} for every <raw_dir>/<table>/ds=*/<file>. -#}
{% macro raw_drop_files(raw_dir) %}
    {{ return(adapter.dispatch('raw_drop_files', 'memberkpi')(raw_dir)) }}
{% endmacro %}


{% macro default__raw_drop_files(raw_dir) %}
    {%- set result = run_query(
        "select file from glob("
        ~ memberkpi.sql_string(raw_dir ~ '/*/ds=*/*') ~ ") order by file") -%}
    {%- set files = {} -%}
    {%- for path in result.columns[0].values() -%}
        {%- set table_name = path.split('/')[-3] -%}
        {%- do files.setdefault(table_name, []).append(path) -%}
    {%- endfor -%}
    {{ return(files) }}
{% endmacro %}


{#- Spark has no glob(): the drop files are those of the recursive listing
    of the raw directory (spark_raw_dir_paths) directly in a ds=* folder of
    a table folder of the raw directory. -#}
{% macro spark__raw_drop_files(raw_dir) %}
    {%- set files = {} -%}
    {%- for path in memberkpi.spark_raw_dir_paths(raw_dir) -%}
        {%- set parts = path.split('/') -%}
        {%- if parts | length > 3 and parts[-2].startswith('ds=')
            and memberkpi.spark_path_is_in(parts[:-3] | join('/'), raw_dir) -%}
            {%- do files.setdefault(parts[-3], []).append(path) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(files) }}
{% endmacro %}


{#- A relation (a parenthesised select) over a table's drops: the current
    rows, with every column the files hold except `ds` and `is_deleted`.
    `files` are the table's drop files (raw_drop_files); `min_ds`, when
    given, reads only the drops after that day (for an incremental build).
    Stops the build, naming the table, on drops of both formats, on a
    folder that is not ds=YYYY-MM-DD or on a file that lacks a contract
    column. Logs the drops read and how many rows were superseded or
    deleted. -#}
{% macro raw_drops_reader(table, path, files, min_ds=none) %}
    {%- set data_files = memberkpi.raw_drop_data_files(table.name, files) -%}
    {%- set all_drops = memberkpi.raw_drops_union(table, path, data_files) -%}
    {%- set file_columns = memberkpi.raw_file_columns(all_drops) -%}
    {%- set keyed = memberkpi.raw_drops_keyed(
        table, all_drops, file_columns, min_ds) -%}
    {%- do memberkpi.log_raw_drops(table.name, path, keyed) -%}
    {%- set kept = [] -%}
    {%- for name in file_columns if name not in ['ds', 'is_deleted'] -%}
        {%- do kept.append(adapter.quote(name)) -%}
    {%- endfor -%}
    {%- set current -%}
        (
            select {{ kept | join(', ') }}
            from {{ keyed }} as keyed_drops
            where drop_is_current
        )
    {%- endset -%}
    {{ return(current) }}
{% endmacro %}


{#- The table's .parquet and .csv drop files; other files (_SUCCESS,
    .crc) are left out with a warning. Both formats, or a folder other
    than ds=YYYY-MM-DD, stop the build. -#}
{% macro raw_drop_data_files(table_name, files) %}
    {%- set data_files = [] -%}
    {%- set formats = [] -%}
    {%- set others = [] -%}
    {%- for file in files -%}
        {%- set folder = file.split('/')[-2] -%}
        {%- if not modules.re.match('^ds=\\d{4}-\\d{2}-\\d{2}$', folder) -%}
            {{ exceptions.raise_compiler_error(
                "raw table '" ~ table_name ~ "': drop folder " ~ folder
                ~ " of " ~ file ~ " is not ds=YYYY-MM-DD") }}
        {%- endif -%}
        {%- set suffix = file.split('.') | last -%}
        {%- if suffix in ['parquet', 'csv'] -%}
            {%- do data_files.append(file) -%}
            {%- if suffix not in formats -%}{%- do formats.append(suffix) -%}{%- endif -%}
        {%- else -%}
            {%- do others.append(file) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if others -%}
        {{ log("raw: WARNING " ~ table_name ~ " drops hold "
            ~ others | length ~ " file(s) that are not .parquet or .csv"
            ~ " (first: " ~ others[0] ~ "): kept out", info=true) }}
    {%- endif -%}
    {%- if formats | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "raw table '" ~ table_name ~ "': its drops mix .parquet and .csv"
            ~ " files; one format per table") }}
    {%- endif -%}
    {%- if not data_files -%}
        {{ exceptions.raise_compiler_error(
            "raw table '" ~ table_name ~ "': its drops folder holds no"
            ~ " .parquet or .csv file") }}
    {%- endif -%}
    {{ return(data_files) }}
{% endmacro %}


{#- Every drop of a table as one relation with column `ds` (text) and the
    union of the files' columns (a column absent from a file reads null
    there), once every file is known to hold the contract's columns
    (check_raw_drop_columns stops the build otherwise). CSV is read as
    text, as raw_file_reader does. -#}
{% macro raw_drops_union(table, path, data_files) %}
    {{ return(adapter.dispatch('raw_drops_union', 'memberkpi')(
        table, path, data_files)) }}
{% endmacro %}


{% macro default__raw_drops_union(table, path, data_files) %}
    {%- set file_format = data_files[0].split('.') | last -%}
    {%- do memberkpi.check_raw_drop_columns(table, path, file_format) -%}
    {%- set pattern = memberkpi.sql_string(path ~ 'ds=*/*.' ~ file_format) -%}
    {%- set partitioning = ", hive_partitioning = true, union_by_name = true"
        ~ ", hive_types = {'ds': varchar}" -%}
    {%- if file_format == 'parquet' -%}
        {{ return("read_parquet(" ~ pattern ~ partitioning ~ ")") }}
    {%- endif -%}
    {{ return("read_csv(" ~ pattern ~ ", header = true, delim = ','"
        ~ ", quote = '\"', all_varchar = true" ~ partitioning ~ ")") }}
{% endmacro %}


{#- Spark reads each drop file on its own (raw_file_reader: a parquet file
    in place, a CSV file through an external table raw.<table>__drop_<n>),
    so that every file is read by its own header, and unions them by name:
    Spark's reader of a whole folder takes one file's columns for all. -#}
{% macro spark__raw_drops_union(table, path, data_files) %}
    {%- set columns = [] -%}
    {%- set drops = [] -%}
    {%- for file in data_files -%}
        {%- set reader = memberkpi.raw_file_reader(
            file, table.name ~ '__drop_' ~ loop.index) -%}
        {%- set file_columns = memberkpi.raw_file_columns(reader) -%}
        {%- for column in table.columns.values()
            if column.name not in file_columns
            and not column.meta.get('optional') -%}
            {{ exceptions.raise_compiler_error(
                "raw file " ~ file ~ " (a drop of raw table '" ~ table.name
                ~ "') lacks required column " ~ column.name) }}
        {%- endfor -%}
        {%- for name in file_columns if name not in columns -%}
            {%- do columns.append(name) -%}
        {%- endfor -%}
        {%- do drops.append({
            'reader': reader,
            'columns': file_columns,
            'ds': file.split('/')[-2][3:]}) -%}
    {%- endfor -%}
    {%- set selects = [] -%}
    {%- for drop in drops -%}
        {%- set values = [] -%}
        {%- for name in columns if name != 'ds' -%}
            {%- do values.append(
                (adapter.quote(name) if name in drop.columns else 'null')
                ~ ' as ' ~ adapter.quote(name)) -%}
        {%- endfor -%}
        {%- do selects.append("select " ~ values | join(', ') ~ ", "
            ~ memberkpi.sql_string(drop.ds) ~ " as ds from " ~ drop.reader) -%}
    {%- endfor -%}
    {{ return("(" ~ selects | join(' union all ') ~ ")") }}
{% endmacro %}


{#- Every drop file must hold every contract column that is not optional
    (meta optional: a file without it reads as null there, as a snapshot
    file without it does): the union would read a column missing from one
    file as null there. -#}
{% macro check_raw_drop_columns(table, path, file_format) %}
    {%- set pattern = memberkpi.sql_string(path ~ 'ds=*/*.' ~ file_format) -%}
    {%- if file_format == 'parquet' -%}
        {%- set columns_per_file -%}
            select file_name as file, list(name) as columns
            from parquet_schema({{ pattern }})
            group by file_name
        {%- endset -%}
    {%- else -%}
        {%- set columns_per_file -%}
            select
                filename as file,
                list_transform(
                    string_split(
                        split_part(replace(content, chr(13), ''), chr(10), 1),
                        ','
                    ),
                    lambda name: trim(name, '" ')
                ) as columns
            from read_text({{ pattern }})
        {%- endset -%}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- for column in table.columns.values()
        if not column.meta.get('optional') -%}
        {%- do checks.append("select file, " ~ memberkpi.sql_string(column.name)
            ~ " as column_name from files where not list_contains(columns, "
            ~ memberkpi.sql_string(column.name) ~ ")") -%}
    {%- endfor -%}
    {%- set result = run_query(
        "with files as (" ~ columns_per_file ~ ") "
        ~ checks | join(' union all ') ~ " order by 1, 2 limit 1") -%}
    {%- if result.rows | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "raw file " ~ result.rows[0][0] ~ " (a drop of raw table '"
            ~ table.name ~ "') lacks required column "
            ~ result.rows[0][1]) }}
    {%- endif -%}
{% endmacro %}


{#- Every drop row with its key (the primary key columns of the contract
    as trimmed text) and two flags: drop_is_current (the row is part of
    the table now) and drop_is_superseded (a later drop holds its key).
    Rows of the key's latest drop that are not current are deleted: that
    drop holds a row of the key with is_deleted true. A row with a
    missing key column cannot be matched across drops: it stays current
    (staging quarantines it as missing_key). -#}
{% macro raw_drops_keyed(table, all_drops, file_columns, min_ds=none) %}
    {%- set keys = [] -%}
    {%- for name in table.meta.get('primary_key') -%}
        {%- do keys.append(memberkpi.clean_text(adapter.quote(name))) -%}
    {%- endfor -%}
    {%- set deleted_text = memberkpi.clean_text('is_deleted')
        if 'is_deleted' in file_columns else 'null' -%}
    {%- set keyed -%}
        (
            with drops as (
                select
                    *,
                    {{ keys | join(' is null or ') }} is null as drop_key_missing,
                    {{ deleted_text }} as drop_deleted_text,
                    coalesce(
                        try_cast({{ deleted_text }} as boolean), false
                    ) as drop_row_deleted
                from {{ all_drops }}
                {%- if min_ds is not none %}
                where ds > {{ memberkpi.sql_string(min_ds) }}
                {%- endif %}
            ),

            ranked as (
                select
                    *,
                    max(ds) over (partition by {{ keys | join(', ') }})
                    as drop_latest_ds,
                    bool_or(drop_row_deleted) over (
                        partition by {{ keys | join(', ') }}, ds
                    ) as drop_key_deleted
                from drops
            )

            select
                *,
                drop_key_missing
                or (ds = drop_latest_ds and not drop_key_deleted)
                as drop_is_current,
                not drop_key_missing and ds < drop_latest_ds
                as drop_is_superseded
            from ranked
        )
    {%- endset -%}
    {{ return(keyed) }}
{% endmacro %}


{#- One log line per drops table: drops read, rows read = current +
    superseded + deleted, and is_deleted values that are not booleans
    (read as false). -#}
{% macro log_raw_drops(table_name, path, keyed) %}
    {%- set result = run_query(
        "select count(distinct ds), min(ds), max(ds), count(*),"
        ~ " count(*) filter (where drop_is_current),"
        ~ " count(*) filter (where drop_is_superseded),"
        ~ " count(*) filter (where not drop_is_current"
        ~ " and not drop_is_superseded),"
        ~ " count(*) filter (where drop_deleted_text is not null and"
        ~ " try_cast(drop_deleted_text as boolean) is null)"
        ~ " from " ~ keyed ~ " as keyed_drops") -%}
    {%- set row = result.rows[0] -%}
    {{ log("raw: " ~ table_name ~ " <- " ~ row[0] ~ " drop(s) " ~ path
        ~ "ds=" ~ row[1] ~ ".." ~ row[2] ~ ": " ~ row[3]
        ~ " rows read = " ~ row[4] ~ " current + " ~ row[5]
        ~ " superseded + " ~ row[6] ~ " deleted", info=true) }}
    {%- if row[7] > 0 -%}
        {{ log("raw: WARNING " ~ table_name ~ " drops: " ~ row[7]
            ~ " is_deleted value(s) not true/false read as false (kept)",
            info=true) }}
    {%- endif -%}
{% endmacro %}
