"""The project's own rules, checked on dbt's manifest (STYLE.md).

dbt-project-evaluator cannot be installed here, so the rules of it that
STYLE.md keeps are read from target/manifest.json after `dbt parse`:

- every model has a primary-key test: `unique` and `not_null` on one column
  (a `not_null` or `primary_key` contract constraint counts as the not_null),
  or our generic `unique_combination` test; or, for a model whose rows are
  all carried into a downstream model, `meta: {primary_key_tested_in: <that
  model>}`, which must read it (directly or not) and pass this rule itself;
- every model in marts and metrics has an enforced contract (SQL models:
  dbt cannot enforce contracts on Python models);
- every model has a description that starts with its grain, "One row per",
  and every column listed in its YAML has a description;
- nothing reads upward (staging < intermediate < marts < metrics, by the
  model's folder under models/), sources are read in staging only, and
  metrics read only marts and metrics. Seeds may be read from any layer.

Each test names every offender in its failure message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import Build

LAYERS = ("staging", "intermediate", "marts", "metrics")
CONTRACT_LAYERS = ("marts", "metrics")
GRAIN_PREFIX = "One row per"
NOT_NULL_CONSTRAINTS = ("not_null", "primary_key")

Node = dict[str, Any]


@pytest.fixture(scope="module")
def manifest(project_parse: Build) -> dict[str, Any]:
    """target/manifest.json of the session's `dbt parse` (tests/conftest.py)."""
    return project_parse.manifest()


def models(manifest: dict[str, Any]) -> Iterator[Node]:
    """The project's models, by unique id."""
    for unique_id in sorted(manifest["nodes"]):
        node = manifest["nodes"][unique_id]
        if node["resource_type"] == "model" and node["package_name"] == "memberkpi":
            yield node


def layer(node: Node) -> str:
    """The model's layer: its first folder under models/."""
    parts = Path(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" else "(none)"


def name_of(node: Node) -> str:
    return f"{node['name']} ({node['original_file_path']})"


def report(rule: str, offenders: list[str]) -> str:
    return f"{len(offenders)} models break the rule '{rule}':\n  " + "\n  ".join(offenders)


def attached_tests(manifest: dict[str, Any]) -> dict[str, list[Node]]:
    """Data tests attached to each model."""
    attached: dict[str, list[Node]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            attached.setdefault(node["attached_node"], []).append(node)
    return attached


def column_of_test(test: Node) -> str | None:
    """The column a generic test is on (lower case), if any."""
    column = test.get("column_name") or test["test_metadata"]["kwargs"].get("column_name")
    return column.strip('"').lower() if column else None


def has_primary_key_test(model: Node, tests: list[Node]) -> bool:
    generic = [test for test in tests if test.get("test_metadata")]
    if any(test["test_metadata"]["name"] == "unique_combination" for test in generic):
        return True
    unique = {column_of_test(test) for test in generic if test["test_metadata"]["name"] == "unique"}
    not_null = {
        column_of_test(test) for test in generic if test["test_metadata"]["name"] == "not_null"
    }
    for name, column in model["columns"].items():
        if any(constraint["type"] in NOT_NULL_CONSTRAINTS for constraint in column["constraints"]):
            not_null.add(name.lower())
    for constraint in model.get("constraints", []):
        if constraint["type"] == "primary_key" and len(constraint.get("columns") or []) == 1:
            not_null.add(constraint["columns"][0].lower())
    return bool((unique & not_null) - {None})


def test_models_sit_in_a_known_layer(manifest: dict[str, Any]) -> None:
    offenders = [name_of(model) for model in models(manifest) if layer(model) not in LAYERS]
    assert not offenders, report(f"a model sits under models/<{'|'.join(LAYERS)}>/", offenders)


def readers_of(manifest: dict[str, Any]) -> dict[str, set[str]]:
    """For each node, the unique ids of the models that read it directly."""
    readers: dict[str, set[str]] = {}
    for model in models(manifest):
        for parent in model["depends_on"]["nodes"]:
            readers.setdefault(parent, set()).add(model["unique_id"])
    return readers


def downstream_of(readers: dict[str, set[str]], unique_id: str) -> set[str]:
    """The unique ids of the models that read unique_id, directly or not."""
    found: set[str] = set()
    todo = [unique_id]
    while todo:
        for reader in readers.get(todo.pop(), set()) - found:
            found.add(reader)
            todo.append(reader)
    return found


def primary_key_offence(
    manifest: dict[str, Any],
    model: Node,
    attached: dict[str, list[Node]],
    readers: dict[str, set[str]],
) -> str | None:
    """Why the model's primary key is untested, or None when it is tested."""
    if has_primary_key_test(model, attached.get(model["unique_id"], [])):
        return None
    delegate = model["config"].get("meta", {}).get("primary_key_tested_in")
    if delegate is None:
        return name_of(model)
    delegate_id = f"model.memberkpi.{delegate}"
    node = manifest["nodes"].get(delegate_id)
    if node is None or delegate_id not in downstream_of(readers, model["unique_id"]):
        return f"{name_of(model)}: primary_key_tested_in {delegate} does not read it"
    if not has_primary_key_test(node, attached.get(delegate_id, [])):
        return f"{name_of(model)}: primary_key_tested_in {delegate}, which has no such test"
    return None


def test_every_model_has_a_primary_key_test(manifest: dict[str, Any]) -> None:
    attached, readers = attached_tests(manifest), readers_of(manifest)
    offenders = [
        offence
        for model in models(manifest)
        if (offence := primary_key_offence(manifest, model, attached, readers))
    ]
    assert not offenders, report(
        "primary key tested (unique + not_null on a column, or unique_combination,"
        " or meta primary_key_tested_in a model that reads it)",
        offenders,
    )


def test_a_delegated_primary_key_test_must_be_downstream(manifest: dict[str, Any]) -> None:
    """The rule refuses a delegate that does not read the model or is untested."""
    attached, readers = attached_tests(manifest), readers_of(manifest)
    staged = manifest["nodes"]["model.memberkpi.stg_raw__orders"]
    untested = {**staged, "unique_id": "model.memberkpi.x", "config": {"meta": {}}}
    assert primary_key_offence(manifest, untested, attached, readers) == name_of(untested)
    upstream = {**untested, "config": {"meta": {"primary_key_tested_in": "stg_raw__members"}}}
    offence = primary_key_offence(manifest, upstream, attached, readers)
    assert "does not read it" in (offence or "")
    base = manifest["nodes"]["model.memberkpi.base_raw__orders"]
    assert base["config"]["meta"]["primary_key_tested_in"] == "raw_row_reconciliation"
    assert primary_key_offence(manifest, base, attached, readers) is None


def test_marts_and_metrics_enforce_contracts(manifest: dict[str, Any]) -> None:
    offenders = [
        name_of(model)
        for model in models(manifest)
        if layer(model) in CONTRACT_LAYERS
        and model["language"] == "sql"
        and not model["config"].get("contract", {}).get("enforced")
    ]
    assert not offenders, report("contract enforced on marts and metrics", offenders)


def test_every_model_is_described_by_its_grain(manifest: dict[str, Any]) -> None:
    offenders = [
        f"{name_of(model)}: {model['description'].strip()[:60]!r}"
        for model in models(manifest)
        if not model["description"].strip().startswith(GRAIN_PREFIX)
    ]
    assert not offenders, report(f"description starts with {GRAIN_PREFIX!r}", offenders)


def test_every_model_lists_and_describes_its_columns(manifest: dict[str, Any]) -> None:
    offenders = []
    for model in models(manifest):
        if not model["columns"]:
            offenders.append(f"{name_of(model)}: no columns in YAML")
            continue
        missing = sorted(
            name for name, column in model["columns"].items() if not column["description"].strip()
        )
        if missing:
            offenders.append(f"{name_of(model)}: {', '.join(missing)}")
    assert not offenders, report("every YAML column described", offenders)


def upstream_models(manifest: dict[str, Any], model: Node) -> Iterator[Node]:
    for unique_id in model["depends_on"]["nodes"]:
        if unique_id.startswith("model."):
            yield manifest["nodes"][unique_id]


def test_nothing_reads_upward(manifest: dict[str, Any]) -> None:
    offenders = []
    for model in models(manifest):
        if layer(model) not in LAYERS:
            continue
        for parent in upstream_models(manifest, model):
            if layer(parent) in LAYERS and LAYERS.index(layer(parent)) > LAYERS.index(layer(model)):
                offenders.append(f"{name_of(model)} reads {layer(parent)} model {parent['name']}")
    assert not offenders, report(" < ".join(LAYERS), offenders)


def test_sources_are_read_in_staging_only(manifest: dict[str, Any]) -> None:
    offenders = [
        f"{name_of(model)} reads {unique_id.removeprefix('source.memberkpi.')}"
        for model in models(manifest)
        if layer(model) != "staging"
        for unique_id in model["depends_on"]["nodes"]
        if unique_id.startswith("source.")
    ]
    assert not offenders, report("sources only in staging", offenders)


def test_metrics_read_only_marts_and_metrics(manifest: dict[str, Any]) -> None:
    offenders = [
        f"{name_of(model)} reads {layer(parent)} model {parent['name']}"
        for model in models(manifest)
        if layer(model) == "metrics"
        for parent in upstream_models(manifest, model)
        if layer(parent) not in ("marts", "metrics")
    ]
    assert not offenders, report("metrics read only marts and metrics", offenders)
