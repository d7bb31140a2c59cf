"""dbt Labs' dbt-project-evaluator rules, checked on dbt's manifest.

The evaluator (a dbt package, 1.x for dbt 1.x) cannot be installed here, so
the twelve rules issue 24 found broken are re-written below in Python over
target/manifest.json, each after the package's SQL model of the same name
(models/marts/*/fct_*.sql) and its documented defaults (docs/rules/*.md,
docs/customization/overriding-variables.md). Where the docs and the SQL
differ, the SQL wins: too many joins flags 7 or more direct parents and
model fan-out 3 or more leaf children (`>=` in the SQL, "more than" in the
docs).

tests/project_evaluator_exceptions.yml is the one place that bends them: the
package variables this project sets (`vars`, each with its reason) and the
rows each rule may report (`exceptions`, in the columns of the package's
exceptions seed `dbt_project_evaluator_exceptions`: fct_name, column_name,
id_to_exclude as a SQL `like` pattern, and a reason). An exception that
matches no row fails the test, so the list shrinks as the project meets the
rules (issue 24's staging restructuring removes most of it).

Run on a synthetic DAG first (test_each_rule_flags_its_example) so that a
rule that silently finds nothing cannot pass.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from helpers import TESTS_DIR, Build

EXCEPTIONS_FILE = TESTS_DIR / "project_evaluator_exceptions.yml"

# the package's defaults (docs/customization/overriding-variables.md)
DEFAULT_VARS: dict[str, Any] = {
    "models_fanout_threshold": 3,
    "too_many_joins_threshold": 7,
    "primary_key_test_macros": [
        ["dbt.test_unique", "dbt.test_not_null"],
        ["dbt_utils.test_unique_combination_of_columns"],
    ],
    "enforced_primary_key_node_types": ["model"],
    "model_types": ["staging", "intermediate", "marts", "other"],
    "staging_folder_name": "staging",
    "intermediate_folder_name": "intermediate",
    "marts_folder_name": "marts",
    "staging_prefixes": ["stg_"],
    "intermediate_prefixes": ["int_"],
    "marts_prefixes": ["fct_", "dim_"],
    "other_prefixes": ["rpt_"],
}
# resource types the package puts in its DAG (tests are left out)
GRAPH_NODE_TYPES = ("model", "seed", "snapshot")
# the package never flags the time spine MetricFlow requires by this name
TIME_SPINE = "metricflow_time_spine"
NOT_NULL_CONSTRAINTS = ("not_null", "primary_key")

Row = dict[str, Any]


@dataclass
class Resource:
    """One node of the package's DAG (int_all_graph_resources)."""

    unique_id: str
    name: str
    resource_type: str
    file_path: str = ""
    source_name: str | None = None
    model_type: str | None = None
    model_type_folder: str | None = None
    prefix: str | None = None
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    @property
    def directory_path(self) -> str:
        return self.file_path.rsplit("/", 1)[0] + "/" if "/" in self.file_path else ""

    @property
    def file_name(self) -> str:
        return self.file_path.rsplit("/", 1)[-1]


class Project:
    """The manifest as the package sees it: resources, edges, tests."""

    def __init__(self, manifest: dict[str, Any], variables: dict[str, Any]) -> None:
        self.manifest = manifest
        self.vars = variables
        self.resources: dict[str, Resource] = {}
        for unique_id, node in manifest["nodes"].items():
            if node["resource_type"] in GRAPH_NODE_TYPES:
                name = node["name"] + (f".v{node['version']}" if node.get("version") else "")
                self.resources[unique_id] = Resource(
                    unique_id, name, node["resource_type"], node["original_file_path"]
                )
        for unique_id, source in manifest["sources"].items():
            self.resources[unique_id] = Resource(
                unique_id,
                f"{source['source_name']}.{source['name']}",
                "source",
                source["original_file_path"],
                source_name=source["source_name"],
            )
        for unique_id, exposure in manifest.get("exposures", {}).items():
            self.resources[unique_id] = Resource(
                unique_id, exposure["name"], "exposure", exposure["original_file_path"]
            )
        for unique_id, resource in self.resources.items():
            node = manifest["nodes"].get(unique_id) or manifest.get("exposures", {}).get(unique_id)
            depends_on = (node or {}).get("depends_on", {}).get("nodes", [])
            resource.parents = sorted({parent for parent in depends_on if parent in self.resources})
            for parent in resource.parents:
                self.resources[parent].children.append(unique_id)
            self._type(resource)

    def _type(self, resource: Resource) -> None:
        """model_type by prefix, else by the folder nearest the file, else other."""
        if resource.resource_type not in ("model", "snapshot"):
            return
        resource.prefix = resource.name.split("_", 1)[0] + "_"
        by_prefix = next(
            (
                model_type
                for model_type in self.vars["model_types"]
                if resource.prefix in self.vars.get(f"{model_type}_prefixes", [])
            ),
            None,
        )
        positions = {
            model_type: resource.directory_path.find(f"/{folder}/")
            for model_type in self.vars["model_types"]
            if (folder := self.vars.get(f"{model_type}_folder_name"))
        }
        found = {model_type: at for model_type, at in positions.items() if at >= 0}
        resource.model_type_folder = max(found, key=found.__getitem__) if found else None
        resource.model_type = by_prefix or resource.model_type_folder or "other"

    def of_type(self, *resource_types: str) -> list[Resource]:
        return sorted(
            (r for r in self.resources.values() if r.resource_type in resource_types),
            key=lambda r: r.name,
        )

    def parents(self, resource: Resource) -> list[Resource]:
        return [self.resources[parent] for parent in resource.parents]

    def children(self, resource: Resource) -> list[Resource]:
        return [self.resources[child] for child in resource.children]

    def tests_on(self) -> dict[str, list[dict[str, Any]]]:
        """Data tests by the node they are primarily attached to."""
        found: dict[str, list[dict[str, Any]]] = {}
        for node in self.manifest["nodes"].values():
            if node["resource_type"] != "test":
                continue
            attached = node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), None)
            if attached:
                found.setdefault(attached, []).append(node)
        return found


# ---------------------------------------------------------------- the rules


def direct_join_to_source(project: Project) -> list[Row]:
    """fct_direct_join_to_source: every direct parent of a model that reads
    both a model and a source."""
    rows = []
    for child in project.of_type("model"):
        types = {parent.resource_type for parent in project.parents(child)}
        if {"model", "source"} <= types:
            rows += [
                {
                    "parent": parent.name,
                    "parent_resource_type": parent.resource_type,
                    "child": child.name,
                }
                for parent in project.parents(child)
            ]
    return rows


def primary_key_tested(project: Project, unique_id: str, tests: list[dict[str, Any]]) -> bool:
    """int_model_test_summary: on one column, every test of a set in
    primary_key_test_macros, or a unique test plus a not-null constraint."""
    test_sets = project.vars["primary_key_test_macros"]
    by_column: dict[str | None, list[set[str]]] = {}
    for test in tests:
        column = test.get("column_name")
        by_column.setdefault(column.strip('"').lower() if column else None, []).append(
            {macro.removeprefix("macro.") for macro in test["depends_on"]["macros"]}
        )
    node = project.manifest["nodes"][unique_id]
    not_null = {
        name.lower()
        for name, column in node.get("columns", {}).items()
        if any(c["type"] in NOT_NULL_CONSTRAINTS for c in column.get("constraints", []))
    }
    for column, macros_per_test in by_column.items():
        for test_set in test_sets:
            matching = [macros for macros in macros_per_test if macros & set(test_set)]
            if len(matching) >= len(test_set):
                return True
        unique = sum("dbt.test_unique" in macros for macros in macros_per_test)
        if unique + (column in not_null) >= 2:
            return True
    return False


def missing_primary_key_tests(project: Project) -> list[Row]:
    """fct_missing_primary_key_tests: models whose grain no test checks."""
    tests = project.tests_on()
    return [
        {
            "resource_name": resource.name,
            "number_of_tests_on_model": len(tests.get(resource.unique_id, [])),
        }
        for resource in project.of_type(*project.vars["enforced_primary_key_node_types"])
        if not primary_key_tested(project, resource.unique_id, tests.get(resource.unique_id, []))
    ]


def staging_dependent_on_staging(project: Project) -> list[Row]:
    """fct_staging_dependent_on_staging: a staging model reading one."""
    return [
        {"parent": parent.name, "child": child.name}
        for child in project.of_type("model", "snapshot")
        if child.model_type == "staging"
        for parent in project.parents(child)
        if parent.resource_type in ("model", "snapshot") and parent.model_type == "staging"
    ]


def model_naming_conventions(project: Project) -> list[Row]:
    """fct_model_naming_conventions: a model without a prefix of its type."""
    return [
        {
            "resource_name": model.name,
            "prefix": model.prefix,
            "model_type": model.model_type,
            "appropriate_prefixes": ", ".join(project.vars.get(f"{model.model_type}_prefixes", [])),
        }
        for model in project.of_type("model")
        if model.name != TIME_SPINE
        and model.prefix not in project.vars.get(f"{model.model_type}_prefixes", [])
    ]


def model_directories(project: Project) -> list[Row]:
    """fct_model_directories: a staging model outside a folder named after
    its source, or a model nearest a folder of another model type."""
    rows = []
    for model in project.of_type("model"):
        for source in project.parents(model):
            if (
                source.resource_type == "source"
                and model.model_type == "staging"
                and source.source_name not in model.directory_path
            ):
                rows.append(
                    {
                        "resource_name": model.name,
                        "current_file_path": model.file_path,
                        "change_file_path_to": (
                            f"models/staging/{source.source_name}/{model.file_name}"
                        ),
                    }
                )
        if model.model_type_folder is not None and model.model_type != model.model_type_folder:
            folder = project.vars.get(f"{model.model_type}_folder_name", model.model_type)
            rows.append(
                {
                    "resource_name": model.name,
                    "current_file_path": model.file_path,
                    "change_file_path_to": f"models/.../{folder}/.../{model.file_name}",
                }
            )
    return [dict(row) for row in {tuple(row.items()): row for row in rows}.values()]


def freshness_enabled(source: dict[str, Any]) -> bool:
    freshness = source.get("freshness") or {}
    return any(
        (freshness.get(key) or {}).get("count") is not None for key in ("warn_after", "error_after")
    )


def sources_without_freshness(project: Project) -> list[Row]:
    """fct_sources_without_freshness: a source with no warn_after or error_after."""
    return [
        {"resource_name": source.name}
        for source in project.of_type("source")
        if not freshness_enabled(project.manifest["sources"][source.unique_id])
    ]


def source_fanout(project: Project) -> list[Row]:
    """fct_source_fanout: a source read directly by more than one model."""
    rows = []
    for source in project.of_type("source"):
        models = sorted(
            child.name for child in project.children(source) if child.resource_type == "model"
        )
        if len(models) > 1:
            rows.append({"parent": source.name, "model_children": ", ".join(models)})
    return rows


def model_fanout(project: Project) -> list[Row]:
    """fct_model_fanout: a resource with models_fanout_threshold or more
    direct children that are models nothing reads (leaf models)."""
    rows = []
    for parent in sorted(project.resources.values(), key=lambda r: r.name):
        leaves = sorted(
            child.name
            for child in project.children(parent)
            if child.resource_type == "model" and not child.children
        )
        if len(leaves) >= project.vars["models_fanout_threshold"]:
            rows.append({"parent": parent.name, "leaf_children": ", ".join(leaves)})
    return rows


def too_many_joins(project: Project) -> list[Row]:
    """fct_too_many_joins: a model with too_many_joins_threshold or more
    direct parents."""
    return [
        {"resource_name": model.name, "join_count": len(model.parents)}
        for model in project.of_type("model")
        if len(model.parents) >= project.vars["too_many_joins_threshold"]
    ]


def rejoining_of_upstream_concepts(project: Project) -> list[Row]:
    """fct_rejoining_of_upstream_concepts: a parent read by a child both
    directly and through a model that nothing else reads."""
    rows = []
    for parent in sorted(project.resources.values(), key=lambda r: r.name):
        if parent.resource_type == "exposure":
            continue
        direct = set(parent.children)
        for middle_id in sorted(direct):
            middle = project.resources[middle_id]
            if middle.resource_type == "exposure":
                continue
            children = [
                c for c in middle.children if project.resources[c].resource_type != "exposure"
            ]
            if len(children) == 1 and children[0] in direct:
                rows.append(
                    {
                        "parent": parent.name,
                        "child": project.resources[children[0]].name,
                        "parent_and_child": middle.name,
                    }
                )
    return rows


def root_models(project: Project) -> list[Row]:
    """fct_root_models: a model with no parent at all."""
    return [
        {"child": model.name}
        for model in project.of_type("model")
        if not model.parents and model.name != TIME_SPINE
    ]


def multiple_sources_joined(project: Project) -> list[Row]:
    """fct_multiple_sources_joined: a node reading more than one source."""
    rows = []
    for child in sorted(project.resources.values(), key=lambda r: r.name):
        sources = sorted(p.name for p in project.parents(child) if p.resource_type == "source")
        if len(sources) > 1:
            rows.append({"child": child.name, "source_parents": ", ".join(sources)})
    return rows


RULES: dict[str, Callable[[Project], list[Row]]] = {
    "fct_direct_join_to_source": direct_join_to_source,
    "fct_missing_primary_key_tests": missing_primary_key_tests,
    "fct_staging_dependent_on_staging": staging_dependent_on_staging,
    "fct_model_naming_conventions": model_naming_conventions,
    "fct_model_directories": model_directories,
    "fct_sources_without_freshness": sources_without_freshness,
    "fct_source_fanout": source_fanout,
    "fct_model_fanout": model_fanout,
    "fct_too_many_joins": too_many_joins,
    "fct_rejoining_of_upstream_concepts": rejoining_of_upstream_concepts,
    "fct_root_models": root_models,
    "fct_multiple_sources_joined": multiple_sources_joined,
}
# the columns of each rule's rows an exception may name
RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "fct_direct_join_to_source": ("parent", "child"),
    "fct_missing_primary_key_tests": ("resource_name",),
    "fct_staging_dependent_on_staging": ("parent", "child"),
    "fct_model_naming_conventions": ("resource_name",),
    "fct_model_directories": ("resource_name",),
    "fct_sources_without_freshness": ("resource_name",),
    "fct_source_fanout": ("parent",),
    "fct_model_fanout": ("parent",),
    "fct_too_many_joins": ("resource_name",),
    "fct_rejoining_of_upstream_concepts": ("parent", "child", "parent_and_child"),
    "fct_root_models": ("child",),
    "fct_multiple_sources_joined": ("child",),
}


# ---------------------------------------------------------------- exceptions


def like(value: str, pattern: str) -> bool:
    """SQL `like`, as the package's filter_exceptions applies id_to_exclude."""
    regex = "".join(
        ".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def load_settings() -> dict[str, Any]:
    return yaml.safe_load(EXCEPTIONS_FILE.read_text(encoding="utf-8"))


def evaluator_vars(settings: dict[str, Any]) -> dict[str, Any]:
    overrides = {item["name"]: item["value"] for item in settings.get("vars", [])}
    return {**DEFAULT_VARS, **overrides}


def exceptions_for(settings: dict[str, Any], rule: str) -> list[dict[str, str]]:
    """The rule's exceptions, one per pattern (an entry's id_to_exclude may
    list several patterns that share one reason: one seed row each)."""
    found = []
    for item in settings.get("exceptions", []):
        if item["fct_name"] != rule:
            continue
        patterns = item["id_to_exclude"]
        for pattern in [patterns] if isinstance(patterns, str) else patterns:
            found.append({**item, "id_to_exclude": pattern})
    return found


def unexcepted(rows: Iterable[Row], exceptions: list[dict[str, str]]) -> list[Row]:
    return [
        row
        for row in rows
        if not any(like(str(row[e["column_name"]]), e["id_to_exclude"]) for e in exceptions)
    ]


def unused(rows: list[Row], exceptions: list[dict[str, str]]) -> list[dict[str, str]]:
    return [
        e
        for e in exceptions
        if not any(like(str(row[e["column_name"]]), e["id_to_exclude"]) for row in rows)
    ]


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def settings() -> dict[str, Any]:
    return load_settings()


@pytest.fixture(scope="module")
def project(project_parse: Build, settings: dict[str, Any]) -> Project:
    return Project(project_parse.manifest(), evaluator_vars(settings))


@pytest.mark.parametrize("rule", list(RULES))
def test_project_meets_the_evaluator_rule(
    project: Project, settings: dict[str, Any], rule: str
) -> None:
    rows = RULES[rule](project)
    exceptions = exceptions_for(settings, rule)
    broken = unexcepted(rows, exceptions)
    stale = unused(rows, exceptions)
    message = []
    if broken:
        message.append(f"{len(broken)} rows of {rule} have no exception:")
        message += [f"  {row}" for row in broken]
    if stale:
        message.append(f"{len(stale)} exceptions of {rule} match nothing (remove them):")
        message += [f"  {e['column_name']} like {e['id_to_exclude']!r}" for e in stale]
    assert not message, "\n".join(message)


def test_every_exception_and_setting_has_its_reason(settings: dict[str, Any]) -> None:
    problems = []
    for item in settings.get("vars", []):
        if item["name"] not in DEFAULT_VARS and not item["name"].endswith(
            ("_prefixes", "_folder_name")
        ):
            problems.append(f"vars: {item['name']} is not a variable of the package")
        if len(str(item.get("reason", "")).strip()) < 20:
            problems.append(f"vars: {item['name']} gives no reason")
    seen: Counter[tuple[str, str, str]] = Counter()
    for item in settings.get("exceptions", []):
        rule, column = item.get("fct_name", ""), item.get("column_name", "")
        patterns = item.get("id_to_exclude") or []
        patterns = [patterns] if isinstance(patterns, str) else patterns
        seen.update((rule, column, pattern) for pattern in patterns)
        if rule not in RULES:
            problems.append(f"exceptions: unknown rule {rule!r}")
        elif column not in RULE_COLUMNS[rule]:
            problems.append(f"exceptions: {rule} has no column {column!r}")
        if not patterns or not all(patterns):
            problems.append(f"exceptions: {rule} {column} has no id_to_exclude")
        if len(str(item.get("reason", "")).strip()) < 20:
            problems.append(f"exceptions: {rule} {column} like {patterns} gives no reason")
    problems += [f"exceptions: {key} listed twice" for key, count in seen.items() if count > 1]
    assert not problems, "\n".join(problems)


def test_sources_with_freshness_name_their_loaded_at_field(project: Project) -> None:
    """DuckDB keeps no load-time metadata: without a loaded_at_field,
    `dbt source freshness` cannot measure a table."""
    missing = [
        source["name"]
        for source in project.manifest["sources"].values()
        if freshness_enabled(source) and not source.get("loaded_at_field")
    ]
    assert not missing, f"freshness without loaded_at_field: {missing}"


def synthetic_manifest() -> dict[str, Any]:
    """A small DAG that breaks each rule once (names say which)."""

    def model(name: str, folder: str, parents: list[str]) -> dict[str, Any]:
        return {
            "resource_type": "model",
            "name": name,
            "original_file_path": f"{folder}/{name}.sql",
            "depends_on": {"nodes": parents, "macros": []},
            "columns": {},
        }

    src = "source.p.shop.orders"
    nodes = {
        "model.p.stg_shop__orders": model("stg_shop__orders", "models/staging/shop", [src]),
        "model.p.stg_shop__payments": model(
            "stg_shop__payments",
            "models/staging/other",
            ["source.p.shop.payments", src, "model.p.stg_shop__orders"],
        ),
        "model.p.fct_orders": model(
            "fct_orders", "models/intermediate", ["model.p.stg_shop__orders"]
        ),
        "model.p.int_single": model(
            "int_single", "models/intermediate", ["model.p.stg_shop__orders"]
        ),
        "model.p.int_rejoin": model(
            "int_rejoin", "models/intermediate", ["model.p.stg_shop__orders", "model.p.int_single"]
        ),
        "model.p.report_wide": model(
            "report_wide",
            "models/marts",
            [f"model.p.leaf_{i}" for i in range(3)]
            + [
                "model.p.fct_orders",
                "model.p.int_rejoin",
                "model.p.stg_shop__payments",
                "model.p.stg_shop__orders",
            ],
        ),
        "model.p.dim_calendar": model("dim_calendar", "models/marts", []),
        "model.p.metricflow_time_spine": model("metricflow_time_spine", "models/marts", []),
    }
    for i in range(3):
        nodes[f"model.p.leaf_{i}"] = model(f"leaf_{i}", "models/marts", ["model.p.fct_orders"])
    nodes["model.p.fct_tested"] = model("fct_tested", "models/marts", ["model.p.fct_orders"])
    for i in range(2):
        nodes[f"model.p.fan_{i}"] = model(f"fct_fan_{i}", "models/marts", ["model.p.fct_orders"])
    nodes["test.p.unique_fct_tested_id"] = {
        "resource_type": "test",
        "column_name": "id",
        "attached_node": "model.p.fct_tested",
        "depends_on": {"nodes": ["model.p.fct_tested"], "macros": ["macro.dbt.test_unique"]},
    }
    nodes["model.p.fct_tested"]["columns"] = {"id": {"constraints": [{"type": "not_null"}]}}
    sources = {
        src: {
            "name": "orders",
            "source_name": "shop",
            "original_file_path": "models/s.yml",
            "freshness": {"warn_after": {"count": 1, "period": "day"}},
        },
        "source.p.shop.payments": {
            "name": "payments",
            "source_name": "shop",
            "original_file_path": "models/s.yml",
            "freshness": None,
        },
    }
    return {"nodes": nodes, "sources": sources, "exposures": {}}


EXPECTED_ON_SYNTHETIC: dict[str, set[str]] = {
    "fct_direct_join_to_source": {"stg_shop__payments"},
    "fct_missing_primary_key_tests": {"stg_shop__orders", "report_wide", "dim_calendar"},
    "fct_staging_dependent_on_staging": {"stg_shop__payments"},
    "fct_model_naming_conventions": {"report_wide", "leaf_0"},
    "fct_model_directories": {"stg_shop__payments", "fct_orders"},
    "fct_sources_without_freshness": {"shop.payments"},
    "fct_source_fanout": {"shop.orders"},
    "fct_model_fanout": {"fct_orders"},
    "fct_too_many_joins": {"report_wide"},
    "fct_rejoining_of_upstream_concepts": {"int_single"},
    "fct_root_models": {"dim_calendar"},
    "fct_multiple_sources_joined": {"stg_shop__payments"},
}


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_flags_its_example(rule: str) -> None:
    """Each rule finds what the package would on a DAG made to break it."""
    project = Project(synthetic_manifest(), dict(DEFAULT_VARS))
    rows = RULES[rule](project)
    found = {str(value) for row in rows for value in row.values()}
    expected = EXPECTED_ON_SYNTHETIC[rule]
    assert expected <= found, f"{rule} found {rows}, expected {expected}"
    assert rows, rule


def test_like_patterns_follow_sql() -> None:
    assert like("base_raw__orders", "base_raw__%")
    assert like("kpi_monthly_wide", "kpi_monthly%")
    assert not like("stg_raw__orders", "base_raw__%")
    assert like("raw.members", "raw.%")
