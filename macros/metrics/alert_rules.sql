{#- The alert rules of metrics.kpi_alerts: its YAML's config.meta.alert_rules
    (models/metrics/monitoring/kpi_alerts.yml), checked against the KPIs of
    metrics.yml, the raw tables and the quarantine vars. While dbt parses
    (the graph is empty) the rules are returned unchecked. -#}
{% macro alert_rules(rules) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set kpi_names = memberkpi.kpi_metrics() | map(attribute='name')
        | list -%}
    {%- set share_vars = {
        'quarantine_warn_share': var('quarantine_warn_share'),
        'quarantine_error_share': var('quarantine_error_share'),
    } -%}
    {{ return(memberkpi.validate_alert_rules(
        rules, kpi_names, memberkpi.raw_table_names(), share_vars)) }}
{% endmacro %}


{#- The rules, each a dict with every key of the rows of macro
    alert_rule_rows and its kind's defaults filled in; a compiler error
    naming the rule and what is wrong (an unknown kind, KPI, table, var or
    key, a missing or mistyped field, a duplicate name) otherwise. Pure:
    everything it checks against is an argument (tests/unit renders it
    without dbt). kpi_names: the KPI metrics; table_names: the raw tables;
    share_vars: the quarantine share vars by name, with their values. -#}
{% macro validate_alert_rules(rules, kpi_names, table_names, share_vars) %}
    {%- set where = 'kpi_alerts rules (config.meta.alert_rules of'
        ~ ' models/metrics/monitoring/kpi_alerts.yml)' -%}
    {%- set kinds = {
        'threshold': ['kpi', 'below', 'above'],
        'seasonal_change': ['kpi', 'max_change', 'direction'],
        'robust_anomaly': ['kpi', 'max_robust_z', 'direction',
            'history_months', 'min_history'],
        'freshness': ['source_table', 'max_days_behind'],
        'quarantine_share': ['source_table', 'threshold_var'],
    } -%}
    {%- set common = ['rule', 'kind', 'severity', 'description'] -%}
    {%- if rules is none -%}
        {%- set rules = [] -%}
    {%- endif -%}
    {%- if rules is string or rules is mapping or rules is not iterable -%}
        {{ exceptions.raise_compiler_error(
            where ~ ': alert_rules must be a list of rules') }}
    {%- endif -%}
    {%- set checked = [] -%}
    {%- set seen = [] -%}
    {%- for rule in rules -%}
        {%- if rule is not mapping -%}
            {{ exceptions.raise_compiler_error(
                where ~ ': rule ' ~ loop.index ~ ' is not a mapping') }}
        {%- endif -%}
        {%- set name = rule.get('rule') -%}
        {%- set label = where ~ ', rule ' ~ (
            "'" ~ name ~ "'" if name else loop.index) -%}
        {%- if not name or name is not string -%}
            {{ exceptions.raise_compiler_error(
                label ~ ': missing field rule (the rule name)') }}
        {%- endif -%}
        {%- if name in seen -%}
            {{ exceptions.raise_compiler_error(
                label ~ ': rule name used twice') }}
        {%- endif -%}
        {%- do seen.append(name) -%}
        {%- set kind = rule.get('kind') -%}
        {%- if kind not in kinds -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": unknown or missing kind '" ~ kind ~ "'; valid: "
                ~ kinds | sort | join(', ')) }}
        {%- endif -%}
        {%- if rule.get('severity') not in ('warn', 'alert') -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": severity must be warn or alert, got '"
                ~ rule.get('severity') ~ "'") }}
        {%- endif -%}
        {%- for key in rule | sort -%}
            {%- if key not in common and key not in kinds[kind] -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": unknown field '" ~ key ~ "' for kind " ~ kind
                    ~ '; valid: ' ~ (common + kinds[kind]) | join(', ')) }}
            {%- endif -%}
        {%- endfor -%}
        {%- set row = {
            'rule': name, 'kind': kind, 'severity': rule.severity,
            'kpi': none, 'source_table': none, 'comparison': none,
            'limit': none, 'limit_name': none, 'direction': none,
            'history_months': none, 'min_history': none,
        } -%}
        {%- if 'kpi' in kinds[kind] -%}
            {%- if rule.get('kpi') not in kpi_names -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": unknown or missing kpi '" ~ rule.get('kpi')
                    ~ "'; the KPIs are the metrics with meta is_kpi: true"
                    ~ ' in metrics.yml') }}
            {%- endif -%}
            {%- do row.update({'kpi': rule.kpi}) -%}
        {%- endif -%}
        {%- if kind == 'threshold' -%}
            {%- set sides = ['below', 'above'] | select('in', rule) | list -%}
            {%- if sides | length != 1 -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ': a threshold rule needs exactly one of below'
                    ~ ' or above') }}
            {%- endif -%}
            {%- do row.update({'comparison': sides[0],
                'limit': memberkpi.alert_rule_number(
                    rule[sides[0]], label ~ ', ' ~ sides[0])}) -%}
        {%- elif kind in ('seasonal_change', 'robust_anomaly') -%}
            {%- set direction = rule.get('direction', 'worse') -%}
            {%- if direction not in ('worse', 'either') -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": direction must be worse or either, got '"
                    ~ direction ~ "'") }}
            {%- endif -%}
            {%- do row.update({'direction': direction}) -%}
        {%- endif -%}
        {%- if kind == 'seasonal_change' -%}
            {%- do row.update({'limit': memberkpi.alert_rule_number(
                rule.get('max_change'), label ~ ', max_change', 0)}) -%}
        {%- elif kind == 'robust_anomaly' -%}
            {%- do row.update({
                'limit': memberkpi.alert_rule_number(
                    rule.get('max_robust_z', 3.5), label ~ ', max_robust_z', 0),
                'history_months': memberkpi.alert_rule_number(
                    rule.get('history_months', 12),
                    label ~ ', history_months', 1, true),
                'min_history': memberkpi.alert_rule_number(
                    rule.get('min_history', 6), label ~ ', min_history', 2,
                    true),
            }) -%}
            {%- if row.min_history > row.history_months -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ': min_history exceeds history_months') }}
            {%- endif -%}
        {%- elif kind == 'freshness' -%}
            {%- set table = rule.get('source_table', 'orders') -%}
            {%- if table != 'orders' -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": freshness is checked on orders only, got '"
                    ~ table ~ "'") }}
            {%- endif -%}
            {%- do row.update({'source_table': table,
                'limit': memberkpi.alert_rule_number(
                    rule.get('max_days_behind'), label ~ ', max_days_behind',
                    0, true)}) -%}
        {%- elif kind == 'quarantine_share' -%}
            {%- set table = rule.get('source_table') -%}
            {%- if table is not none and table not in table_names -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": unknown source_table '" ~ table ~ "'; valid: "
                    ~ table_names | join(', ')) }}
            {%- endif -%}
            {%- set share_var = rule.get('threshold_var') -%}
            {%- if share_var not in share_vars -%}
                {{ exceptions.raise_compiler_error(
                    label ~ ": threshold_var must be one of "
                    ~ share_vars | sort | join(', ') ~ ", got '" ~ share_var
                    ~ "'") }}
            {%- endif -%}
            {%- do row.update({'source_table': table,
                'limit': share_vars[share_var], 'limit_name': share_var}) -%}
        {%- endif -%}
        {%- do checked.append(row) -%}
    {%- endfor -%}
    {{ return(checked) }}
{% endmacro %}


{#- value when it is a number (not a boolean) of at least minimum (an
    integer when whole); a compiler error naming label otherwise. -#}
{% macro alert_rule_number(value, label, minimum=none, whole=false) %}
    {%- if value is none or value is boolean or value is not number
        or (whole and value != value | int)
        or (minimum is not none and value < minimum) -%}
        {{ exceptions.raise_compiler_error(
            label ~ ': expected ' ~ ('a whole number' if whole else 'a number')
            ~ (' of at least ' ~ minimum if minimum is not none else '')
            ~ ", got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value | int if whole else value) }}
{% endmacro %}


{#- The checked rules (macro alert_rules) as rows: rule, rule_kind, kpi,
    source_table, severity, comparison, limit_value, limit_name, direction,
    history_months, min_history; typed, and no rows for no rules. -#}
{% macro alert_rule_rows(rules) %}
    {%- set columns = [
        ('rule', 'string'),
        ('rule_kind', 'string'),
        ('kpi', 'string'),
        ('source_table', 'string'),
        ('severity', 'string'),
        ('comparison', 'string'),
        ('limit_value', 'double'),
        ('limit_name', 'string'),
        ('direction', 'string'),
        ('history_months', 'integer'),
        ('min_history', 'integer'),
    ] -%}
    {%- if rules %}
    select
        {%- for name, type in columns %}
        cast({{ name }} as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        values
        {%- for rule in rules %}
            (
                {{ memberkpi.sql_text(rule.rule) }},
                {{ memberkpi.sql_text(rule.kind) }},
                {{ memberkpi.sql_text(rule.kpi) }},
                {{ memberkpi.sql_text(rule.source_table) }},
                {{ memberkpi.sql_text(rule.severity) }},
                {{ memberkpi.sql_text(rule.comparison) }},
                {{ 'null' if rule.limit is none else rule.limit }},
                {{ memberkpi.sql_text(rule.limit_name) }},
                {{ memberkpi.sql_text(rule.direction) }},
                {{ 'null' if rule.history_months is none
                    else rule.history_months }},
                {{ 'null' if rule.min_history is none else rule.min_history }}
            ){{ ',' if not loop.last }}
        {%- endfor %}
    ) as rule_rows ({{ columns | map('first') | join(', ') }})  -- noqa: AL05
    {%- else %}
    select
        {%- for name, type in columns %}
        cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}
{% endmacro %}


{#- Median of a numeric expression (an aggregate): median on DuckDB,
    percentile(x, 0.5) on Spark, both exact. -#}
{% macro median(expression) %}
    {{ return(adapter.dispatch('median', 'memberkpi')(expression)) }}
{% endmacro %}

{% macro default__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}


{#- A KPI value as message text: ratios in percent with one decimal
    (0.275 -> 27.5%), others rounded to two decimals; 'null' for null. -#}
{% macro alert_value_text(value, unit) -%}
    coalesce(
        case
            when {{ unit }} = 'ratio'
                then cast(round(100.0 * {{ value }}, 1) as string) || '%'
            else cast(round({{ value }}, 2) as string)
        end,
        'null'
    )
{%- endmacro %}
