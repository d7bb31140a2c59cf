{#- The KPIs whose monthly values add up to the year's (dbt's graph): a
    simple metric of metrics.yml (meta is_kpi) whose measure aggregates with
    sum or count and has no non_additive_dimension in its semantic model,
    i.e. MetricFlow itself may sum it over months (flows such as members_new,
    member_net_sales, member_orders). A derived KPI of two inputs, a simple
    metric and a presence metric (<table>_presence: 1, null without the
    optional table), counts as its simple metric does: points_issued =
    points_issued_in_month * points_ledger_presence adds up (points_redeemed,
    points_expired alike). Snapshots (members_total, capital:
    non_additive_dimension), distinct counts (member_buyers:
    count_distinct), averages (csat) and ratios are not. Empty at parse
    time. -#}
{% macro kpi_names_summing_over_months() %}
    {%- set measures = {} -%}
    {%- if execute -%}
        {%- for model in graph.semantic_models.values() -%}
            {%- for measure in model.measures -%}
                {%- do measures.update({measure.name: measure}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set metrics = {} -%}
    {%- if execute -%}
        {%- for metric in graph.metrics.values() -%}
            {%- do metrics.update({metric.name: metric}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for metric in kpi_metrics() -%}
        {%- set flow = metric -%}
        {%- if metric.type == 'derived' -%}
            {#- a flow nulled without its optional table:
                <simple metric> * <table>_presence -#}
            {%- set inputs = [] -%}
            {%- for input in metric.type_params.metrics
                if not input.name.endswith('_presence') -%}
                {%- do inputs.append(input.name) -%}
            {%- endfor -%}
            {%- set flow = metrics.get(inputs[0]) if inputs | length == 1
                and metric.type_params.metrics | length == 2 -%}
        {%- endif -%}
        {%- set measure = measures.get(
            (flow.type_params.measure or {}).get('name'))
            if flow and flow.type == 'simple' -%}
        {%- if measure
            and measure.agg in ('sum', 'count')
            and not measure.non_additive_dimension -%}
            {%- do names.append(metric.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- Target attainment in the KPI's direction, a double: value / target when
    a higher value is better, target / value when a lower one is; null when
    either is null or the divisor is 0. higher_is_better is a SQL boolean
    expression. -#}
{% macro attainment(value, target, higher_is_better) -%}
    case
        when {{ higher_is_better }}
            then {{ safe_divide(value, target) }}
        else {{ safe_divide(target, value) }}
    end
{%- endmacro %}


{#- The rows of the KPI targets in force: seed kpi_targets (the brand's),
    and seed kpi_targets_demo (the demo brand's) too when var
    include_demo_targets is true. An empty period is null (standing) on
    every engine: dbt-spark writes an empty csv cell of a string column as
    the text 'None'. -#}
{% macro kpi_target_rows() %}
    {%- set seeds = ['kpi_targets'] -%}
    {%- if var('include_demo_targets') -%}
        {%- do seeds.append('kpi_targets_demo') -%}
    {%- endif -%}
    {%- for seed in seeds %}
    select
        kpi,
        case
            when trim(period) in ('', 'None') then null else trim(period)
        end as period,
        target_value,
        target_note
    from {{ ref(seed) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}
