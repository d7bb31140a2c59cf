"""The demo generator's SQL templates, one per raw table (package data)."""
