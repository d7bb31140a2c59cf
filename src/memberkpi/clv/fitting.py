"""Predicted customer lifetime value: BG/NBD purchase counts x Gamma-Gamma spend.

Our own implementation of

* the BG/NBD model of Fader, Hardie and Lee (2005), "'Counting Your Customers'
  the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science
  24(2), fitted by maximum likelihood on (x, t_x, T): x repeat purchases, t_x
  the time of the last purchase and T the customer's age, both measured from
  the first purchase;
* the Gamma-Gamma spend model of Fader, Hardie and Lee (2005), "RFM and CLV:
  Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), as written up
  in Fader and Hardie (2013), "The Gamma-Gamma Model of Monetary Value",
  fitted on repeat buyers with the mean value of their repeat purchases.

Time is in weeks (days / 7). A purchase is a customer-day: transactions of
one customer on one day merge into one purchase whose value is their sum.

The expected value of a customer over a horizon is expected purchases times
expected average order value, undiscounted (no margin, no discount rate):
a gross revenue forecast, not a present value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeResult, minimize
from scipy.special import digamma, gammaln, hyp2f1

FloatArray = NDArray[np.float64]

DAYS_PER_WEEK = 7.0
PARAM_MIN = 1e-4
PARAM_MAX = 1e4
SUMMARY_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary"]


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters: purchase rate ~ Gamma(r, alpha), dropout ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters: spend ~ Gamma(p, nu), nu ~ Gamma(q, gamma)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float

    @property
    def population_mean(self) -> float:
        """Mean transaction value in the population, p * gamma / (q - 1) (needs q > 1)."""
        if self.q <= 1:
            return float("nan")
        return self.p * self.gamma / (self.q - 1)


def _as_float(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


# --------------------------------------------------------------------------- summary


def summarize_transactions(
    transactions: pd.DataFrame,
    calibration_end: dt.date | str | pd.Timestamp,
    customer_col: str = "customer_id",
    date_col: str = "purchase_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """One row per customer with (frequency, recency, T, monetary) at calibration_end.

    Transactions dated after calibration_end (inclusive end) are ignored, and
    customers whose first purchase is later do not appear. Transactions on the
    same day merge into one purchase with the summed amount. frequency is the
    number of purchase days after the first, recency the weeks from the first
    to the last purchase day, T the weeks from the first purchase day to
    calibration_end, monetary the mean amount of the repeat purchase days (the
    first purchase excluded; NaN when frequency is 0).
    """
    end = pd.Timestamp(calibration_end).normalize()
    frame = pd.DataFrame(
        {
            "customer_id": transactions[customer_col].to_numpy(),
            "day": pd.to_datetime(transactions[date_col]).dt.normalize(),
            "amount": transactions[amount_col].astype("float64").to_numpy(),
        }
    )
    frame = frame[frame["day"] <= end]
    if frame.empty:
        return pd.DataFrame(
            {
                "customer_id": pd.Series(dtype=transactions[customer_col].dtype),
                **{name: pd.Series(dtype="float64") for name in SUMMARY_COLUMNS[1:]},
            }
        )
    days = frame.groupby(["customer_id", "day"], sort=True, as_index=False)["amount"].sum()
    days["is_repeat"] = days["day"] > days.groupby("customer_id")["day"].transform("min")
    grouped = days.groupby("customer_id", sort=True)
    repeat_amount = days["amount"].where(days["is_repeat"])
    summary = pd.DataFrame(
        {
            "first_day": grouped["day"].min(),
            "last_day": grouped["day"].max(),
            "frequency": grouped["is_repeat"].sum().astype("float64"),
            "monetary": repeat_amount.groupby(days["customer_id"]).mean(),
        }
    )
    summary["recency"] = (summary["last_day"] - summary["first_day"]).dt.days / DAYS_PER_WEEK
    summary["T"] = (end - summary["first_day"]).dt.days / DAYS_PER_WEEK
    return summary.reset_index()[SUMMARY_COLUMNS]


# --------------------------------------------------------------------------- fitting


def _distinct_rows(*columns: FloatArray) -> tuple[list[FloatArray], FloatArray]:
    """The distinct rows of equal-length columns (sorted) and how often each occurs."""
    distinct, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return [distinct[:, index] for index in range(len(columns))], counts.astype(np.float64)


Objective = Callable[[FloatArray], tuple[float, FloatArray]]
GRADIENT_TOLERANCE = 1e-7  # of the log-likelihood scaled by its size at the start


def _converged(result: OptimizeResult, bounds: list[tuple[float, float]]) -> bool:
    """L-BFGS-B reached a stationary point (or a bound), whatever its exit message.

    L-BFGS-B can stop with an abnormal line search when the likelihood is flat
    to machine precision at the optimum; the projected gradient then shows
    whether it got there.
    """
    if not np.isfinite(result.fun):
        return False
    if result.success:
        return True
    low, high = np.array(bounds).T
    gradient = np.asarray(result.jac, dtype=np.float64)
    at_low = (result.x <= low) & (gradient > 0)
    at_high = (result.x >= high) & (gradient < 0)
    free = ~(at_low | at_high)
    return bool(np.all(np.abs(gradient[free]) <= GRADIENT_TOLERANCE))


def _maximize(objective: Objective, start: FloatArray) -> tuple[FloatArray, float]:
    """Minimise a negative log-likelihood over log-parameters.

    objective(log_params) returns the negative log-likelihood and its gradient
    in log-parameters. The fit is L-BFGS-B on the analytic gradient (tens of
    evaluations); only if that stops without converging does it fall back to
    Nelder-Mead from the start (thousands of evaluations), polished by L-BFGS-B.

    Every parameter is kept in [PARAM_MIN, PARAM_MAX]. On small or degenerate
    data the likelihood can keep rising as parameters run off to infinity
    (e.g. r and alpha together, the Poisson limit of the gamma mixing); the
    bounds stop the search there instead of in floating-point noise.
    """
    bounds = [(np.log(PARAM_MIN), np.log(PARAM_MAX))] * len(start)
    start_value = objective(start)[0]
    scale = max(abs(start_value), 1.0) if np.isfinite(start_value) else 1.0

    def scaled(log_params: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = objective(log_params)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return np.inf, np.zeros_like(log_params)
        return value / scale, gradient / scale

    best = minimize(
        scaled,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000},
    )
    if not _converged(best, bounds):

        def value_only(log_params: FloatArray) -> float:
            return scaled(log_params)[0]

        searched = minimize(
            value_only,
            start,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000, "maxfev": 40_000},
        )
        polished = minimize(
            scaled,
            searched.x,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": 1e-10},
        )
        best = min(
            (result for result in (best, searched, polished) if np.isfinite(result.fun)),
            key=lambda result: result.fun,
            default=searched,
        )
    if not np.isfinite(best.fun):
        raise RuntimeError("maximum likelihood fit did not reach a finite log-likelihood")
    return np.asarray(best.x, dtype=np.float64), float(best.fun) * scale


def _bgnbd_ln_a3_a4(
    r: float, alpha: float, a: float, b: float, x: FloatArray, t_x: FloatArray, t_cap: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """ln A3 and ln A4 of the BG/NBD likelihood (ln A4 = -inf where x = 0)."""
    ln_a3 = -(r + x) * np.log(alpha + t_cap)
    repeat = x > 0
    ln_a4 = np.full_like(x, -np.inf)
    ln_a4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return ln_a3, ln_a4


def bgnbd_log_likelihood_terms(
    r: float,
    alpha: float,
    a: float,
    b: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> FloatArray:
    """Per-customer BG/NBD log-likelihood (FHL 2005, eq. 6), in log space.

    L = A1 * A2 * (A3 + [x > 0] A4) with
    ln A1 = lnG(r+x) - lnG(r) + r ln(alpha),
    ln A2 = lnG(a+b) + lnG(b+x) - lnG(b) - lnG(a+b+x),
    ln A3 = -(r+x) ln(alpha+T),
    ln A4 = ln(a) - ln(b+x-1) - (r+x) ln(alpha+t_x);
    the sum A3 + A4 is taken with logaddexp.
    """
    x = _as_float(frequency)
    t_x = _as_float(recency)
    t_cap = _as_float(age)
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    ln_a3, ln_a4 = _bgnbd_ln_a3_a4(r, alpha, a, b, x, t_x, t_cap)
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


def bgnbd_log_likelihood_gradient(
    r: float,
    alpha: float,
    a: float,
    b: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> FloatArray:
    """Per-customer derivatives of the BG/NBD log-likelihood by (r, alpha, a, b).

    Rows are customers, columns the four parameters. With the notation of
    bgnbd_log_likelihood_terms and psi the digamma function:
    d ln A1 = (psi(r+x) - psi(r) + ln alpha, r/alpha, 0, 0),
    d ln A2 = (0, 0, psi(a+b) - psi(a+b+x), psi(a+b) + psi(b+x) - psi(b) - psi(a+b+x)),
    d ln A3 = (-ln(alpha+T), -(r+x)/(alpha+T), 0, 0),
    d ln A4 = (-ln(alpha+t_x), -(r+x)/(alpha+t_x), 1/a, -1/(b+x-1)),
    and d ln(A3 + A4) = w3 d ln A3 + w4 d ln A4 with w_i = A_i / (A3 + A4).
    """
    x = _as_float(frequency)
    t_x = _as_float(recency)
    t_cap = _as_float(age)
    repeat = x > 0
    ln_a3, ln_a4 = _bgnbd_ln_a3_a4(r, alpha, a, b, x, t_x, t_cap)
    ln_sum = np.logaddexp(ln_a3, ln_a4)
    w3 = np.exp(ln_a3 - ln_sum)
    w4 = np.exp(ln_a4 - ln_sum)
    b_x_1 = np.where(repeat, b + x - 1, 1.0)
    gradient = np.empty((x.size, 4))
    gradient[:, 0] = (
        digamma(r + x)
        - digamma(r)
        + np.log(alpha)
        - w3 * np.log(alpha + t_cap)
        - w4 * np.log(alpha + t_x)
    )
    gradient[:, 1] = r / alpha - w3 * (r + x) / (alpha + t_cap) - w4 * (r + x) / (alpha + t_x)
    gradient[:, 2] = digamma(a + b) - digamma(a + b + x) + w4 / a
    gradient[:, 3] = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 / b_x_1
    return gradient


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> BGNBDParams:
    """Fit BG/NBD by maximum likelihood; returns r, alpha, a, b and the log-likelihood."""
    x = _as_float(frequency)
    t_x = _as_float(recency)
    t_cap = _as_float(age)
    if x.size == 0:
        raise ValueError("cannot fit BG/NBD on zero customers")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > t_cap):
        raise ValueError("need frequency >= 0 and 0 <= recency <= T")

    # customers with the same (x, t_x, T) have the same likelihood term: fit
    # on the distinct triples, each weighted by its count (exact; at 100k
    # members about 15x fewer terms per evaluation)
    (x, t_x, t_cap), weights = _distinct_rows(x, t_x, t_cap)

    def negative_ll(log_params: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(log_params)
        total = float(np.dot(weights, bgnbd_log_likelihood_terms(*params, x, t_x, t_cap)))
        gradient = weights @ bgnbd_log_likelihood_gradient(*params, x, t_x, t_cap)
        return -total, -gradient * params  # d/d ln(theta) = theta d/d theta

    start = np.log([1.0, max(float(np.mean(t_cap)), 1.0), 1.0, 1.0])
    log_params, neg_ll = _maximize(negative_ll, start)
    r, alpha, a, b = (float(value) for value in np.exp(log_params))
    return BGNBDParams(r=r, alpha=alpha, a=a, b=b, log_likelihood=-neg_ll)


def bgnbd_expected_purchases(
    params: BGNBDParams,
    horizon: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> FloatArray:
    """Expected purchases in (T, T + horizon] given (x, t_x, T): FHL 2005, eq. 10.

    E[Y(t) | x, t_x, T] =
        (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                               * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
        / (1 + [x > 0] a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))
    """
    x = _as_float(frequency)
    t_x = _as_float(recency)
    t_cap = _as_float(age)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = float(horizon)
    ratio = (alpha + t_cap) / (alpha + t_cap + t)
    hyper = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + t_cap + t))
    numerator = (a + b + x - 1) / (a - 1) * (1 - ratio ** (r + x) * hyper)
    return numerator / _alive_denominator(params, x, t_x, t_cap)


def _alive_denominator(
    params: BGNBDParams, x: FloatArray, t_x: FloatArray, t_cap: FloatArray
) -> FloatArray:
    """1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x), computed in log space."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    log_odds = np.full_like(x, -np.inf)
    log_odds[repeat] = (
        np.log(a)
        - np.log(b + x[repeat] - 1)
        + (r + x[repeat]) * (np.log(alpha + t_cap[repeat]) - np.log(alpha + t_x[repeat]))
    )
    return np.exp(np.logaddexp(0.0, log_odds))


def bgnbd_probability_alive(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> FloatArray:
    """P(still active at T | x, t_x, T) under BG/NBD.

    From Fader, Hardie and Lee's note "Computing P(alive) Using the BG/NBD Model":
    P(alive) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
    """
    x = _as_float(frequency)
    return 1.0 / _alive_denominator(params, x, _as_float(recency), _as_float(age))


def gamma_gamma_log_likelihood_terms(
    p: float, q: float, gamma: float, frequency: ArrayLike, monetary: ArrayLike
) -> FloatArray:
    """Per-customer Gamma-Gamma log-likelihood of the mean spend z of x transactions.

    Fader and Hardie (2013), eq. 3 with the Jacobian of z = (sum of x spends) / x:
    ln f = lnG(px+q) - lnG(px) - lnG(q) + q ln(gamma) + (px-1) ln(x z) + ln(x)
           - (px+q) ln(gamma + x z).
    """
    x = _as_float(frequency)
    z = _as_float(monetary)
    total = x * z
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(total)
        + np.log(x)
        - (p * x + q) * np.log(gamma + total)
    )


def gamma_gamma_log_likelihood_gradient(
    p: float, q: float, gamma: float, frequency: ArrayLike, monetary: ArrayLike
) -> FloatArray:
    """Per-customer derivatives of the Gamma-Gamma log-likelihood by (p, q, gamma).

    With u = px and psi the digamma function:
    d/dp = x (psi(u+q) - psi(u) + ln(x z) - ln(gamma + x z)),
    d/dq = psi(u+q) - psi(q) + ln(gamma) - ln(gamma + x z),
    d/dgamma = q/gamma - (u+q)/(gamma + x z).
    """
    x = _as_float(frequency)
    z = _as_float(monetary)
    total = x * z
    u = p * x
    ln_rest = np.log(gamma + total)
    gradient = np.empty((x.size, 3))
    gradient[:, 0] = x * (digamma(u + q) - digamma(u) + np.log(total) - ln_rest)
    gradient[:, 1] = digamma(u + q) - digamma(q) + np.log(gamma) - ln_rest
    gradient[:, 2] = q / gamma - (u + q) / (gamma + total)
    return gradient


def fit_gamma_gamma(frequency: ArrayLike, monetary: ArrayLike) -> GammaGammaParams:
    """Fit Gamma-Gamma by maximum likelihood on customers with frequency > 0 and monetary > 0."""
    x = _as_float(frequency)
    z = _as_float(monetary)
    keep = (x > 0) & np.isfinite(z) & (z > 0)
    x, z = x[keep], z[keep]
    if x.size == 0:
        raise ValueError("cannot fit Gamma-Gamma without repeat buyers with positive spend")

    start = np.log([1.0, 2.0, max(float(np.mean(z)), 1e-6)])
    (x, z), weights = _distinct_rows(x, z)

    def negative_ll(log_params: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(log_params)
        total = float(np.dot(weights, gamma_gamma_log_likelihood_terms(*params, x, z)))
        gradient = weights @ gamma_gamma_log_likelihood_gradient(*params, x, z)
        return -total, -gradient * params  # d/d ln(theta) = theta d/d theta

    log_params, neg_ll = _maximize(negative_ll, start)
    p, q, gamma = (float(value) for value in np.exp(log_params))
    return GammaGammaParams(p=p, q=q, gamma=gamma, log_likelihood=-neg_ll)


def gamma_gamma_expected_value(
    params: GammaGammaParams, frequency: ArrayLike, monetary: ArrayLike
) -> FloatArray:
    """E[Z | x, z] = (q-1)/(px+q-1) * p gamma/(q-1) + px/(px+q-1) * z = p (gamma + x z)/(px+q-1).

    Customers with no usable spend history (x = 0, or z missing or not
    positive) get x treated as 0, which gives the population mean p gamma/(q-1).
    """
    x = _as_float(frequency)
    z = _as_float(monetary)
    usable = (x > 0) & np.isfinite(z) & (z > 0)
    x = np.where(usable, x, 0.0)
    z = np.where(usable, z, 0.0)
    p, q, gamma = params.p, params.q, params.gamma
    return p * (gamma + x * z) / (p * x + q - 1)


# --------------------------------------------------------------------------- prediction


def predict_clv(
    summary: pd.DataFrame,
    horizon_weeks: float = 52.0,
    bgnbd: BGNBDParams | None = None,
    gamma_gamma: GammaGammaParams | None = None,
) -> pd.DataFrame:
    """Per-customer CLV forecast over horizon_weeks (default 52, i.e. 12 months).

    summary has the columns of summarize_transactions (customer_id, frequency,
    recency, T, monetary). Models not passed in are fitted on summary itself.
    Returns customer_id, expected_purchases, probability_alive,
    expected_order_value and expected_value, where expected_value =
    expected_purchases x expected_order_value: undiscounted gross value, no
    margin and no discount rate applied.
    """
    if bgnbd is None:
        bgnbd = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    if gamma_gamma is None:
        gamma_gamma = fit_gamma_gamma(summary["frequency"], summary["monetary"])
    frequency = summary["frequency"].to_numpy(dtype=np.float64)
    recency = summary["recency"].to_numpy(dtype=np.float64)
    age = summary["T"].to_numpy(dtype=np.float64)
    purchases = bgnbd_expected_purchases(bgnbd, horizon_weeks, frequency, recency, age)
    alive = bgnbd_probability_alive(bgnbd, frequency, recency, age)
    order_value = gamma_gamma_expected_value(gamma_gamma, frequency, summary["monetary"])
    return pd.DataFrame(
        {
            "customer_id": summary["customer_id"].to_numpy(),
            "expected_purchases": purchases,
            "probability_alive": alive,
            "expected_order_value": order_value,
            "expected_value": purchases * order_value,
        }
    )
