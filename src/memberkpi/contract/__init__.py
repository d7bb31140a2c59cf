"""The raw contract of models/staging/raw/_raw__sources.yml as Python reads it:
table and column specs with their rules (raw), where a raw table's file is
and how it is read (files), the reject classes of RAW_CONTRACT.md
(reject_classes) and the generator's schema (generator_schema)."""
