{#- Purchase depth level of a member's W12 member-order count (KPI_SPEC):
    0 orders -> 0, 1 -> 1, 2-3 -> 2, 4 or more -> 3. -#}
{% macro depth_level(count_member_orders_w12) -%}
    case
        when {{ count_member_orders_w12 }} = 0 then 0
        when {{ count_member_orders_w12 }} = 1 then 1
        when {{ count_member_orders_w12 }} <= 3 then 2
        else 3
    end
{%- endmacro %}
