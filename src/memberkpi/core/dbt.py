"""How memberkpi starts dbt: one lookup of the executable, one command line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from memberkpi.core import paths


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else `dbt` on PATH."""
    dbt = Path(sys.executable).with_name("dbt")
    return str(dbt if dbt.exists() else "dbt")


def dbt_command(args: Sequence[str], project_dir: Path = paths.PROJECT_DIR) -> list[str]:
    """The command line of `dbt <args>` on this project and its profiles.yml."""
    project = str(project_dir)
    return [dbt_executable(), *args, "--project-dir", project, "--profiles-dir", project]
