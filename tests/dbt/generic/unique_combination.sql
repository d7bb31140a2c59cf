{#- Fails on every combination of column_names that occurs more than once
    in the model (a composite primary key). Rows with a null in any of the
    columns are counted too: a key column must also be not null. -#}
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
