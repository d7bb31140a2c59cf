{{ config(severity='error') }}

-- Fails on every raw table that quarantines more than
-- var quarantine_error_share of its raw rows (one row per reject reason);
-- the log names each table, reason and share.

{{ log_quarantine_shares('quarantine_error_share', 'ERROR') }}

{{ quarantine_shares_above('quarantine_error_share') }}
