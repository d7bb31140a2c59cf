"""The raw-contract gate (Great Expectations): `memberkpi validate`.

validate (the entry point) reads files (read) the way dbt does, states the
contract as GX expectations (gx) and reports (report)."""
