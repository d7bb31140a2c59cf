{#- Activation audiences. The rules are the list config.meta.audiences of
    model audience_members (models/metrics/activation/audiences.yml, the one
    file that defines them); audience_members evaluates them at the as-of
    date and audience_sizes at every report month's end, with the same CTEs
    (macro audience_ctes), so one definition serves both tables. -#}


{#- Each rule an audience may use, and its parameters with their kinds:
    days (a whole number, 1 or more), points (a whole number, 1 or more) or
    share (a number above 0, at most 1). -#}
{% macro audience_rule_parameters() %}
    {{ return({
        'about_to_lapse': {'margin_days': 'days'},
        'first_order_no_second': {'after_days': 'days'},
        'joined_no_order': {'after_days': 'days'},
        'high_value_quiet': {'top_share': 'share', 'quiet_days': 'days'},
        'points_expiring': {'days_before_expiry': 'days', 'min_points': 'points'},
    }) }}
{% endmacro %}


{#- The audience rules, checked: a list of dicts with exactly the keys name,
    title_zh, title_en, definition, refresh, rule and parameters. While dbt
    parses (no graph yet) an empty list; a wrong rule stops the compilation
    with one line per problem. -#}
{% macro audience_rules() %}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set node = graph.nodes.get('model.memberkpi.audience_members') -%}
    {%- set rules = (node.config.meta or {}).get('audiences') if node else none -%}
    {%- set problems = memberkpi.audience_rule_problems(rules) -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'audience rules (models/metrics/activation/audiences.yml,'
            ~ ' audience_members config.meta.audiences):\n  '
            ~ problems | join('\n  ')) }}
    {%- endif -%}
    {{ return(rules) }}
{% endmacro %}


{#- What is wrong with the audience rules, one text per problem. -#}
{% macro audience_rule_problems(rules) %}
    {%- set problems = [] -%}
    {%- if rules is string or rules is mapping or rules is not iterable
        or rules | length == 0 -%}
        {{ return(['not a non-empty list of audiences']) }}
    {%- endif -%}
    {%- set seen = [] -%}
    {%- for audience in rules -%}
        {%- set label = 'audience ' ~ loop.index ~ (
            " '" ~ audience.name ~ "'" if audience is mapping else '') -%}
        {%- if audience is not mapping -%}
            {%- do problems.append(label ~ ': not a mapping') -%}
        {%- else -%}
            {%- do problems.extend(
                memberkpi.audience_problems(audience, label, seen)) -%}
            {%- do seen.append(audience.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}


{#- What is wrong with one audience (a mapping) of the rules; label names it,
    seen holds the names of the audiences before it. -#}
{% macro audience_problems(audience, label, seen) %}
    {%- set problems = [] -%}
    {%- set kinds = memberkpi.audience_rule_parameters() -%}
    {%- set keys = ['name', 'title_zh', 'title_en', 'definition', 'refresh',
        'rule', 'parameters'] -%}
    {%- set refreshes = ['daily', 'weekly', 'monthly'] -%}
    {%- set missing = keys | reject('in', audience) | list -%}
    {%- set unknown = audience | reject('in', keys) | list -%}
    {%- if missing -%}
        {%- do problems.append(label ~ ': missing ' ~ missing | join(', ')) -%}
    {%- endif -%}
    {%- if unknown -%}
        {%- do problems.append(label ~ ': unknown key(s) '
            ~ unknown | sort | join(', ') ~ '; valid: ' ~ keys | join(', ')) -%}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[a-z][a-z0-9_]*', audience.name | string) -%}
        {%- do problems.append(label ~ ': name must be lower-case letters,'
            ~ ' digits and _ (it is the CLI name)') -%}
    {%- elif audience.name in seen -%}
        {%- do problems.append(label ~ ': name used twice') -%}
    {%- endif -%}
    {%- for text_key in ['title_zh', 'title_en', 'definition'] -%}
        {%- if audience[text_key] is not string
            or audience[text_key] | trim == '' -%}
            {%- do problems.append(label ~ ': ' ~ text_key ~ ' must be a text') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if audience.refresh not in refreshes -%}
        {%- do problems.append(label ~ ': refresh ' ~ audience.refresh
            ~ ' is not one of ' ~ refreshes | join(', ')) -%}
    {%- endif -%}
    {%- if audience.rule not in kinds -%}
        {%- do problems.append(label ~ ': rule ' ~ audience.rule
            ~ ' is not one of ' ~ kinds | list | join(', ')) -%}
    {%- elif audience.parameters is not mapping -%}
        {%- do problems.append(label ~ ': parameters must be a mapping of '
            ~ kinds[audience.rule] | list | join(', ')) -%}
    {%- else -%}
        {%- do problems.extend(memberkpi.audience_parameter_problems(
            audience.parameters, kinds[audience.rule], label ~ ': parameter')) -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}


{#- What is wrong with the parameters of one audience (a mapping), given
    its rule's parameters and their kinds (audience_rule_parameters); label
    starts each text. -#}
{% macro audience_parameter_problems(parameters, expected, label) %}
    {%- set problems = [] -%}
    {%- for parameter in expected if parameter not in parameters -%}
        {%- do problems.append(label ~ ' ' ~ parameter ~ ' missing') -%}
    {%- endfor -%}
    {%- for parameter in parameters if parameter not in expected -%}
        {%- do problems.append(label ~ ' ' ~ parameter ~ ' unknown; valid: '
            ~ expected | list | join(', ')) -%}
    {%- endfor -%}
    {%- for parameter, kind in expected.items() if parameter in parameters -%}
        {%- set value = parameters[parameter] -%}
        {%- if kind == 'share' -%}
            {%- if value is boolean or value is not number
                or value <= 0 or value > 1 -%}
                {%- do problems.append(label ~ ' ' ~ parameter ~ ' = ' ~ value
                    ~ ' is not a share above 0, at most 1') -%}
            {%- endif -%}
        {%- elif value is boolean or value is not integer or value < 1 -%}
            {%- do problems.append(label ~ ' ' ~ parameter ~ ' = ' ~ value
                ~ ' is not a whole number, 1 or more') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}


{#- The import CTE clv_predictions (member_id, expected_value_12m,
    calibration_end_date) from member_clv_predicted, or an empty one when
    the Python models are off (macro python_models_enabled), with a log
    line: the high-value audience is then empty and its sizes null. -#}
{% macro audience_clv_predictions() %}
    {%- if memberkpi.python_models_enabled() -%}
clv_predictions as (
    select
        member_id,
        expected_value_12m,
        calibration_end_date
    from {{ ref('member_clv_predicted') }}
),
    {%- else -%}
        {%- if execute and model.name == 'audience_members' -%}
            {{ log('audiences: python models off: the high_value_quiet'
                ~ ' audiences are empty and their sizes null', info=true) }}
        {%- endif %}
clv_predictions as (
    select
        cast(null as {{ dbt.type_string() }}) as member_id,
        cast(null as double) as expected_value_12m,
        cast(null as date) as calibration_end_date
    where 1 = 0
),
    {%- endif -%}
{% endmacro %}


{#- The CTEs that evaluate every audience at each evaluation_date of CTE
    evaluation_dates, ending with CTE memberships (evaluation_date,
    audience, member_id, reason, since). The model defines the import CTEs
    members (dim_member), orders (fct_orders), points (fct_points) and
    clv_predictions (macro audience_clv_predictions) before it. -#}
{% macro audience_ctes(audiences) %}
    {%- set expire_after_years = var('points_expire_after_years') %}
member_dates as (
    -- the members enrolled at the evaluation date
    select
        evaluation_dates.evaluation_date,
        members.member_id,
        members.joined_date,
        cast({{ dbt.last_day(
            dbt.dateadd('day', 1, 'evaluation_dates.evaluation_date'), 'year'
        ) }} as date) as next_points_expiry_date
    from evaluation_dates
    cross join members
    where
        members.joined_date <= evaluation_dates.evaluation_date
        and (
            members.exited_date is null
            or members.exited_date > evaluation_dates.evaluation_date
        )
),

order_history as (
    select
        member_dates.evaluation_date,
        member_dates.member_id,
        count(*) as count_member_orders,
        min(orders.order_date) as first_member_order_date,
        max(orders.order_date) as last_member_order_date
    from member_dates
    inner join orders
        on
            member_dates.member_id = orders.member_id
            and orders.order_date <= member_dates.evaluation_date
    where orders.is_member_order
    group by member_dates.evaluation_date, member_dates.member_id
),

points_history as (
    -- oldest points spent first: of the points earned (or added) up to the
    -- end of the year that expires next, what all the points spent,
    -- expired or taken off so far have not used up
    select
        member_dates.evaluation_date,
        member_dates.member_id,
        sum(
            case
                when
                    points.points > 0
                    and points.occurred_date <= cast({{ dbt.dateadd(
                        'year', -expire_after_years,
                        'member_dates.next_points_expiry_date'
                    ) }} as date)
                    then points.points
                else 0
            end
        )
        - sum(case when points.points < 0 then -points.points else 0 end)
            as points_unspent_expiring
    from member_dates
    inner join points
        on
            member_dates.member_id = points.member_id
            and points.occurred_date <= member_dates.evaluation_date
    group by member_dates.evaluation_date, member_dates.member_id
),

clv_ranks as (
    -- the enrolled members with a prediction known at the evaluation date
    -- (one made after it is not), ranked by predicted value, ties by
    -- member_id; only they enter the window, so without predictions (Python
    -- models off) no window runs at all
    select
        member_dates.evaluation_date,
        member_dates.member_id,
        clv_predictions.expected_value_12m,
        row_number() over (
            partition by member_dates.evaluation_date
            order by
                clv_predictions.expected_value_12m desc,
                member_dates.member_id
        ) as clv_value_rank,
        count(*) over (
            partition by member_dates.evaluation_date
        ) as clv_ranked_members
    from member_dates
    inner join clv_predictions
        on
            member_dates.member_id = clv_predictions.member_id
            and clv_predictions.calibration_end_date
            <= member_dates.evaluation_date
),

member_states as (
    select
        member_dates.evaluation_date,
        member_dates.member_id,
        member_dates.joined_date,
        coalesce(order_history.count_member_orders, 0) as count_member_orders,
        order_history.first_member_order_date,
        order_history.last_member_order_date,
        cast({{ dbt.datediff(
            'member_dates.joined_date', 'member_dates.evaluation_date', 'day'
        ) }} as bigint) as days_since_joined,
        cast({{ dbt.datediff(
            'order_history.first_member_order_date',
            'member_dates.evaluation_date', 'day'
        ) }} as bigint) as days_since_first_member_order,
        cast({{ dbt.datediff(
            'coalesce(order_history.last_member_order_date,'
            ~ ' member_dates.joined_date)',
            'member_dates.evaluation_date', 'day'
        ) }} as bigint) as days_without_member_order,
        member_dates.next_points_expiry_date,
        cast({{ dbt.datediff(
            'member_dates.evaluation_date',
            'member_dates.next_points_expiry_date', 'day'
        ) }} as bigint) as days_to_points_expiry,
        greatest(coalesce(points_history.points_unspent_expiring, 0), 0)
            as points_expiring,
        clv_ranks.expected_value_12m,
        clv_ranks.clv_value_rank,
        clv_ranks.clv_ranked_members
    from member_dates
    left join order_history
        on
            member_dates.evaluation_date = order_history.evaluation_date
            and member_dates.member_id = order_history.member_id
    left join points_history
        on
            member_dates.evaluation_date = points_history.evaluation_date
            and member_dates.member_id = points_history.member_id
    left join clv_ranks
        on
            member_dates.evaluation_date = clv_ranks.evaluation_date
            and member_dates.member_id = clv_ranks.member_id
),

memberships as (
    {%- for audience in audiences %}
    {%- if not loop.first %}

    union all
    {% endif %}
    {{ memberkpi.audience_rows(audience) }}
    {%- endfor %}
    {%- if not audiences %}
    select
        cast(null as date) as evaluation_date,
        cast(null as {{ dbt.type_string() }}) as audience,
        cast(null as {{ dbt.type_string() }}) as member_id,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as date) as since
    where 1 = 0
    {%- endif %}
)
{%- endmacro %}


{#- The members of one audience at each evaluation date, from CTE
    member_states: evaluation_date, audience, member_id, reason (the figures
    that put the member in, no personal data) and since (the day the member
    entered the audience). -#}
{% macro audience_rows(audience) %}
    {%- set rule = audience.rule -%}
    {%- set parameters = audience.parameters -%}
    {%- if rule == 'about_to_lapse' -%}
        {%- set lapsed_after = var('lifecycle_lapsed_after_days') -%}
        {%- set first_day = lapsed_after - parameters.margin_days + 1 -%}
        {%- set reason = [
            "'last member order '",
            memberkpi.audience_text('last_member_order_date'),
            "', '", memberkpi.audience_text('days_without_member_order'),
            "' days ago; lapsed after " ~ lapsed_after ~ " days'"] -%}
        {%- set since = dbt.dateadd('day', first_day, 'last_member_order_date') -%}
        {%- set condition = 'count_member_orders > 0 and days_without_member_order'
            ~ ' between ' ~ first_day ~ ' and ' ~ lapsed_after -%}
    {%- elif rule == 'first_order_no_second' -%}
        {%- set reason = [
            "'one member order, on '",
            memberkpi.audience_text('first_member_order_date'),
            "', '", memberkpi.audience_text('days_since_first_member_order'),
            "' days ago'"] -%}
        {%- set since = dbt.dateadd(
            'day', parameters.after_days + 1, 'first_member_order_date') -%}
        {%- set condition = 'count_member_orders = 1'
            ~ ' and days_since_first_member_order > ' ~ parameters.after_days -%}
    {%- elif rule == 'joined_no_order' -%}
        {%- set reason = [
            "'joined '", memberkpi.audience_text('joined_date'),
            "', '", memberkpi.audience_text('days_since_joined'),
            "' days ago; no member order'"] -%}
        {%- set since = dbt.dateadd('day', parameters.after_days + 1, 'joined_date') -%}
        {%- set condition = 'count_member_orders = 0'
            ~ ' and days_since_joined > ' ~ parameters.after_days -%}
    {%- elif rule == 'high_value_quiet' -%}
        {%- set reason = [
            "'predicted 12-month value '",
            memberkpi.audience_text('cast(round(expected_value_12m, 2) as decimal(18, 2))'),
            "', rank '", memberkpi.audience_text('clv_value_rank'),
            "' of '", memberkpi.audience_text('clv_ranked_members'),
            "'; no member order for '",
            memberkpi.audience_text('days_without_member_order'),
            "' days'"] -%}
        {%- set since = dbt.dateadd(
            'day', parameters.quiet_days + 1,
            'coalesce(last_member_order_date, joined_date)') -%}
        {%- set condition = 'clv_value_rank <= ceil(' ~ parameters.top_share
            ~ ' * clv_ranked_members) and days_without_member_order > '
            ~ parameters.quiet_days -%}
    {%- elif rule == 'points_expiring' -%}
        {%- set reason = [
            memberkpi.audience_text('points_expiring'),
            "' points expire on '",
            memberkpi.audience_text('next_points_expiry_date'),
            "', in '", memberkpi.audience_text('days_to_points_expiry'),
            "' days'"] -%}
        {%- set since = dbt.dateadd(
            'day', -parameters.days_before_expiry, 'next_points_expiry_date') -%}
        {%- set condition = 'days_to_points_expiry <= ' ~ parameters.days_before_expiry
            ~ ' and points_expiring >= ' ~ parameters.min_points -%}
    {%- endif %}
    select
        evaluation_date,
        {{ memberkpi.sql_string(audience.name) }} as audience,
        member_id,
        {{ dbt.concat(reason) }} as reason,
        cast({{ since }} as date) as since
    from member_states
    where {{ condition }}
{%- endmacro %}


{#- A column or expression as text for a reason. -#}
{% macro audience_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}


{#- One row per audience: audience, title_zh, title_en. -#}
{% macro audience_titles(audiences) %}
    {%- for audience in audiences %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        {{ memberkpi.sql_string(audience.name) }} as audience,
        {{ memberkpi.sql_string(audience.title_zh) }} as title_zh,
        {{ memberkpi.sql_string(audience.title_en) }} as title_en
    {%- endfor %}
    {%- if not audiences %}
    select
        cast(null as {{ dbt.type_string() }}) as audience,
        cast(null as {{ dbt.type_string() }}) as title_zh,
        cast(null as {{ dbt.type_string() }}) as title_en
    where 1 = 0
    {%- endif %}
{%- endmacro %}


{#- SQL: whether an audience can be evaluated at an evaluation date (a
    column). The high_value_quiet rule needs a prediction made on or before
    that date: none with the Python models off, or before the calibration
    end of member_clv_predicted; its size is then null, not 0. -#}
{% macro audience_is_evaluated(audience, evaluation_date) %}
    {%- if audience.rule != 'high_value_quiet' -%}
        {{ return('true') }}
    {%- endif -%}
    {{ return('coalesce((select max(calibration_end_date) from clv_predictions)'
        ~ ' <= ' ~ evaluation_date ~ ', false)') }}
{% endmacro %}


{#- SQL: the size of an audience (column audience) at an evaluation date
    from its member count (null when no member): 0 when none, null when the
    rule cannot be evaluated then (macro audience_is_evaluated). -#}
{% macro audience_member_count(audiences, audience, evaluation_date, member_count) %}
    case
    {%- for rule in audiences %}
        {%- set is_evaluated = memberkpi.audience_is_evaluated(rule, evaluation_date) %}
        {%- if is_evaluated != 'true' %}
        when {{ audience }} = {{ memberkpi.sql_string(rule.name) }}
            and not {{ is_evaluated }}
            then null
        {%- endif %}
    {%- endfor %}
        else cast(coalesce({{ member_count }}, 0) as bigint)
    end
{%- endmacro %}
