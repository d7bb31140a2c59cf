{#- Groupings of the KPIs (documented in macros/metrics/_kpi_grouping.yml).
    A family macro (kpis_4c, kpis_scale, ...) writes its KPIs once; a
    grouping says which group each row of a fact falls in, and a fact it
    does not name counts whole in every group. -#}

{#- The grouping called name: `total` (no groups), `channel` or `tier`. A grouping
    is a dict: name; column, the output column of the group (none for
    total); groups, the relation listing the groups in that column; facts,
    for each fact split by the grouping the SQL expression of a row's group;
    rows, for a fact read from another relation than the totals read, the
    query of its rows. -#}
{% macro kpi_grouping(name) %}
    {%- if name == 'total' -%}
        {{ return({'name': 'total', 'column': none, 'facts': {}, 'rows': {}}) }}
    {%- elif name == 'channel' -%}
        {{ return({
            'name': 'channel',
            'column': 'channel',
            'groups': ref('dim_channel'),
            'facts': {
                'member_activity': 'channel',
                'member_joins': 'channel',
                'orders': 'channel',
                'traffic': 'channel',
                'tickets': 'channel',
                'reviews': 'channel',
                'exposure': 'channel',
                'latest_exposure': 'channel',
            },
            'rows': {'member_activity': kpi_member_channel_activity()},
        }) }}
    {%- elif name == 'tier' -%}
        {%- set member_months = kpi_member_tier_rows(
            ref('fct_member_monthly'), 'fact_rows.report_month'
        ) -%}
        {{ return({
            'name': 'tier',
            'column': 'tier',
            'groups': ref('dim_tier'),
            'facts': {
                'member_months': 'tier',
                'member_activity': 'tier',
                'member_joins': 'tier',
                'orders': 'tier',
                'points': 'tier',
            },
            'rows': {
                'member_months': member_months,
                'member_activity': member_months,
                'member_joins': kpi_member_tier_rows(
                    ref('fct_member_joins'), 'fact_rows.event_month'
                ),
                'orders': kpi_member_tier_rows(
                    ref('fct_orders'), 'fact_rows.order_month'
                ),
                'points': kpi_member_tier_rows(
                    ref('fct_points'),
                    first_day_of_month('fact_rows.occurred_date')
                ),
            },
        }) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            'kpi_grouping: unknown grouping ' ~ name
        ) }}
    {%- endif -%}
{% endmacro %}


{#- The member-level activity of a month split by channel: one row per
    member, month and channel with a member order or an interaction there
    (fct_member_channel_monthly), with the member's flags of the month
    (fct_member_monthly), under the column names of fct_member_monthly. -#}
{% macro kpi_member_channel_activity() %}
    select
        member_channel_monthly.member_id,
        member_channel_monthly.report_month,
        member_channel_monthly.channel,
        member_channel_monthly.count_member_orders,
        member_channel_monthly.member_net_sales,
        member_channel_monthly.count_interactions,
        member_channel_monthly.is_member_buyer,
        member_channel_monthly.is_engaged,
        member_monthly.is_enrolled_at_month_end,
        member_monthly.has_joined_in_month,
        member_monthly.is_capital
    from {{ ref('fct_member_channel_monthly') }} as member_channel_monthly
    inner join {{ ref('fct_member_monthly') }} as member_monthly
        on
            member_channel_monthly.member_id = member_monthly.member_id
            and member_channel_monthly.report_month
            = member_monthly.report_month
{% endmacro %}


{#- The rows of a member-level fact (relation, with member_id) with the
    member's tier at the end of the row's month (fct_member_tier_monthly,
    which keeps an exited member's tier of the exit date) as column tier;
    month is the SQL expression of a row's report month over the fact's
    alias fact_rows. A row whose
    member has no tier that month (no member, or a month before the join
    month) has a null tier and falls in no tier group. -#}
{% macro kpi_member_tier_rows(relation, month) %}
    select
        fact_rows.*,
        member_tiers.tier_at_month_end as tier
    from {{ relation }} as fact_rows
    left join {{ ref('fct_member_tier_monthly') }} as member_tiers
        on
            fact_rows.member_id = member_tiers.member_id
            and {{ month }} = member_tiers.report_month
{% endmacro %}


{#- The mart each fact of the KPI definitions reads, by the fact's name
    (the name of its import CTE and of a grouping's facts). -#}
{% macro kpi_fact_models() %}
    {{ return({
        'member_months': 'fct_member_monthly',
        'member_tiers': 'fct_member_tier_monthly',
        'member_activity': 'fct_member_monthly',
        'member_joins': 'fct_member_joins',
        'orders': 'fct_orders',
        'order_items': 'fct_order_items',
        'exposure': 'fct_exposure',
        'traffic': 'fct_channel_traffic',
        'points': 'fct_points',
        'interactions': 'fct_interactions',
        'tickets': 'fct_service_tickets',
        'reviews': 'fct_reviews',
        'surveys': 'fct_surveys',
        'touches': 'fct_campaign_touches',
    }) }}
{% endmacro %}


{#- The import CTEs of a family's KPI definitions: grid (kpi_grid), then one
    CTE per fact named in facts, each holding the fact's rows for the
    grouping (kpi_fact_rows over its mart). Ends with a comma. -#}
{% macro kpi_imports(grouping, facts) %}
grid as (
    {{ kpi_grid(grouping) }}
),
    {%- for fact in facts %}

{{ fact }} as (
    {{ kpi_fact_rows(grouping, fact, ref(kpi_fact_models()[fact])) }}
),
    {%- endfor %}
{% endmacro %}


{#- The rows of a fact for a grouping: the grouping's own query when it
    reads the fact elsewhere, else every row of relation. -#}
{% macro kpi_fact_rows(grouping, fact, relation) %}
    {%- if fact in grouping.rows -%}
        {{ grouping.rows[fact] }}
    {%- else -%}
        select * from {{ relation }}
    {%- endif -%}
{% endmacro %}


{#- Every report month (dim_month) crossed with every group. -#}
{% macro kpi_grid(grouping) %}
    {%- if grouping.column is none %}
    select report_month from {{ ref('dim_month') }}
    {%- else %}
    select
        months.report_month,
        kpi_groups.{{ grouping.column }}
    from {{ ref('dim_month') }} as months
    cross join {{ grouping.groups }} as kpi_groups
    {%- endif %}
{% endmacro %}


{#- The key columns of a KPI row, each with its trailing comma: the report
    month and the grouping's column, qualified by relation when given. -#}
{% macro kpi_group_keys(grouping, relation=none) %}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}report_month,
    {%- if grouping.column is not none %}
    {{ prefix }}{{ grouping.column }},
    {%- endif %}
{% endmacro %}


{#- The window of a month-over-month lag within a group. -#}
{% macro kpi_month_window(grouping) %}
    {%- if grouping.column is not none -%}
        partition by {{ grouping.column }} order by report_month
    {%- else -%}
        order by report_month
    {%- endif -%}
{% endmacro %}


{#- Counts of one fact per report month, and per group when the grouping
    splits the fact: the aggregates are the body of the call block, over
    the fact's import CTE (named fact); month is the expression of a row's
    report month, where an optional filter. -#}
{% macro kpi_counts(grouping, fact, month='report_month', where=none) %}
    {%- set group = grouping.facts.get(fact) %}
    select
        {{ month }}{{ ' as report_month' if month != 'report_month' }},
        {%- if group is not none %}
        {{ group }} as {{ grouping.column }},
        {%- endif %}
        {{ caller() | trim }}
    from {{ fact }}
    {%- if where is not none %}
    where {{ where }}
    {%- endif %}
    group by
        {{ month }}
        {%- if group is not none -%}
        , {{ group }}
        {%- endif %}
{% endmacro %}


{#- Store visitors per report month (and group): read by the scale and the
    core families alike. -#}
{% macro kpi_traffic_counts(grouping) %}
    {% call kpi_counts(grouping, 'traffic', first_day_of_month('traffic_date')) %}
        sum(visitors) as visitors
    {% endcall %}
{% endmacro %}

{#- The left join of a counts CTE to the grid: on the month, and on the
    group when the grouping splits the counted fact (else the month's
    whole count goes to every group). -#}
{% macro kpi_join(grouping, fact, counts) %}
    left join {{ counts }}
        on
            grid.report_month = {{ counts }}.report_month
            {%- if grouping.facts.get(fact) is not none %}
            and grid.{{ grouping.column }} = {{ counts }}.{{ grouping.column }}
            {%- endif %}
{% endmacro %}


{#- Whether an optional fact has rows: a KPI that needs an absent optional
    raw table (no rows) is null in every month. -#}
{% macro kpi_has_rows(fact) -%}
    (select count(*) from {{ fact }}) > 0
{%- endmacro %}


{#- The KPI rows of every family for a grouping: the union of the family
    macros (kpis_4c, kpis_scale, kpis_activity, kpis_purchase, kpis_service,
    kpis_core) called with it, long form (month, the grouping's column, kpi,
    value); a family with no KPI in the split (kpi_names) is left out once
    the graph is known (at parse time every family is called, so that dbt
    learns their refs). The ops family has no split: an ops KPI whose meta
    splits lists the grouping fails the compilation. The body of a split
    table (kpi_monthly_by_channel, kpi_monthly_by_tier). -#}
{% macro kpi_split(grouping) %}
    {%- set families = [
        (kpis_4c, ['4c']),
        (kpis_scale, ['scale']),
        (kpis_activity, ['activity']),
        (kpis_purchase, ['purchase']),
        (kpis_service, ['service']),
        (kpis_core, ['core', 'related']),
    ] -%}
    {%- if kpi_names(['ops'], grouping) -%}
        {{ exceptions.raise_compiler_error(
            'kpi_split: the ops KPIs have no split (kpis_ops); remove '
            ~ grouping.name ~ ' from the meta splits of '
            ~ kpi_names(['ops'], grouping) | join(', ')
        ) }}
    {%- endif -%}
    {%- set split_families = [] -%}
    {%- for family_kpis, groups in families
        if not execute or kpi_names(groups, grouping) -%}
        {%- do split_families.append(family_kpis) -%}
    {%- endfor -%}
    {%- if not split_families -%}
        {{ exceptions.raise_compiler_error(
            'kpi_split: no KPI lists ' ~ grouping.name ~ ' in its meta splits'
        ) }}
    {%- endif -%}
    {%- for family_kpis in split_families %}
    select * from (
        {{ family_kpis(grouping) }}
    ) as family_kpis_{{ loop.index }}
        {%- if not loop.last %}
    union all
        {%- endif %}
    {%- endfor %}
{% endmacro %}


{#- The union all of every row of relations, which share their columns. -#}
{% macro union_all_rows(relations) %}
    {%- for relation in relations %}
    select * from {{ relation }}
        {%- if not loop.last %}
    union all
        {%- endif %}
    {%- endfor %}
{% endmacro %}
