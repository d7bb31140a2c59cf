"""tests/dbt_parsed_once.py hands dbt a manifest it parsed for an earlier
test build (a dbt internal: `Manifest.from_msgpack`). That shortcut is only
sound if the manifest a later build gets is the one a plain `dbt parse`
gives, whatever raw directory and DuckDB folder the builds use: this
module checks it on a copy of the project's dbt files, taken at the start
so that edits made meanwhile do not reach one parse and not the other."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import FIXTURES, PARSE_CACHE_ENV, PROJECT_DIR, SPEC_EXAMPLE, run_dbt

# what dbt parses (dbt_project.yml's paths; models/metrics.yml links ../metrics.yml)
DBT_FILES = ("dbt_project.yml", "models", "macros", "seeds", "tests/dbt", "analyses")

# what a manifest holds besides its metadata (the invocation id and time)
MANIFEST_SECTIONS = (
    "nodes", "sources", "macros", "docs", "exposures", "metrics", "groups", "selectors",
    "disabled", "parent_map", "child_map", "group_map", "saved_queries",
    "semantic_models", "unit_tests",
)  # fmt: skip
# a command through the parse cache that selects a seed only: dbt loads the
# project, writes target/manifest.json and runs no node
NO_NODE_RUN = ("run", "--select", "channels")


def copy_dbt_files(project: Path) -> Path:
    """The project's dbt files as they are now, copied into project."""
    for name in DBT_FILES:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        elif source.exists():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, project / name)
    return project


def without_parse_times(value: Any) -> Any:
    """value without its `created_at` keys, the time each node was parsed."""
    if isinstance(value, dict):
        return {
            key: without_parse_times(item) for key, item in value.items() if key != "created_at"
        }
    if isinstance(value, list):
        return [without_parse_times(item) for item in value]
    return value


def manifest_sections(work_dir: Path) -> dict[str, Any]:
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text(encoding="utf-8"))
    return {section: without_parse_times(manifest[section]) for section in MANIFEST_SECTIONS}


def differences(left: dict[str, Any], right: dict[str, Any]) -> dict[str, list[str]]:
    """'<section> <entry>' -> the fields in which two manifests' entries differ."""
    found: dict[str, list[str]] = {}
    for section in MANIFEST_SECTIONS:
        for key in sorted(set(left[section]) | set(right[section])):
            ours, theirs = left[section].get(key), right[section].get(key)
            if ours == theirs:
                continue
            if isinstance(ours, dict) and isinstance(theirs, dict):
                fields = set(ours) | set(theirs)
                found[f"{section} {key}"] = sorted(
                    f for f in fields if ours.get(f) != theirs.get(f)
                )
            else:
                found[f"{section} {key}"] = ["(the whole entry)"]
    return found


@pytest.mark.slow
def test_a_build_from_the_parse_cache_gets_the_manifest_of_a_plain_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PARSE_CACHE_ENV, str(tmp_path / "parse_cache"))
    project = ["--project-dir", str(copy_dbt_files(tmp_path / "project"))]
    # the first run with this parse key parses and fills the cache, on the
    # hand-made fixture; the second, on the spec example, reads the cache
    filling = run_dbt(
        [*NO_NODE_RUN, *project], work_dir=tmp_path / "filling", raw_dir=FIXTURES / "handmade"
    )
    assert filling.success, filling.output[-3000:]
    cached = run_dbt(
        [*NO_NODE_RUN, *project], work_dir=tmp_path / "cached", raw_dir=SPEC_EXAMPLE / "raw"
    )
    assert cached.success, cached.output[-3000:]
    plain = run_dbt(
        ["parse", "--no-partial-parse", *project],
        work_dir=tmp_path / "plain",
        raw_dir=SPEC_EXAMPLE / "raw",
    )
    assert plain.success, plain.output[-3000:]

    assert len(list((tmp_path / "parse_cache").glob("*/partial_parse.msgpack"))) == 1
    # a run that parses writes partial_parse.msgpack; the cached run did not parse
    assert (tmp_path / "filling" / "target" / "partial_parse.msgpack").exists()
    assert not (tmp_path / "cached" / "target" / "partial_parse.msgpack").exists()

    from_cache = manifest_sections(tmp_path / "cached")
    from_plain_parse = manifest_sections(tmp_path / "plain")
    assert len(from_plain_parse["nodes"]) > 500
    differing = differences(from_cache, from_plain_parse)
    assert not differing, differing
