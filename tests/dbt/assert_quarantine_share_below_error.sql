{{ config(severity='error') }}

-- Fails on every raw table that quarantines more than
-- var quarantine_error_share of its raw rows.

select
    source_table,
    count_raw_rows,
    count_quarantined_rows,
    quarantine_share
from {{ ref('raw_row_reconciliation') }}
where quarantine_share > {{ var('quarantine_error_share') }}
