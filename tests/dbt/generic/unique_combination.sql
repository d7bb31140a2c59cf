{#- Fails on every combination of column_names that occurs more than once
    in the model (a composite primary key). Nulls group together as one
    value, as in any GROUP BY: two rows with the same nulls fail, but a
    single row with a null in a key column passes (int_orders_enriched keys
    non-member orders, whose member_id is null, this way); where a key
    column must be present, give it a not_null test or constraint too. -#}
{% test unique_combination(model, column_names) %}

with

grouped as (
    select
        {{ column_names | join(', ') }},
        count(*) as count_rows
    from {{ model }}
    group by {{ column_names | join(', ') }}
)

select * from grouped
where count_rows > 1

{% endtest %}
