{#- Exact seconds (fractional) from one timestamp to another. -#}
{% macro epoch_seconds_between(start_timestamp, end_timestamp) %}
    {{ return(adapter.dispatch('epoch_seconds_between', 'memberkpi')(
        start_timestamp, end_timestamp)) }}
{% endmacro %}

{% macro default__epoch_seconds_between(start_timestamp, end_timestamp) %}
    (epoch_us({{ end_timestamp }}) - epoch_us({{ start_timestamp }})) / 1e6
{% endmacro %}

{% macro spark__epoch_seconds_between(start_timestamp, end_timestamp) %}
    (unix_micros({{ end_timestamp }}) - unix_micros({{ start_timestamp }})) / 1e6
{% endmacro %}
