{#- The touch funnel KPIs (KPI_SPEC "Touch funnel") as column expressions
    over a period's treatment-touch counts: touches, delivered_touches,
    opened_touches, clicked_touches, converted_touches_7d and has_touches
    (campaign_touches has rows; null in every period without them). One
    definition for the monthly ops family (kpis_ops) and the weeks
    (kpis_weekly). -#}
{% macro touch_funnel_rates() %}
        case
            when has_touches
                then {{ safe_divide('delivered_touches', 'touches') }}
        end as touch_delivery_rate,
        case
            when has_touches
                then {{ safe_divide('opened_touches', 'delivered_touches') }}
        end as touch_open_rate,
        case
            when has_touches
                then {{ safe_divide('clicked_touches', 'delivered_touches') }}
        end as touch_click_rate,
        case
            when has_touches
                then {{ safe_divide(
                    'converted_touches_7d', 'delivered_touches'
                ) }}
        end as touch_conversion_rate_7d
{%- endmacro %}
