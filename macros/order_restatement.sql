{#- What an incremental order model (fct_orders, fct_order_items) rebuilds:
    orders dated within the look-back (var incremental_lookback_days,
    counted back from the latest order date already in {{ this }}), unpaid
    orders, and every order of a member whose binding, join or exit falls
    in the look-back. order_restatement_ctes() defines the CTEs `cutoff`
    and `restated_members` (call it inside a `with`, after the model's own
    CTEs); is_restated_order() is the matching filter and
    order_rebuild_filter() the filter a model puts in its `where` (the
    same on DuckDB; whole months on Spark, see below). Callers keep the
    `-- depends_on` comments for the two refs, which dbt cannot see at
    parse time. -#}
{% macro order_restatement_ctes() %}
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
    ),
    {{ memberkpi.order_rebuild_ctes() }}
{% endmacro %}


{% macro is_restated_order(order_date, member_id) -%}
    (
        {{ order_date }} is null
        or {{ order_date }} >= (select cutoff.cutoff_date from cutoff)
        or {{ member_id }} in (
            select restated_members.member_id from restated_members
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
                'restatement_orders.member_id'
            ) }}
    ),
{% endmacro %}


{% macro order_rebuild_filter(order_date, member_id) %}
    {{ return(adapter.dispatch('order_rebuild_filter', 'memberkpi')(
        order_date, member_id)) }}
{% endmacro %}


{% macro default__order_rebuild_filter(order_date, member_id) -%}
    {{ memberkpi.is_restated_order(order_date, member_id) }}
{%- endmacro %}


{% macro spark__order_rebuild_filter(order_date, member_id) -%}
    (
        {{ order_date }} is null
        or cast({{ dbt.date_trunc('month', order_date) }} as date) in (
            select restated_order_months.order_month
            from restated_order_months
        )
    )
{%- endmacro %}
