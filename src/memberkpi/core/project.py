"""Facts of the dbt project that Python needs, each read from where dbt reads it.

The `vars:` of dbt_project.yml (business time zone, as-of date, earliest
business date) and the UTC-offset pattern of macros/business_time.sql: the
raw-contract gate must type and bound raw values exactly as the build does,
so it reads the build's own statements instead of repeating them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from memberkpi.core import paths

DBT_PROJECT_YML = Path("dbt_project.yml")
BUSINESS_TIME_SQL = Path("macros") / "business_time.sql"
# the project's defaults when a var is left null
DEFAULT_BUSINESS_TIMEZONE = "Asia/Shanghai"
DEFAULT_EARLIEST_BUSINESS_DATE = "1990-01-01"


def project_vars(project_dir: Path = paths.PROJECT_DIR) -> dict[str, Any]:
    """The `vars:` of dbt_project.yml (business_timezone, as_of_date, ...)."""
    document = yaml.safe_load((project_dir / DBT_PROJECT_YML).read_text(encoding="utf-8"))
    return dict(document.get("vars") or {})


def business_timezone(project_dir: Path = paths.PROJECT_DIR) -> str:
    """dbt var `business_timezone` (an IANA name)."""
    return str(project_vars(project_dir).get("business_timezone") or DEFAULT_BUSINESS_TIMEZONE)


def default_as_of(project_dir: Path = paths.PROJECT_DIR) -> dt.date:
    """dbt var `as_of_date` if set, else today in the business time zone
    (as macro as_of_date computes it)."""
    configured = project_vars(project_dir).get("as_of_date")
    if configured:
        return dt.date.fromisoformat(str(configured))
    return dt.datetime.now(ZoneInfo(business_timezone(project_dir))).date()


def default_earliest(project_dir: Path = paths.PROJECT_DIR) -> dt.date:
    """dbt var `earliest_business_date`: raw timestamps before it are bad."""
    configured = project_vars(project_dir).get("earliest_business_date")
    return dt.date.fromisoformat(str(configured or DEFAULT_EARLIEST_BUSINESS_DATE))


@functools.cache
def utc_offset_pattern(project_dir: Path = paths.PROJECT_DIR) -> str:
    """The regular expression of macro utc_offset_pattern (macros/business_time.sql):
    a time of day followed by Z or a +hh, +hhmm or +hh:mm offset."""
    source = (project_dir / BUSINESS_TIME_SQL).read_text(encoding="utf-8")
    found = re.search(
        r"{%-?\s*macro\s+utc_offset_pattern\(\)\s*-?%}(.*?){%-?\s*endmacro\s*-?%}", source, re.S
    )
    if found is None:
        raise LookupError(f"macro utc_offset_pattern not found in {BUSINESS_TIME_SQL}")
    return found.group(1).strip()
