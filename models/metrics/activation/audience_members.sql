{%- set audiences = memberkpi.audience_rules() -%}

with

members as (
    select * from {{ ref('dim_member') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

points as (
    select * from {{ ref('fct_points') }}
),

{{ memberkpi.audience_clv_predictions() }}

evaluation_dates as (
    select {{ memberkpi.as_of_date() }} as evaluation_date
),

{{ memberkpi.audience_ctes(audiences) }},

final as (
    select
        audience,
        member_id,
        reason,
        since,
        evaluation_date as as_of_date
    from memberships
)

select * from final
