"""Tests of memberkpi.clv.fitting (BG/NBD x Gamma-Gamma) and memberkpi.clv.scoring."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.special import beta as beta_fn

from helpers import FIXTURES
from memberkpi.clv import fitting as clv
from memberkpi.clv import scoring

CALIBRATION_END = "1997-09-30"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "cdnow_sample.csv")


@pytest.fixture(scope="module")
def cdnow_summary(cdnow: pd.DataFrame) -> pd.DataFrame:
    return clv.summarize_transactions(cdnow, CALIBRATION_END)


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow_summary: pd.DataFrame) -> clv.BGNBDParams:
    return clv.fit_bgnbd(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])


@pytest.fixture(scope="module")
def cdnow_gamma_gamma(cdnow_summary: pd.DataFrame) -> clv.GammaGammaParams:
    return clv.fit_gamma_gamma(cdnow_summary["frequency"], cdnow_summary["monetary"])


# ------------------------------------------------------------------ summary builder


def hand_transactions() -> pd.DataFrame:
    """Three customers (and one who starts after the calibration end)."""
    rows = [
        ("A", dt.datetime(2024, 1, 1, 9, 30), 10.0),
        ("A", dt.datetime(2024, 1, 1, 18, 0), 5.0),  # same day as above: one purchase of 15
        ("A", dt.datetime(2024, 1, 15), 20.0),
        ("A", dt.datetime(2024, 2, 12), 30.0),
        ("A", dt.datetime(2024, 4, 10), 99.0),  # after the calibration end: ignored
        ("B", dt.datetime(2024, 3, 3), 40.0),
        ("C", dt.datetime(2024, 2, 1), 8.0),
        ("C", dt.datetime(2024, 2, 8), 4.0),
        ("C", dt.datetime(2024, 2, 8), 6.0),  # same day: one purchase of 10
        ("D", dt.datetime(2024, 4, 5), 7.0),  # first purchase after the end: no row
    ]
    return pd.DataFrame(rows, columns=["customer_id", "purchase_date", "amount"])


def test_summary_by_hand() -> None:
    """Calibration ends 2024-03-31 (inclusive); 2024 is a leap year.

    A: purchase days 01-01 (15), 01-15 (20), 02-12 (30) -> x = 2,
       t_x = 42 days = 6 weeks, T = 31 + 29 + 30 = 90 days = 90/7 weeks,
       monetary = (20 + 30) / 2 = 25 (first purchase excluded).
    B: one purchase on 03-03 -> x = 0, t_x = 0, T = 28 days = 4 weeks, monetary NaN.
    C: purchase days 02-01 (8), 02-08 (4 + 6 = 10) -> x = 1, t_x = 1 week,
       T = 28 + 31 = 59 days = 59/7 weeks, monetary = 10.
    """
    summary = clv.summarize_transactions(hand_transactions(), dt.date(2024, 3, 31))
    summary = summary.set_index("customer_id")
    assert list(summary.index) == ["A", "B", "C"]
    assert summary["frequency"].tolist() == [2, 0, 1]
    assert summary["recency"].tolist() == pytest.approx([6.0, 0.0, 1.0])
    assert summary["T"].tolist() == pytest.approx([90 / 7, 4.0, 59 / 7])
    assert summary.loc["A", "monetary"] == pytest.approx(25.0)
    assert np.isnan(summary.loc["B", "monetary"])
    assert summary.loc["C", "monetary"] == pytest.approx(10.0)


def test_cdnow_summary_matches_paper_counts(cdnow: pd.DataFrame, cdnow_summary) -> None:
    """The BG/NBD paper's calibration sample: 2,357 customers, 2,457 repeat purchases.

    Gamma-Gamma note (Fader and Hardie 2013): 946 of them made a repeat purchase.
    """
    assert len(cdnow) == 6919
    assert len(cdnow_summary) == 2357
    assert cdnow_summary["frequency"].sum() == 2457
    assert (cdnow_summary["frequency"] > 0).sum() == 946
    # first purchases on 1997-01-01 have T = 272 days = 38.86 weeks
    assert cdnow_summary["T"].max() == pytest.approx(272 / 7)


# ------------------------------------------------------------------ published estimates


def test_bgnbd_reproduces_published_cdnow_fit(cdnow_bgnbd: clv.BGNBDParams) -> None:
    """Fader, Hardie and Lee (2005), "'Counting Your Customers' the Easy Way: An
    Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284:
    on the 2,357-customer CDNOW sample with a 39-week calibration period
    (1997-01-01 to 1997-09-30 inclusive, time in weeks = days / 7, same-day
    transactions merged) the ML estimates are r = 0.243, alpha = 4.414,
    a = 0.793, b = 2.426 with log-likelihood -9582.4.
    """
    assert cdnow_bgnbd.r == pytest.approx(0.243, abs=0.005)
    assert cdnow_bgnbd.alpha == pytest.approx(4.414, abs=0.005)
    assert cdnow_bgnbd.a == pytest.approx(0.793, abs=0.005)
    assert cdnow_bgnbd.b == pytest.approx(2.426, abs=0.005)
    assert cdnow_bgnbd.log_likelihood == pytest.approx(-9582.4, abs=0.5)


def test_gamma_gamma_reproduces_published_cdnow_fit(
    cdnow_gamma_gamma: clv.GammaGammaParams,
) -> None:
    """Fader, Hardie and Lee (2005), "RFM and CLV: Using Iso-Value Curves for
    Customer Base Analysis", JMR 42(4), 415-430, and Fader and Hardie (2013),
    "The Gamma-Gamma Model of Monetary Value": fitted on the 946 repeat buyers
    of the calibration period with the mean value of their repeat purchases,
    p = 6.25, q = 3.74, gamma = 15.44.
    """
    assert cdnow_gamma_gamma.p == pytest.approx(6.25, abs=0.01)
    assert cdnow_gamma_gamma.q == pytest.approx(3.74, abs=0.01)
    assert cdnow_gamma_gamma.gamma == pytest.approx(15.44, abs=0.01)


# ------------------------------------------------------------------ formulas, independent path


PUBLISHED = clv.BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4)


def quadrature_expectation(
    params: clv.BGNBDParams, t: float, x: int, t_x: float, t_cap: float
) -> tuple[float, float]:
    """E[Y(t) | x, t_x, T] and P(alive) by integrating over the dropout probability p.

    Given lambda and p, a customer alive at T buys (1 - exp(-lambda p t)) / p in
    the next t (FHL 2005, eq. 7); lambda is integrated out in closed form
    against its gamma prior, p numerically against its beta prior (quad's
    algebraic weight handles the p^(a-1) (1-p)^(b-1) end points).
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    n = r + x

    def alive_weight(p: float) -> float:
        return (1 - p) ** x * (alpha + t_cap) ** -n

    def dead_weight(p: float) -> float:
        return p * (1 - p) ** (x - 1) * (alpha + t_x) ** -n if x > 0 else 0.0

    def future(p: float) -> float:
        # (alpha+T)^-n - (alpha+T+pt)^-n = (alpha+T)^-n (1 - (1 + pt/(alpha+T))^-n), over p
        step = t / (alpha + t_cap)
        gain = -np.expm1(-n * np.log1p(p * step)) / p if p > 0 else n * step
        return (1 - p) ** x * (alpha + t_cap) ** -n * gain

    def integral(func) -> float:
        value, _ = quad(func, 0, 1, weight="alg", wvar=(a - 1, b - 1), epsabs=0, epsrel=1e-11)
        return value / beta_fn(a, b)

    evidence = integral(alive_weight) + integral(dead_weight)
    return integral(future) / evidence, integral(alive_weight) / evidence


@pytest.mark.parametrize(
    ("x", "t_x", "t_cap"),
    [(0, 0.0, 38.86), (2, 30.43, 38.86), (1, 1.71, 38.86), (14, 35.0, 36.0), (5, 5.0, 30.0)],
)
def test_conditional_expectation_matches_quadrature(x: int, t_x: float, t_cap: float) -> None:
    expected, alive = quadrature_expectation(PUBLISHED, 52.0, x, t_x, t_cap)
    got = clv.bgnbd_expected_purchases(PUBLISHED, 52.0, [x], [t_x], [t_cap])[0]
    got_alive = clv.bgnbd_probability_alive(PUBLISHED, [x], [t_x], [t_cap])[0]
    assert got == pytest.approx(expected, rel=1e-7)
    assert got_alive == pytest.approx(alive, rel=1e-7)


def test_gamma_gamma_expectation_is_weighted_mean() -> None:
    """E[Z | x, z] weights the population mean p gamma / (q - 1) by (q - 1) and z by p x."""
    params = clv.GammaGammaParams(p=6.0, q=4.0, gamma=15.0, log_likelihood=0.0)
    # x = 2, z = 40: (3 * 30 + 12 * 40) / (3 + 12) = (90 + 480) / 15 = 38
    # x = 0 (no repeat spend): the population mean 6 * 15 / 3 = 30
    got = clv.gamma_gamma_expected_value(params, [2, 0], [40.0, np.nan])
    assert got.tolist() == pytest.approx([38.0, 30.0])


# ------------------------------------------------------------------ predictions


def test_predictions_are_sane(cdnow_summary, cdnow_bgnbd, cdnow_gamma_gamma) -> None:
    predictions = clv.predict_clv(cdnow_summary, bgnbd=cdnow_bgnbd, gamma_gamma=cdnow_gamma_gamma)
    numbers = predictions.drop(columns="customer_id").to_numpy()
    assert np.isfinite(numbers).all()
    assert (numbers >= 0).all()
    assert (predictions["probability_alive"] <= 1).all()
    assert predictions["expected_value"].to_numpy() == pytest.approx(
        (predictions["expected_purchases"] * predictions["expected_order_value"]).to_numpy()
    )

    frequent_recent = pd.DataFrame(
        {
            "customer_id": ["busy", "gone"],
            "frequency": [12, 0],
            "recency": [38.0, 0.0],
            "T": [38.86, 38.86],
            "monetary": [30.0, np.nan],
        }
    )
    scored = clv.predict_clv(
        frequent_recent, bgnbd=cdnow_bgnbd, gamma_gamma=cdnow_gamma_gamma
    ).set_index("customer_id")
    assert scored.loc["busy", "expected_purchases"] > 5 * scored.loc["gone", "expected_purchases"]
    assert scored.loc["busy", "probability_alive"] > 0.9


def test_predict_clv_fits_when_not_given_params(cdnow_summary, cdnow_bgnbd) -> None:
    predictions = clv.predict_clv(cdnow_summary.head(800), horizon_weeks=26)
    assert len(predictions) == 800
    assert np.isfinite(predictions.drop(columns="customer_id").to_numpy()).all()


# ------------------------------------------------------------------ dbt-facing scorer


def test_score_members_on_cdnow(cdnow: pd.DataFrame, cdnow_gamma_gamma) -> None:
    orders = pd.DataFrame(
        {
            "member_id": cdnow["customer_id"],
            "order_date": pd.to_datetime(cdnow["purchase_date"]).dt.date,
            "net_amount": cdnow["amount"],
        }
    )
    scores = scoring.score_members(orders, dt.date(1997, 9, 30))
    assert list(scores.columns) == scoring.OUTPUT_COLUMNS
    assert len(scores) == 2357
    assert scores["member_id"].is_unique
    assert (scores["calibration_end_date"] == dt.date(1997, 9, 30)).all()
    assert scores["frequency"].sum() == 2457
    one_timers = scores[scores["frequency"] == 0]
    assert one_timers["expected_order_value"].to_numpy() == pytest.approx(
        cdnow_gamma_gamma.population_mean
    )
    assert np.isfinite(
        scores.drop(columns=["member_id", "calibration_end_date"]).to_numpy(dtype=float)
    ).all()


def test_score_members_thin_data_uses_plain_mean() -> None:
    """Fewer than MIN_REPEAT_BUYERS repeat buyers: everyone gets the mean purchase-day
    value in the calibration period, (15 + 20 + 30 + 40 + 8 + 10) / 6 = 20.5."""
    orders = hand_transactions().rename(
        columns={"customer_id": "member_id", "purchase_date": "order_date", "amount": "net_amount"}
    )
    scores = scoring.score_members(orders, "2024-03-31")
    assert scores["member_id"].tolist() == ["A", "B", "C"]
    assert scores["expected_order_value"].tolist() == pytest.approx([20.5] * 3)
    assert scores["age_weeks"].tolist() == pytest.approx([90 / 7, 4.0, 59 / 7])
    assert np.isfinite(scores["expected_value_12m"]).all()


def test_score_members_empty() -> None:
    orders = pd.DataFrame(
        {"member_id": ["A"], "order_date": [dt.date(2024, 5, 1)], "net_amount": [1.0]}
    )
    scores = scoring.score_members(orders, "2024-03-31")
    assert scores.empty
    assert list(scores.columns) == scoring.OUTPUT_COLUMNS


# ------------------------------------------------------------------ dbt entry points


def inputs_from_summary(summary: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """fct_member_clv_inputs rows for a summary (total amount: repeat days only, enough here)."""
    return pd.DataFrame(
        {
            "member_id": summary["customer_id"].astype(str),
            "frequency": summary["frequency"].astype("int64"),
            "recency_weeks": summary["recency"],
            "age_weeks": summary["T"],
            "mean_repeat_purchase_amount": summary["monetary"],
            "count_purchase_days": summary["frequency"].astype("int64") + 1,
            "total_purchase_amount": (summary["frequency"] * summary["monetary"]).fillna(0),
            "calibration_end_date": end,
        }
    ).iloc[::-1]  # any row order


def test_parameters_round_trip_and_score_like_score_members(
    cdnow: pd.DataFrame, cdnow_summary: pd.DataFrame
) -> None:
    end = dt.date(1997, 9, 30)
    inputs = inputs_from_summary(cdnow_summary, end)
    parameters = scoring.parameters_frame(scoring.fit_inputs(inputs))
    assert list(parameters.columns) == list(scoring.PARAMETER_TYPES)
    assert parameters.loc[0, "order_value_model"] == scoring.GAMMA_GAMMA
    assert parameters.loc[0, "count_repeat_buyers"] == 946
    scored = scoring.score_inputs(inputs, parameters).set_index("member_id")
    orders = pd.DataFrame(
        {
            "member_id": cdnow["customer_id"].astype(str),
            "order_date": pd.to_datetime(cdnow["purchase_date"]).dt.date,
            "net_amount": cdnow["amount"],
        }
    )
    direct = scoring.score_members(orders, end).set_index("member_id").loc[scored.index]
    # Two fits of the same numbers reached by different arithmetic (sums over
    # differently built frames): the optimizer stops within its own tolerance,
    # so the scores agree to about 1e-8, not to the last bit (CI's CPU differed
    # by 2.3e-8). 1e-6 still fails on any formula or parameter mix-up.
    for column in scoring.OUTPUT_COLUMNS[2:]:
        assert scored[column].to_numpy() == pytest.approx(direct[column].to_numpy(), rel=1e-6)


def test_fit_does_not_depend_on_row_order(cdnow_summary: pd.DataFrame) -> None:
    inputs = inputs_from_summary(cdnow_summary, dt.date(1997, 9, 30))
    shuffled = inputs.sample(frac=1.0, random_state=7)
    assert scoring.fit_inputs(inputs) == scoring.fit_inputs(shuffled)


def test_thin_inputs_use_the_mean_purchase_value() -> None:
    """Two members, no repeat buyer: no Gamma-Gamma; mean value (40 + 20 + 30) / 3 = 30."""
    inputs = pd.DataFrame(
        {
            "member_id": ["a", "b"],
            "frequency": [0, 1],
            "recency_weeks": [0.0, 1.0],
            "age_weeks": [4.0, 8.0],
            "mean_repeat_purchase_amount": [np.nan, 0.0],
            "count_purchase_days": [1, 2],
            "total_purchase_amount": [40.0, 50.0],
            "calibration_end_date": [dt.date(2024, 3, 31)] * 2,
        }
    )
    parameters = scoring.parameters_frame(scoring.fit_inputs(inputs))
    assert parameters.loc[0, "order_value_model"] == scoring.MEAN_PURCHASE_VALUE
    assert np.isnan(parameters.loc[0, "gamma_gamma_p"])
    assert parameters.loc[0, "population_order_value"] == pytest.approx(30.0)
    scored = scoring.score_inputs(inputs, parameters)
    assert scored["expected_order_value"].tolist() == pytest.approx([30.0, 30.0])


def test_empty_inputs_give_empty_tables() -> None:
    inputs = pd.DataFrame({"member_id": pd.Series(dtype=object)})
    assert scoring.fit_inputs(inputs) is None
    parameters = scoring.parameters_frame(None)
    assert parameters.empty
    assert list(parameters.columns) == list(scoring.PARAMETER_TYPES)
    scored = scoring.score_inputs(inputs, parameters)
    assert scored.empty
    assert list(scored.columns) == scoring.OUTPUT_COLUMNS


def test_inputs_with_two_calibration_ends_are_refused(cdnow_summary: pd.DataFrame) -> None:
    inputs = inputs_from_summary(cdnow_summary.head(20), dt.date(1997, 9, 30))
    inputs.iloc[0, inputs.columns.get_loc("calibration_end_date")] = dt.date(1997, 9, 29)
    with pytest.raises(ValueError, match="one calibration end"):
        scoring.fit_inputs(inputs)


# ------------------------------------------------------------------ gradients and the optimiser


def _central_difference(function, point: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Per-row derivatives of a vector-valued function by each coordinate of point."""
    columns = []
    for index in range(point.size):
        up, down = point.copy(), point.copy()
        up[index] += step * point[index]
        down[index] -= step * point[index]
        columns.append((function(*up) - function(*down)) / (up[index] - down[index]))
    return np.column_stack(columns)


def test_bgnbd_gradient_matches_finite_differences() -> None:
    """The analytic gradient the fit uses, against central differences of the likelihood."""
    x = np.array([0.0, 1.0, 2.0, 7.0, 0.0, 30.0])
    t_x = np.array([0.0, 3.5, 10.0, 30.2, 0.0, 38.0])
    t_cap = np.array([38.9, 20.0, 12.0, 38.9, 0.5, 39.0])
    for point in ([0.243, 4.414, 0.793, 2.426], [3.0, 0.5, 12.0, 0.2]):
        params = np.array(point)
        numeric = _central_difference(
            lambda r, alpha, a, b: clv.bgnbd_log_likelihood_terms(r, alpha, a, b, x, t_x, t_cap),
            params,
        )
        analytic = clv.bgnbd_log_likelihood_gradient(*params, x, t_x, t_cap)
        assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def test_gamma_gamma_gradient_matches_finite_differences() -> None:
    x = np.array([1.0, 2.0, 5.0, 40.0])
    z = np.array([12.5, 30.0, 8.2, 101.0])
    for point in ([6.25, 3.74, 15.44], [0.4, 20.0, 900.0]):
        params = np.array(point)
        numeric = _central_difference(
            lambda p, q, gamma: clv.gamma_gamma_log_likelihood_terms(p, q, gamma, x, z), params
        )
        analytic = clv.gamma_gamma_log_likelihood_gradient(*params, x, z)
        assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def test_gradient_fit_equals_a_derivative_free_search(cdnow_summary: pd.DataFrame) -> None:
    """The L-BFGS-B fit lands where a tight Nelder-Mead search on the plain sum lands."""
    from scipy.optimize import minimize

    x, t_x, t_cap = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))

    def negative_ll(log_params: np.ndarray) -> float:
        return -float(np.sum(clv.bgnbd_log_likelihood_terms(*np.exp(log_params), x, t_x, t_cap)))

    searched = minimize(
        negative_ll,
        np.zeros(4),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 20_000, "maxfev": 40_000},
    )
    fitted = clv.fit_bgnbd(x, t_x, t_cap)
    expected = np.exp(searched.x)
    assert [fitted.r, fitted.alpha, fitted.a, fitted.b] == pytest.approx(expected, rel=1e-5)
    assert fitted.log_likelihood == pytest.approx(-searched.fun, abs=1e-6)
