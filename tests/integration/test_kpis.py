"""The indicator system: kpi_monthly against the spec's worked example, against
MetricFlow, and the identities and metadata KPI_SPEC.md requires."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from helpers import FIXTURES, PROJECT_DIR, Build, kpi_names, metricflow_mismatches, query

EXAMPLE = FIXTURES / "spec_example"
META_KEYS = ("family", "mbsc_group", "quadrant", "label_zh", "label_en", "unit", "higher_is_better")
RELATIVE_TOLERANCE = 1e-9


def expected_values() -> dict[tuple[str, str], float | None]:
    """(month, kpi) -> value from the spec's expected_kpi_monthly.csv."""
    with (EXAMPLE / "expected_kpi_monthly.csv").open(encoding="utf-8") as handle:
        return {
            (row["month"], row["kpi"]): (float(row["value"]) if row["value"] else None)
            for row in csv.DictReader(handle)
        }


def spec_kpi_names() -> set[str]:
    """The 49 KPI names of KPI_SPEC.md, as the worked example lists them."""
    return {kpi for _, kpi in expected_values()}


def agree(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)


@pytest.fixture(scope="module")
def example_build(spec_example_build: Build) -> Path:
    """The warehouse built on the spec's example raw data (once per session,
    tests/conftest.py); its work dir."""
    return spec_example_build.work_dir


@pytest.mark.slow
def test_kpi_monthly_matches_the_spec_example(example_build: Path) -> None:
    """The example's expected CSV holds the 49 KPIs before the ops family; the
    ops rows (tests/integration/test_ops_kpis.py checks their values) are the
    ops KPIs of metrics.yml in every month."""
    rows = query(
        example_build / "warehouse.duckdb",
        "select cast(month as varchar), kpi, value, family from metrics.kpi_monthly",
    )
    built = {(month, kpi): value for month, kpi, value, family in rows if family != "ops"}
    ops = {(month, kpi) for month, kpi, _, family in rows if family == "ops"}
    assert {kpi for _, kpi in ops} == kpi_names("ops")
    assert len(ops) == len(kpi_names("ops")) * 34
    assert not {kpi for _, kpi in ops} & spec_kpi_names()
    expected = expected_values()
    assert set(built) == set(expected), set(built) ^ set(expected)
    wrong = [
        (key, expected[key], built[key]) for key in expected if not agree(built[key], expected[key])
    ]
    assert not wrong, wrong[:20]


@pytest.mark.slow
def test_kpi_monthly_covers_the_output_range(example_build: Path) -> None:
    rows = query(
        example_build / "warehouse.duckdb",
        "select cast(month as varchar), bool_and(is_complete_month) from metrics.kpi_monthly"
        " group by 1 order by 1",
    )
    # earliest joined_at is in 2022-03; the latest paid_at is 2024-12-31 23:23,
    # the last day of its month, so every month is complete (the example's
    # README says 2025-01, but its data and expected CSV end in 2024-12)
    assert (rows[0][0], rows[-1][0], len(rows)) == ("2022-03-01", "2024-12-01", 34)
    assert all(is_complete for _, is_complete in rows)


@pytest.mark.slow
def test_member_aov_is_order_value_times_frequency(example_build: Path) -> None:
    rows = query(
        example_build / "warehouse.duckdb",
        "select month, max(case when kpi = 'member_aov' then value end),"
        " max(case when kpi = 'member_order_value' then value end),"
        " max(case when kpi = 'member_purchase_frequency' then value end)"
        " from metrics.kpi_monthly group by month order by month",
    )
    assert len(rows) == 34
    non_null = 0
    for month, aov, order_value, frequency in rows:
        if aov is None:
            assert order_value is None and frequency is None, month
            continue
        non_null += 1
        assert math.isclose(aov, order_value * frequency, rel_tol=1e-12), month
    assert non_null > 20


def test_semantic_manifest_lists_every_kpi_with_its_meta(project_parse: Build) -> None:
    semantic_manifest = project_parse.work_dir / "target" / "semantic_manifest.json"
    manifest = json.loads(semantic_manifest.read_text())
    metrics = {metric["name"]: metric for metric in manifest["metrics"]}
    missing = sorted(spec_kpi_names() - set(metrics))
    assert not missing, f"KPIs of KPI_SPEC.md without a metric: {missing}"
    lacking = {
        name: [key for key in META_KEYS if key not in metrics[name]["config"]["meta"]]
        for name in spec_kpi_names()
    }
    lacking = {name: keys for name, keys in lacking.items() if keys}
    assert not lacking, f"metrics lacking meta keys: {lacking}"
    for name in spec_kpi_names():
        assert metrics[name]["label"], name
        assert metrics[name]["description"], name


@pytest.mark.slow
def test_metricflow_agrees_with_kpi_monthly(example_build: Path) -> None:
    """Every KPI in every complete month of the spec example: MetricFlow's
    value equals kpi_monthly. Every KPI of kpi_monthly, the ops KPIs
    (test_ops_kpis counts them by hand) with the spec's 49: none is left out."""
    rows = query(example_build / "warehouse.duckdb", "select distinct kpi from metrics.kpi_monthly")
    kpis = sorted(kpi for (kpi,) in rows)
    assert set(kpis) == kpi_names()
    assert set(kpis) == spec_kpi_names() | kpi_names("ops")
    compared, wrong = metricflow_mismatches(example_build, EXAMPLE / "raw", kpis)
    assert compared == len(kpis) * 34  # every KPI in each of the 34 complete months
    assert not wrong, wrong[:20]


def not_null_constraints(manifest: dict) -> set[tuple[str, str, str]]:
    """(schema, table, column) of every not_null constraint in the YAML."""
    return {
        (node["schema"], node["alias"], column["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        for column in node["columns"].values()
        if any(constraint["type"] == "not_null" for constraint in column["constraints"])
    }


@pytest.mark.slow
def test_not_null_constraints_are_enforced_by_duckdb(example_build: Path, tmp_path: Path) -> None:
    """The marts' and metrics' not_null constraints replace not_null data
    tests on DuckDB (tests/dbt/generic/not_null_constraints.sql): each is a
    NOT NULL constraint of the built table, and DuckDB refuses a null."""
    manifest = json.loads((example_build / "target" / "manifest.json").read_text())
    declared = not_null_constraints(manifest)
    assert len(declared) > 200
    assert {schema for schema, _, _ in declared} == {"marts", "metrics"}
    enforced = set(
        query(
            example_build / "warehouse.duckdb",
            "select schema_name, table_name, unnest(constraint_column_names)"
            " from duckdb_constraints() where constraint_type = 'NOT NULL'",
        )
    )
    assert declared - enforced == set()

    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(example_build / "warehouse.duckdb", copy)
    with duckdb.connect(str(copy)) as connection:
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
            connection.execute(
                "update metrics.kpi_monthly set kpi = null"
                " where month = (select min(month) from metrics.kpi_monthly)"
            )


def has_cjk(text: str) -> bool:
    """True when text holds a CJK unified ideograph (U+4E00..U+9FFF)."""
    return any("\u4e00" <= character <= "\u9fff" for character in text)


@pytest.mark.slow
def test_every_kpi_has_a_chinese_definition(example_build: Path) -> None:
    """kpi_catalog.definition_zh (metrics.yml meta definition_zh) is Chinese
    text on every KPI row, beside the English definition."""
    rows = query(
        example_build / "warehouse.duckdb",
        "select kpi, definition, definition_zh from metrics.kpi_catalog order by kpi_order",
    )
    # one catalogue row per KPI metric of metrics.yml (read here as YAML)
    document = yaml.safe_load((PROJECT_DIR / "metrics.yml").read_text(encoding="utf-8"))
    kpi_metrics = [
        metric["name"]
        for metric in document["metrics"]
        if ((metric.get("config") or {}).get("meta") or {}).get("is_kpi") is True
    ]
    assert [kpi for kpi, _, _ in rows] == kpi_metrics
    lacking = [
        kpi
        for kpi, definition, definition_zh in rows
        if not definition or not (definition_zh or "").strip() or not has_cjk(definition_zh)
    ]
    assert not lacking, f"KPIs without a Chinese definition: {lacking}"
