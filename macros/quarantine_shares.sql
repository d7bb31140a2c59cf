{#- One row per raw table and reject reason of the tables that quarantine
    more than var `threshold_var` of their raw rows: the rows of the
    quarantine threshold tests (tests/dbt/assert_quarantine_share_below_*). -#}
{% macro quarantine_shares_above(threshold_var) %}
    select
        reconciliation.source_table,
        summary.reject_reason,
        summary.count_rows,
        reconciliation.count_raw_rows,
        reconciliation.quarantine_share,
        {{ safe_divide('summary.count_rows', 'reconciliation.count_raw_rows') }}
            as reason_share
    from {{ ref('raw_row_reconciliation') }} as reconciliation
    inner join {{ ref('quarantine_summary') }} as summary
        on reconciliation.source_table = summary.source_table
    where reconciliation.quarantine_share > {{ var(threshold_var) }}
{% endmacro %}


{#- While `dbt build` or `dbt test` runs a threshold test: one log line per
    table over the threshold, naming the table, its share, each reject
    reason with its share, the threshold and what to do (dbt itself only
    says "Got N results"). -#}
{% macro log_quarantine_shares(threshold_var, level) %}
    {%- if not execute
        or invocation_args_dict.get('which') not in ('build', 'test') -%}
        {{ return('') }}
    {%- endif -%}
    {%- if load_relation(ref('raw_row_reconciliation')) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set result = run_query(
        memberkpi.quarantine_shares_above(threshold_var)
        ~ ' order by 1, 3 desc, 2') -%}
    {%- set reasons = {} -%}
    {%- set shares = {} -%}
    {%- for row in result.rows -%}
        {%- do shares.update({row[0]: (row[4], row[3])}) -%}
        {%- do reasons.setdefault(row[0], []).append(row[1] ~ ' ' ~ row[2]
            ~ ' (' ~ memberkpi.as_percent(row[5]) ~ ')') -%}
    {%- endfor -%}
    {%- for table in reasons -%}
        {{ log(level ~ ': raw table ' ~ table ~ ' quarantines '
            ~ memberkpi.as_percent(shares[table][0]) ~ ' of its '
            ~ shares[table][1] ~ ' rows, above ' ~ threshold_var ~ ' = '
            ~ memberkpi.as_percent(var(threshold_var)) ~ ': '
            ~ reasons[table] | join(', ') ~ '; see model quarantine_raw__'
            ~ table ~ ' and fix the export, or raise the var if expected',
            info=true) }}
    {%- endfor -%}
{% endmacro %}


{#- A share as a percentage with up to two decimals, e.g. 12.5%. -#}
{% macro as_percent(share) %}
    {%- set text = '%.2f' | format(share * 100) -%}
    {{ return(text.rstrip('0').rstrip('.') ~ '%') }}
{% endmacro %}
