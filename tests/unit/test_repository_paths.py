"""The project reads nothing outside its own repository.

A checkout on another machine, or CI's fresh clone, must run every test and
build with only what the repository holds: no absolute path to a developer's
folders, no path to the shared spec folder beside the checkout (its example
data is copied to tests/fixtures/spec_example/). System locations that every
Linux machine has are allowed by name, each with its reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import PROJECT_DIR

SCANNED_FOLDERS = ("tests", "src", "models", "macros", "scripts", "benchmarks")
SCANNED_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".sh", ".md", ".csv", ".toml", ".cfg"}
# the fixtures are data; their README says where they came from
SKIPPED_FOLDERS = (PROJECT_DIR / "tests" / "fixtures",)
SCANNED_ROOT_FILES = ("Makefile", "dbt_project.yml", "profiles.yml", "pyproject.toml", ".sqlfluff")

# system locations, not project data: the reason each may be named
ALLOWED_ABSOLUTE_PREFIXES = {
    "/proc": "bench: reads process memory from Linux's /proc",
    "/usr/bin": "Debian's chromium and the PATH of a child process",
    "/bin": "the PATH of a child process",
    "/dev/null": "a sink for output",
}

# a quoted string, or an unquoted shell/SQL word, that starts with a slash
ABSOLUTE_LITERAL = re.compile(r"""(?:["'`(=]|^|\s)(/[A-Za-z][\w.\-/]*)""")
# This file names the paths it looks for only in pieces joined at run time,
# so that it passes its own scan (it scans itself like any other test file).
SHARED_FOLDER = "shared"
WORKPLACE_ROOT = "/".join(["", "work", ""])
SHARED_SPEC = re.compile(
    "|".join(
        re.escape(fragment)
        for fragment in (SHARED_FOLDER + "/spec", "../" + SHARED_FOLDER, WORKPLACE_ROOT)
    )
)
# a literal appended to a root ("root ~ '/seeds/x.csv'", root + "/x") is relative
JOINED_SUFFIX = re.compile(r"""[~+]\s*["']/""")


def scanned_files() -> list[Path]:
    files = [PROJECT_DIR / name for name in SCANNED_ROOT_FILES if (PROJECT_DIR / name).exists()]
    for folder in SCANNED_FOLDERS:
        for path in sorted((PROJECT_DIR / folder).rglob("*")):
            if not path.is_file() or path.suffix not in SCANNED_SUFFIXES:
                continue
            if any(path.is_relative_to(skipped) for skipped in SKIPPED_FOLDERS):
                continue
            if "egg-info" in path.as_posix() or "__pycache__" in path.parts:
                continue
            files.append(path)
    return files


def outside_references(text: str) -> list[str]:
    """Absolute paths and shared-spec paths in a text, less the allowed ones."""
    found = [match.group(0).strip() for match in SHARED_SPEC.finditer(text)]
    for line in text.splitlines():
        if line.lstrip().startswith(("http", "#!")) or "://" in line:
            continue
        for match in ABSOLUTE_LITERAL.finditer(JOINED_SUFFIX.sub("~ ", line)):
            path = match.group(1)
            if not any(
                path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + ":")
                for prefix in ALLOWED_ABSOLUTE_PREFIXES
            ):
                found.append(path)
    return found


def test_the_scan_finds_what_it_looks_for() -> None:
    """Negative control: the scanner reports the paths this issue found."""
    spec_example = SHARED_FOLDER + "/spec/example/raw"
    assert outside_references(f'EXAMPLE = Path("{WORKPLACE_ROOT}{spec_example}")')
    assert outside_references(f"raw = '../{spec_example}'")
    home_export = "/".join(["", "home", "analyst", "brand", "orders.parquet"])
    assert outside_references(f"read_parquet('{home_export}')") == [home_export]
    exports = "/".join(["", "data", "exports"])
    assert outside_references(f"cd {exports} && ls") == [exports]
    assert outside_references('Path("/proc/meminfo")') == []
    assert outside_references('PATH="/usr/bin:/bin"') == []
    assert outside_references("see https://docs.getdbt.com/reference") == []
    assert outside_references("a/b and x / y") == []
    assert outside_references("root ~ '/dbt_project.yml'") == []


def relative_name(path: Path) -> str:
    return str(path.relative_to(PROJECT_DIR))


@pytest.mark.parametrize("path", scanned_files(), ids=relative_name)
def test_no_file_reads_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert outside_references(text) == [], (
        f"{path.relative_to(PROJECT_DIR)} names a path outside the repository; copy what it "
        "needs into the repository (tests/fixtures/) or add a system location, with its "
        "reason, to ALLOWED_ABSOLUTE_PREFIXES"
    )
