"""Seeds load on every engine: dbt-spark writes a seed as one INSERT of
quoted literals without escaping, so a single quote in a value breaks the
seed on Spark (it did for code_names and kpi_targets_demo)."""

from __future__ import annotations

import csv

from helpers import PROJECT_DIR


def test_no_seed_value_holds_a_single_quote() -> None:
    quoted = []
    for seed in sorted((PROJECT_DIR / "seeds").glob("*.csv")):
        with seed.open(encoding="utf-8") as handle:
            for line_number, row in enumerate(csv.reader(handle), start=1):
                quoted += [f"{seed.name}:{line_number}: {value}" for value in row if "'" in value]
    assert quoted == []
