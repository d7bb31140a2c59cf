"""The clean tables of `memberkpi generate`: which template builds each, in
what order, with which parameters.

The SQL lives in `sql/<raw table>.sql`, after `sql/session_macros.sql`
defines the vocabulary they share. Every value comes from
`uniform_draw(row_key, sub_key, salt)`: a uniform in (0, 1) from DuckDB's
`hash` of the keys and the seed, so a row's values depend only on its keys
and the seed, never on thread scheduling. Tables are built from `range()`
and `unnest()` pipelines, which keep their insertion order; the few built
through a join are sorted on their key before they are written. Time is
counted in days and seconds from the first day of the window (day 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from memberkpi.demo.sql_templates import SqlValue, render
from memberkpi.demo.window import Window

# tables that later ones read come first: members, campaigns, orders
BUILD_ORDER = (
    "members",
    "member_bindings",
    "campaigns",
    "campaign_touches",
    "orders",
    "order_items",
    "service_tickets",
    "reviews",
    "points_ledger",
    "tier_changes",
    "interactions",
    "surveys",
    "channel_traffic",
    "exposure_resources",
)
# work tables that no later table reads, dropped once this table is written
RELEASED_AFTER = {"points_ledger": ("clean_orders", "clean_points_ledger")}

NON_MEMBER_PERSONS_PER_MEMBER = 0.9
TOUCH_SHARE = 0.003  # members drawn per campaign, as a share of all members
MAX_ORDERS_PER_ACCOUNT = 4000  # order keys leave 13 bits per buyer account
MEMBERS_PER_STORE = 2000
CAMPAIGNS_PER_MONTH = 12  # two per channel


@dataclass(frozen=True)
class Step:
    """One raw table: statements that prepare it, then the query that is written."""

    table: str
    prepare: tuple[str, ...]
    query: str
    release: tuple[str, ...] = ()


def template_parameters(members: int, window: Window, seed: int) -> dict[str, SqlValue]:
    """The named parameters of the templates."""
    festival_days = window.festival_days() or [window.days - 1]
    year_end_days = window.year_end_days() or [window.days - 1]
    return {
        "seed": seed,
        # the seed permutes the customer and order id spaces
        "seed_mask": (seed * 2654435761) % 2**32,
        "order_id_mask": (seed * 40503) % 2**42,
        "member_count": members,
        "non_member_person_count": max(1, round(members * NON_MEMBER_PERSONS_PER_MEMBER)),
        "store_count": max(20, members // MEMBERS_PER_STORE),
        "touches_per_campaign": max(1, round(members * TOUCH_SHARE)),
        "max_orders_per_account": MAX_ORDERS_PER_ACCOUNT,
        "years": window.years,
        "window_start": window.start,
        "window_start_epoch_second": (window.start - date(1970, 1, 1)).days * 86400,
        "window_days": window.days,
        "last_day": window.days - 1,
        "last_second": window.days * 86400 - 1,
        "first_campaign_month": window.start.replace(day=1),
        "campaign_slot_count": (window.years * 12 + 1) * CAMPAIGNS_PER_MONTH,
        "festival_days": festival_days,
        "festival_count": len(festival_days),
        "year_end_days": year_end_days,
        "year_end_count": len(year_end_days),
    }


def session_macros(parameters: dict[str, SqlValue]) -> list[str]:
    """The statements that define the macros every table template uses."""
    return render("session_macros", parameters)


def plan(parameters: dict[str, SqlValue]) -> list[Step]:
    """The raw tables in build order, each from its template."""
    steps = []
    for table in BUILD_ORDER:
        *prepare, query = render(table, parameters)
        steps.append(Step(table, tuple(prepare), query, RELEASED_AFTER.get(table, ())))
    return steps
