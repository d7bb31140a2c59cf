"""Predicted CLV inside `dbt build`: fct_member_clv_inputs (SQL) and the dbt
Python models member_clv_parameters and member_clv_predicted.

The CDNOW sample goes through the same path as a brand's data: its 6,919
transactions are written as raw `orders` (one paid order each, on the
Tmall channel, amount in dollars as gross = paid amount), each of the 2,357
customers as a raw `members` row joined on 1997-01-01 and a
`member_bindings` row, and `dbt build` fits the models on what fct_orders
makes of them. The fitted parameters must be the published ones (Fader,
Hardie and Lee 2005, see tests/unit/test_clv.py for the sources) and every
member's scores must equal memberkpi.scoring.score_members on the CSV
fixture, which summarises the transactions in pandas, not in SQL.

Raw timestamps carry no UTC offset, so they are business-local whatever
var business_timezone says: the purchase dates do not shift.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import (
    FIXTURES,
    PROJECT_DIR,
    Build,
    query,
    raw_columns,
    run_dbt,
    write_csv,
)
from memberkpi.clv import fitting as clv
from memberkpi.clv import scoring

CALIBRATION_END = dt.date(1997, 9, 30)
# the calendar follows the data (1997-1998): no calendar vars needed
CDNOW_VARS = {
    "clv_calibration_end": "1997-09-30",
    "as_of_date": "1998-06-30",
}
CLV_SELECTION = [
    "--select",
    "+member_clv_predicted",
    "--indirect-selection",
    "cautious",
]
PYTHON_MODELS = ("member_clv_parameters", "member_clv_predicted")

MEMBER_COLUMNS = raw_columns("members")
BINDING_COLUMNS = raw_columns("member_bindings")
ORDER_COLUMNS = raw_columns("orders")


def write_cdnow_raw(cdnow: pd.DataFrame, raw_dir: Path) -> None:
    """The CDNOW sample as the three required raw tables; customer i is member i."""
    customers = sorted(cdnow["customer_id"].unique())
    joined_at = "1997-01-01 00:00:00"
    write_csv(
        raw_dir / "members.csv",
        MEMBER_COLUMNS,
        (
            [str(customer), joined_at, "tmall", None, "normal"] + [None] * 8
            for customer in customers
        ),
    )
    write_csv(
        raw_dir / "member_bindings.csv",
        BINDING_COLUMNS,
        ([str(customer), "tmall", f"cd{customer}", joined_at] for customer in customers),
    )
    write_csv(
        raw_dir / "orders.csv",
        ORDER_COLUMNS,
        (
            [
                f"cd{row.customer_id}-{number}",
                "tmall",
                f"cd{row.customer_id}",
                None,
                f"{row.purchase_date} 12:00:00",
                f"{row.purchase_date} 12:00:00",
                "paid",
                f"{row.amount:.2f}",
                "0.00",
                f"{row.amount:.2f}",
                "0.00",
                None,
            ]
            for number, row in enumerate(cdnow.itertuples(index=False))
        ),
    )


def read_table(db_path: Path, table: str) -> pd.DataFrame:
    """A built table as a DataFrame, columns in table order."""
    columns = [name for name, _ in column_types(db_path, table)]
    return pd.DataFrame(query(db_path, f"select * from {table}"), columns=columns)


def column_types(db_path: Path, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    return [
        (column, kind.lower())
        for column, kind in query(
            db_path,
            "select column_name, data_type from information_schema.columns"
            f" where table_schema = '{schema}' and table_name = '{name}'"
            " order by ordinal_position",
        )
    ]


def yaml_types(model: str) -> list[tuple[str, str]]:
    """(column, data_type) as listed in the model's YAML, in order."""
    properties = yaml.safe_load((PROJECT_DIR / "models" / "metrics" / f"{model}.yml").read_text())
    (node,) = properties["models"]
    return [(column["name"], column["data_type"]) for column in node["columns"]]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "cdnow_sample.csv")


@pytest.fixture(scope="module")
def cdnow_warehouse(cdnow: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dbt build of member_clv_predicted and its parents on CDNOW as raw data."""
    root = tmp_path_factory.mktemp("cdnow")
    raw_dir = root / "raw"
    raw_dir.mkdir()
    write_cdnow_raw(cdnow, raw_dir)
    result = run_dbt(
        ["build", *CLV_SELECTION], work_dir=root / "dbt", raw_dir=raw_dir, dbt_vars=CDNOW_VARS
    )
    assert result.success, result.output[-4000:]
    return result.db_path


@pytest.mark.slow
def test_cdnow_raw_rows_all_land(cdnow_warehouse: Path) -> None:
    """Every transaction is an order of its member; the 8 $0 transactions are
    not member orders (KPI_SPEC: net amount > 0) but still purchases of the CLV input."""
    assert query(cdnow_warehouse, "select count(*) from marts.dim_member") == [(2357,)]
    assert query(
        cdnow_warehouse,
        "select count(*), count(member_id), count_if(is_member_order), count_if(net_amount = 0)"
        " from marts.fct_orders",
    ) == [(6919, 6919, 6911, 8)]


@pytest.mark.slow
def test_cdnow_inputs_equal_pandas_summary(cdnow_warehouse: Path, cdnow: pd.DataFrame) -> None:
    """fct_member_clv_inputs (SQL) equals clv.summarize_transactions (pandas), member by member."""
    inputs = read_table(cdnow_warehouse, "marts.fct_member_clv_inputs").set_index("member_id")
    expected = clv.summarize_transactions(cdnow, CALIBRATION_END)
    expected = expected.set_index(expected["customer_id"].astype(str))
    assert len(inputs) == 2357
    assert sorted(inputs.index) == sorted(expected.index)
    inputs = inputs.loc[expected.index]
    assert inputs["frequency"].tolist() == expected["frequency"].astype(int).tolist()
    assert inputs["frequency"].sum() == 2457
    assert inputs["recency_weeks"].to_numpy() == pytest.approx(expected["recency"].to_numpy())
    assert inputs["age_weeks"].to_numpy() == pytest.approx(expected["T"].to_numpy())
    monetary = inputs["mean_repeat_purchase_amount"].astype("float64").to_numpy()
    assert np.array_equal(np.isnan(monetary), np.isnan(expected["monetary"].to_numpy()))
    assert monetary == pytest.approx(expected["monetary"].to_numpy(), nan_ok=True)
    assert (inputs["calibration_end_date"] == CALIBRATION_END).all()


@pytest.mark.slow
def test_cdnow_parameters_through_dbt_are_the_published_ones(cdnow_warehouse: Path) -> None:
    """BG/NBD: Fader, Hardie and Lee (2005), Marketing Science 24(2), r = 0.243,
    alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4. Gamma-Gamma: Fader, Hardie
    and Lee (2005), JMR 42(4), and Fader and Hardie (2013), on the 946 repeat
    buyers, p = 6.25, q = 3.74, gamma = 15.44."""
    (row,) = read_table(cdnow_warehouse, "metrics.member_clv_parameters").to_dict("records")
    assert row["calibration_end_date"] == CALIBRATION_END
    assert row["horizon_weeks"] == 52
    assert row["count_members"] == 2357
    assert row["count_repeat_buyers"] == 946
    assert row["bgnbd_r"] == pytest.approx(0.243, abs=0.005)
    assert row["bgnbd_alpha"] == pytest.approx(4.414, abs=0.005)
    assert row["bgnbd_a"] == pytest.approx(0.793, abs=0.005)
    assert row["bgnbd_b"] == pytest.approx(2.426, abs=0.005)
    assert row["bgnbd_log_likelihood"] == pytest.approx(-9582.4, abs=0.5)
    assert row["order_value_model"] == "gamma_gamma"
    assert row["gamma_gamma_p"] == pytest.approx(6.25, abs=0.01)
    assert row["gamma_gamma_q"] == pytest.approx(3.74, abs=0.01)
    assert row["gamma_gamma_gamma"] == pytest.approx(15.44, abs=0.01)
    assert row["population_order_value"] == pytest.approx(
        row["gamma_gamma_p"] * row["gamma_gamma_gamma"] / (row["gamma_gamma_q"] - 1)
    )


@pytest.mark.slow
def test_cdnow_member_scores_equal_direct_call(cdnow_warehouse: Path, cdnow: pd.DataFrame) -> None:
    """member_clv_predicted equals scoring.score_members on the CSV (pandas summary, own fit)."""
    built = read_table(cdnow_warehouse, "metrics.member_clv_predicted").set_index("member_id")
    orders = pd.DataFrame(
        {
            "member_id": cdnow["customer_id"].astype(str),
            "order_date": pd.to_datetime(cdnow["purchase_date"]).dt.date,
            "net_amount": cdnow["amount"],
        }
    )
    direct = scoring.score_members(orders, CALIBRATION_END).set_index("member_id")
    assert list(built.columns) == list(direct.columns)
    assert sorted(built.index) == sorted(direct.index)
    built = built.loc[direct.index]
    assert (built["calibration_end_date"] == CALIBRATION_END).all()
    assert built["frequency"].tolist() == direct["frequency"].tolist()
    for column in scoring.OUTPUT_COLUMNS[3:]:
        assert built[column].to_numpy() == pytest.approx(direct[column].to_numpy(), rel=1e-6), (
            column
        )


@pytest.mark.slow
def test_python_model_tables_have_their_yaml_types(cdnow_warehouse: Path) -> None:
    """No dbt contract on Python models: the built columns and types equal the YAML."""
    for model, types in (
        ("member_clv_parameters", scoring.PARAMETER_TYPES),
        ("member_clv_predicted", scoring.PREDICTION_TYPES),
    ):
        built = column_types(cdnow_warehouse, f"metrics.{model}")
        assert built == yaml_types(model), model
        assert built == list(types.items()), model


# ------------------------------------------------------------------ a brand's data


@pytest.mark.slow
def test_handmade_scores_are_sane_at_default_calibration_end(handmade_build: Build) -> None:
    """No calibration var: the calibration end is the last day with a paid order, so every
    member with a member order is scored; the tiny fixture is too thin for
    Gamma-Gamma (fewer than 10 repeat buyers), so everyone gets the mean purchase-day value.
    The shared build of the hand-made fixture (tests/conftest.py)."""
    db_path = handmade_build.db_path
    (parameters,) = read_table(db_path, "metrics.member_clv_parameters").to_dict("records")
    # the fixture's last paid order is O40, paid 2025-02-05 10:00 (business time)
    assert parameters["calibration_end_date"] == dt.date(2025, 2, 5)
    assert parameters["order_value_model"] == "mean_purchase_value"
    assert parameters["gamma_gamma_p"] is None
    predicted = read_table(db_path, "metrics.member_clv_predicted")
    buyers = query(
        db_path,
        "select distinct member_id from marts.fct_orders where is_member_order",
    )
    assert sorted(predicted["member_id"]) == sorted(member for (member,) in buyers)
    numbers = predicted[scoring.OUTPUT_COLUMNS[2:]].to_numpy(dtype=float)
    assert np.isfinite(numbers).all()
    assert (predicted["probability_alive"].between(0, 1)).all()
    assert (predicted["expected_purchases_12m"] >= 0).all()
    assert (predicted["expected_order_value"] == parameters["mean_purchase_value"]).all()
    assert predicted["expected_value_12m"].to_numpy() == pytest.approx(
        (predicted["expected_purchases_12m"] * predicted["expected_order_value"]).to_numpy()
    )
    assert (predicted["age_weeks"] >= predicted["recency_weeks"]).all()


@pytest.mark.slow
def test_build_without_python_models(handmade_required_build: Build) -> None:
    """var enable_python_models false: the whole build passes without the CLV
    Python models (the shared build of the required tables, tests/conftest.py)."""
    run_results = handmade_required_build.work_dir / "target" / "run_results.json"
    statuses = {
        result["unique_id"]: result["status"]
        for result in json.loads(run_results.read_text(encoding="utf-8"))["results"]
    }
    assert set(statuses.values()) <= {"success", "pass", "warn"}, statuses
    assert {"model.memberkpi.kpi_monthly", "model.memberkpi.fct_member_clv_inputs"} <= set(statuses)
    assert not [node for node in statuses if any(name in node for name in PYTHON_MODELS)]
    tables = query(
        handmade_required_build.db_path,
        "select table_name from information_schema.tables where table_schema = 'metrics'",
    )
    assert not {name for (name,) in tables} & set(PYTHON_MODELS)
    assert {name for (name,) in tables} >= {"kpi_monthly", "rfm_members"}
