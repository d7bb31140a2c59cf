"""Daily drops (RAW_CONTRACT.md "Daily drops"): a full build over drops equals
the build of the snapshot of their current rows.

- tests/fixtures/drops: hand-written drops of members, member_bindings,
  orders, order_items and tier_changes with the planted changes of its
  README; their current rows are tests/fixtures/handmade, whose other nine
  tables complete both raw folders.
- `memberkpi generate --layout drops` against `--layout snapshot` for the
  same seed.
- a required table whose drops folder holds no data file stops the build,
  naming the table; a table in both layouts too, naming both paths.
- incremental reads (issue 25, acceptance 2 on small data): DuckDB keeps
  every drop row it has read in the warehouse (raw.<table>__drops_read,
  macro raw_drops_keyed_rows), so a build reads only the drops after the
  last one stored. The fixture arrives in four steps, one build each, in one
  warehouse; the steps carry the README's planted changes (a deleted order,
  a tier change and a rebind; a member exit and a row quarantined; its
  correction, a late refund and a cancellation after payment). The last
  build equals the full build of all drops in every mart and metric table,
  and its stored rows give the README's hand counts. A build that cannot
  trust the stored rows reads every drop again and says why.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import (
    DROP_TABLES,
    HANDMADE,
    NO_TESTS,
    Build,
    DbtResult,
    fixture_drops_raw,
    generate_raw,
    query,
    run_dbt,
)
from memberkpi.core.sql_text import sql_string
from scripts.compare_builds import compare_schema

# the staging tables that follow from the raw rows alone (the audit models
# name raw paths and build times)
STAGING_COMPARED = ("quarantine_summary", "raw_row_reconciliation")
GENERATED_END = "2025-12-31"

pytestmark = pytest.mark.slow


def mismatches(left: Path, right: Path) -> list[str]:
    """Tables of marts, metrics and the raw-derived staging tables that differ
    between two warehouses (or exist in one only), with their row counts."""
    found = []
    for schema in ("marts", "metrics", "staging"):
        for table in compare_schema(left, right, schema, digits=9):
            if schema == "staging" and table.name not in STAGING_COMPARED:
                continue
            if not table.equal:
                found.append(
                    f"{schema}.{table.name}: {table.base_rows} vs {table.current_rows}"
                    f" rows, {table.unmatched_rows} unmatched"
                )
    return found


def compared_tables(db_path: Path) -> int:
    (count,) = query(
        db_path,
        "select count(*) from information_schema.tables where table_type = 'BASE TABLE'"
        " and table_schema in ('marts', 'metrics')",
    )[0]
    return int(count)


@pytest.fixture(scope="module")
def fixture_builds(
    tmp_path_factory: pytest.TempPathFactory, handmade_build: Build
) -> tuple[Path, Path, str]:
    """Full builds of the drops fixture and of its snapshot (handmade, the
    run's shared build); the drops build's dbt output."""
    work = tmp_path_factory.mktemp("drops_fixture")
    drops = run_dbt(["build"], work_dir=work / "drops", raw_dir=fixture_drops_raw(work / "raw"))
    assert drops.success, drops.output[-4000:]
    return drops.db_path, handmade_build.db_path, drops.output


def test_fixture_drops_equal_their_snapshot(fixture_builds: tuple[Path, Path, str]) -> None:
    drops_db, snapshot_db, _ = fixture_builds
    assert compared_tables(drops_db) > 20
    assert mismatches(snapshot_db, drops_db) == []


def test_fixture_planted_changes(fixture_builds: tuple[Path, Path, str]) -> None:
    """The README's planted changes, checked on the drops build by hand."""
    db, _, output = fixture_builds
    rows = dict(query(db, "select order_id, order_status from staging.stg_raw__orders"))
    # 42 orders in handmade/orders.csv; O90 (test order) deleted on 2024-10-20
    assert len(rows) == 42
    assert "O90" not in rows
    assert query(db, "select count(*) from staging.stg_raw__order_items where order_id = 'O90'") \
        == [(0,)]  # fmt: skip
    assert rows["O23"] == "partially_refunded"  # late refund, drop 2025-02-10
    assert rows["O31"] == "cancelled"  # cancelled after payment, drop 2025-02-10
    # O24 arrived with status 'shipped' (unknown_code) on 2025-01-15, corrected
    # to 'paid' on 2025-01-31: clean, and nothing of it is left in quarantine
    assert rows["O24"] == "paid"
    (quarantined,) = query(
        db,
        "select count(*) from staging.quarantine_raw__orders"
        " where order_id = 'O24' or status = 'shipped'",
    )[0]
    assert quarantined == 0
    members = {
        member_id: (tier, exited)
        for member_id, tier, exited in query(
            db, "select member_id, tier, exited_at is not null from staging.stg_raw__members"
        )
    }
    assert len(members) == 13
    assert members["M09"] == ("platinum", False)  # gold -> platinum, drop 2024-10-20
    assert members["M05"] == ("silver", True)  # exit, drop 2025-01-15
    # (app, A03) bound to M04 on 2024-09-30, rebound to M03 on 2024-12-31
    assert query(
        db,
        "select member_id from staging.stg_raw__member_bindings"
        " where channel = 'app' and customer_id = 'A03'",
    ) == [("M03",)]
    # rows read = current + superseded + deleted, by hand from the README:
    # orders 47 = 42 + 4 (O90, O23, O24, O31) + 1 (O90's delete marker)
    assert "orders <- 6 drop(s)" in output
    assert "47 rows read = 42 current + 4 superseded + 1 deleted" in output
    # members 15 = 13 + 2 (M05 enrolled, M09 gold); order_items 30 = 28 + 1 + 1
    assert "15 rows read = 13 current + 2 superseded + 0 deleted" in output
    assert "30 rows read = 28 current + 1 superseded + 1 deleted" in output


@pytest.fixture(scope="module")
def generated_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The generator's two layouts of one seed, each built in full; the drops
    folder too."""
    work = tmp_path_factory.mktemp("drops_generated")
    common = ("--members", "2000", "--years", "1", "--seed", "7", "--end-date", GENERATED_END)
    generate_raw(work / "snapshot_raw", *common)
    generate_raw(work / "drops_raw", *common, "--layout", "drops", "--drop-days", "45")
    dbt_vars = {"as_of_date": GENERATED_END}
    builds = []
    # the data tests run on the drops build only: the snapshot side is the
    # layout every other build reads
    for name, args in (("snapshot", ["build", *NO_TESTS]), ("drops", ["build"])):
        result = run_dbt(
            args, work_dir=work / name, raw_dir=work / f"{name}_raw", dbt_vars=dbt_vars
        )
        assert result.success, result.output[-4000:]
        builds.append(result.db_path)
    return builds[0], builds[1], work / "drops_raw"


def test_generated_drops_equal_snapshot(generated_builds: tuple[Path, Path, Path]) -> None:
    """Acceptance 3: both layouts of the same current rows, one warehouse."""
    snapshot_db, drops_db, _ = generated_builds
    assert compared_tables(drops_db) > 20
    assert mismatches(snapshot_db, drops_db) == []


def test_generated_drops_carry_change_traffic(generated_builds: tuple[Path, Path, Path]) -> None:
    """Later drops hold each kind of change the issue lists, read from the files
    (not from the generator): a key seen in an earlier drop with other values."""
    _, _, raw = generated_builds

    def drops(table: str) -> str:
        pattern = sql_string(str(raw / table / "ds=*" / "*.parquet"))
        return f"read_parquet({pattern}, hive_partitioning = true)"

    with duckdb.connect() as connection:
        (first_ds,) = connection.execute(f"select min(ds) from {drops('orders')}").fetchone()
        changes = connection.execute(
            f"""
            select
                count(*) filter (where later.status in ('refunded', 'partially_refunded')
                    and earlier.status = 'paid'),
                count(*) filter (where later.status = 'cancelled' and earlier.status = 'paid'),
                count(*) filter (where later.is_deleted)
            from {drops("orders")} as later
            inner join {drops("orders")} as earlier
                on later.order_id = earlier.order_id and earlier.ds < later.ds
            """
        ).fetchone()
        member_changes = connection.execute(
            f"""
            select
                count(*) filter (where later.exited_at is not null
                    and earlier.exited_at is null),
                count(*) filter (where later.tier <> earlier.tier)
            from {drops("members")} as later
            inner join {drops("members")} as earlier
                on later.member_id = earlier.member_id and earlier.ds < later.ds
            """
        ).fetchone()
        (rebinds,) = connection.execute(
            f"""
            select count(*)
            from {drops("member_bindings")} as later
            inner join {drops("member_bindings")} as earlier
                on later.channel = earlier.channel and later.customer_id = earlier.customer_id
                and earlier.ds < later.ds and earlier.member_id <> later.member_id
            """
        ).fetchone()
        (days,) = connection.execute(
            f"select count(distinct ds) from {drops('orders')} where ds > '{first_ds}'"
        ).fetchone()
    late_refunds, cancellations, deletes = changes
    exits, tier_changes = member_changes
    assert min(late_refunds, cancellations, deletes, exits, tier_changes, rebinds) >= 1, (
        changes,
        member_changes,
        rebinds,
    )
    assert days == 45  # one drop a day after the initial load


@pytest.mark.parametrize(
    ("leftover", "message"),
    [
        (None, "is required but no file"),  # an empty drop folder
        ("_SUCCESS", "its drops folder holds no .parquet or .csv file"),
    ],
)
def test_empty_required_drops_name_the_table(
    tmp_path: Path, leftover: str | None, message: str
) -> None:
    """A required table whose drops folder holds no data file stops the build
    with a message naming the table."""
    raw = fixture_drops_raw(tmp_path / "raw")
    shutil.rmtree(raw / "member_bindings")
    (raw / "member_bindings" / "ds=2025-01-01").mkdir(parents=True)
    if leftover:
        (raw / "member_bindings" / "ds=2025-01-01" / leftover).write_text("")
    result = run_dbt(["run", "--select", "stg_raw__members"], work_dir=tmp_path / "w", raw_dir=raw)
    assert not result.success
    assert "raw table 'member_bindings'" in result.output
    assert message in result.output


def test_required_drops_of_header_only_files_name_the_table(tmp_path: Path) -> None:
    raw = fixture_drops_raw(tmp_path / "raw")
    for path in (raw / "orders").glob("ds=*/*.csv"):
        path.write_text(path.read_text().splitlines()[0] + "\n")
    result = run_dbt(["run", "--select", "stg_raw__members"], work_dir=tmp_path / "w", raw_dir=raw)
    assert not result.success
    assert "raw table 'orders' is required but its file" in result.output
    assert "holds no data rows" in result.output


def test_table_in_both_layouts_names_both_paths(tmp_path: Path) -> None:
    raw = fixture_drops_raw(tmp_path / "raw")
    shutil.copy(HANDMADE / "members.csv", raw / "members.csv")
    result = run_dbt(["run", "--select", "stg_raw__members"], work_dir=tmp_path / "w", raw_dir=raw)
    assert not result.success
    assert "raw table 'members' arrives twice" in result.output
    assert f"{raw}/members.csv" in result.output
    assert f"{raw}/members/ds=*/" in result.output


def test_drop_file_missing_a_contract_column_names_the_file(tmp_path: Path) -> None:
    raw = fixture_drops_raw(tmp_path / "raw")
    drop = raw / "members" / "ds=2025-01-31" / "part-0.csv"
    lines = drop.read_text().splitlines()
    # drop the last column (mobile_hash) of this one drop file only
    drop.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    result = run_dbt(["run", "--select", "stg_raw__members"], work_dir=tmp_path / "w", raw_dir=raw)
    assert not result.success
    assert f"raw file {drop}" in result.output
    assert "lacks required column mobile_hash" in result.output


# the drops each build adds, with the planted changes they carry (README)
STEPS = (
    ("2024-09-30",),  # the initial load
    ("2024-10-20", "2024-12-31"),  # O90 deleted, M09 gold -> platinum, (app, A03) to M03
    ("2025-01-15",),  # M05 exits, O24 quarantined (status shipped)
    ("2025-01-31", "2025-02-10"),  # O24 corrected, O23 late refund, O31 cancelled
)
# step_builds: each step's dbt result, the full build of all drops, the
# orders quarantined after the third step
StepBuilds = tuple[list[DbtResult], Path, list[tuple[str, str]]]
# README hand counts: rows read = current + superseded + deleted
HAND_COUNTS = {
    "orders": (47, 42, 4, 1),
    "order_items": (30, 28, 1, 1),
    "members": (15, 13, 2, 0),
    "member_bindings": (15, 14, 1, 0),
    "tier_changes": (1, 1, 0, 0),
}


def keep_drops(raw: Path, days: tuple[str, ...]) -> None:
    """Remove from raw every drop folder whose day is not in days."""
    for table in DROP_TABLES:
        for folder in (raw / table).glob("ds=*"):
            if folder.name[3:] not in days:
                shutil.rmtree(folder)


def add_drops(raw: Path, source: Path, days: tuple[str, ...]) -> None:
    """Copy source's drop folders of those days into raw."""
    for table in DROP_TABLES:
        for day in days:
            folder = source / table / f"ds={day}"
            if folder.exists():
                shutil.copytree(folder, raw / table / folder.name)


def read_lines(output: str, table: str) -> list[str]:
    """The build's log lines about how it read the drops of table."""
    return re.findall(rf"raw: {table} drops: [^\n]*", output)


def stored_counts(db_path: Path, table: str) -> tuple[int, int, int, int]:
    """Rows stored = current + superseded + deleted, from the stored flags."""
    (row,) = query(
        db_path,
        f"""
        select
            count(*),
            count(*) filter (where drop_is_current),
            count(*) filter (where drop_is_superseded),
            count(*) filter (where not drop_is_current and not drop_is_superseded)
        from raw."{table}__drops_read"
        """,
    )
    return row


@pytest.fixture(scope="module")
def step_builds(
    tmp_path_factory: pytest.TempPathFactory, fixture_builds: tuple[Path, Path, str]
) -> StepBuilds:
    """The fixture's drops in four steps into one warehouse: `dbt seed` after
    the first two (the raw tables are read by the on-run-start hook of any
    dbt command), the orders' quarantine after the third, a build of every
    model without data tests after the last; the full build of all drops
    (fixture_builds); and the orders quarantined after the third step."""
    work = tmp_path_factory.mktemp("drops_incremental")
    source = fixture_drops_raw(work / "all_drops")
    raw = fixture_drops_raw(work / "raw")
    keep_drops(raw, STEPS[0])
    commands = (
        ["seed"],
        ["seed"],
        ["run", "--select", "+quarantine_raw__orders"],
        ["build", *NO_TESTS],
    )
    results = []
    quarantined: list[tuple[str, str]] = []
    for number, (days, args) in enumerate(zip(STEPS, commands, strict=True)):
        if number:
            add_drops(raw, source, days)
        result = run_dbt(args, work_dir=work / "incremental", raw_dir=raw)
        assert result.success, result.output[-4000:]
        results.append(result)
        if number == 2:
            quarantined = query(
                result.db_path,
                "select order_id, reject_reason from staging.quarantine_raw__orders",
            )
    return results, fixture_builds[0], quarantined


def test_each_build_reads_only_the_new_drops(
    step_builds: StepBuilds,
) -> None:
    """The first build reads every drop; the second too, for its drop of
    2024-10-20 brings column is_deleted, which the stored rows lack; the
    third and fourth read only their new drops."""
    results, _, _ = step_builds
    first, second, *later = results
    assert read_lines(first.output, "orders") == [
        "raw: orders drops: every drop read (no drop stored yet)"
    ]
    assert read_lines(second.output, "orders") == [
        "raw: orders drops: every drop read (column is_deleted is new in the drops)"
    ]
    # orders rows per drop (the CSV files' lines after the header): 2024-09-30
    # 19, 2024-10-20 3, 2024-12-31 3, 2025-01-15 7, 2025-01-31 11, 2025-02-10
    # 4 (47 in all, as the README counts)
    expected = [("2024-12-31", 7), ("2025-01-15", 11 + 4)]
    for result, (after, rows) in zip(later, expected, strict=True):
        assert read_lines(result.output, "orders") == [
            f"raw: orders drops: the drops after ds={after} read, {rows} row(s);"
            " earlier drops as stored by the last build"
        ]
    # members gets no new column: its second build reads the drops of
    # 2024-10-20 (M09 turns platinum) and 2024-12-31, one row each
    assert read_lines(second.output, "members") == [
        "raw: members drops: the drops after ds=2024-09-30 read, 2 row(s);"
        " earlier drops as stored by the last build"
    ]


def test_stored_rows_give_the_hand_counts(step_builds: StepBuilds) -> None:
    results, _, _ = step_builds
    db_path = results[-1].db_path
    for table, counts in HAND_COUNTS.items():
        assert stored_counts(db_path, table) == counts, table
        read, current, superseded, deleted = counts
        line = f"{read} rows read = {current} current + {superseded} superseded + {deleted} deleted"
        assert line in results[-1].output, table


def test_planted_changes_land_as_in_a_full_build(
    step_builds: StepBuilds,
) -> None:
    """Every mart and metric table, and the raw reconciliation and quarantine
    summary, equal those of one full build of all drops, row for row."""
    results, full_db, quarantined = step_builds
    incremental_db = results[-1].db_path
    differing = []
    compared = 0
    for schema in ("marts", "metrics", "staging"):
        for table in compare_schema(full_db, incremental_db, schema, digits=9):
            if schema == "staging" and not table.name.startswith(
                ("quarantine_", "raw_row_reconciliation", "stg_raw__")
            ):
                continue
            compared += 1
            if not table.equal:
                differing.append(f"{schema}.{table.name}: {table.unmatched_rows} unmatched")
    assert compared > 60
    assert differing == []
    # the planted changes, read back (README): O24's current row after the
    # drop of 2025-01-15 is the 'shipped' one, quarantined (unknown_code);
    # the drop of 2025-01-31 corrects it, so nothing is quarantined
    assert quarantined == [("O24", "unknown_code")]
    assert query(incremental_db, "select count(*) from staging.quarantine_raw__orders") == [(0,)]
    assert query(
        incremental_db,
        "select order_id, order_status from staging.stg_raw__orders"
        " where order_id in ('O23', 'O24', 'O31', 'O90') order by 1",
    ) == [("O23", "partially_refunded"), ("O24", "paid"), ("O31", "cancelled")]


def test_a_build_that_cannot_trust_the_stored_rows_reads_every_drop(tmp_path: Path) -> None:
    """A drop older than one stored, a stored drop's file changed,
    --full-refresh, and rows flagged by another key each read every drop
    again, naming why; nothing new reads nothing. The current rows stay
    those of the files."""
    raw = fixture_drops_raw(tmp_path / "raw")
    late = tmp_path / "late"
    shutil.move(raw / "orders" / "ds=2025-01-15", late)

    def seed(*extra: str) -> str:
        result = run_dbt(["seed", *extra], work_dir=tmp_path / "w", raw_dir=raw)
        assert result.success, result.output[-3000:]
        return "\n".join(read_lines(result.output, "orders"))

    assert "every drop read (no drop stored yet)" in seed()
    shutil.move(late, raw / "orders" / "ds=2025-01-15")
    assert "every drop read (drop ds=2025-01-15 arrived after a later drop was stored)" in seed()
    assert "the drops after ds=2025-02-10 read, 0 row(s)" in seed()
    changed = next((raw / "orders" / "ds=2024-12-31").glob("*.csv"))
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    os.utime(changed, (1_000_000_000, 1_000_000_000))
    assert (
        "every drop read (the files of drop ds=2024-12-31 changed or went since they were"
        " stored)" in seed()
    )
    assert "every drop read (--full-refresh)" in seed("--full-refresh")
    db_path = tmp_path / "w" / "warehouse.duckdb"
    assert stored_counts(db_path, "orders") == HAND_COUNTS["orders"]
    # rows flagged by another key (as after an edit of the contract's key)
    with duckdb.connect(str(db_path)) as connection:
        connection.execute(
            """update raw."orders__drops_read" set drop_key_rule = 'order_id, channel'"""
        )
    assert "every drop read (the key of the drops is now " in seed()
    assert stored_counts(db_path, "orders") == HAND_COUNTS["orders"]


def test_a_build_stopped_before_flagging_is_completed_by_the_next(tmp_path: Path) -> None:
    """The state a build leaves when it stops after inserting the drops of
    2025-01-31 and 2025-02-10 and before the update that flags what they
    supersede: their rows unflagged, and the earlier rows of O23 and O24
    (README: both in the 2025-01-15 drop, superseded later) still current.
    The next build, with nothing new to read, flags them: the README's hand
    counts and 42 current orders again."""
    raw = fixture_drops_raw(tmp_path / "raw")

    def seed() -> DbtResult:
        result = run_dbt(["seed"], work_dir=tmp_path / "w", raw_dir=raw)
        assert result.success, result.output[-3000:]
        return result

    db_path = seed().db_path
    with duckdb.connect(str(db_path)) as connection:
        connection.execute(
            """update raw."orders__drops_read" set drop_flagged = false
            where ds >= '2025-01-31' and order_id is not null"""
        )
        connection.execute(
            """update raw."orders__drops_read"
            set drop_is_current = true, drop_is_superseded = false
            where ds = '2025-01-15' and order_id in ('O23', 'O24')"""
        )
    assert query(db_path, "select count(*) from raw.orders") == [(44,)]
    result = seed()
    assert read_lines(result.output, "orders") == [
        "raw: orders drops: the drops after ds=2025-02-10 read, 0 row(s);"
        " earlier drops as stored by the last build"
    ]
    assert stored_counts(db_path, "orders") == HAND_COUNTS["orders"]
    assert query(db_path, "select count(*) from raw.orders") == [(42,)]
