-- Fails on every raw table whose rows do not reconcile:
-- raw rows = clean rows + quarantined rows + collapsed exact duplicates.

select
    source_table,
    count_raw_rows,
    count_clean_rows,
    count_quarantined_rows,
    count_collapsed_duplicates
from {{ ref('raw_row_reconciliation') }}
where not is_balanced
