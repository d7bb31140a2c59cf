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
    `files` are the table's drop files (raw_drop_files). Stops the build,
    naming the table, on drops of both formats, on a folder that is not
    ds=YYYY-MM-DD or on a file that lacks a contract column. Logs the drops
    read and how many rows were superseded or deleted. -#}
{% macro raw_drops_reader(table, path, files) %}
    {%- set data_files = memberkpi.raw_drop_data_files(table.name, files) -%}
    {%- set all_drops = memberkpi.raw_drops_union(table, path, data_files) -%}
    {%- set file_columns = memberkpi.raw_file_columns(all_drops) -%}
    {%- set keyed = memberkpi.raw_drops_keyed_rows(
        table, data_files, all_drops, file_columns) -%}
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
    {%- set keys = memberkpi.raw_drop_keys(table) -%}
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


{#- The relation of every drop row of a table with its key flags
    (raw_drops_keyed). DuckDB keeps them in the warehouse, as table
    raw.<table>__drops_read, between builds: a build reads only the drops
    after the last one stored, and reads every drop again when it cannot
    trust the stored rows (raw_drops_reload_reason). The key window then
    runs once per new drop, not in every read of the raw view (the log
    line, the empty check, the staging model's three reads, the
    reconciliation's two: at 1M members a full build of drops took 2.1
    times the snapshot build). Spark reads every drop in place. -#}
{% macro raw_drops_keyed_rows(table, data_files, all_drops, file_columns) %}
    {{ return(adapter.dispatch('raw_drops_keyed_rows', 'memberkpi')(
        table, data_files, all_drops, file_columns)) }}
{% endmacro %}


{% macro spark__raw_drops_keyed_rows(table, data_files, all_drops, file_columns) %}
    {{ return(memberkpi.raw_drops_keyed(table, all_drops, file_columns)) }}
{% endmacro %}


{#- The stored rows carry, besides the keyed columns, drop_fingerprint (the
    names, sizes and modification times of their drop's files: a stored
    drop whose files changed is read again) and drop_flagged (false on
    the rows of a new drop until the rows they supersede are flagged).
    Each step is one statement, so a build stopped between two leaves
    rows that the next build completes: the insert of a new drop's rows,
    then one update that flags, for every key of an unflagged row, the
    rows of its earlier drops as superseded. -#}
{% macro default__raw_drops_keyed_rows(table, data_files, all_drops, file_columns) %}
    {%- set stored = memberkpi.raw_drops_table(table.name) -%}
    {%- set fingerprints = memberkpi.raw_drop_fingerprints(data_files) -%}
    {%- set reason = memberkpi.raw_drops_reload_reason(
        table, stored, fingerprints, all_drops) -%}
    {%- if reason -%}
        {{ log("raw: " ~ table.name ~ " drops: every drop read (" ~ reason
            ~ ")", info=true) }}
        {%- do run_query(
            'create or replace table ' ~ stored ~ ' as '
            ~ memberkpi.raw_drops_fingerprinted(table,
                memberkpi.raw_drops_keyed(table, all_drops, file_columns),
                fingerprints, 'true')) -%}
    {%- else -%}
        {%- set last_ds = run_query(
            'select max(ds) from ' ~ stored).columns[0].values()[0] -%}
        {%- set keyed_new = memberkpi.raw_drops_keyed(
            table, all_drops, file_columns, last_ds) -%}
        {%- set added = run_query(
            'insert into ' ~ stored ~ ' by name '
            ~ memberkpi.raw_drops_fingerprinted(
                table, keyed_new, fingerprints, 'drop_key_missing')) -%}
        {{ log("raw: " ~ table.name ~ " drops: the drops after ds="
            ~ last_ds ~ " read, " ~ added.columns[0].values()[0]
            ~ " row(s); earlier drops as stored by the last build", info=true) }}
    {%- endif -%}
    {%- do run_query(memberkpi.raw_drops_flag_superseded(table, stored)) -%}
    {{ return(stored) }}
{% endmacro %}


{#- The select of the keyed rows with their drop's fingerprint, the key
    they were flagged by (raw_drop_key_rule) and drop_flagged = flagged (an
    SQL expression). -#}
{% macro raw_drops_fingerprinted(table, keyed, fingerprints, flagged) %}
    {%- set fingerprinted -%}
        select
            keyed_drops.*,
            drop_fingerprints.drop_fingerprint,
            {{ memberkpi.sql_string(memberkpi.raw_drop_key_rule(table)) }}
                as drop_key_rule,
            {{ flagged }} as drop_flagged
        from {{ keyed }} as keyed_drops
        inner join {{ fingerprints }} as drop_fingerprints
            on keyed_drops.ds = drop_fingerprints.ds
    {%- endset -%}
    {{ return(fingerprinted) }}
{% endmacro %}


{#- A relation (ds, drop_fingerprint): per drop of the files, the md5 of
    its files' names, sizes and modification times (read_blob without
    its content reads no file). -#}
{% macro raw_drop_fingerprints(data_files) %}
    {%- set paths = [] -%}
    {%- for file in data_files -%}
        {%- do paths.append(memberkpi.sql_string(file)) -%}
    {%- endfor -%}
    {%- set fingerprints -%}
        (
            select
                -- the file's folder is ds=YYYY-MM-DD (raw_drop_data_files)
                substr(string_split(filename, '/')[-2], 4) as ds,
                md5(string_agg(
                    filename || ' ' || cast(size as varchar) || ' '
                    || cast(last_modified as varchar), ' '
                    order by filename
                )) as drop_fingerprint
            from read_blob([{{ paths | join(', ') }}])
            group by 1
        )
    {%- endset -%}
    {{ return(fingerprints) }}
{% endmacro %}


{#- Why the stored rows of a table's drops cannot be completed with the new
    drops alone, or none when they can: no rows stored yet (the first
    build on drops), --full-refresh, rows flagged by another key than the
    contract's now (an edited primary key would leave them superseded by
    the wrong rows), a stored drop whose files changed or went, a new drop
    no later than the last stored one (unless its files hold no row), or
    columns whose type the files now read differently. -#}
{% macro raw_drops_reload_reason(table, stored, fingerprints, all_drops) %}
    {%- set found = run_query(
        "select count(*) from information_schema.tables"
        ~ " where table_schema = 'raw' and table_name = "
        ~ memberkpi.sql_string(table.name ~ '__drops_read')
        ~ " and table_catalog = current_database()").columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{ return('no drop stored yet') }}
    {%- endif -%}
    {%- if flags.FULL_REFRESH -%}
        {{ return('--full-refresh') }}
    {%- endif -%}
    {%- set columns_now = run_query(
        'describe select * from ' ~ all_drops) -%}
    {%- set columns_stored = run_query('describe ' ~ stored) -%}
    {%- set stored_types = {} -%}
    {%- for row in columns_stored.rows -%}
        {%- do stored_types.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- if 'drop_key_rule' not in stored_types -%}
        {{ return('stored by an earlier version of this project') }}
    {%- endif -%}
    {%- set key_rule = memberkpi.raw_drop_key_rule(table) -%}
    {%- set other_rules = run_query(
        'select count(*) from ' ~ stored ~ ' where drop_key_rule <> '
        ~ memberkpi.sql_string(key_rule)).columns[0].values()[0] -%}
    {%- if other_rules > 0 -%}
        {{ return('the key of the drops is now ' ~ key_rule) }}
    {%- endif -%}
    {%- for row in columns_now.rows
        if stored_types.get(row[0]) != row[1] -%}
        {%- if row[0] not in stored_types -%}
            {{ return('column ' ~ row[0] ~ ' is new in the drops') }}
        {%- endif -%}
        {{ return('column ' ~ row[0] ~ ' now reads as ' ~ row[1]
            ~ ', stored as ' ~ stored_types[row[0]]) }}
    {%- endfor -%}
    {%- set compared = run_query(
        "with stored_drops as ("
        ~ " select distinct ds, drop_fingerprint from " ~ stored ~ "),"
        ~ " drops_now as (select * from " ~ fingerprints ~ "),"
        ~ " last_stored as (select max(ds) as ds from stored_drops)"
        ~ " select"
        ~ " (select min(stored_drops.ds) from stored_drops"
        ~ " left join drops_now on stored_drops.ds = drops_now.ds"
        ~ " where drops_now.drop_fingerprint is distinct from"
        ~ " stored_drops.drop_fingerprint),"
        ~ " (select string_agg(drops_now.ds, ',' order by drops_now.ds)"
        ~ " from drops_now"
        ~ " cross join last_stored"
        ~ " where drops_now.ds <= last_stored.ds and drops_now.ds not in"
        ~ " (select ds from stored_drops))").rows[0] -%}
    {%- if compared[0] is not none -%}
        {{ return('the files of drop ds=' ~ compared[0]
            ~ ' changed or went since they were stored') }}
    {%- endif -%}
    {%- if compared[1] -%}
        {%- set late_days = [] -%}
        {%- for day in compared[1].split(',') -%}
            {%- do late_days.append(memberkpi.sql_string(day)) -%}
        {%- endfor -%}
        {%- set late_rows = run_query(
            'select count(*) from ' ~ all_drops ~ ' as all_drops'
            ~ ' where ds in (' ~ late_days | join(', ') ~ ')'
            ).columns[0].values()[0] -%}
        {%- if late_rows > 0 -%}
            {{ return('drop ds=' ~ compared[1].split(',')[0]
                ~ ' arrived after a later drop was stored') }}
        {%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- One update of the stored rows: for every key of a row not yet flagged
    (a row of a new drop), the rows of the key's earlier drops are
    superseded and no longer current, and the key's rows get its latest
    drop; the rows of that latest drop keep the flags their drop gave them
    (raw_drops_keyed: current unless the drop deletes the key). Rows with
    a missing key are never superseded. -#}
{% macro raw_drops_flag_superseded(table, stored) %}
    {%- set keys = memberkpi.raw_drop_keys(table) -%}
    {%- set update -%}
        update {{ stored }}
        set
            drop_is_current = drop_is_current and ds = affected_keys.latest_ds,
            drop_is_superseded = ds < affected_keys.latest_ds,
            drop_latest_ds = affected_keys.latest_ds,
            drop_flagged = true
        from (
            select
                {%- for key in keys %}
                {{ key }} as drop_key_{{ loop.index }},
                {%- endfor %}
                max(ds) as latest_ds
            from {{ stored }}
            where not drop_flagged and not drop_key_missing
            group by {{ keys | join(', ') }}
        ) as affected_keys
        where
            not drop_key_missing
            {%- for key in keys %}
            and {{ key }} = affected_keys.drop_key_{{ loop.index }}
            {%- endfor %}
    {%- endset -%}
    {{ return(update) }}
{% endmacro %}


{#- The key of a drop row: the primary key columns of the contract as
    trimmed text. -#}
{% macro raw_drop_keys(table) %}
    {%- set keys = [] -%}
    {%- for name in table.meta.get('primary_key') -%}
        {%- do keys.append(memberkpi.clean_text(adapter.quote(name))) -%}
    {%- endfor -%}
    {{ return(keys) }}
{% endmacro %}


{#- The text of the key expressions (raw_drop_keys) that the stored rows
    were flagged by. -#}
{% macro raw_drop_key_rule(table) %}
    {{ return(memberkpi.raw_drop_keys(table) | join(', ')) }}
{% endmacro %}


{#- A table not delivered as drops: the drop rows an earlier build of this
    warehouse stored for it go (nothing is stored on Spark). -#}
{% macro forget_raw_drops(table_name) %}
    {{ return(adapter.dispatch('forget_raw_drops', 'memberkpi')(table_name)) }}
{% endmacro %}


{% macro default__forget_raw_drops(table_name) %}
    {%- do run_query(
        'drop table if exists ' ~ memberkpi.raw_drops_table(table_name)) -%}
{% endmacro %}


{% macro spark__forget_raw_drops(table_name) %}
{% endmacro %}


{#- The table in which DuckDB keeps a drops table's rows. -#}
{% macro raw_drops_table(table_name) %}
    {{ return('raw.' ~ adapter.quote(table_name ~ '__drops_read')) }}
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
