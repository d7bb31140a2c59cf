"""The alert rules are checked when kpi_alerts compiles (macros/metrics/alert_rules.sql).

The pure macro validate_alert_rules is rendered here with plain Jinja (no
dbt): dbt's `return` and `exceptions.raise_compiler_error` are stood in for,
and the KPI names are read from metrics.yml with PyYAML, independently of
dbt's graph. The rules of the project (the kpi_alerts YAML) and of the
alerts fixture must pass; each kind of mistake must stop with a message
naming the rule and what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest
import yaml

from helpers import FIXTURES, PROJECT_DIR

MACROS = PROJECT_DIR / "macros" / "metrics" / "alert_rules.sql"
MODEL_YML = PROJECT_DIR / "models" / "metrics" / "monitoring" / "kpi_alerts.yml"
FIXTURE_RULES = FIXTURES / "alerts" / "rules.yml"
RAW_TABLES = ["members", "member_bindings", "orders"]
SHARE_VARS = {"quarantine_warn_share": 0.001, "quarantine_error_share": 0.05}


class MacroReturn(Exception):
    """dbt's `return(value)`: ends the macro with value."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class CompilerError(Exception):
    """exceptions.raise_compiler_error(message)."""


def _return(value: Any) -> None:
    raise MacroReturn(value)


def _raise_compiler_error(message: str) -> None:
    raise CompilerError(message)


def _called(macro: Callable[..., Any]) -> Callable[..., Any]:
    """A macro as dbt calls it: its return(...) value, not its text."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            macro(*args, **kwargs)
        except MacroReturn as returned:
            return returned.value
        raise AssertionError(f"macro {macro} ended without return()")

    return call


def kpi_names() -> list[str]:
    """The KPI metrics of metrics.yml (meta is_kpi: true)."""
    metrics = yaml.safe_load((PROJECT_DIR / "metrics.yml").read_text(encoding="utf-8"))["metrics"]
    return [m["name"] for m in metrics if m.get("config", {}).get("meta", {}).get("is_kpi")]


@pytest.fixture(scope="module")
def validate() -> Callable[[Any], list[dict[str, Any]]]:
    environment = jinja2.Environment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
    namespace = SimpleNamespace()
    module = environment.from_string(MACROS.read_text(encoding="utf-8")).make_module(
        {
            "return": _return,
            "exceptions": SimpleNamespace(raise_compiler_error=_raise_compiler_error),
            "memberkpi": namespace,
        }
    )
    namespace.alert_rule_number = _called(module.alert_rule_number)
    checked = _called(module.validate_alert_rules)
    names = kpi_names()
    return lambda rules: checked(rules, names, RAW_TABLES, SHARE_VARS)


def project_rules() -> list[dict[str, Any]]:
    model = yaml.safe_load(MODEL_YML.read_text(encoding="utf-8"))["models"][0]
    return model["config"]["meta"]["alert_rules"]


def test_the_project_rules_pass_with_every_kind(validate: Callable[..., Any]) -> None:
    checked = validate(project_rules())
    assert {rule["kind"] for rule in checked} == {
        "threshold", "seasonal_change", "robust_anomaly", "freshness", "quarantine_share",
    }  # fmt: skip


def test_the_fixture_rules_pass_and_defaults_fill_in(validate: Callable[..., Any]) -> None:
    rules = yaml.safe_load(FIXTURE_RULES.read_text(encoding="utf-8"))
    by_name = {rule["rule"]: rule for rule in validate(rules)}
    assert by_name["net_sales_floor"]["comparison"] == "below"
    assert by_name["net_sales_floor"]["limit"] == 500
    assert by_name["net_sales_yoy_drop"]["direction"] == "worse"
    # the quarantine limit is the var's value, never typed in the rule
    assert by_name["orders_quarantine"]["limit"] == SHARE_VARS["quarantine_warn_share"]
    assert by_name["orders_quarantine"]["limit_name"] == "quarantine_warn_share"
    # an anomaly rule without its optional fields: 3.5, 12 months, 6 of them, worse
    defaults = validate(
        [{"rule": "a", "kind": "robust_anomaly", "kpi": "member_buyers", "severity": "warn"}]
    )[0]
    assert (defaults["limit"], defaults["history_months"], defaults["min_history"]) == (3.5, 12, 6)
    assert defaults["direction"] == "worse"
    assert validate([]) == [] and validate(None) == []


SEASONAL = {"rule": "r", "kind": "seasonal_change", "kpi": "member_net_sales",
            "max_change": 30, "severity": "alert"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "trend"}, "unknown or missing kind 'trend'; valid: freshness, quarantine_share"),
        ({"kind": None}, "unknown or missing kind 'None'"),
        ({"kpi": "member_sales"}, "unknown or missing kpi 'member_sales'"),
        ({"kpi": None}, "unknown or missing kpi 'None'"),
        ({"max_change": None}, "max_change: expected a number of at least 0, got 'None'"),
        ({"max_change": "30%"}, "max_change: expected a number"),
        ({"max_change": True}, "max_change: expected a number"),
        ({"max_chnage": 3}, "unknown field 'max_chnage' for kind seasonal_change"),
        ({"severity": "error"}, "severity must be warn or alert, got 'error'"),
        ({"direction": "better"}, "direction must be worse or either, got 'better'"),
        ({"rule": None}, "missing field rule"),
    ],
)
def test_a_wrong_rule_stops_the_build(
    validate: Callable[..., Any], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(CompilerError, match="kpi_alerts rules") as raised:
        validate([{**SEASONAL, **change}])
    assert message in str(raised.value)
    if change.get("rule", "r") is not None:
        assert "rule 'r'" in str(raised.value)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "threshold", "kpi": "member_buyers", "severity": "warn"},
         "needs exactly one of below or above"),
        ({"kind": "threshold", "kpi": "member_buyers", "below": 1, "above": 9,
          "severity": "warn"}, "needs exactly one of below or above"),
        ({"kind": "freshness", "source_table": "members", "max_days_behind": 3,
          "severity": "alert"}, "freshness is checked on orders only, got 'members'"),
        ({"kind": "freshness", "max_days_behind": 2.5, "severity": "alert"},
         "max_days_behind: expected a whole number of at least 0"),
        ({"kind": "quarantine_share", "threshold_var": "quarantine_share", "severity": "warn"},
         "threshold_var must be one of quarantine_error_share, quarantine_warn_share"),
        ({"kind": "quarantine_share", "source_table": "order", "severity": "warn",
          "threshold_var": "quarantine_warn_share"}, "unknown source_table 'order'"),
        ({"kind": "robust_anomaly", "kpi": "member_buyers", "history_months": 4,
          "severity": "warn"}, "min_history exceeds history_months"),
    ],
)  # fmt: skip
def test_each_kind_checks_its_fields(
    validate: Callable[..., Any], rule: dict[str, Any], message: str
) -> None:
    with pytest.raises(CompilerError) as raised:
        validate([{"rule": "r", **rule}])
    assert message in str(raised.value)


def test_rule_names_are_unique_and_rules_a_list(validate: Callable[..., Any]) -> None:
    with pytest.raises(CompilerError, match="rule 'r': rule name used twice"):
        validate([SEASONAL, SEASONAL])
    with pytest.raises(CompilerError, match="alert_rules must be a list of rules"):
        validate(SEASONAL)
