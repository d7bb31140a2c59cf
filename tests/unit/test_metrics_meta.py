"""metrics.yml, read as YAML (no dbt): every KPI metric (meta is_kpi: true)
carries a Chinese definition, meta definition_zh, which metrics.kpi_catalog
publishes and the dashboard's zh page shows on hover."""

from __future__ import annotations

import csv
from typing import Any

import yaml

from helpers import PROJECT_DIR, SPEC_EXAMPLE

METRICS_YML = PROJECT_DIR / "metrics.yml"


def kpi_metrics() -> list[dict[str, Any]]:
    document = yaml.safe_load(METRICS_YML.read_text(encoding="utf-8"))
    return [
        metric
        for metric in document["metrics"]
        if ((metric.get("config") or {}).get("meta") or {}).get("is_kpi") is True
    ]


def test_metrics_yml_lists_every_kpi_of_the_spec_example() -> None:
    """Every KPI the spec's worked example gives a value for is a KPI metric."""
    with (SPEC_EXAMPLE / "expected_kpi_monthly.csv").open(encoding="utf-8") as handle:
        expected = {row["kpi"] for row in csv.DictReader(handle)}
    names = {metric["name"] for metric in kpi_metrics()}
    assert expected <= names, expected - names


def is_chinese_text(value: object) -> bool:
    """A string holding at least one CJK unified ideograph (U+4E00..U+9FFF)."""
    return isinstance(value, str) and any("\u4e00" <= character <= "\u9fff" for character in value)


def test_every_kpi_metric_has_a_chinese_definition() -> None:
    lacking = [
        metric["name"]
        for metric in kpi_metrics()
        if not is_chinese_text(metric["config"]["meta"].get("definition_zh"))
    ]
    assert not lacking, f"KPI metrics without meta definition_zh: {lacking}"


def test_the_header_comment_documents_definition_zh() -> None:
    text = METRICS_YML.read_text(encoding="utf-8")
    header = text[: text.index("\nmetrics:")]
    assert "# definition_zh" in header


def test_weekly_meta_is_on_kpis_and_names_existing_metrics() -> None:
    """meta weekly (the KPIs of metrics.kpi_weekly) is true only on KPI metrics,
    and a weekly_metric (the metric answering such a KPI by metric_time__week)
    is a metric of the file that is not a KPI and sits beside weekly: true."""
    document = yaml.safe_load(METRICS_YML.read_text(encoding="utf-8"))
    names = {metric["name"]: metric for metric in document["metrics"]}
    weekly = [
        name
        for name, metric in names.items()
        if ((metric.get("config") or {}).get("meta") or {}).get("weekly") is not None
    ]
    assert weekly, "no metric carries meta weekly"
    for name in weekly:
        meta = names[name]["config"]["meta"]
        assert meta["weekly"] is True and meta.get("is_kpi") is True, name
        answering = meta.get("weekly_metric")
        if answering is not None:
            assert answering in names, (name, answering)
            assert names[answering]["config"]["meta"].get("is_kpi") is False, answering
    text = METRICS_YML.read_text(encoding="utf-8")
    header = text[: text.index("\nmetrics:")]
    assert "# weekly: true" in header and "weekly_metric" in header
