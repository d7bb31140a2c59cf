"""Spark's single-partition windows, attributed to the dbt nodes that ran them.

Spark logs `WARN WindowExec: No Partition Defined for Window operation!`
each time it plans a window without `partition by` (every row of its input
in one task). The line names no query, so a warning is attributed by time:
to the nodes that were running during its second (run_results.json timing)
and that run a window without `partition by`: in their own SQL or in that of
a view or ephemeral model they read (a unit test runs its model's SQL). The
models whose SQL holds such a window are a node's "window sources"; a test
allows them by name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# log4j's default pattern: "yy/MM/dd HH:mm:ss LEVEL logger: message", in the
# JVM's local time; a progress bar may precede it on the same line
WINDOW_WARNING = re.compile(
    r"(\d\d/\d\d/\d\d \d\d:\d\d:\d\d) WARN WindowExec: No Partition Defined for Window operation"
)
WINDOW_CALL = re.compile(r"\bover\s*\(", re.IGNORECASE)
PARTITION_BY = re.compile(r"\bpartition\s+by\b", re.IGNORECASE)
# relations read in place: their windows run in the node that reads them
INLINED = ("view", "ephemeral")


def warning_times(spark_output: str) -> list[dt.datetime]:
    """The local times (to the second) of Spark's single-partition window warnings."""
    return [
        dt.datetime.strptime(stamp, "%y/%m/%d %H:%M:%S")
        for stamp in WINDOW_WARNING.findall(spark_output)
    ]


def window_clauses(sql: str) -> list[str]:
    """The text inside the parentheses of each `over (...)` of sql."""
    clauses = []
    for match in WINDOW_CALL.finditer(sql):
        depth, end = 1, match.end()
        while depth and end < len(sql):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        clauses.append(sql[match.end() : end - 1])
    return clauses


def has_single_partition_window(sql: str) -> bool:
    return any(not PARTITION_BY.search(clause) for clause in window_clauses(sql))


def window_sources(manifest: dict) -> dict[str, set[str]]:
    """For every node and unit test: the names of the nodes whose SQL holds a
    window without `partition by` that it runs (its own, a view's or an
    ephemeral model's it reads, or for a unit test its model's)."""
    nodes = manifest["nodes"]
    found: dict[str, set[str]] = {}

    def sources(unique_id: str) -> set[str]:
        if unique_id not in found:
            node = nodes[unique_id]
            sql = node.get("compiled_code") or ""
            own = {node["name"]} if has_single_partition_window(sql) else set()
            for parent in node.get("depends_on", {}).get("nodes", []):
                if parent in nodes and nodes[parent]["config"].get("materialized") in INLINED:
                    own |= sources(parent)
            found[unique_id] = own
        return found[unique_id]

    for unique_id in nodes:
        sources(unique_id)
    for unique_id, unit_test in manifest.get("unit_tests", {}).items():
        # a unit test runs its model's SQL over its fixture rows
        tested = [parent for parent in unit_test["depends_on"]["nodes"] if parent in nodes]
        found[unique_id] = set().union(*(sources(parent) for parent in tested))
    return found


def node_intervals(run_results: dict) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Local start and end times of every node that ran (compile to execute)."""
    intervals = {}
    for result in run_results["results"]:
        stamps = [
            dt.datetime.fromisoformat(timing[key].replace("Z", "+00:00"))
            for timing in result["timing"]
            for key in ("started_at", "completed_at")
            if timing.get(key)
        ]
        if stamps:
            intervals[result["unique_id"]] = tuple(
                stamp.astimezone().replace(tzinfo=None) for stamp in (min(stamps), max(stamps))
            )
    return intervals


@dataclass
class Attribution:
    """Single-partition window warnings by window source; the warnings no
    running node explains, and those with a source outside the allow-list."""

    by_source: Counter = field(default_factory=Counter)
    unattributed: list[str] = field(default_factory=list)
    not_allowed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_source.values()) + len(self.unattributed)


def attribute_warnings(spark_output: str, target_dir: Path, allowed: set[str]) -> Attribution:
    """Attribute each warning of spark_output (a dbt invocation's stderr)
    to the nodes of that invocation (target_dir's run_results.json and
    manifest.json) that were running during its second."""
    manifest = json.loads((target_dir / "manifest.json").read_text())
    run_results = json.loads((target_dir / "run_results.json").read_text())
    sources = window_sources(manifest)
    intervals = node_intervals(run_results)
    attribution = Attribution()
    for second in warning_times(spark_output):
        running = [
            unique_id
            for unique_id, (start, end) in intervals.items()
            if start < second + dt.timedelta(seconds=1) and end >= second
        ]
        candidates = [unique_id for unique_id in running if sources.get(unique_id)]
        if not candidates:
            attribution.unattributed.append(f"{second:%H:%M:%S}: running {sorted(running)}")
            continue
        names = set().union(*(sources[unique_id] for unique_id in candidates))
        outside = sorted(names - allowed)
        if outside:
            attribution.not_allowed.append(
                f"{second:%H:%M:%S}: {outside} (running {sorted(candidates)})"
            )
        attribution.by_source[" | ".join(sorted(names))] += 1
    return attribution
