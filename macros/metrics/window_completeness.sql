{#- Window completeness (KPI_SPEC.md, output contract): a KPI's value at
    month m is complete when every month its definition reads lies on or
    after the first month of valid paid orders. What a KPI reads is its
    metrics.yml meta months_read_back (k): months m - k .. m. -#}


{#- The KPI metrics' months_read_back by KPI name (dbt's graph). A KPI
    without a whole number >= 0 there fails the compilation. Empty at parse
    time. -#}
{% macro kpi_months_read_back() %}
    {%- set read_back = {} -%}
    {%- for metric in kpi_metrics() -%}
        {%- set months = metric.config.meta.get('months_read_back') -%}
        {%- if months is not integer or months < 0 -%}
            {{ exceptions.raise_compiler_error(
                "KPI metric " ~ metric.name ~ " of metrics.yml has no "
                ~ "meta months_read_back (a whole number >= 0); got "
                ~ months) }}
        {%- endif -%}
        {%- do read_back.update({metric.name: months}) -%}
    {%- endfor -%}
    {{ return(read_back) }}
{% endmacro %}


{#- A one-row query (column first_paid_month): the month of the earliest
    business date of paid_at among the valid orders (fct_orders.is_valid,
    order_month); null when there is no valid order. -#}
{% macro first_valid_paid_month() %}
    select min(order_month) as first_paid_month
    from {{ ref('fct_orders') }}
    where is_valid
{% endmacro %}


{#- SQL boolean, never null: true when the window of KPI kpi at report
    month month is complete, i.e. month - months_read_back(kpi) >=
    first_paid_month. month, kpi and first_paid_month are SQL expressions
    (first_paid_month from first_valid_paid_month()). KPIs are grouped by
    their months_read_back, so the SQL has one branch per distinct value; a
    kpi of no KPI metric, or a null first_paid_month, gives false. -#}
{% macro is_window_complete(month, kpi, first_paid_month) %}
    {%- set by_months = {} -%}
    {%- for name, months in kpi_months_read_back().items() -%}
        {%- do by_months.setdefault(months, []).append(name) -%}
    {%- endfor -%}
    {%- if by_months -%}
    coalesce(
        case
            {%- for months in by_months | sort %}
                {%- if months == 0 %}
                    {%- set first_complete = first_paid_month %}
                {%- else %}
                    {%- set shifted = dbt.dateadd(
                        'month', months, first_paid_month) | trim %}
                    {%- set first_complete = 'cast(' ~ shifted ~ ' as date)' %}
                {%- endif %}
            when {{ kpi }} in ({{ sql_text_list(by_months[months]) }})
                then {{ month }} >= {{ first_complete }}
            {%- endfor %}
        end,
        false
    )
    {%- else -%}
    false
    {%- endif -%}
{% endmacro %}
