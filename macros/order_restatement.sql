{#- What an incremental order model (fct_orders, fct_order_items) rebuilds:
    orders dated within the look-back (var incremental_lookback_days,
    counted back from the latest order date already in {{ this }}), unpaid
    orders, every order of a member whose binding, join or exit falls in
    the look-back, and what the export lost: an order (or order line) of
    {{ this }} that is no longer among the model's current rows
    (`current_rows`, compared on `key_columns`), whether deleted upstream
    or now quarantined, whatever its date, and an order whose member is no
    longer the loaded one (a binding or a member removed from the export).
    The members of such orders, before and after, have all their orders
    rebuilt (their member order numbers count earlier orders); the order
    of a lost line, or of a changed member, is rebuilt whole. The lost rows
    themselves leave {{ this }} by delete_gone_rows() on DuckDB and by the
    rewrite of their month on Spark.

    order_restatement_ctes() defines the CTEs `cutoff`, `gone_rows`,
    `reassigned_orders`, `restated_members` and `restated_orders` (call it
    inside a `with`, after the model's own CTEs); is_restated_order() is the matching filter
    and order_rebuild_filter() the filter a model puts in its `where` (the
    same on DuckDB; whole months on Spark, see below). Callers keep the
    `-- depends_on` comments for the refs here, which dbt cannot see at
    parse time. -#}
{% macro order_restatement_ctes(current_rows, key_columns) %}
    restatement_bindings as (
        select * from {{ ref('stg_raw__member_bindings') }}
    ),

    restatement_spans as (
        select * from {{ ref('int_enrolment_spans_derived') }}
    ),

    cutoff as (
        select
            coalesce(
                cast({{ dbt.dateadd(
                    'day', -var('incremental_lookback_days'), 'max(order_date)'
                ) }} as date),
                cast('1900-01-01' as date)
            ) as cutoff_date
        from {{ this }}
    ),

    gone_rows as (
        select
            loaded.order_id,
            loaded.member_id,
            loaded.order_date
        from {{ this }} as loaded
        where not {{ memberkpi.loaded_row_is_current(current_rows, key_columns) }}
    ),

    reassigned_orders as (
        select
            loaded.order_id,
            loaded.member_id as loaded_member_id,
            current_orders.member_id as current_member_id
        from {{ this }} as loaded
        inner join {{ ref('int_orders_enriched') }} as current_orders
            on loaded.order_id = current_orders.order_id
        where loaded.member_id is distinct from current_orders.member_id
    ),

    restated_members as (
        select restatement_bindings.member_id
        from restatement_bindings
        cross join cutoff
        where cast(restatement_bindings.bound_at as date) >= cutoff.cutoff_date
        union all
        select restatement_spans.member_id
        from restatement_spans
        cross join cutoff
        where
            restatement_spans.joined_date >= cutoff.cutoff_date
            or restatement_spans.exited_date >= cutoff.cutoff_date
        union all
        select gone_rows.member_id
        from gone_rows
        where gone_rows.member_id is not null
        union all
        select reassigned_orders.loaded_member_id
        from reassigned_orders
        where reassigned_orders.loaded_member_id is not null
        union all
        select reassigned_orders.current_member_id
        from reassigned_orders
        where reassigned_orders.current_member_id is not null
    ),

    restated_orders as (
        select gone_rows.order_id
        from gone_rows
        union
        select reassigned_orders.order_id
        from reassigned_orders
    ),
    {{ memberkpi.order_rebuild_ctes() }}
{% endmacro %}


{#- True where the loaded row (alias `loaded`) has a row with the same key
    among current_rows; gone_rows and delete_gone_rows take its negation. -#}
{% macro loaded_row_is_current(current_rows, key_columns) %}
    exists (
        select 1
        from {{ current_rows }} as current_rows
        where
            {%- for key in key_columns %}
            {{ 'and ' if not loop.first }}current_rows.{{ key }} = loaded.{{ key }}
            {%- endfor %}
    )
{%- endmacro %}


{#- On DuckDB (delete+insert by the unique key) a row that left the
    model's current rows is in no batch, so nothing would delete it: this
    post-hook does, on incremental runs. On Spark the rewrite of the row's
    month drops it (order_rebuild_ctes), so the hook is empty there. -#}
{% macro delete_gone_rows(current_rows, key_columns) %}
    {{ return(adapter.dispatch('delete_gone_rows', 'memberkpi')(
        current_rows, key_columns)) }}
{% endmacro %}


{% macro default__delete_gone_rows(current_rows, key_columns) %}
    {%- if is_incremental() -%}
        delete from {{ this }} as loaded
        where not {{ memberkpi.loaded_row_is_current(current_rows, key_columns) }}
    {%- endif -%}
{% endmacro %}


{% macro spark__delete_gone_rows(current_rows, key_columns) %}
{% endmacro %}


{% macro is_restated_order(order_date, member_id, order_id) -%}
    (
        {{ order_date }} is null
        or {{ order_date }} >= (select cutoff.cutoff_date from cutoff)
        or {{ member_id }} in (
            select restated_members.member_id from restated_members
        )
        or {{ order_id }} in (
            select restated_orders.order_id from restated_orders
        )
    )
{%- endmacro %}


{#- The rows an incremental order model writes. DuckDB (delete+insert by
    order_id): the restated orders. Spark (insert_overwrite of the
    partitions by order month that the query returns): every order of a
    month holding a restated order, so each rewritten partition is whole;
    unpaid orders (null month) are always restated. -#}
{% macro order_rebuild_ctes() %}
    {{ return(adapter.dispatch('order_rebuild_ctes', 'memberkpi')()) }}
{% endmacro %}


{% macro default__order_rebuild_ctes() %}
{% endmacro %}


{% macro spark__order_rebuild_ctes() %}
    restatement_orders as (
        select * from {{ ref('int_orders_enriched') }}
    ),

    restated_order_months as (
        select distinct
            cast({{ dbt.date_trunc('month', 'restatement_orders.order_date') }}
                as date) as order_month
        from restatement_orders
        where
            {{ memberkpi.is_restated_order(
                'restatement_orders.order_date',
                'restatement_orders.member_id',
                'restatement_orders.order_id'
            ) }}
        union
        select distinct
            cast({{ dbt.date_trunc('month', 'gone_rows.order_date') }}
                as date) as order_month
        from gone_rows
    ),
{% endmacro %}


{% macro order_rebuild_filter(order_date, member_id, order_id) %}
    {{ return(adapter.dispatch('order_rebuild_filter', 'memberkpi')(
        order_date, member_id, order_id)) }}
{% endmacro %}


{% macro default__order_rebuild_filter(order_date, member_id, order_id) -%}
    {{ memberkpi.is_restated_order(order_date, member_id, order_id) }}
{%- endmacro %}


{% macro spark__order_rebuild_filter(order_date, member_id, order_id) -%}
    (
        {{ order_date }} is null
        or cast({{ dbt.date_trunc('month', order_date) }} as date) in (
            select restated_order_months.order_month
            from restated_order_months
        )
    )
{%- endmacro %}
