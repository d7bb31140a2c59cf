"""Score members with predicted 12-month CLV; called by the dbt Python models.

The models and their conventions live in memberkpi.clv.fitting: a purchase is a
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
purchase days in the calibration period instead.

Two entry points share the fit and the scoring:

* score_members(orders, calibration_end) summarises member orders in pandas
  (clv.summarize_transactions) and scores them in one call;
* the dbt Python models read `fct_member_clv_inputs`, the same summary built
  in SQL from fct_orders: `member_clv_parameters` fits once
  (fit_inputs -> parameters_frame, one row) and `member_clv_predicted`
  scores every member with those parameters (score_inputs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from memberkpi.clv import fitting as clv

HORIZON_WEEKS = 52.0
MIN_REPEAT_BUYERS = 10
GAMMA_GAMMA = "gamma_gamma"
MEAN_PURCHASE_VALUE = "mean_purchase_value"

# Column -> SQL type of the tables the dbt Python models write (their YAML
# lists the same names and types; tests compare the built tables with both).
PREDICTION_TYPES: dict[str, str] = {
    "member_id": "varchar",
    "calibration_end_date": "date",
    "frequency": "bigint",
    "recency_weeks": "double",
    "age_weeks": "double",
    "expected_purchases_12m": "double",
    "probability_alive": "double",
    "expected_order_value": "double",
    "expected_value_12m": "double",
}
OUTPUT_COLUMNS = list(PREDICTION_TYPES)
PARAMETER_TYPES: dict[str, str] = {
    "calibration_end_date": "date",
    "horizon_weeks": "double",
    "count_members": "bigint",
    "count_repeat_buyers": "bigint",
    "bgnbd_r": "double",
    "bgnbd_alpha": "double",
    "bgnbd_a": "double",
    "bgnbd_b": "double",
    "bgnbd_log_likelihood": "double",
    "order_value_model": "varchar",
    "gamma_gamma_p": "double",
    "gamma_gamma_q": "double",
    "gamma_gamma_gamma": "double",
    "gamma_gamma_log_likelihood": "double",
    "mean_purchase_value": "double",
    "population_order_value": "double",
}
# fct_member_clv_inputs column -> clv.summarize_transactions column
INPUT_SUMMARY_COLUMNS = {
    "member_id": "customer_id",
    "frequency": "frequency",
    "recency_weeks": "recency",
    "age_weeks": "T",
    "mean_repeat_purchase_amount": "monetary",
}


@dataclass(frozen=True)
class FittedCLV:
    """What scoring needs: the fitted models and the fallback order value."""

    calibration_end: dt.date
    count_members: int
    count_repeat_buyers: int
    bgnbd: clv.BGNBDParams
    gamma_gamma: clv.GammaGammaParams | None
    mean_purchase_value: float

    @property
    def order_value_model(self) -> str:
        """GAMMA_GAMMA, or MEAN_PURCHASE_VALUE when Gamma-Gamma could not be used."""
        return MEAN_PURCHASE_VALUE if self.gamma_gamma is None else GAMMA_GAMMA

    @property
    def population_order_value(self) -> float:
        """Expected order value of a member without a usable repeat purchase."""
        if self.gamma_gamma is None:
            return self.mean_purchase_value
        return self.gamma_gamma.population_mean

    def order_values(self, frequency: ArrayLike, monetary: ArrayLike) -> NDArray[np.float64]:
        """Expected order value per member."""
        if self.gamma_gamma is None:
            return np.full(len(np.asarray(frequency)), self.mean_purchase_value)
        return clv.gamma_gamma_expected_value(self.gamma_gamma, frequency, monetary)


def _usable_repeat_buyers(summary: pd.DataFrame) -> pd.Series:
    return (summary["frequency"] > 0) & (summary["monetary"] > 0)


def _fit_gamma_gamma(summary: pd.DataFrame) -> clv.GammaGammaParams | None:
    """Gamma-Gamma on the usable repeat buyers, or None when it cannot be used."""
    if int(_usable_repeat_buyers(summary).sum()) < MIN_REPEAT_BUYERS:
        return None
    try:
        params = clv.fit_gamma_gamma(summary["frequency"], summary["monetary"])
    except (ValueError, RuntimeError):
        return None
    return params if params.q > 1 else None


def fit(
    summary: pd.DataFrame, calibration_end: dt.date | str, mean_purchase_value: float
) -> FittedCLV:
    """Fit BG/NBD (and Gamma-Gamma when possible) on a non-empty summary.

    summary has the columns of clv.summarize_transactions; mean_purchase_value
    is the plain mean value of the purchase days, the fallback order value.
    """
    if summary.empty:
        raise ValueError("cannot fit the CLV models on zero members")
    return FittedCLV(
        calibration_end=pd.Timestamp(calibration_end).date(),
        count_members=len(summary),
        count_repeat_buyers=int(_usable_repeat_buyers(summary).sum()),
        bgnbd=clv.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"]),
        gamma_gamma=_fit_gamma_gamma(summary),
        mean_purchase_value=float(mean_purchase_value),
    )


def _empty_frame(types: dict[str, str]) -> pd.DataFrame:
    pandas_types = {"varchar": "object", "date": "object", "bigint": "int64", "double": "float64"}
    return pd.DataFrame({name: pd.Series(dtype=pandas_types[kind]) for name, kind in types.items()})


def score(summary: pd.DataFrame, fitted: FittedCLV) -> pd.DataFrame:
    """One row per member of summary with its 12-month scores (OUTPUT_COLUMNS)."""
    if summary.empty:
        return _empty_frame(PREDICTION_TYPES)
    frequency = summary["frequency"].to_numpy(dtype=np.float64)
    recency = summary["recency"].to_numpy(dtype=np.float64)
    age = summary["T"].to_numpy(dtype=np.float64)
    purchases = clv.bgnbd_expected_purchases(fitted.bgnbd, HORIZON_WEEKS, frequency, recency, age)
    order_value = fitted.order_values(frequency, summary["monetary"].to_numpy(dtype=np.float64))
    return pd.DataFrame(
        {
            "member_id": summary["customer_id"].to_numpy(),
            "calibration_end_date": fitted.calibration_end,
            "frequency": summary["frequency"].astype("int64").to_numpy(),
            "recency_weeks": recency,
            "age_weeks": age,
            "expected_purchases_12m": purchases,
            "probability_alive": clv.bgnbd_probability_alive(fitted.bgnbd, frequency, recency, age),
            "expected_order_value": order_value,
            "expected_value_12m": purchases * order_value,
        }
    )[OUTPUT_COLUMNS]


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
        return _empty_frame(PREDICTION_TYPES)
    days = pd.to_datetime(orders_df["order_date"]).dt.normalize()
    in_window = orders_df[days <= end]
    day_values = in_window.groupby([in_window["member_id"], days[days <= end]])["net_amount"].sum()
    return score(summary, fit(summary, end, float(day_values.mean())))


# --------------------------------------------------------------------------- dbt models


def summary_from_inputs(inputs: pd.DataFrame) -> pd.DataFrame:
    """fct_member_clv_inputs as a clv.summarize_transactions summary, by member_id.

    Sorted so that a table read back in any row order gives bit-identical
    likelihood sums, hence the same fit on every build.
    """
    summary = inputs[list(INPUT_SUMMARY_COLUMNS)].rename(columns=INPUT_SUMMARY_COLUMNS)
    summary = summary.sort_values("customer_id", kind="stable", ignore_index=True)
    return summary.astype(
        {"frequency": "float64", "recency": "float64", "T": "float64", "monetary": "float64"}
    )[clv.SUMMARY_COLUMNS]


def fit_inputs(inputs: pd.DataFrame) -> FittedCLV | None:
    """Fit on fct_member_clv_inputs; None when it has no rows."""
    if inputs.empty:
        return None
    ends = pd.to_datetime(inputs["calibration_end_date"]).dt.date.unique()
    if len(ends) != 1:
        raise ValueError(f"expected one calibration end date, got {sorted(ends)}")
    days = float(inputs["count_purchase_days"].sum())
    mean_value = float(inputs["total_purchase_amount"].astype("float64").sum()) / days
    return fit(summary_from_inputs(inputs), ends[0], mean_value)


def parameters_frame(fitted: FittedCLV | None) -> pd.DataFrame:
    """The fitted parameters as one row (PARAMETER_TYPES); no row when nothing was fitted."""
    if fitted is None:
        return _empty_frame(PARAMETER_TYPES)
    gamma_gamma = fitted.gamma_gamma
    row = {
        "calibration_end_date": fitted.calibration_end,
        "horizon_weeks": HORIZON_WEEKS,
        "count_members": fitted.count_members,
        "count_repeat_buyers": fitted.count_repeat_buyers,
        "bgnbd_r": fitted.bgnbd.r,
        "bgnbd_alpha": fitted.bgnbd.alpha,
        "bgnbd_a": fitted.bgnbd.a,
        "bgnbd_b": fitted.bgnbd.b,
        "bgnbd_log_likelihood": fitted.bgnbd.log_likelihood,
        "order_value_model": fitted.order_value_model,
        "gamma_gamma_p": gamma_gamma.p if gamma_gamma else np.nan,
        "gamma_gamma_q": gamma_gamma.q if gamma_gamma else np.nan,
        "gamma_gamma_gamma": gamma_gamma.gamma if gamma_gamma else np.nan,
        "gamma_gamma_log_likelihood": gamma_gamma.log_likelihood if gamma_gamma else np.nan,
        "mean_purchase_value": fitted.mean_purchase_value,
        "population_order_value": fitted.population_order_value,
    }
    return pd.DataFrame([row])[list(PARAMETER_TYPES)]


def fitted_from_parameters(parameters: pd.DataFrame) -> FittedCLV | None:
    """The FittedCLV of a parameters_frame (as read back from its table); None for no row."""
    if parameters.empty:
        return None
    if len(parameters) != 1:
        raise ValueError(f"expected one row of CLV parameters, got {len(parameters)}")
    row = parameters.iloc[0]
    gamma_gamma = None
    if row["order_value_model"] == GAMMA_GAMMA:
        gamma_gamma = clv.GammaGammaParams(
            p=float(row["gamma_gamma_p"]),
            q=float(row["gamma_gamma_q"]),
            gamma=float(row["gamma_gamma_gamma"]),
            log_likelihood=float(row["gamma_gamma_log_likelihood"]),
        )
    return FittedCLV(
        calibration_end=pd.Timestamp(row["calibration_end_date"]).date(),
        count_members=int(row["count_members"]),
        count_repeat_buyers=int(row["count_repeat_buyers"]),
        bgnbd=clv.BGNBDParams(
            r=float(row["bgnbd_r"]),
            alpha=float(row["bgnbd_alpha"]),
            a=float(row["bgnbd_a"]),
            b=float(row["bgnbd_b"]),
            log_likelihood=float(row["bgnbd_log_likelihood"]),
        ),
        gamma_gamma=gamma_gamma,
        mean_purchase_value=float(row["mean_purchase_value"]),
    )


def score_inputs(inputs: pd.DataFrame, parameters: pd.DataFrame) -> pd.DataFrame:
    """Score fct_member_clv_inputs with the parameters of member_clv_parameters."""
    fitted = fitted_from_parameters(parameters)
    if fitted is None or inputs.empty:
        return _empty_frame(PREDICTION_TYPES)
    return score(summary_from_inputs(inputs), fitted)


def cast_select(types: dict[str, str]) -> str:
    """SQL select list casting every column to its type, in order."""
    return ", ".join(f'cast("{name}" as {kind}) as "{name}"' for name, kind in types.items())
