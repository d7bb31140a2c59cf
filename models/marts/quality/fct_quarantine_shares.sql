{#- The quarantine measure of the raw contract, for the layers that may not
    read staging: one row per raw table, its raw and quarantined rows and
    their share, as raw_row_reconciliation counts them (the rows the
    quarantine threshold tests judge). -#}
with

reconciliation as (
    select * from {{ ref('raw_row_reconciliation') }}
),

final as (
    select
        source_table,
        cast(count_raw_rows as bigint) as count_raw_rows,
        cast(count_quarantined_rows as bigint) as count_quarantined_rows,
        cast(quarantine_share as double) as quarantine_share
    from reconciliation
)

select * from final
