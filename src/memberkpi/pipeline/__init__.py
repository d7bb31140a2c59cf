"""`memberkpi run` and `memberkpi demo`: check, validate, build, publish, chart (run)."""
