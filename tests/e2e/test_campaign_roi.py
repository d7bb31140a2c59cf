"""campaign_effect.roi and the optional raw column campaigns.budget_amount.

RAW_CONTRACT.md, "Optional columns": a campaigns file may lack
`budget_amount` (the build passes and every ROI is NULL, never 0); when the
column is there it is checked like any amount: a negative or non-numeric
budget is `bad_amount`, a blank one is a NULL budget.

Both builds read tests/fixtures/handmade_ops/ (its README has every row) with
the campaigns file written here. Campaign K1's effect, counted by hand from
the fixture: the delivered treatment touches X1 (A02, order O11 55.00 four
days later), X2 (A03, next order 8 days later: 0) and X5 (A04, O10 81.00
exactly 7 days later) have net sales 136.00; the control touch X4 (A01) none.
Incremental net sales (136 / 3 - 0 / 1) x 3 = 136.00.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, NO_TESTS, query, raw_columns, run_dbt, write_csv

HANDMADE_OPS = FIXTURES / "handmade_ops"
K1_INCREMENTAL_NET_SALES = 136.0  # 55.00 + 81.00 - 0, see the docstring
K1 = ["K1", "spring repurchase", "tmall", "repurchase", "2024-04-01 00:00:00",
      "2024-04-30 00:00:00"]  # fmt: skip
# a campaign without touches
K2 = ["K2", "summer", "jd", "reactivation", "2024-05-01 00:00:00", "2024-05-10 00:00:00"]


def write_raw(raw_dir: Path, campaigns: list[list[object]], *, with_budget: bool) -> None:
    """The handmade_ops files, its campaigns.csv replaced by `campaigns`."""
    for path in HANDMADE_OPS.glob("*.csv"):
        shutil.copy(path, raw_dir / path.name)
    write_csv(
        raw_dir / "campaigns.csv", raw_columns("campaigns", with_optional=with_budget), campaigns
    )


def build(raw_dir: Path, work_dir: Path, **dbt_vars: object) -> Path:
    result = run_dbt(
        ["build", *NO_TESTS], work_dir=work_dir, raw_dir=raw_dir,
        dbt_vars={"as_of_date": "2024-06-30", **dbt_vars},
    )  # fmt: skip
    assert result.success, result.output[-4000:]
    assert "model.memberkpi.campaign_effect" in result.with_status("success")
    return result.db_path


def effects(db_path: Path) -> dict[str, tuple[object, ...]]:
    """campaign_id -> (budget_amount, incremental_net_sales, roi)."""
    rows = query(
        db_path,
        "select campaign_id, budget_amount, incremental_net_sales, roi"
        " from metrics.campaign_effect",
    )
    return {row[0]: row[1:] for row in rows}


@pytest.mark.slow
def test_a_campaigns_file_without_the_column_builds_with_null_roi(
    raw_dir: Path, dbt_work_dir: Path
) -> None:
    write_raw(raw_dir, [K1, K2], with_budget=False)
    db_path = build(raw_dir, dbt_work_dir)
    # the raw view has the column, typed, and null
    assert query(
        db_path,
        "select data_type from information_schema.columns"
        " where table_schema = 'raw' and table_name = 'campaigns'"
        " and column_name = 'budget_amount'",
    ) == [("DECIMAL(18,2)",)]
    found = effects(db_path)
    assert found.keys() == {"K1", "K2"}
    # K1 has an effect to divide, so its NULL ROI comes from the absent budget
    assert found["K1"][1] == pytest.approx(K1_INCREMENTAL_NET_SALES, abs=1e-9)
    assert found["K1"] == (None, pytest.approx(K1_INCREMENTAL_NET_SALES, abs=1e-9), None)
    assert found["K2"] == (None, None, None)
    assert query(db_path, "select count(*) from staging.quarantine_raw__campaigns") == [(0,)]


@pytest.mark.slow
def test_bad_budgets_are_quarantined_and_the_rows_reconcile(
    raw_dir: Path, dbt_work_dir: Path
) -> None:
    campaigns = [
        [*K1, "0.00"],  # a budget of 0: ROI NULL (campaign_effect.yml)
        ["K3", "negative", "tmall", "gmv", "2024-05-01 00:00:00", "2024-05-02 00:00:00", "-5"],
        ["K4", "text", "tmall", "gmv", "2024-05-01 00:00:00", "2024-05-02 00:00:00", "abc"],
        [*K2, None],  # blank: a clean row with a NULL budget
        ["K5", "budgeted", "app", "gmv", "2024-05-03 00:00:00", "2024-05-04 00:00:00", "12.50"],
    ]
    write_raw(raw_dir, campaigns, with_budget=True)
    # 2 of 5 campaigns quarantined (40%): above the default error share of 5%
    db_path = build(raw_dir, dbt_work_dir, quarantine_warn_share=0.5, quarantine_error_share=0.5)
    quarantined = query(
        db_path,
        "select campaign_id, reject_reason, budget_amount"
        " from staging.quarantine_raw__campaigns order by campaign_id",
    )
    assert quarantined == [("K3", "bad_amount", "-5"), ("K4", "bad_amount", "abc")]
    assert query(
        db_path,
        "select reject_reason, count_rows from staging.quarantine_summary"
        " where source_table = 'campaigns'",
    ) == [("bad_amount", 2)]
    # raw 5 = clean 3 + quarantined 2 + collapsed duplicates 0
    assert query(
        db_path,
        "select count_raw_rows, count_clean_rows, count_quarantined_rows,"
        " count_collapsed_duplicates, is_balanced from staging.raw_row_reconciliation"
        " where source_table = 'campaigns'",
    ) == [(5, 3, 2, 0, True)]
    found = effects(db_path)
    assert found.keys() == {"K1", "K2", "K5"}
    # K1: incremental 136.00 over a budget of 0 -> NULL, not a division error
    assert found["K1"] == (0, pytest.approx(K1_INCREMENTAL_NET_SALES, abs=1e-9), None)
    assert found["K2"] == (None, None, None)
    # K5 has a budget but no touches: nothing to divide
    assert found["K5"] == (pytest.approx(12.5), None, None)
