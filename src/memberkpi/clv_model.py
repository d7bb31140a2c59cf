"""Score members with predicted 12-month CLV; called by a dbt Python model.

The models and their conventions live in memberkpi.clv: a purchase is a
member-day (same-day orders merge, amounts summed), time is in weeks (days
/ 7), the calibration end date is inclusive and the 12-month horizon is 52
weeks. expected_value_12m = expected_purchases_12m x expected_order_value,
undiscounted.

Members with too little data for Gamma-Gamma (no repeat purchase day, or a
mean repeat spend that is not positive) get the population mean order value
p * gamma / (q - 1) of the fitted model, which is what the Gamma-Gamma
conditional expectation gives for zero observed transactions. When the
population itself is too thin for a Gamma-Gamma fit (fewer than
MIN_REPEAT_BUYERS usable repeat buyers, a failed fit, or q <= 1 so that the
model mean does not exist), every member gets the plain mean value of all
positive purchase days instead.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from memberkpi import clv

HORIZON_WEEKS = 52.0
MIN_REPEAT_BUYERS = 10
OUTPUT_COLUMNS = [
    "member_id",
    "calibration_end",
    "frequency",
    "recency_weeks",
    "age_weeks",
    "expected_purchases_12m",
    "probability_alive",
    "expected_order_value",
    "expected_value_12m",
]


def _order_value(summary: pd.DataFrame, orders: pd.DataFrame, end: pd.Timestamp) -> np.ndarray:
    """Expected order value per member: Gamma-Gamma, or the plain mean when it cannot be fitted."""
    usable = (summary["frequency"] > 0) & (summary["monetary"] > 0)
    if int(usable.sum()) >= MIN_REPEAT_BUYERS:
        try:
            params = clv.fit_gamma_gamma(summary["frequency"], summary["monetary"])
        except (ValueError, RuntimeError):
            params = None
        if params is not None and params.q > 1:
            return clv.gamma_gamma_expected_value(params, summary["frequency"], summary["monetary"])
    in_window = orders[pd.to_datetime(orders["order_date"]) <= end]
    day_values = in_window.groupby(
        [in_window["member_id"], pd.to_datetime(in_window["order_date"]).dt.normalize()]
    )["net_amount"].sum()
    positive = day_values[day_values > 0]
    fallback = float(positive.mean()) if len(positive) else 0.0
    return np.full(len(summary), fallback)


def score_members(orders_df: pd.DataFrame, calibration_end: dt.date | str) -> pd.DataFrame:
    """One row per member with an order on or before calibration_end: 12-month CLV scores.

    orders_df holds member orders only, with columns member_id, order_date
    (date) and net_amount. Returns the columns of OUTPUT_COLUMNS.
    """
    end = pd.Timestamp(calibration_end).normalize()
    summary = clv.summarize_transactions(
        orders_df,
        end,
        customer_col="member_id",
        date_col="order_date",
        amount_col="net_amount",
    )
    if summary.empty:
        empty = pd.DataFrame({name: pd.Series(dtype="float64") for name in OUTPUT_COLUMNS})
        empty["member_id"] = pd.Series(dtype=orders_df["member_id"].dtype)
        empty["calibration_end"] = pd.Series(dtype="object")
        empty["frequency"] = pd.Series(dtype="int64")
        return empty[OUTPUT_COLUMNS]

    bgnbd = clv.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    frequency = summary["frequency"].to_numpy()
    recency = summary["recency"].to_numpy()
    age = summary["T"].to_numpy()
    purchases = clv.bgnbd_expected_purchases(bgnbd, HORIZON_WEEKS, frequency, recency, age)
    order_value = _order_value(summary, orders_df, end)
    return pd.DataFrame(
        {
            "member_id": summary["customer_id"].to_numpy(),
            "calibration_end": end.date(),
            "frequency": summary["frequency"].astype("int64").to_numpy(),
            "recency_weeks": recency,
            "age_weeks": age,
            "expected_purchases_12m": purchases,
            "probability_alive": clv.bgnbd_probability_alive(bgnbd, frequency, recency, age),
            "expected_order_value": order_value,
            "expected_value_12m": purchases * order_value,
        }
    )[OUTPUT_COLUMNS]
