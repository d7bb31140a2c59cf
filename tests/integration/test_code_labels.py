"""metrics.code_labels labels every code a metric table holds.

On a build of the spec example, every value of every code column of every
table of schema `metrics` has a row (code_type, code) in code_labels. Which
columns are code columns is written here (COLUMN_CODE_TYPES); a column
that the project's YAML tests as a code (accepted_values or relationships)
must be listed here or among the columns that are not codes, so
a new code column cannot slip past unlabelled.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, Build, query

# code column -> the code type it reads in code_labels
COLUMN_CODE_TYPES = {
    "channel": "channel",
    "preferred_channel": "channel",
    "tier": "tier",
    "rfm_segment": "rfm_segment",
    "lifecycle_stage": "lifecycle_stage",
    "from_stage": "lifecycle_stage",
    "to_stage": "lifecycle_stage",
    "age_band": "age_band",
    "city_tier": "city_tier",
    "gender": "gender",
    "price_band": "price_band",
    "family": "family",
    "other_families": "family",
    "mbsc_group": "mbsc_group",
    "quadrant": "quadrant",
    "metric_type": "metric_type",
    "reference_kind": "reference_kind",
    "target_basis": "target_basis",
    "status": "status",
    "segment_type": "segment_type",
    "tag_name": "tag_name",
    "order_value_model": "order_value_model",
    "change_unit": "change_unit",
    "severity": "severity",
    "grain": "grain",
    "rule_kind": "rule_kind",
}
# segment_portrait: the code type of a value column depends on another
# column; None = free text (item categories), not a code
DEPENDENT_CODE_TYPES = {
    ("segment_portrait", "segment_value", "segment_type"): {
        "all": "segment_type",
        "lifecycle_stage": "lifecycle_stage",
        "rfm_segment": "rfm_segment",
    },
    ("segment_portrait", "tag_value", "tag_name"): {
        "age_band": "age_band",
        "gender": "gender",
        "city_tier": "city_tier",
        "tier": "tier",
        "preferred_channel": "channel",
        "price_band": "price_band",
        "preferred_category": None,
    },
}
# tested like codes in the YAML (accepted_values, relationships), but keys,
# numbers or labelled elsewhere: KPI names carry label_zh / label_en in the
# KPI tables themselves
NOT_CODES = {
    "kpi",
    # audiences carry their titles (title_zh, title_en) from audiences.yml
    "audience",
    "month",
    "cohort_month",
    "member_id",
    "campaign_id",
    "months_since_join",
    "r_score",
    "f_score",
    "m_score",
}
CODE_TESTS = ("accepted_values", "relationships")
SEEDS = PROJECT_DIR / "seeds"


@pytest.fixture(scope="module")
def labels(spec_example_build: Build) -> dict[tuple[str, str], tuple[str, str, int]]:
    rows = query(
        spec_example_build.db_path,
        "select code_type, code, label_zh, label_en, sort_order from metrics.code_labels",
    )
    labelled = {(row[0], row[1]): row[2:] for row in rows}
    assert len(labelled) == len(rows)
    return labelled


def _metric_columns(build: Build) -> dict[str, set[str]]:
    columns: dict[str, set[str]] = {}
    for table, column in query(
        build.db_path,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'metrics' and table_name <> 'code_labels'",
    ):
        columns.setdefault(table, set()).add(column)
    return columns


def _values(build: Build, table: str, column: str) -> set[str]:
    return {
        value
        for (value,) in query(
            build.db_path,
            f"select distinct cast({column} as varchar) from metrics.{table} "
            f"where {column} is not null",
        )
    }


@pytest.mark.slow
def test_every_code_of_a_metric_table_has_a_label(
    spec_example_build: Build, labels: dict[tuple[str, str], tuple[str, str, int]]
) -> None:
    missing: list[tuple[str, str, str, str]] = []
    used_types: set[str] = set()
    checked = 0
    for table, columns in sorted(_metric_columns(spec_example_build).items()):
        for column in sorted(columns & COLUMN_CODE_TYPES.keys()):
            code_type = COLUMN_CODE_TYPES[column]
            values = _values(spec_example_build, table, column)
            if column == "other_families":
                values = {part.strip() for value in values for part in value.split(",")}
            checked += len(values)
            used_types.add(code_type)
            missing += [
                (table, column, code_type, value)
                for value in sorted(values)
                if (code_type, value) not in labels
            ]
    for (table, column, type_column), types in DEPENDENT_CODE_TYPES.items():
        for kind, value in query(
            spec_example_build.db_path,
            f"select distinct {type_column}, {column} from metrics.{table}",
        ):
            assert kind in types, (table, type_column, kind)
            if types[kind] is None:
                continue
            checked += 1
            used_types.add(types[kind])
            if (types[kind], value) not in labels:
                missing.append((table, column, types[kind], value))
    assert missing == []
    # not vacuous: the example holds codes of each kind the issue names
    assert checked > 100
    assert used_types >= {
        "channel",
        "tier",
        "rfm_segment",
        "lifecycle_stage",
        "age_band",
        "city_tier",
        "gender",
        "price_band",
        "family",
        "quadrant",
        "status",
        "segment_type",
        "tag_name",
    }
    assert used_types <= {code_type for code_type, _ in labels}


@pytest.mark.slow
def test_every_code_tested_in_the_yaml_is_checked_here(spec_example_build: Build) -> None:
    manifest = spec_example_build.manifest()
    unlisted: set[tuple[str, str]] = set()
    tested = 0
    for node in manifest["nodes"].values():
        test = (node.get("test_metadata") or {}).get("name")
        column = node.get("column_name")
        attached = manifest["nodes"].get(node.get("attached_node") or "")
        if test not in CODE_TESTS or column is None or attached is None:
            continue
        if attached["resource_type"] != "model" or attached["schema"] != "metrics":
            continue
        if attached["name"] == "code_labels":
            continue
        tested += 1
        listed = column in COLUMN_CODE_TYPES or column in NOT_CODES
        listed |= any(column == key[1] for key in DEPENDENT_CODE_TYPES)
        if not listed:
            unlisted.add((attached["name"], column))
    assert tested > 10
    assert unlisted == set()


@pytest.mark.slow
def test_seeded_labels_come_from_their_seeds(
    labels: dict[tuple[str, str], tuple[str, str, int]],
) -> None:
    """Channels, tiers and RFM segments are labelled by their own seeds."""
    sources = {
        "channel": ("channels.csv", "channel_code", "name_zh", "name_en", "channel_index"),
        "tier": ("tiers.csv", "tier_code", "name_zh", "name_en", "tier_rank"),
        "rfm_segment": (
            "rfm_segments.csv",
            "segment_code",
            "segment_name_zh",
            "segment_name_en",
            "priority",
        ),
    }
    for code_type, (file_name, code, label_zh, label_en, order) in sources.items():
        with (SEEDS / file_name).open(encoding="utf-8") as handle:
            expected = {
                (code_type, row[code]): (row[label_zh], row[label_en], int(row[order]))
                for row in csv.DictReader(handle)
            }
        seeded = {key: value for key, value in labels.items() if key in expected}
        assert seeded == expected
    # spot checks, read off seeds/channels.csv and seeds/code_names.csv
    assert labels[("channel", "tmall")] == ("天猫", "Tmall", 1)
    assert labels[("lifecycle_stage", "first_time")] == ("首购", "First-time", 3)
    assert labels[("city_tier", "1")] == ("一线城市", "Tier 1 city", 1)
    assert labels[("age_band", "25_29")] == ("25-29岁", "25-29", 2)


def test_code_names_seed_adds_no_seeded_code_type() -> None:
    """One place per label: code_names holds no channel, tier or RFM
    segment other than `unknown` (a NULL tag value)."""
    with Path(SEEDS / "code_names.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert [
        (row["code_type"], row["code"])
        for row in rows
        if row["code_type"] in {"channel", "tier", "rfm_segment"} and row["code"] != "unknown"
    ] == []
