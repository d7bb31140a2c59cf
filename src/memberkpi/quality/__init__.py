"""The raw-contract gate (Great Expectations): `memberkpi validate`.

validate (the entry point) reads files (read) the way dbt does, states the
contract as GX expectations (gx), reports (report) and makes GX's Data Docs
readable offline (data_docs, with its stylesheet, script and index template
in data_docs_files)."""
