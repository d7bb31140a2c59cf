{#- How an incremental model replaces what it rebuilds: delete+insert by
    its unique key on DuckDB; on Spark insert_overwrite of whole partitions
    (partition_by below), since Spark's parquet tables have neither delete
    nor merge (those need Delta, Iceberg or Hudi). Dynamic partition
    overwrite only replaces the partitions the query returns, so a model
    may read its own table. -#}
{% macro rebuild_strategy() %}
    {{ return(adapter.dispatch('rebuild_strategy', 'memberkpi')()) }}
{% endmacro %}


{% macro default__rebuild_strategy() %}
    {{ return('delete+insert') }}
{% endmacro %}


{% macro spark__rebuild_strategy() %}
    {{ return('insert_overwrite') }}
{% endmacro %}


{#- The partition column of an incremental model: none on DuckDB, the
    given column on Spark (Spark puts it last in the table). -#}
{% macro rebuild_partition(column_name) %}
    {{ return(adapter.dispatch('rebuild_partition', 'memberkpi')(
        column_name)) }}
{% endmacro %}


{% macro default__rebuild_partition(column_name) %}
    {{ return(none) }}
{% endmacro %}


{% macro spark__rebuild_partition(column_name) %}
    {{ return(column_name) }}
{% endmacro %}


{#- The rows fct_member_monthly writes in an incremental build, given its
    CTEs `cutoff` (first rebuilt month), `changed_members` and `enrolment`
    (the new rows). DuckDB (delete+insert by member and month): months
    from the cutoff on, and every month of a changed member. Spark
    (insert_overwrite by report_month): every row of those months, new or
    already loaded, so each rewritten partition is whole. -#}
{% macro member_month_rebuild_filter() %}
    {{ return(adapter.dispatch('member_month_rebuild_filter', 'memberkpi')()) }}
{% endmacro %}


{% macro default__member_month_rebuild_filter() -%}
    report_month >= (select cutoff.cutoff_month from cutoff)
    or member_id in (
        select changed_members.member_id from changed_members
    )
{%- endmacro %}


{% macro spark__member_month_rebuild_filter() -%}
    report_month >= (select cutoff.cutoff_month from cutoff)
    or report_month in (
        select changed_months.report_month
        from enrolment as changed_months
        where changed_months.member_id in (
            select changed_members.member_id from changed_members
        )
        union all
        select loaded_months.report_month
        from {{ this }} as loaded_months
        where loaded_months.member_id in (
            select changed_members.member_id from changed_members
        )
    )
{%- endmacro %}
