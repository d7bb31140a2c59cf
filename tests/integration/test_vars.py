"""Vars are checked before any model runs (macro validate_vars, on-run-start):
every declared var has a type. The builds with a bad var are
tests/e2e/test_bad_vars.py.
"""

from __future__ import annotations

import jinja2
import yaml

from helpers import DECLARED_VARS, PROJECT_DIR

VALIDATE_VARS_SQL = PROJECT_DIR / "macros" / "validate_vars.sql"


def declared_vars() -> set[str]:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return set(project["vars"])


def var_types() -> dict[str, str]:
    """The YAML of macro var_types, rendered by plain Jinja."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    module = environment.from_string(VALIDATE_VARS_SQL.read_text(encoding="utf-8")).module
    return yaml.safe_load(str(module.var_types()))


def test_every_declared_var_has_a_type() -> None:
    """validate_vars reads the names from dbt_project.yml; var_types must
    give each of them a type, and no other name."""
    assert set(var_types()) == declared_vars()
    assert ", ".join(sorted(declared_vars())) == DECLARED_VARS
