"""The demo generator: contract shape, determinism, realism and --dirty bookkeeping.

Expected values come from the contract files (the sources YAML, the seeds,
docs/quarantine_rules.md) and from SQL written here from those documents,
never from the generator's own code.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from string import Template

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from helpers import PROJECT_DIR, documented_reject_classes
from memberkpi.cli import app
from memberkpi.demo.clean_tables import BUILD_ORDER, template_parameters
from memberkpi.demo.generate import GenerateOptions, generate
from memberkpi.demo.sql_templates import TEMPLATE_DIR, render, sql_literal
from memberkpi.demo.window import Window

PROJECT = PROJECT_DIR
SOURCES = PROJECT / "models" / "staging" / "raw" / "_raw__sources.yml"
END = "2025-12-31"
AS_OF = "2026-01-31"


def contract() -> dict[str, list[tuple[str, str]]]:
    source = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))["sources"][0]
    return {
        table["name"]: [(c["name"], c["data_type"].replace(" ", "")) for c in table["columns"]]
        for table in source["tables"]
    }


def seed_codes(name: str, column: str) -> set[str]:
    with (PROJECT / "seeds" / f"{name}.csv").open(encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle)}


DUCK_TYPES = {
    "varchar": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "integer": "INTEGER",
    "decimal(18,2)": "DECIMAL(18,2)",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


def run(out: Path, **kwargs: object) -> Path:
    options = {"members": 1500, "seed": 11, "out": out}
    options.update(kwargs)
    generate(GenerateOptions(**options))  # type: ignore[arg-type]
    return out


def checksums(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
    }


def connect(
    directory: Path, suffix: str = "parquet", text: bool = False
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in contract():
        path = directory / f"{table}.{suffix}"
        if suffix == "csv":
            reader = (
                f"read_csv('{path}', header = true, delim = ',', quote = '\"', "
                f"all_varchar = {str(text).lower()})"
            )
        else:
            reader = f"read_parquet('{path}')"
        con.execute(f"create view {table} as select * from {reader}")
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def db(clean: Path) -> duckdb.DuckDBPyConnection:
    con = connect(clean)
    con.execute(
        """
        create table bound_orders as
        select orders.*, bindings.member_id, members.joined_at, members.exited_at
        from orders
        left join member_bindings as bindings using (channel, customer_id)
        left join members using (member_id)
        """
    )
    return con


# -- shape ---------------------------------------------------------------------------


def test_generator_contract_mirrors_sources_yaml() -> None:
    from memberkpi.contract.generator_schema import RAW_TABLES

    expected = contract()
    assert len(expected) == 14
    assert {t: [(n, d.replace(" ", "")) for n, d in cols] for t, cols in RAW_TABLES.items()} == (
        expected
    )


def test_every_parquet_file_has_the_contract_columns_and_types(clean: Path) -> None:
    con = duckdb.connect()
    for table, columns in contract().items():
        described = con.execute(
            f"select column_name, column_type from (describe select * from "
            f"read_parquet('{clean / (table + '.parquet')}'))"
        ).fetchall()
        assert described == [(name, DUCK_TYPES[kind]) for name, kind in columns], table
        assert scalar(con, f"select count(*) from read_parquet('{clean / (table + '.parquet')}')")
    assert sorted(p.name for p in clean.iterdir()) == sorted(f"{t}.parquet" for t in contract())


def test_csv_output_has_header_and_same_rows_as_parquet(clean: Path, tmp_path: Path) -> None:
    out = run(tmp_path / "csv", file_format="csv")
    assert sorted(p.suffix for p in out.iterdir()) == [".csv"] * 14
    parquet = connect(clean)
    text = connect(out, "csv", text=True)
    for table, columns in contract().items():
        with (out / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == [name for name, _ in columns]
        casts = ", ".join(f"cast({n} as {k}) as {n}" for n, k in columns)
        rows = parquet.execute(f"select * from {table}").fetchall()
        typed = text.execute(f"select {casts} from {table}").fetchall()
        assert rows == typed, table


def test_same_seed_same_bytes_other_seed_other_bytes(clean: Path, tmp_path: Path) -> None:
    again = run(tmp_path / "again")
    other = run(tmp_path / "other", seed=12)
    first, second, third = checksums(clean), checksums(again), checksums(other)
    assert first == second
    assert len(first) == 14
    assert all(first[name] != third[name] for name in first)


def test_cli_generate_writes_tables_and_reports_time(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--members",
            "300",
            "--years",
            "1",
            "--out",
            str(tmp_path / "cli"),
            "--format",
            "csv",
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"generated in \d+\.\d s", result.output)
    con = connect(tmp_path / "cli", "csv")
    assert scalar(con, "select count(*) from members") == 300
    assert scalar(con, "select max(ordered_at)::date::varchar from orders") <= END
    assert scalar(con, "select min(ordered_at)::date::varchar from orders") >= "2025-01-01"


def test_generator_duckdb_takes_the_builds_memory_limit_and_spill_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spill = tmp_path / "spill"
    monkeypatch.setenv("MEMBERKPI_TEMP_DIR", str(spill))
    monkeypatch.setenv("MEMBERKPI_MEMORY_LIMIT", "1MB")
    out = tmp_path / "starved"
    result = CliRunner().invoke(app, ["generate", "--members", "300", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "out of memory" in result.output
    assert "memory_limit 1MB" in result.output
    assert "MEMBERKPI_MEMORY_LIMIT" in result.output
    assert spill.is_dir()
    assert not (out / "members.parquet").exists()
    # with room enough, the same bytes as with a generous limit
    monkeypatch.setenv("MEMBERKPI_MEMORY_LIMIT", "256MB")
    result = CliRunner().invoke(
        app, ["generate", "--members", "1500", "--seed", "11", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert checksums(out) == checksums(run(tmp_path / "roomy", memory_limit="4GB"))


# -- templates ---------------------------------------------------------------------------


def test_template_parameters_become_sql_literals() -> None:
    assert sql_literal(7) == "7"
    assert sql_literal(15.5) == "15.5"
    assert sql_literal("Xi'an") == "'Xi''an'"
    assert sql_literal(dt.date(2024, 1, 1)) == "date '2024-01-01'"
    assert sql_literal([168, 314]) == "[168, 314]"
    with pytest.raises(TypeError):
        sql_literal(True)


def test_a_template_is_split_into_its_statements_and_needs_every_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("memberkpi.demo.sql_templates.TEMPLATE_DIR", tmp_path)
    (tmp_path / "sample.sql").write_text(
        "-- a comment; not an end\ncreate table t as select $n as n;\n\nselect * from t\n",
        encoding="utf-8",
    )
    assert render("sample", {"n": 3, "unused": "x"}) == [
        "-- a comment; not an end\ncreate table t as select 3 as n",
        "select * from t",
    ]
    with pytest.raises(KeyError, match="needs parameters \\['n'\\]"):
        render("sample", {})


def test_one_template_per_raw_table_and_every_parameter_is_used() -> None:
    names = {path.stem for path in TEMPLATE_DIR.glob("*.sql")}
    assert names == set(contract()) | {"session_macros"}
    assert sorted(BUILD_ORDER) == sorted(contract())
    parameters = template_parameters(300, Window(dt.date(2025, 12, 31), 2), seed=3)
    used = set()
    for name in names:
        text = (TEMPLATE_DIR / f"{name}.sql").read_text(encoding="utf-8")
        used |= set(Template(text).get_identifiers())
    assert used == set(parameters)
    # 2024-01-01 .. 2025-12-31 (2024 has 366 days): 618 and Double 11 of both
    # years (152 + 17, 305 + 10, 366 + 151 + 17, 366 + 304 + 10), two year ends
    assert parameters["festival_days"] == [169, 315, 534, 680]
    assert parameters["year_end_days"] == [365, 730]
    assert parameters["last_second"] == 731 * 86400 - 1


# -- the clean data is clean ------------------------------------------------------------


KEYS = {
    "members": ["member_id"],
    "member_bindings": ["channel", "customer_id"],
    "orders": ["order_id"],
    "order_items": ["order_id", "line_number"],
    "points_ledger": ["entry_id"],
    "tier_changes": ["member_id", "changed_at"],
    "channel_traffic": ["traffic_date", "channel"],
    "interactions": ["interaction_id"],
    "campaigns": ["campaign_id"],
    "campaign_touches": ["touch_id"],
    "service_tickets": ["ticket_id"],
    "reviews": ["review_id"],
    "surveys": ["response_id"],
    "exposure_resources": ["snapshot_date", "channel", "resource_id"],
}


def test_keys_unique_and_present(db: duckdb.DuckDBPyConnection) -> None:
    for table, key in KEYS.items():
        columns = ", ".join(key)
        nulls = " or ".join(f"{c} is null" for c in key)
        assert scalar(db, f"select count(*) from {table} where {nulls}") == 0, table
        assert scalar(db, f"select count(*) - count(distinct ({columns})) from {table}") == 0, table


def test_codes_amounts_dates_and_references_are_valid(db: duckdb.DuckDBPyConnection) -> None:
    channels = seed_codes("channels", "channel_code")
    tiers = seed_codes("tiers", "tier_code")
    assert {r[0] for r in db.execute("select distinct channel from orders").fetchall()} == channels
    assert {r[0] for r in db.execute("select distinct tier from members").fetchall()} == tiers
    for table, column in [
        ("member_bindings", "channel"),
        ("interactions", "channel"),
        ("campaigns", "channel"),
        ("service_tickets", "channel"),
        ("reviews", "channel"),
        ("channel_traffic", "channel"),
        ("exposure_resources", "channel"),
        ("members", "join_channel"),
    ]:
        found = {r[0] for r in db.execute(f"select distinct {column} from {table}").fetchall()}
        assert found <= channels, table
    checks = {
        "negative or inconsistent amounts": """
            select count(*) from orders where gross_amount <= 0 or discount_amount < 0
            or paid_amount < 0 or refunded_amount < 0 or paid_amount > gross_amount
            or refunded_amount > paid_amount
            or paid_amount <> case when paid_at is null then 0
                else gross_amount - discount_amount end""",
        "timestamps after the end date": f"""
            select count(*) from orders
            where ordered_at::date > date '{END}' or paid_at::date > date '{END}'""",
        "exit before join": "select count(*) from members where exited_at < joined_at",
        "items of unknown orders": """
            select count(*) from order_items where order_id not in (select order_id from orders)""",
        "bindings of unknown members": """
            select count(*) from member_bindings
            where member_id not in (select member_id from members)""",
        "points of unknown members": """
            select count(*) from points_ledger
            where member_id not in (select member_id from members)""",
        "touches of unknown campaigns": """
            select count(*) from campaign_touches
            where campaign_id not in (select campaign_id from campaigns)""",
        "reviews of unknown orders": """
            select count(*) from reviews where order_id not in (select order_id from orders)""",
        "scores out of range": """
            select (select count(*) from reviews where rating not between 1 and 5)
                + (select count(*) from surveys where nps_score not between 0 and 10)
                + (select count(*) from service_tickets
                   where satisfaction_score not between 1 and 5)
                + (select count(*) from members where city_tier not between 1 and 5)""",
        "tier changes with unknown tiers": f"""
            select count(*) from tier_changes where from_tier not in {tuple(sorted(tiers))}
                or to_tier not in {tuple(sorted(tiers))} or from_tier = to_tier""",
        "line amount is not price x quantity": """
            select count(*) from order_items
            where line_amount <> unit_price * quantity or quantity < 1""",
        "gross is not the sum of lines": """
            select count(*) from (
                select orders.order_id, any_value(gross_amount) as gross,
                    sum(line_amount) as lines
                from orders inner join order_items using (order_id)
                group by orders.order_id)
            where gross <> lines""",
    }
    for label, sql in checks.items():
        assert scalar(db, sql) == 0, label


# -- realism ----------------------------------------------------------------------------


def test_volume_and_heavy_tails(db: duckdb.DuckDBPyConnection) -> None:
    # two years of orders, non-members' included: most members buy a few
    # times a year for a while, then stop (calibrated on seeds/kpi_benchmarks.csv)
    orders_per_member = scalar(db, "select count(*) / 1500 from orders")
    assert 3 <= orders_per_member <= 8
    p50, p99 = db.execute(
        """
        select quantile_cont(n, 0.5), quantile_cont(n, 0.99)
        from (select member_id, count(*) as n from bound_orders
              where member_id is not null group by 1)
        """
    ).fetchall()[0]
    assert p99 > 5 * p50
    spend50, spend99 = db.execute(
        """
        select quantile_cont(s, 0.5), quantile_cont(s, 0.99)
        from (select member_id, sum(paid_amount) as s from bound_orders
              where member_id is not null group by 1)
        """
    ).fetchall()[0]
    assert spend99 > 10 * spend50


def test_channels_differ_in_mix_and_order_value(db: duckdb.DuckDBPyConnection) -> None:
    rows = dict(db.execute("select channel, avg(gross_amount) from orders group by 1").fetchall())
    counts = dict(db.execute("select channel, count(*) from orders group by 1").fetchall())
    assert len(rows) == 6
    assert rows["offline_pos"] > rows["douyin"] * 1.2
    assert max(counts.values()) > 2 * min(counts.values())
    app_share = dict(
        db.execute(
            "select member_id is null, avg((channel in ('app', 'wechat_mall'))::int) "
            "from bound_orders group by 1"
        ).fetchall()
    )
    assert app_share[False] > 1.5 * app_share[True]


def test_618_and_double_11_peaks(db: duckdb.DuckDBPyConnection) -> None:
    per_day = dict(
        db.execute(
            "select strftime(paid_at, '%m-%d'), count(*) / 2 from orders "
            "where paid_at is not null group by 1"
        ).fetchall()
    )
    typical = sorted(per_day.values())[len(per_day) // 2]
    assert per_day["11-11"] > 4 * typical
    assert per_day["06-18"] > 4 * typical
    visitors = dict(
        db.execute(
            "select strftime(traffic_date, '%m-%d'), sum(visitors) from channel_traffic group by 1"
        ).fetchall()
    )
    assert visitors["11-11"] > 2 * visitors["09-15"]


def test_members_buying_before_joining_and_after_exiting(db: duckdb.DuckDBPyConnection) -> None:
    before = scalar(
        db,
        "select count(distinct member_id) from bound_orders "
        "where member_id is not null and ordered_at::date < joined_at::date",
    )
    after = scalar(
        db,
        "select count(distinct member_id) from bound_orders where paid_at::date > exited_at::date",
    )
    exited_share = scalar(db, "select avg((exited_at is not null)::int) from members")
    assert before >= 50
    assert after >= 10
    assert 0.06 <= exited_share <= 0.14


def test_cancellations_and_refunds(db: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        db.execute(
            """
            select kind, count(*) from (
                select case
                    when status = 'cancelled' and paid_at is null then 'cancelled_unpaid'
                    when status = 'cancelled' then 'cancelled_paid'
                    when status = 'refunded' and refunded_amount = paid_amount
                        and paid_amount > 0 then 'full_refund'
                    when status = 'partially_refunded' and refunded_amount > 0
                        and refunded_amount < paid_amount then 'partial_refund'
                    when status = 'paid' and refunded_amount = 0 then 'paid'
                    else 'other'
                end as kind
                from orders)
            group by 1
            """
        ).fetchall()
    )
    assert "other" not in counts
    for kind in ("cancelled_unpaid", "cancelled_paid", "full_refund", "partial_refund"):
        assert counts.get(kind, 0) >= 100, kind
    assert counts["paid"] > 0.8 * sum(counts.values())


def test_non_members_and_shared_mobile_hashes(db: duckdb.DuckDBPyConnection) -> None:
    # members bring about half the sales (benchmark member_sales_share P50 0.50)
    unbound_share = scalar(db, "select avg((member_id is null)::int) from bound_orders")
    assert 0.3 <= unbound_share <= 0.65
    shared = scalar(
        db,
        """
        select count(*) from (
            select mobile_hash from bound_orders
            where member_id is null and mobile_hash is not null
            group by 1 having count(distinct channel) >= 2)
        """,
    )
    assert shared >= 50


def test_members_bound_to_one_to_three_channels(db: duckdb.DuckDBPyConnection) -> None:
    spread = dict(
        db.execute(
            """
            select n, count(*) from (
                select member_id, count(*) as n, count(distinct channel) as channels
                from member_bindings group by 1 having n = channels)
            group by 1
            """
        ).fetchall()
    )
    assert set(spread) == {1, 2, 3}
    assert sum(spread.values()) == 1500
    assert spread[2] >= 100 and spread[3] >= 50
    home = scalar(
        db,
        """
        select count(*) from members
        where not exists (select 1 from member_bindings as b
            where b.member_id = members.member_id and b.channel = members.join_channel)
        """,
    )
    assert home == 0


def test_items_categories_and_orders_without_items(db: duckdb.DuckDBPyConnection) -> None:
    categories = {r[0] for r in db.execute("select distinct category from order_items").fetchall()}
    assert {"formula", "diapers", "toys", "clothing", "skincare"} <= categories
    without = scalar(
        db,
        "select count(*) from orders where order_id not in (select order_id from order_items)",
    )
    assert without >= 100
    assert (
        scalar(
            db,
            "select count(*) from (select order_id from order_items group by 1 "
            "having count(*) >= 3)",
        )
        >= 100
    )


def test_points_tiers_and_engagement_tables(db: duckdb.DuckDBPyConnection) -> None:
    types = dict(
        db.execute("select entry_type, min(points) from points_ledger group by 1").fetchall()
    )
    assert set(types) == {"earn", "redeem", "expire", "adjust"}
    assert types["earn"] > 0 and types["redeem"] < 0 and types["expire"] < 0
    assert (
        scalar(
            db,
            "select count(*) from points_ledger where entry_type = 'earn' "
            "and order_id not in (select order_id from orders where paid_at is not null)",
        )
        == 0
    )
    assert scalar(db, "select count(*) from tier_changes") >= 300
    assert scalar(db, "select count(distinct interaction_type) from interactions") == 7
    below = scalar(
        db,
        """
        select count(*) from channel_traffic as traffic
        left join (select channel, paid_at::date as day, count(distinct customer_id) as buyers
                   from orders where paid_at is not null group by 1, 2) as buyers
            on traffic.channel = buyers.channel and traffic.traffic_date = buyers.day
        where traffic.visitors < 5 * coalesce(buyers.buyers, 0)
        """,
    )
    assert below == 0
    assert scalar(db, "select count(*) from channel_traffic") == 6 * 731
    entry = scalar(db, "select avg(shows_member_entry::int) from exposure_resources")
    assert 0.1 < entry < 0.9


def test_campaigns_with_control_groups_and_positive_uplift(db: duckdb.DuckDBPyConnection) -> None:
    assert 24 <= scalar(db, "select count(*) from campaigns") <= 24 * 13
    assert (
        scalar(
            db,
            "select count(*) from campaign_touches where test_group = 'control' "
            "and (delivered or opened_at is not null or clicked_at is not null)",
        )
        == 0
    )
    assert scalar(db, "select count(*) from campaign_touches where test_group = 'control'") >= 50
    rates = dict(
        db.execute(
            """
            select test_group, avg(responded::int) from (
                select touches.test_group, exists (
                    select 1 from bound_orders as o
                    where o.member_id = touches.member_id and o.status <> 'cancelled'
                        and o.paid_at > touches.touched_at
                        and o.paid_at <= touches.touched_at + interval 7 day
                ) as responded
                from campaign_touches as touches
                where touches.test_group = 'control' or touches.delivered)
            group by 1
            """
        ).fetchall()
    )
    assert rates["treatment"] > rates["control"] + 0.05


def test_campaign_budgets_follow_the_touches(db: duckdb.DuckDBPyConnection) -> None:
    """campaigns.budget_amount (optional in the contract, written by the demo):
    a campaign that contacted members has a budget of 1 to 10 CNY per
    treatment touch (a message and a coupon), in whole fen; one that
    contacted nobody has none (null, not 0); and budgets differ with the
    touches, so ROI varies between campaigns."""
    rows = db.execute(
        """
        select campaigns.campaign_id, campaigns.budget_amount,
            count(touches.touch_id) as treatment_touches
        from campaigns
        left join campaign_touches as touches
            on campaigns.campaign_id = touches.campaign_id
            and touches.test_group = 'treatment'
        group by all
        """
    ).fetchall()
    budgeted = [(budget, touches) for _, budget, touches in rows if touches > 0]
    assert len(budgeted) >= len(rows) // 2
    for budget, touches in budgeted:
        assert budget is not None and 1 * touches <= budget <= 10 * touches
        assert budget == round(budget, 2)
    assert all(budget is None for _, budget, touches in rows if touches == 0)
    assert len({budget for budget, _ in budgeted}) >= 10


def test_service_reviews_and_surveys(db: duckdb.DuckDBPyConnection) -> None:
    tickets = db.execute(
        """
        select count(*), count(*) - count(first_response_at), count(*) - count(resolved_at),
            count(satisfaction_score), count(*) - count(satisfaction_score),
            count(distinct ticket_type)
        from service_tickets
        """
    ).fetchall()[0]
    total, unanswered, unresolved, rated, unrated, kinds = tickets
    # about 1% of some 7,500 orders (complaint_rate near its benchmark P50)
    assert total >= 80 and unanswered > 0 and unresolved > 0 and rated > 0 and unrated > 0
    assert kinds == 4
    assert {r[0] for r in db.execute("select distinct rating from reviews").fetchall()} == {
        1,
        2,
        3,
        4,
        5,
    }
    assert scalar(db, "select count(distinct nps_score) from surveys") >= 10


# -- dirty ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(tmp_path_factory.mktemp("dirty"), members=2500, dirty=True, file_format="csv")


def reasons_sql(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per table, a query giving each distinct raw row's reject reason (null when clean).

    Written from docs/quarantine_rules.md with the as-of date AS_OF.
    """
    channels = (
        "(" + ", ".join(f"'{c}'" for c in sorted(seed_codes("channels", "channel_code"))) + ")"
    )
    tiers = "(" + ", ".join(f"'{c}'" for c in sorted(seed_codes("tiers", "tier_code"))) + ")"
    con.execute("create or replace macro blank(x) as x is null or trim(x) = ''")
    con.execute("create or replace macro ts(x) as try_cast(x as timestamp)")
    con.execute(f"create or replace macro late(x) as ts(x)::date > date '{AS_OF}'")
    con.execute("create or replace macro unparsed(x) as x is not null and ts(x) is null")
    con.execute("create or replace macro badts(x) as unparsed(x) or late(x)")
    con.execute("create or replace macro num(x) as try_cast(x as decimal(18, 2))")
    con.execute("create or replace macro badnum(x) as num(x) is null or num(x) < 0")
    con.execute(
        "create or replace macro whole(x) as try_cast(x as double) = floor(try_cast(x as double))"
    )
    con.execute(
        "create or replace macro badbool(x) as x is not null and try_cast(x as boolean) is null"
    )
    con.execute(
        "create or replace macro notin(x, lo, hi) as x is not null and "
        "(try_cast(x as integer) is null or try_cast(x as integer) not between lo and hi "
        "or not whole(x))"
    )
    return {
        "members": f"""
            case when blank(member_id) then 'missing_key'
            when join_channel not in {channels} or join_channel is null
                or tier not in {tiers} or tier is null or gender not in ('F', 'M')
                or badbool(sms_opt_in) or badbool(wechat_bound) or badbool(app_push_opt_in)
                then 'unknown_code'
            when ts(joined_at) is null or late(joined_at) or badts(exited_at)
                or ts(exited_at) < ts(joined_at) then 'bad_timestamp'
            when notin(city_tier, 1, 5) or notin(birth_year, 1900, 2026) then 'out_of_range'
            end""",
        "member_bindings": f"""
            case when blank(channel) or blank(customer_id) then 'missing_key'
            when channel not in {channels} then 'unknown_code'
            when ts(bound_at) is null or late(bound_at) then 'bad_timestamp'
            when member_id is null or member_id not in (select id from clean_members)
                then 'orphan' end""",
        "orders": f"""
            case when blank(order_id) or blank(customer_id) then 'missing_key'
            when channel not in {channels} or channel is null
                or status not in ('paid', 'cancelled', 'refunded', 'partially_refunded')
                or status is null then 'unknown_code'
            when badnum(gross_amount) or badnum(discount_amount) or badnum(paid_amount)
                or badnum(refunded_amount) or num(paid_amount) > num(gross_amount)
                or num(refunded_amount) > num(paid_amount) then 'bad_amount'
            when ts(ordered_at) is null or late(ordered_at) or badts(paid_at)
                then 'bad_timestamp' end""",
        "order_items": """
            case when blank(order_id) or try_cast(line_number as integer) is null
                then 'missing_key'
            when badnum(quantity) or badnum(unit_price) or badnum(line_amount)
                or not whole(quantity) then 'bad_amount'
            when order_id not in (select id from clean_orders) then 'orphan' end""",
        "points_ledger": """
            case when blank(entry_id) then 'missing_key'
            when entry_type not in ('earn', 'redeem', 'expire', 'adjust')
                or entry_type is null then 'unknown_code'
            when try_cast(points as double) is null or not whole(points) then 'bad_amount'
            when ts(occurred_at) is null or late(occurred_at) then 'bad_timestamp'
            when member_id not in (select id from clean_members) then 'orphan' end""",
        "tier_changes": f"""
            case when blank(member_id) or blank(changed_at) then 'missing_key'
            when to_tier not in {tiers} or to_tier is null or from_tier not in {tiers}
                then 'unknown_code'
            when badts(changed_at) then 'bad_timestamp'
            when member_id not in (select id from clean_members) then 'orphan' end""",
        "channel_traffic": f"""
            case when blank(traffic_date) or blank(channel) then 'missing_key'
            when channel not in {channels} then 'unknown_code'
            when badnum(visitors) or not whole(visitors) then 'bad_amount'
            when badts(traffic_date) then 'bad_timestamp' end""",
        "interactions": f"""
            case when blank(interaction_id) then 'missing_key'
            when channel not in {channels} or channel is null or interaction_type not in
                ('sign_in', 'game', 'content_view', 'share', 'live_view', 'coupon_claim',
                 'review') or interaction_type is null then 'unknown_code'
            when ts(occurred_at) is null or late(occurred_at) then 'bad_timestamp' end""",
        "campaigns": f"""
            case when blank(campaign_id) then 'missing_key'
            when channel not in {channels} or channel is null then 'unknown_code'
            when budget_amount is not null and badnum(budget_amount) then 'bad_amount'
            when ts(starts_at) is null or late(starts_at) or unparsed(ends_at)
                or ts(ends_at) < ts(starts_at) then 'bad_timestamp' end""",
        "campaign_touches": """
            case when blank(touch_id) then 'missing_key'
            when touch_channel not in ('sms', 'wechat', 'app_push', 'email')
                or touch_channel is null or test_group not in ('treatment', 'control')
                or test_group is null or badbool(delivered) then 'unknown_code'
            when ts(touched_at) is null or late(touched_at) or badts(opened_at)
                or badts(clicked_at) then 'bad_timestamp'
            when campaign_id not in (select id from clean_campaigns)
                or member_id not in (select id from clean_members) then 'orphan' end""",
        "service_tickets": f"""
            case when blank(ticket_id) then 'missing_key'
            when channel not in {channels} or channel is null or ticket_type not in
                ('inquiry', 'complaint', 'return', 'exchange') or ticket_type is null
                then 'unknown_code'
            when ts(created_at) is null or late(created_at) or badts(first_response_at)
                or badts(resolved_at) then 'bad_timestamp'
            when notin(satisfaction_score, 1, 5) then 'out_of_range' end""",
        "reviews": f"""
            case when blank(review_id) then 'missing_key'
            when channel not in {channels} or channel is null then 'unknown_code'
            when ts(created_at) is null or late(created_at) then 'bad_timestamp'
            when order_id not in (select id from clean_orders) then 'orphan'
            when rating is null or notin(rating, 1, 5) then 'out_of_range' end""",
        "surveys": """
            case when blank(response_id) then 'missing_key'
            when ts(responded_at) is null or late(responded_at) then 'bad_timestamp'
            when member_id not in (select id from clean_members) then 'orphan'
            when nps_score is null or notin(nps_score, 0, 10) then 'out_of_range' end""",
        "exposure_resources": f"""
            case when blank(snapshot_date) or blank(channel) or blank(resource_id)
                then 'missing_key'
            when channel not in {channels} or badbool(shows_member_entry) then 'unknown_code'
            when badts(snapshot_date) then 'bad_timestamp' end""",
    }


DEDUPE = {
    "members": "joined_at",
    "member_bindings": "bound_at",
    "orders": "ordered_at",
    "points_ledger": "occurred_at",
    "tier_changes": "changed_at",
    "interactions": "occurred_at",
    "campaigns": "starts_at",
    "campaign_touches": "touched_at",
    "service_tickets": "created_at",
    "reviews": "created_at",
    "surveys": "responded_at",
}


def classify(con: duckdb.DuckDBPyConnection, table: str, rule: str) -> dict[str, int]:
    columns = [name for name, _ in contract()[table]]
    ties = ", ".join(f"{c} desc" for c in columns)
    stamp = DEDUPE.get(table)
    order = (f"ts({stamp}) desc nulls last, " if stamp else "") + ties
    key = ", ".join(f"nullif(trim({c}), '')" for c in KEYS[table])
    con.execute(
        f"""
        create or replace table reasons_{table} as
        select *, case
            when rule_reason = 'missing_key' then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            else rule_reason end as reason
        from (
            select *, {rule} as rule_reason,
                row_number() over (partition by {key} order by {order}) as key_rank
            from (select distinct * from {table}))
        """
    )
    return dict(
        con.execute(
            f"select reason, count(*) from reasons_{table} where reason is not null group by 1"
        ).fetchall()
    )


def test_dirty_manifest_lists_every_applicable_class(dirty: Path) -> None:
    manifest = json.loads((dirty / "_dirty_manifest.json").read_text(encoding="utf-8"))
    expected = documented_reject_classes()
    assert set(manifest) == set(contract()) == set(expected)
    for table, counts in manifest.items():
        assert set(counts) == expected[table] | {"exact_duplicates"}, table
        assert all(count >= 1 for count in counts.values()), table


def test_dirty_rows_are_where_the_manifest_says(dirty: Path) -> None:
    manifest = json.loads((dirty / "_dirty_manifest.json").read_text(encoding="utf-8"))
    con = connect(dirty, "csv", text=True)
    rules = reasons_sql(con)
    parents = {"members": "member_id", "orders": "order_id", "campaigns": "campaign_id"}
    order = ["members", "orders", "campaigns"] + [t for t in contract() if t not in parents]
    for table in order:
        raw = scalar(con, f"select count(*) from {table}")
        distinct = scalar(con, f"select count(*) from (select distinct * from {table})")
        assert raw - distinct == manifest[table]["exact_duplicates"], table
        found = classify(con, table, rules[table])
        expected = {k: v for k, v in manifest[table].items() if k != "exact_duplicates"}
        assert found == expected, table
        bad = sum(expected.values()) + manifest[table]["exact_duplicates"]
        assert bad / raw < (0.05 if raw < 10000 else 0.01), table
        if table in parents:
            con.execute(
                f"create table clean_{table} as select {parents[table]} as id "
                f"from reasons_{table} where reason is null"
            )


def test_dirty_parquet_is_text_and_equals_dirty_csv(dirty: Path, tmp_path: Path) -> None:
    out = run(tmp_path / "dirty_parquet", members=2500, dirty=True)
    assert (out / "_dirty_manifest.json").read_bytes() == (
        dirty / "_dirty_manifest.json"
    ).read_bytes()
    parquet = connect(out)
    text = connect(dirty, "csv", text=True)
    for table, columns in contract().items():
        types = parquet.execute(
            f"select distinct column_type from (describe select * from {table})"
        ).fetchall()
        assert types == [("VARCHAR",)], table
        names = ", ".join(name for name, _ in columns)
        left = parquet.execute(f"select {names} from {table}").fetchall()
        right = text.execute(f"select {names} from {table}").fetchall()
        # CSV cannot tell an empty string from a missing value
        assert [tuple(v or None for v in row) for row in left] == [
            tuple(v or None for v in row) for row in right
        ], table
    assert "not-a-date" in (dirty / "orders.csv").read_text(encoding="utf-8")
    assert ",abc," in (dirty / "orders.csv").read_text(encoding="utf-8")
