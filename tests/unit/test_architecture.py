"""The package's imports follow the module map of docs/architecture.md.

Every `import` of every module under src/memberkpi (at any depth: in
functions and under TYPE_CHECKING too) is read with `ast`; an import of
another subpackage must be one the map allows, the map must have no cycle,
the modules must not import each other in a cycle, and no module imports
dynamically (importlib, __import__) or from the dev-only benchmarks/.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import PROJECT_DIR

PACKAGE = "memberkpi"
PACKAGE_DIR = PROJECT_DIR / "src" / PACKAGE
ARCHITECTURE_MD = PROJECT_DIR / "docs" / "architecture.md"
# the package's own __init__.py and the top-level cli module sit outside the
# subpackages: the package root may import nothing, cli is a layer of its own
ROOT = "<root>"


@dataclass(frozen=True)
class Import:
    """One import of a memberkpi module (or of a forbidden module)."""

    module: str  # importing module, dotted
    target: str  # imported module, dotted
    line: int


def read_map(text: str) -> dict[str, set[str]]:
    """The ```module-map block: `name: allowed, allowed` per line."""
    block = re.search(r"```module-map\n(.*?)```", text, re.S)
    assert block, f"no ```module-map block in {ARCHITECTURE_MD}"
    allowed: dict[str, set[str]] = {}
    for line in block.group(1).splitlines():
        if line.strip():
            name, _, below = line.partition(":")
            allowed[name.strip()] = {part.strip() for part in below.split(",") if part.strip()}
    return allowed


def module_name(path: Path, package_dir: Path = PACKAGE_DIR) -> str:
    parts = [PACKAGE, *path.relative_to(package_dir).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    """memberkpi.quality.read -> quality; memberkpi.cli -> cli; memberkpi -> <root>."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def imports_of(module: str, source: str, is_package: bool = False) -> list[Import]:
    """Every module that `source` imports (relative imports resolved), and
    `importlib` / `__import__` where they appear."""
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from memberkpi.core import paths` imports the module memberkpi.core.paths
            found += [Import(module, f"{base}.{alias.name}", node.lineno) for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
        ):
            found.append(Import(module, "__import__", node.lineno))
    return found


def known_module(target: str, modules: set[str]) -> str | None:
    """The memberkpi module an import names: itself, or its package for `from p import name`."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def violations(sources: dict[str, tuple[str, bool]], allowed: dict[str, set[str]]) -> list[str]:
    """What breaks the map, given {module: (source, is_package)}."""
    problems: list[str] = []
    for module, (source, is_package) in sorted(sources.items()):
        own = layer(module)
        if own not in allowed and own != ROOT:
            problems.append(f"{module}: subpackage {own!r} is not in the module map")
            continue
        for found in imports_of(module, source, is_package):
            top = found.target.split(".")[0]
            where = f"{module}:{found.line} imports {found.target}"
            if top in {"importlib", "__import__"}:
                problems.append(f"{where}: dynamic import")
            elif top == "benchmarks":
                problems.append(f"{where}: the bench is not part of the package")
            elif top == PACKAGE:
                target = layer(found.target)
                if own == ROOT and target != ROOT:
                    problems.append(f"{where}: the package root imports nothing")
                elif target not in (own, ROOT) and target not in allowed.get(own, set()):
                    problems.append(f"{where}: {own} may not import {target}")
    return problems


def module_cycles(sources: dict[str, tuple[str, bool]]) -> list[list[str]]:
    """Cycles among the modules (each found once, from its first module)."""
    modules = set(sources)
    graph = {
        module: {
            target
            for found in imports_of(module, source, is_package)
            if (target := known_module(found.target, modules)) and target != module
        }
        for module, (source, is_package) in sources.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def map_cycles(allowed: dict[str, set[str]]) -> list[list[str]]:
    sources = {
        f"{PACKAGE}.{name}": ("\n".join(f"import {PACKAGE}.{b}" for b in below), False)
        for name, below in allowed.items()
    }
    return module_cycles(sources)


def package_sources(package_dir: Path = PACKAGE_DIR) -> dict[str, tuple[str, bool]]:
    sources: dict[str, tuple[str, bool]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        sources[module_name(path, package_dir)] = (source, path.name == "__init__.py")
    return sources


@pytest.fixture(scope="module")
def allowed() -> dict[str, set[str]]:
    return read_map(ARCHITECTURE_MD.read_text(encoding="utf-8"))


def test_every_import_is_allowed_by_the_module_map(allowed: dict[str, set[str]]) -> None:
    assert violations(package_sources(), allowed) == []


def test_the_map_names_every_subpackage_and_nothing_else(allowed: dict[str, set[str]]) -> None:
    on_disk = {path.parent.name for path in PACKAGE_DIR.glob("*/__init__.py")} | {"cli"}
    assert set(allowed) == on_disk
    assert all(below <= set(allowed) for below in allowed.values())


def test_neither_the_map_nor_the_modules_have_a_cycle(allowed: dict[str, set[str]]) -> None:
    assert map_cycles(allowed) == []
    assert module_cycles(package_sources()) == []


def test_no_leading_underscore_modules_and_every_folder_is_a_package() -> None:
    underscored = [
        path.relative_to(PACKAGE_DIR).as_posix()
        for path in PACKAGE_DIR.rglob("_*.py")
        if path.name != "__init__.py"
    ]
    assert underscored == []
    folders = [p for p in PACKAGE_DIR.rglob("*") if p.is_dir() and p.name != "__pycache__"]
    assert all((folder / "__init__.py").is_file() for folder in folders), folders


def test_the_bench_is_outside_the_package_and_imports_only_downward() -> None:
    assert not list(PACKAGE_DIR.rglob("bench*"))
    bench_dir = PROJECT_DIR / "benchmarks"
    for path in bench_dir.glob("*.py"):
        for found in imports_of(f"benchmarks.{path.stem}", path.read_text(encoding="utf-8")):
            assert found.target.split(".")[0] not in {"importlib", "__import__"}, found


# --- the checks can fail ------------------------------------------------------------------


def test_an_upward_import_a_cycle_and_a_dynamic_import_are_caught(
    allowed: dict[str, set[str]],
) -> None:
    sources = {
        "memberkpi.core.paths": ("from memberkpi.pipeline.run import run_command\n", False),
        "memberkpi.pipeline.run": ("from memberkpi.core import paths\n", False),
        "memberkpi.publish.serving": ("import importlib\nfrom benchmarks import bench\n", False),
        "memberkpi.quality.gx": ("from . import read\nfrom ..dashboard import render\n", False),
        "memberkpi.quality.read": ("from memberkpi.quality import gx\n", False),
        "memberkpi.dashboard.render": ("", False),
    }
    problems = violations(sources, allowed)
    assert problems == [
        "memberkpi.core.paths:1 imports memberkpi.pipeline.run.run_command:"
        " core may not import pipeline",
        "memberkpi.publish.serving:1 imports importlib: dynamic import",
        "memberkpi.publish.serving:2 imports benchmarks.bench:"
        " the bench is not part of the package",
        "memberkpi.quality.gx:2 imports memberkpi.dashboard.render:"
        " quality may not import dashboard",
    ]
    assert sorted(map(tuple, module_cycles(sources))) == [
        ("memberkpi.core.paths", "memberkpi.pipeline.run", "memberkpi.core.paths"),
        ("memberkpi.quality.gx", "memberkpi.quality.read", "memberkpi.quality.gx"),
    ]
    assert map_cycles({**allowed, "core": {"cli"}}) != []
