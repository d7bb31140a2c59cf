{#- What an incremental order model (fct_orders, fct_order_items) rebuilds:
    orders dated within the look-back (var incremental_lookback_days,
    counted back from the latest order date already in {{ this }}), unpaid
    orders, and every order of a member whose binding, join or exit falls
    in the look-back. order_restatement_ctes() defines the CTEs `cutoff`
    and `restated_members` (call it inside a `with`, after the model's own
    CTEs); is_restated_order() is the matching filter. Callers keep the
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
