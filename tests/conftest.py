"""Shared pytest fixtures. Helpers for dbt builds live in tests/helpers.py.

The warehouses that several modules read (the spec example, the hand-made
fixture whole and with only its required tables, the generated demo data,
and a plain `dbt parse`) are built once per test session, by whichever
xdist worker asks first, in a folder of this session's own
(helpers.shared_build); the other workers wait for that build and read it.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import shutil
import tempfile
from collections.abc import Generator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    HANDMADE,
    PARSE_CACHE_ENV,
    SPEC_EXAMPLE,
    Build,
    copy_required_tables,
    generate_raw,
    shared_build,
)

# `memberkpi generate`'s default --end-date: the generated data's last day,
# and the as-of date of the shared build (tests do not depend on today)
GENERATED_END = dt.date(2025, 12, 31)

# the name tests/integration/test_reference_kpis.py imports
GeneratedBuild = Build

# key of the session folder in the input xdist hands each worker
SESSION_DIR_KEY = "memberkpi_session_dir"
SESSION_DIR = pytest.StashKey[Path]()
OWNED_SESSION_DIR = pytest.StashKey[Path]()

# Handed out first, in this order (scripts/test.sh runs `--dist loadfile
# --no-loadscope-reorder`): the modules that take the most CPU time
# (`--cpu-durations`), longest first, so that no worker is left with a long
# module at the end, and among them one first reader of each shared build,
# so that the readers that come later find it built.
FIRST_MODULES = (
    "test_spark",
    "test_staging_quarantine",
    "test_ops_kpis",
    "test_contract_edit",
    "test_clv_dbt",
    "test_calendar",
    "test_bench_reference",
    "test_kpis",
    "test_handmade_kpis",
    "test_generate_build",
    "test_quality",
    "test_dbt_parsed_once",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cpu-durations",
        type=int,
        default=0,
        metavar="N",
        help="list the N phases (setup, call, teardown) that used the most CPU time:"
        " user + system seconds of the test process and the dbt and mf processes it"
        " ran, so waits for a shared build or a busy machine do not count",
    )


def pytest_configure(config: pytest.Config) -> None:
    """The session folder: made by the controller (or the only process when
    xdist is off) and handed to every worker; removed at the end by the
    process that made it. It holds the shared builds and the parse cache
    of tests/dbt_parsed_once.py."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None:
        session_dir = Path(tempfile.mkdtemp(prefix="memberkpi-tests-"))
        config.stash[OWNED_SESSION_DIR] = session_dir
    else:
        session_dir = Path(workerinput[SESSION_DIR_KEY])
    config.stash[SESSION_DIR] = session_dir
    os.environ[PARSE_CACHE_ENV] = str(session_dir / "parse_cache")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: give the worker the session folder."""
    node.workerinput[SESSION_DIR_KEY] = str(node.config.stash[SESSION_DIR])


def pytest_unconfigure(config: pytest.Config) -> None:
    os.environ.pop(PARSE_CACHE_ENV, None)
    owned = config.stash.get(OWNED_SESSION_DIR, None)
    if owned is not None:
        shutil.rmtree(owned, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """FIRST_MODULES first, in that order, then the rest in collection order.

    Each module runs whole on one worker (its module-scoped builds are made
    once) and modules are handed out in the order of `items`.
    """
    rank = {stem: index for index, stem in enumerate(FIRST_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))


CPU_SECONDS = pytest.StashKey[dict[str, float]]()


def cpu_seconds() -> float:
    """User + system seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Each report carries the CPU seconds of its phase (`cpu_seconds`,
    sent from xdist workers with the report)."""
    report = yield
    started = item.stash.get(CPU_SECONDS, {}).get(call.when)
    if started is not None:
        report.cpu_seconds = cpu_seconds() - started  # type: ignore[attr-defined]
    return report


def remember_cpu_at_start(item: pytest.Item, when: str) -> None:
    item.stash.setdefault(CPU_SECONDS, {})[when] = cpu_seconds()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    remember_cpu_at_start(item, "setup")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    remember_cpu_at_start(item, "call")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    remember_cpu_at_start(item, "teardown")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    count = config.getoption("--cpu-durations")
    if not count:
        return
    phases = [
        (report.cpu_seconds, report.when, report.nodeid)
        for reports in terminalreporter.stats.values()
        for report in reports
        if isinstance(getattr(report, "cpu_seconds", None), float)
    ]
    terminalreporter.write_sep("=", f"most CPU {count} (user + system s, dbt included)")
    for seconds, when, nodeid in sorted(phases, reverse=True)[:count]:
        terminalreporter.write_line(f"{seconds:7.2f}s {when:<8} {nodeid}")
    total = sum(seconds for seconds, _, _ in phases)
    terminalreporter.write_line(f"{total:7.1f}s in all {len(phases)} phases")


@pytest.fixture(scope="session")
def shared_builds_dir(pytestconfig: pytest.Config) -> Path:
    """This session's folder of shared builds (helpers.shared_build)."""
    return pytestconfig.stash[SESSION_DIR] / "shared_builds"


def copy_fixture(source: Path, raw_dir: Path) -> None:
    shutil.copytree(source, raw_dir)


def write_generated_raw(raw_dir: Path) -> None:
    generate_raw(raw_dir, "--members", "3000", "--years", "2", "--seed", "7")


@pytest.fixture(scope="session")
def spec_example_build(shared_builds_dir: Path) -> Build:
    """`dbt build` of the spec's worked example (tests/fixtures/spec_example/raw)."""
    return shared_build(
        shared_builds_dir,
        "spec_example",
        ["build"],
        write_raw=partial(copy_fixture, SPEC_EXAMPLE / "raw"),
    )


@pytest.fixture(scope="session")
def handmade_build(shared_builds_dir: Path) -> Build:
    """`dbt build` of the hand-counted fixture (tests/fixtures/handmade)."""
    return shared_build(
        shared_builds_dir, "handmade", ["build"], write_raw=partial(copy_fixture, HANDMADE)
    )


@pytest.fixture(scope="session")
def handmade_required_build(shared_builds_dir: Path) -> Build:
    """The least a brand can build: `dbt build` of the hand-counted fixture's
    required tables only (members, member_bindings, orders), every optional
    table absent, with the Python models off (var enable_python_models)."""
    return shared_build(
        shared_builds_dir,
        "handmade_required",
        ["build"],
        write_raw=partial(copy_required_tables, HANDMADE),
        dbt_vars={"enable_python_models": False},
    )


@pytest.fixture(scope="session")
def generated_build(shared_builds_dir: Path) -> Build:
    """Demo data (3,000 members, two years, seed 7) and a `dbt build` on it as
    of the data's last day, with the demo brand's targets, shared by the
    tests that compare the warehouse with other paths."""
    return shared_build(
        shared_builds_dir,
        "generated_3000",
        ["build"],
        write_raw=write_generated_raw,
        # the demo brand's targets too, as `memberkpi demo` builds it
        dbt_vars={"as_of_date": GENERATED_END.isoformat(), "include_demo_targets": True},
    )


@pytest.fixture(scope="session")
def project_parse(shared_builds_dir: Path) -> Build:
    """A plain `dbt parse --no-partial-parse` of the project: its
    target/manifest.json and semantic_manifest.json (Build.manifest())."""
    return shared_build(
        shared_builds_dir,
        "parse",
        ["parse", "--no-partial-parse"],
        write_raw=partial(copy_fixture, SPEC_EXAMPLE / "raw"),
    )


@pytest.fixture
def dbt_work_dir(tmp_path: Path) -> Path:
    """A private directory for one test's dbt target, logs and DuckDB file."""
    work_dir = tmp_path / "dbt"
    work_dir.mkdir()
    return work_dir


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """An empty raw directory for a test to write its raw files into."""
    directory = tmp_path / "raw"
    directory.mkdir()
    return directory
