"""Which contracts drive the portfolio's tail (`metrics.tail_contributions`, `Results.tail_contributions`):
each contract's mean loss in the portfolio's worst (1 − p) of trial-years, which add up to the portfolio's
TVaR; checked by hand, by sorting the trial-years another way, on cases whose answer follows from the
definition, and the errors against the spread over replications."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from test_metrics import _calibration_tolerance
from test_results import RETRO, with_retro

import riskmodel as rm
from riskmodel import metrics, plots
from riskmodel.results import POOLED_TAIL_UNIT
from riskmodel.scenario import load_scenario, with_overrides


def lines(seed: int, n_trials: int = 2_000, n_years: int = 5) -> dict[str, np.ndarray]:
    """Three lines that share a trial factor (a trial's climate): a lognormal line, a layer capped at 10
    (an atom at its limit) and a thin line independent of both, and a line that writes nothing."""
    rng = np.random.default_rng(seed)
    shape = (n_trials, n_years)
    trial = rng.lognormal(0.0, 0.6, (n_trials, 1))
    return {
        "property": trial * rng.lognormal(0.0, 0.7, shape),
        "layer": np.minimum(3.0 * trial * rng.pareto(2.0, shape), 10.0) * (rng.random(shape) < 0.4),
        "thin": rng.exponential(1.0, shape),
        "unwritten": np.zeros(shape),
    }


def test_a_hand_computed_case():
    """Four trials × two years, at p = 0.5: a = [[1, 5], [0, 2], [3, 0], [2, 6]], b = [[0, 1], [1, 0],
    [0, 4], [1, 0]], totals [[1, 6], [1, 2], [3, 4], [3, 6]]. Sorted 1 1 2 3 3 4 6 6: VaR the 4th, 3; the
    tail holds N (1 − p) = 4 trial-years: the three above 3 (4, 6, 6) and one of the two at 3, each of those
    by half. a: (0 + 5 + 6 + (3 + 2) / 2) / 4 = 3.375; b: (4 + 1 + 0 + (0 + 1) / 2) / 4 = 1.375; their sum
    4.75 = 3 + (1 + 3 + 3) / 8 / 0.5, the TVaR. Own TVaRs: a sorted 0 0 1 2 2 3 5 6, VaR 2, 2 + 8 / 8 /
    0.5 = 4; b sorted 0 0 0 0 1 1 1 4, VaR 0, 0 + 7 / 8 / 0.5 = 1.75.

    Errors: the 2√(N (1 − p)) = 4 nearest ranks around the 4th (2nd to 6th: totals 1 to 4) are six
    trial-years, totals summing to 14, a's to 8 and b's to 6: the part of a total of 3 each holds is
    h_a = 3 × 8 / 14 = 12/7, h_b = 9/7. a's influence, w (X − h) with w the tail weight (1 above VaR, ½
    at it): t0 5 − 12/7 = 23/7; t2 ½ (3 − 12/7) − 12/7 = −15/14; t3 ½ (2 − 12/7) + 6 − 12/7 = 31/7, so
    the trials' means over their two years 23/14, 0, −7.5/14, 31/14, and the error their SD over
    (1 − p) √4 = 1. b: t0 1 − 9/7, t2 ½ (0 − 9/7) + 4 − 9/7, t3 ½ (1 − 9/7) − 9/7: means −1/7, 0, 14.5/14,
    −5/7. (Each trial's a + b is its mean of (S − v)⁺: the total's influence.) Counting the years at VaR
    with no weight, as a first version did, understated the errors where a tail ends on an atom."""
    a = np.array([[1.0, 5.0], [0.0, 2.0], [3.0, 0.0], [2.0, 6.0]])
    b = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 4.0], [1.0, 0.0]])
    t = metrics.tail_contributions({"a": a, "b": b}, 0.5)
    assert list(t.index) == ["a", "b", "portfolio"]
    np.testing.assert_allclose(t["contribution"], [3.375, 1.375, 4.75], rtol=1e-12)
    np.testing.assert_allclose(t["share"], [3.375 / 4.75, 1.375 / 4.75, 1.0], rtol=1e-12)
    np.testing.assert_allclose(t["standalone_tvar"], [4.0, 1.75, 4.75], rtol=1e-12)
    se_a = np.std([23 / 14, 0.0, -7.5 / 14, 31 / 14], ddof=1)
    se_b = np.std([-1 / 7, 0.0, 14.5 / 14, -5 / 7], ddof=1)
    np.testing.assert_allclose(t["contribution_standard_error"][:2], [se_a, se_b], rtol=1e-12)
    assert t.attrs == {"level": 0.5, "var": 3.0, "trials_beyond": 3, "unseen_in_tail": ()}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("p", [0.9, 0.99, 0.995])
def test_the_contributions_add_up_to_the_portfolios_tvar(seed: int, p: float):
    """Over the contracts, to float rounding, whatever the level (an atom at the capped layer's limit
    included); a contract contributes at most its own TVaR; and the portfolio's row is `pooled_tvar`."""
    parts = lines(seed)
    total = sum(parts.values())
    t = metrics.tail_contributions(parts, p, total=total)
    value, se = metrics.pooled_tvar(total, p)
    assert (
        t.loc["portfolio", "contribution"] == value
        and t.loc["portfolio", "contribution_standard_error"] == se
    )
    assert t["contribution"].drop("portfolio").sum() == pytest.approx(value, rel=1e-12)
    assert t["share"].drop("portfolio").sum() == pytest.approx(1.0, rel=1e-12)
    own = t["standalone_tvar"].drop("portfolio")
    assert (t["contribution"].drop("portfolio") <= own * (1 + 1e-12)).all()
    assert (t["contribution"].drop("portfolio") < own).any()  # (the lines diversify each other)
    for name, x in parts.items():
        assert (t.loc[name, "standalone_tvar"], t.loc[name, "standalone_tvar_standard_error"]) == (
            metrics.pooled_tvar(x, p)
        )


def test_the_tail_sorted_by_hand():
    """Two independent lines of continuous losses (no ties): the portfolio's worst N (1 − p) trial-years,
    found by sorting the totals, and each line's mean loss over them."""
    rng = np.random.default_rng(8)
    a, b = rng.lognormal(0.0, 1.0, (4_000, 5)), rng.gamma(2.0, 3.0, (4_000, 5))
    p = 0.995  # 20,000 trial-years: the worst 100
    worst = np.argsort(-(a + b).ravel())[:100]
    t = metrics.tail_contributions({"a": a, "b": b}, p)
    assert t.loc["a", "contribution"] == pytest.approx(a.ravel()[worst].mean(), rel=1e-12)
    assert t.loc["b", "contribution"] == pytest.approx(b.ravel()[worst].mean(), rel=1e-12)
    assert t.loc["portfolio", "contribution"] == pytest.approx((a + b).ravel()[worst].mean(), rel=1e-12)


def test_lines_that_move_together_do_not_diversify():
    """Line b is twice line a in every trial-year: the tail is each one's tail, so each contributes its
    own TVaR, a third and two thirds; and a line alone contributes its whole TVaR, with its error."""
    a = np.random.default_rng(3).pareto(2.5, (3_000, 4))
    t = metrics.tail_contributions({"a": a, "b": 2.0 * a}, 0.99)
    np.testing.assert_allclose(t["share"], [1 / 3, 2 / 3, 1.0], rtol=1e-12)
    np.testing.assert_allclose(t["contribution"], t["standalone_tvar"], rtol=1e-12)
    alone = metrics.tail_contributions({"a": a}, 0.99)
    value, se = metrics.pooled_tvar(a, 0.99)
    assert alone.loc["a", "contribution"] == pytest.approx(value, rel=1e-12)
    assert alone.loc["a", "contribution_standard_error"] == pytest.approx(se, rel=1e-12)


def test_the_errors_match_the_spread_over_replications():
    """300 replications of 2,000 trials × 5 years of `lines` (a trial's years share its factor): the SD of
    each contribution and share over them matches the mean of their errors within three standard errors of
    that comparison (`_calibration_tolerance`, about 13%); the line that writes nothing contributes exactly
    0 every time, with an error of 0."""
    estimates, errors = [], []
    for seed in range(300):
        t = metrics.tail_contributions(lines(1_000 + seed), 0.99)
        estimates.append(t[["contribution", "share"]].to_numpy())
        errors.append(t[["contribution_standard_error", "share_standard_error"]].to_numpy())
        assert (t.loc["unwritten"] == 0).all()
    x, e = np.array(estimates), np.array(errors)
    for row, name in enumerate(("property", "layer", "thin")):
        for column, what in enumerate(("contribution", "share")):
            spread, mean = x[:, row, column].std(ddof=1), e[:, row, column].mean()
            tolerance = _calibration_tolerance(x[:, row, column], e[:, row, column])
            assert spread == pytest.approx(mean, rel=tolerance), (name, what, spread, mean, tolerance)


def full_limit_layers(seed: int, n_trials: int = 2_000, n_years: int = 5) -> dict[str, np.ndarray]:
    """Three layers that pay their full limit (5 or 0) when hit, two of them more often in a trial's bad
    climate: at 99% the portfolio's VaR sits on an atom (totals of 10: two layers hit), and which two
    make up a tied total is uncertain from sample to sample."""
    rng = np.random.default_rng(seed)
    shape = (n_trials, n_years)
    rate = 0.08 * rng.lognormal(0.0, 0.8, (n_trials, 1))
    return {
        "a": 5.0 * (rng.random(shape) < rate),
        "b": 5.0 * (rng.random(shape) < rate),
        "c": 5.0 * (rng.random(shape) < 0.08),
    }


def test_the_errors_count_the_trial_years_tied_at_var():
    """A tail that ends on an atom (`full_limit_layers`): 200 replications; the SD of each layer's share
    over them matches the mean of its errors within `_calibration_tolerance`. With the tied trial-years
    left out of the influence (a first version) the errors ran 1.8-2.5x low on this book."""
    estimates, errors = [], []
    for seed in range(200):
        t = metrics.tail_contributions(full_limit_layers(2_000 + seed), 0.99)
        assert t.attrs["var"] == 10.0  # (the atom: the tail ends on it in every replication)
        estimates.append(t.loc[["a", "b", "c"], "share"].to_numpy())
        errors.append(t.loc[["a", "b", "c"], "share_standard_error"].to_numpy())
    x, e = np.array(estimates), np.array(errors)
    for row, name in enumerate("abc"):
        spread, mean = x[:, row].std(ddof=1), e[:, row].mean()
        tolerance = _calibration_tolerance(x[:, row], e[:, row])
        assert spread == pytest.approx(mean, rel=tolerance), (name, spread, mean, tolerance)


def test_a_line_with_losses_but_none_near_the_tail_has_no_error_to_give():
    """A line that loses a little in a few quiet years (never in the tail, never among the years nearest
    VaR) contributes 0 in this sample; its error is not estimable from it (NaN, named in attrs), not the
    exact 0 of a line that writes nothing."""
    parts = lines(5)
    total = sum(parts.values())
    quiet = np.argsort(total.ravel())[:10]  # the ten smallest totals
    small = np.zeros(total.size)
    small[quiet] = 0.01
    parts["small"] = small.reshape(total.shape)
    t = metrics.tail_contributions(parts, 0.99)
    assert t.loc["small", "contribution"] == 0.0 and t.loc["small", "standalone_tvar"] > 0.0
    assert math.isnan(t.loc["small", "contribution_standard_error"])
    assert math.isnan(t.loc["small", "share_standard_error"])
    assert t.attrs["unseen_in_tail"] == ("small",)
    assert (t.loc["unwritten"] == 0).all()


def test_errors_are_infinite_where_the_tail_is_not_bounded():
    """Ten trial-years at 99%: too few to bound VaR from above (`pooled_tvar`'s infinite error); a line of
    zeros still contributes exactly 0, with no error."""
    x = np.arange(10.0).reshape(5, 2)
    t = metrics.tail_contributions({"x": x, "none": np.zeros_like(x)}, 0.99)
    assert t.loc["x", "contribution_standard_error"] == math.inf
    assert (t.loc["none"] == 0).all()


def test_a_total_that_is_not_the_sum_of_the_parts_is_refused():
    a, b = np.ones((4, 2)), np.full((4, 2), 2.0)
    total = a + b
    total[2, 1] += 0.5  # (a line left out of the parts)
    with pytest.raises(
        ValueError, match=r"the total is not the sum of the parts \(by 0.5 in trial 2, year 1\)"
    ):
        metrics.tail_contributions({"a": a, "b": b}, 0.9, total=total)
    with pytest.raises(
        ValueError,
        match=r"each part must be \(n_trials, n_years\), all of one shape, got a \(4, 2\), b \(4,\)",
    ):
        metrics.tail_contributions({"a": a, "b": np.ones(4)}, 0.9)
    with pytest.raises(ValueError, match="no parts"):
        metrics.tail_contributions({}, 0.9)
    with pytest.raises(ValueError, match="a part cannot be named 'portfolio'"):
        metrics.tail_contributions({"a": a, "portfolio": a}, 0.9)


# ------------------------------------------------------------------------------------------ on a run
def test_a_runs_contributions_pool_its_years_or_take_one():
    """`Results.tail_contributions`: the contracts' ceded losses over every policy year (the portfolio's
    TVaR pooled, as `by_joiners`' is), or one year's; a contract the run does not write (the retro under a
    baseline without the scheme) contributes exactly 0; a run without a portfolio is refused."""
    r = with_retro(written=False)
    t = r.tail_contributions()
    assert list(t.index) == [*r.contract_ids, "portfolio"]
    parts = {cid: r.losses(cid) for cid in r.contract_ids}
    pd.testing.assert_frame_equal(t, metrics.tail_contributions(parts, 0.995))
    assert (t.loc[RETRO] == 0).all()
    assert t.attrs["years"] == r.horizon and t.attrs["level"] == 0.995
    year = r.start_year + 2
    one = r.tail_contributions(0.99, year=year)
    expected = metrics.tail_contributions({cid: x[:, 2:3] for cid, x in parts.items()}, 0.99)
    pd.testing.assert_frame_equal(one, expected)
    assert one.attrs["years"] == str(year)
    written = with_retro(written=True).tail_contributions()
    assert written["contribution"].drop("portfolio").sum() == pytest.approx(
        written.loc["portfolio", "contribution"], rel=1e-12
    )
    with pytest.raises(ValueError, match="outside the run's policy years"):
        r.tail_contributions(year=2040)
    with pytest.raises(ValueError, match="this run has no portfolio"):
        replace(r, contracts={}).tail_contributions()


def test_the_engines_portfolio_is_the_sum_of_its_contracts():
    """A run of the example book (nine contracts, the retro among them): the portfolio the engine sums is
    the contracts' sum, so the contributions add up to its TVaR."""
    scenario = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.years": 2})
    r = rm.simulate(scenario, trials=1_024, seed=5, progress=False)
    t = r.tail_contributions(0.99)
    assert len(t) == len(r.contract_ids) + 1 >= 9
    assert t["contribution"].drop("portfolio").sum() == pytest.approx(
        t.loc["portfolio", "contribution"], rel=1e-12
    )
    assert t.loc["portfolio", "contribution"] == metrics.pooled_tvar(r.losses(), 0.99)[0]


def test_the_chart_draws_each_contribution_beside_the_contracts_own_tvar():
    """`plot_tail_contributions`: the outlines are the contracts' own TVaRs, the bars their
    contributions, top to bottom in portfolio order, as `tail_contributions` gives them."""
    r = with_retro(written=True)
    t = r.tail_contributions(0.99).drop("portfolio")
    ax = r.plot_tail_contributions(0.99)
    own, contribution = ax.containers[:2]
    widths = lambda c: np.array([p.get_width() for p in c.patches])  # noqa: E731
    np.testing.assert_allclose(widths(own), t["standalone_tvar"], rtol=1e-12)
    np.testing.assert_allclose(widths(contribution), t["contribution"], rtol=1e-12)
    assert [x.get_text() for x in ax.get_yticklabels()] == list(r.contract_ids)
    # the summary's words for whose figure it is ("(reinsurer's share)"; the label said "the reinsurer's")
    assert "TVaR 99%" in ax.get_title()
    assert ax.get_xlabel() == f"{POOLED_TAIL_UNIT}; policy years 2026–2029 pooled"
    plots.close(ax)
    ax = r.plot_tail_contributions(0.99, year=2027)
    assert ax.get_xlabel() == "USD m in a policy year (reinsurer's share); policy year 2027"
    plots.close(ax)


def test_the_chart_says_which_contracts_have_no_error_and_a_one_year_run_its_year():
    """A contract with losses but none near the tail has NaN errors (matplotlib draws no error bar, as for
    an error of 0): its tick label says so. A one-year run's chart names its year, not "2026–2026"."""
    parts = lines(5, n_trials=1_000, n_years=1)
    total = sum(parts.values())
    quiet = np.zeros(total.size)
    quiet[np.argsort(total.ravel())[:10]] = 0.01  # (losses in the ten quietest years only)
    parts["quiet"] = quiet.reshape(total.shape)
    contracts = {cid: {"loss": x} for cid, x in parts.items()} | {
        "portfolio": {"loss": total + parts["quiet"]}
    }
    r = rm.Results("x", 2026, 1, 1_000, 1, contracts, {}, {}, (), (), pd.DataFrame())
    t = r.tail_contributions(0.99)
    assert t.attrs["unseen_in_tail"] == ("quiet",) and t.attrs["years"] == "2026"
    ax = r.plot_tail_contributions(0.99)
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert labels == [
        "property",
        "layer",
        "thin",
        "unwritten",
        "quiet (losses, none near the tail: no error)",
    ]
    assert ax.get_xlabel().endswith("; policy year 2026")
    plots.close(ax)
