{{ config(severity='warn') }}

-- Warns on every raw table that quarantines more than
-- var quarantine_warn_share of its raw rows (one row per reject reason);
-- the log names each table, reason and share.

{{ log_quarantine_shares('quarantine_warn_share', 'WARNING') }}

{{ quarantine_shares_above('quarantine_warn_share') }}
