"""Risk metrics: conventions on hand-made tables, EP curve invariants, interval coverage, CRN comparisons."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from riskmodel import metrics
from riskmodel.arguments import check_level, check_levels
from riskmodel.metrics import AEP, AEP_TVAR, HORIZON_TOTAL, OEP, OEP_TVAR


def test_ord_ep_type_codes():
    assert (OEP, OEP_TVAR, AEP, AEP_TVAR) == (1, 2, 3, 4)
    assert metrics.DEFAULT_RETURN_PERIODS == (2, 5, 10, 25, 50, 100, 200, 250, 500, 1000)


def test_var_is_the_lower_quantile():
    """Ten trials 1..10: F(k) = k/10. VaR at p is the smallest k with k/10 ≥ p: p = 0.9 → 9 (F(9) = 0.9
    exactly, which the floating-point product 10 × 0.9 must not push to 10); p = 0.95 → 10; p = 0.05 → 1."""
    x = np.arange(1.0, 11.0)
    assert metrics.var(x, 0.9) == 9.0
    assert metrics.var(x, 0.95) == 10.0
    assert metrics.var(x, 0.05) == 1.0
    assert metrics.var(np.arange(1.0, 1001.0), 0.995) == 995.0  # 1000 × 0.995 = 994.99999… in floats


def test_tvar_formula_with_an_atom_at_var():
    """Trials 0 ×7, 10, 10, 20; p = 0.8: VaR = 10 (F(10) = 0.9 ≥ 0.8; F(0) = 0.7 < 0.8).
    TVaR = 10 + E[(X − 10)+]/0.2 = 10 + (10/10)/0.2 = 15: the mean of the worst 20% (10 and 20)."""
    x = [0.0] * 7 + [10.0, 10.0, 20.0]
    assert metrics.var(x, 0.8) == 10.0
    assert metrics.tvar(x, 0.8) == pytest.approx(15.0)


def test_columns_are_independent_metrics():
    """A 2-d table gives one value per column (policy year)."""
    x = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    np.testing.assert_allclose(metrics.aal(x), [2.5, 25.0])
    np.testing.assert_allclose(metrics.var(x, 0.5), [2.0, 20.0])
    np.testing.assert_allclose(metrics.tvar(x, 0.5), [3.5, 35.0])
    lo, hi = metrics.quantile_ci(x, 0.5, 0.5)
    assert lo.shape == hi.shape == (2,)


def test_standard_errors():
    x = np.array([0.0, 2.0, 4.0, 6.0])
    assert metrics.sd(x) == pytest.approx(math.sqrt(20 / 3))
    assert metrics.standard_error(x) == pytest.approx(math.sqrt(20 / 3) / 2)
    assert metrics.prob_any_loss(x) == 0.75
    assert math.isnan(metrics.sd([5.0]))  # one trial: no spread known, so no error can pass as converged
    one = metrics.metrics_table(np.array([[5.0]]), levels=(0.5,))
    assert not one["converged"].any()
    assert not metrics.alt_table(np.array([[5.0]]))["converged"].any()


def test_invalid_levels_are_errors():
    with pytest.raises(ValueError, match=r"^level p must be a number between 0 and 1, exclusive"):
        metrics.var([1.0], 1.0)
    with pytest.raises(ValueError, match="at least one trial"):
        metrics.aal([])
    with pytest.raises(ValueError, match=r"return_periods\[0\] must be a finite number greater than 1"):
        metrics.ep_curve([1.0, 2.0], [1])
    with pytest.raises(ValueError, match=r"NaN \(trial 2\)"):  # a NaN would rank as the largest loss
        metrics.var([1.0, 2.0, math.nan, 3.0], 0.6)


def test_the_tables_arguments_are_checked_at_the_door():
    """`metrics_table(levels=0.99)` failed with "'float' object is not iterable", ``levels=["0.99"]`` with
    "'<' not supported", and `ep_curve` took a return period of infinity (NaN rows and RuntimeWarnings) or
    "100" (read as a number); a negative `rel_error` made nothing converged. Each is now refused where the
    function is called, naming the argument, the value and what is allowed; one level or one return
    period is taken for a sequence of one."""
    x = np.arange(1.0, 101.0)[:, None]
    one = metrics.metrics_table(x, levels=0.99)
    pd.testing.assert_frame_equal(one, metrics.metrics_table(x, levels=[0.99]))
    pd.testing.assert_frame_equal(metrics.ep_curve(x[:, 0], 20), metrics.ep_curve(x[:, 0], [20]))
    allowed = "must be a number between 0 and 1, exclusive, such as 0.995"
    with pytest.raises(TypeError, match=rf"^levels\[0\] {allowed}, got '0.99' \(a str\)$"):
        metrics.metrics_table(x, levels=["0.99"])
    with pytest.raises(
        TypeError, match=r"^levels must be a level or a sequence of levels, .*'0.99' \(a str\)$"
    ):
        metrics.metrics_table(x, levels="0.99")
    with pytest.raises(ValueError, match=rf"^levels\[1\] {allowed}, got nan$"):
        metrics.metrics_table(x, levels=[0.99, math.nan])
    with pytest.raises(ValueError, match=rf"^conf {allowed}, got 1.5$"):
        metrics.ep_curve(x[:, 0], [20], conf=1.5)
    periods = "must be a finite number greater than 1"
    with pytest.raises(ValueError, match=rf"^return_periods\[1\] {periods} \(200: 1 in 200\), got inf$"):
        metrics.ep_curve(x[:, 0], [20, math.inf])
    with pytest.raises(TypeError, match=rf"^return_periods\[0\] {periods} .*, got '100' \(a str\)$"):
        metrics.ept_table(x, return_periods=["100"])
    with pytest.raises(ValueError, match=r"^return_periods must name at least one return period"):
        metrics.ept_table(x, return_periods=[])
    for wrong in (-1, 0, math.nan, math.inf):
        for table in (metrics.alt_table, metrics.metrics_table, metrics.ept_table):
            with pytest.raises(
                ValueError, match=rf"^rel_error must be a finite number greater than 0 .*{wrong}$"
            ):
                table(x, rel_error=wrong)
    with pytest.raises(TypeError, match=r"^rel_error must be .*, got True \(a bool\)$"):
        metrics.alt_table(x, rel_error=True)


def test_a_narrow_float_level_is_the_decimal_it_shows_and_a_level_is_given_once():
    """`np.float32(0.99)` is 0.9900000095367432 as a double: 200 × p computed as 198.0000019, so VaR took
    the 199th of 200 trials (the 99.5% value) and labelled it 0.99. A float narrower than a double is now
    the decimal it shows (its shortest repr, 0.99), as a level, a confidence level or a return period;
    a double is taken as it is. Duplicate levels or return periods gave duplicate rows: refused, naming
    the value and both places it is given."""
    x = np.arange(1.0, 201.0)[:, None]
    wide = metrics.metrics_table(x, levels=0.99)
    for narrow in (np.float32(0.99), np.float16(0.99), np.array([0.99], dtype=np.float32)):
        pd.testing.assert_frame_equal(metrics.metrics_table(x, levels=narrow), wide)
    assert wide.loc[wide.metric == "var", "estimate"].tolist() == [198.0, 198.0]  # ⌈200 × 0.99⌉
    pd.testing.assert_frame_equal(metrics.ep_curve(x[:, 0], np.float32(1.1)), metrics.ep_curve(x[:, 0], 1.1))
    assert check_levels(np.float32(0.995)) == (0.995,) and check_level(np.float64(0.1 + 0.2)) == 0.1 + 0.2
    with pytest.raises(ValueError, match=r"^levels\[2\] is 0.99, as levels\[0\]: give each level once$"):
        metrics.metrics_table(x, levels=[0.99, 0.995, np.float32(0.99)])
    with pytest.raises(
        ValueError,
        match=r"^return_periods\[1\] is 200.0, as return_periods\[0\]: give each return period once$",
    ):
        metrics.ept_table(x, return_periods=[200, 200.0])


def test_tvar_has_no_error_where_its_quantile_has_no_upper_bound():
    """150 trials cannot bound the 99.5% quantile above (0.995¹⁵⁰ = 0.47 > 2.5%): the TVaR beyond it is the
    largest trial alone, so its error is infinite and it is not converged (it was 0 and converged). At
    1,000 trials (0.995¹⁰⁰⁰ = 0.7%) the quantile is bounded and the TVaR's asymptotic error is finite."""
    x = np.random.default_rng(0).lognormal(0.0, 1.0, 1000)
    assert metrics.quantile_ci(x[:150], 0.995)[1] == math.inf
    assert metrics.tvar_standard_error(x[:150], 0.995) == math.inf
    t = metrics.metrics_table(x[:150, None], levels=(0.995,))
    assert not t.loc[t.metric == "tvar", "converged"].any()
    e = metrics.ept_table(x[:500, None], return_periods=[200])  # 0.995⁵⁰⁰ = 8%: unbounded as well
    assert not e["converged"].any() and (e.loc[e.ep_type == AEP_TVAR, "ci_upper"] == math.inf).all()
    assert metrics.quantile_ci(x, 0.995)[1] < math.inf
    assert 0 < metrics.tvar_standard_error(x, 0.995) < math.inf
    curve = metrics.ep_curve(x, [200])
    assert curve["tvar_se"].iloc[0] == pytest.approx(metrics.tvar_standard_error(x, 0.995))


def test_quantile_interval_unbounded_with_too_few_trials():
    """With 50 trials the 99.5% quantile cannot be bounded above: P(all 50 below it) = 0.995⁵⁰ ≈ 0.78."""
    lo, hi = metrics.quantile_ci(np.arange(50.0), 0.995)
    assert hi == math.inf and lo <= 49


def test_quantile_interval_is_the_tightest_conservative_one_and_covers_as_it_should():
    """2,000 samples of 400 exponentials, the 95% interval of the 90% quantile ξ = ln 10. With N ~
    Binomial(400, 0.9) the number of draws at or below ξ, the ends X₍ₗ₎ and X₍ᵤ₎ cover ξ when l ≤ N < u. The
    ranks must leave at most 2.5% in each tail and be the tightest that do (one rank inward would leave
    more), and the samples' coverage must be the exact P(l ≤ N < u) within 3 binomial standard errors."""
    n, p, conf, samples = 400, 0.9, 0.95, 2000
    x = np.random.default_rng(7).exponential(size=(n, samples))
    lo, hi = metrics.quantile_ci(x, p, conf)
    s = np.sort(x, axis=0)
    [l_rank] = {int(np.searchsorted(s[:, j], lo[j])) + 1 for j in range(samples)}  # 1-based ranks
    [u_rank] = {int(np.searchsorted(s[:, j], hi[j])) + 1 for j in range(samples)}
    cdf, tail = stats.binom(n, p).cdf, (1 - conf) / 2
    assert cdf(l_rank - 1) < tail <= cdf(l_rank)  # P(N < l) ≤ 2.5% < P(N < l + 1)
    assert cdf(u_rank - 2) < 1 - tail <= cdf(u_rank - 1)  # P(N ≥ u) ≤ 2.5% < P(N ≥ u − 1)
    exact = cdf(u_rank - 1) - cdf(l_rank - 1)
    coverage = ((lo <= math.log(10)) & (math.log(10) < hi)).mean()
    assert abs(coverage - exact) <= 3 * math.sqrt(exact * (1 - exact) / samples)


def _calibration_tolerance(estimates: np.ndarray, errors: np.ndarray) -> float:
    """Three standard errors of the ratio (SD of `estimates`) / (mean of `errors`) around 1, as a relative
    tolerance: the sample SD's relative error √((kurtosis − 1) / 4n) (the estimates are skewed: their own
    kurtosis, not a normal's 3) and the mean error's, in quadrature."""
    n = estimates.size
    sd = math.sqrt((stats.kurtosis(estimates, fisher=False) - 1) / (4 * n))
    mean = errors.std(ddof=1) / errors.mean() / math.sqrt(n)
    return 3 * math.hypot(sd, mean)


def test_pooled_tvar_is_of_a_policy_year_and_its_error_counts_a_trial_once():
    """`pooled_tvar` pools every trial-year: of [[0, 4], [1, 5], [2, 6], [3, 7]] at 50%, VaR the 4th of the 8
    years (3) and TVaR 3 + mean((x − 3)+) / 0.5 = 3 + 10/8/0.5 = 5.5, the mean of 4..7, where the trials'
    mean years 2, 3, 4, 5 would give 4.5. Its error takes a trial's years as one draw: across 300 samples
    of 1,000 trials × 5 years that share a trial factor (lognormal, σ 0.8 of the trial times σ 0.5 of the
    year), the spread of the estimates matches the mean error within three standard errors of that
    comparison (`_calibration_tolerance`: about 14%), where the error of 5,000 independent years
    (`tvar_standard_error` of the pooled years) runs well under it."""
    t, se = metrics.pooled_tvar(np.array([[0.0, 4.0], [1.0, 5.0], [2.0, 6.0], [3.0, 7.0]]), 0.5)
    assert t == 5.5 and se == pytest.approx(np.std([0.5, 1.0, 1.5, 2.0], ddof=1) / (0.5 * 2))
    assert metrics.pooled_tvar(np.arange(10.0).reshape(5, 2), 0.8)[1] == math.inf  # 10 years: unbounded
    rng = np.random.default_rng(5)
    estimates, errors, naive = [], [], []
    for _ in range(300):
        x = rng.lognormal(0.0, 0.8, (1000, 1)) * rng.lognormal(0.0, 0.5, (1000, 5))
        value, error = metrics.pooled_tvar(x, 0.95)
        estimates.append(value)
        errors.append(error)
        naive.append(metrics.tvar_standard_error(x.ravel(), 0.95))
    spread = np.std(estimates, ddof=1)
    tolerance = _calibration_tolerance(np.array(estimates), np.array(errors))
    assert spread == pytest.approx(np.mean(errors), rel=tolerance)
    assert np.mean(naive) < 0.8 * spread


def test_pooled_quantile_of_one_policy_year_is_var_and_quantile_ci():
    """With one policy year there is nothing to pool and no cluster: the design effect is 1 and the figure
    and its interval are `var` and `quantile_ci` of the trials, to the rank, ties and open ends included
    (integer losses, mostly 0; 10 trials cannot bound the 99.5% quantile from above)."""
    rng = np.random.default_rng(21)
    for n in (10, 200, 5000):
        x = np.floor(rng.lognormal(0.0, 1.5, n)) * (rng.random(n) < 0.4)
        for p in (0.3, 0.9, 0.995):
            q = metrics.pooled_quantile(x[:, None], p)
            assert q.value == metrics.var(x, p) and q.design_effect == 1.0
            assert (q.ci_lower, q.ci_upper) == metrics.quantile_ci(x, p), (n, p)
            width = q.ci_upper - q.ci_lower
            assert q.se == (width / (2 * stats.norm.ppf(0.975)) if np.isfinite(width) else math.inf)
    assert metrics.pooled_quantile(np.arange(10.0)[:, None], 0.995).ci_upper == math.inf


def test_pooled_quantile_counts_a_trials_alike_years_as_one_draw():
    """A trial whose years are all alike is one draw, however many years it has: the design effect is the
    number of years (d = n_years × Var(shares) / (F (1 − F)), the trials' shares 0 or 1), and the interval
    is `quantile_ci` of the trials, where the pooled trial-years taken as independent give a narrower one.
    400 trials × 5 alike years at 99.5%: the trials, 2 expected beyond it, cannot bound it from above,
    where 2,000 independent years (10 beyond) would."""
    rng = np.random.default_rng(22)
    x = np.round(rng.lognormal(0.0, 1.0, 2000), 1)  # (ties)
    for years in (2, 5):
        q = metrics.pooled_quantile(np.repeat(x[:, None], years, axis=1), 0.9)
        assert q.design_effect == pytest.approx(years, rel=1e-12)
        assert (q.value, q.ci_lower, q.ci_upper) == (metrics.var(x, 0.9), *metrics.quantile_ci(x, 0.9))
        naive = metrics.quantile_ci(np.repeat(x, years), 0.9)
        assert naive[1] - naive[0] < q.ci_upper - q.ci_lower
    alike = np.repeat(x[:400, None], 5, axis=1)
    assert metrics.pooled_quantile(alike, 0.995).ci_upper == math.inf
    assert math.isfinite(metrics.quantile_ci(alike.ravel(), 0.995)[1])


def test_pooled_quantile_design_effect_by_hand():
    """[[1, 2], [3, 4], [5, 6], [7, 8]] at 50%: the 4th of the 8 trial-years, 4; the trials' shares of
    years at or below it 1, 1, 0, 0 (F = 0.5, variance 0.25): d = 2 × 0.25 / 0.25 = 2, four draws, too
    few to bound the median either side (the binomial's 2.5% and 97.5% points, 0 and 4 of 4). In
    [[1, 8], [2, 7], [3, 6], [4, 5]] every trial has one year of two at or below 4: the shares do not
    vary, d would be 0 and is 1 (years never count for more than independent draws). One trial: no
    error."""
    q = metrics.pooled_quantile(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]), 0.5)
    assert (q.value, q.design_effect, q.ci_lower, q.ci_upper, q.se) == (
        4.0,
        2.0,
        -math.inf,
        math.inf,
        math.inf,
    )
    q = metrics.pooled_quantile(np.array([[1.0, 8.0], [2.0, 7.0], [3.0, 6.0], [4.0, 5.0]]), 0.5)
    assert (q.value, q.design_effect) == (4.0, 1.0)
    q = metrics.pooled_quantile(np.array([[1.0, 2.0, 3.0]]), 0.5)
    assert (q.value, q.ci_lower, q.ci_upper, q.se) == (2.0, -math.inf, math.inf, math.inf)
    assert math.isnan(q.design_effect)
    # a low quantile of few trials: no bound from below (binomial 2.5% point of 50 draws at 2%: 0)
    q = metrics.pooled_quantile(np.arange(1.0, 51.0)[:, None], 0.02)
    assert q.ci_lower == -math.inf and q.ci_upper == 4.0


def test_pooled_quantile_of_a_point_mass_is_the_mass():
    """A layer's full limit of 5 in about 3% of the trial-years, clustered (1% of trials lose it every year,
    the rest in 2% of years): the 99.5% quantile and both ends of its interval are 5, its error exactly 0
    (every trial-year is at or below the limit, so the share strictly below it measures the clustering).
    The per-year figures agree, as the summary's point-mass words need."""
    rng = np.random.default_rng(23)
    bad = rng.random((4000, 1)) < 0.01
    loss = np.where(bad | (rng.random((4000, 5)) < 0.02), 5.0, rng.random((4000, 5)))
    q = metrics.pooled_quantile(loss, 0.995)
    assert (q.value, q.ci_lower, q.ci_upper, q.se) == (5.0, 5.0, 5.0, 0.0)
    assert q.design_effect > 1.2  # (the bad trials' years)
    assert metrics.worst_year(loss, 0.995).every_year
    with pytest.raises(ValueError, match=r"must be \(n_trials, n_years\)"):
        metrics.pooled_quantile(loss[:, 0], 0.995)
    loss[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        metrics.pooled_quantile(loss, 0.995)
    with pytest.raises(ValueError, match="level p"):
        metrics.pooled_quantile(loss, 1.0)
    with pytest.raises(ValueError, match="conf must be a number between 0 and 1"):
        metrics.pooled_quantile(np.ones((3, 2)), 0.5, conf=1.0)


def _covers(interval: tuple[float, float], truth: float) -> bool:
    """Whether an interval holds `truth`, an amount the trials reach along other float paths (0.6 + 0.6)."""
    lo, hi = interval
    return lo <= truth * (1 + 1e-9) and hi >= truth * (1 - 1e-9)


def test_a_limit_several_trials_reach_does_not_bound_a_quantile_above():
    """A positive amount several trials tie at, none above, was taken for the most the loss can be, and
    capped a quantile's open upper end (s.e. 0, converged). True only of one contract's year under a single
    aggregate limit; a reviewer's counter-examples, replicated here against the known truth:

    - an XoL of limit 10 with one reinstatement, a year's loss 10 × min(K, 2), K ~ Poisson(0.115): P(K ≥ 2)
      = 1 − e^−λ(1 + λ) = 0.0061 > 0.005, so the 1-in-200 is 20. 200 trials (some at 10, none at 20) gave
      [10, 10] and missed 20 in 110 of 400 samples (72.5% coverage at a nominal 95%);
    - a layer capped at 0.6, hit with probability 0.024 in each of 5 years: the horizon total's 1-in-200
      is 1.2, two limits (P(two or more hits) = 0.0055). 200 trials: [0.6, 0.6] in 126 of 400.

    With the open end the interval covers the truth at least as often as it says, within 3 binomial
    standard errors of the coverage over the replications (√(0.95 × 0.05 / 400) = 1.1%), at 200 trials
    (the end open) and at 1,000 (the ends order statistics: no longer trivially). The horizon's rows of
    the metrics table and the EPT say so: 0.6, ci_upper inf, s.e. inf, not converged."""
    reps, conf = 400, 0.95
    floor = conf - 3 * math.sqrt(conf * (1 - conf) / reps)
    for n in (200, 1000):
        rng = np.random.default_rng(1)
        xol = 10.0 * np.minimum(rng.poisson(0.115, (reps, n)), 2)
        covered = np.mean([_covers(metrics.quantile_ci(x, 0.995), 20.0) for x in xol])
        assert covered >= floor, ("reinstated XoL", n, covered)
        rng = np.random.default_rng(3)
        horizon = (0.6 * (rng.random((reps, n, 5)) < 0.024)).sum(axis=2)
        covered = np.mean([_covers(metrics.quantile_ci(x, 0.995), 1.2) for x in horizon])
        assert covered >= floor, ("horizon of a capped layer", n, covered)
    layer = np.zeros((200, 5))
    layer[[0, 1, 2, 3], [0, 1, 2, 3]] = 0.6  # four trials lose the limit once in the horizon, none twice
    layer[10:20, 4] = 0.6 + 2.2e-16  # (and ten in the last year, along another float path)
    t = metrics.metrics_table(layer, levels=(0.995,))
    row = t[(t.year == HORIZON_TOTAL) & (t.metric == "var")].iloc[0]
    assert row.estimate == pytest.approx(0.6) and row.ci_upper == math.inf
    assert row.standard_error == math.inf and not row.converged
    e = metrics.ept_table(layer, return_periods=[200])
    assert e.loc[(e.year == HORIZON_TOTAL) & (e.ep_type == AEP), "ci_upper"].tolist() == [math.inf]
    reinstated = 10.0 * np.r_[np.zeros(180), np.ones(20)]
    assert metrics.quantile_ci(reinstated, 0.995) == (10.0, math.inf)
    assert metrics.worst_year(reinstated[:, None], 0.995).se == math.inf
    assert metrics.pooled_quantile(reinstated[:, None], 0.995).ci_upper == math.inf


def test_a_point_mass_the_trials_bound_has_an_error_of_exactly_0():
    """Where the trials do bound a quantile on a point mass (both ends of its interval order statistics at
    the mass: 30 of 1,000 trials at a limit of 5), its s.e. is exactly 0, in `quantile_ci`'s metrics row,
    the EPT and `worst_year` alike, even where the mass's trials differ in the last bits (0.6 and
    0.6000000000000002, a limit reached along two paths: 2.8e-17 was float noise); so are `pooled_tvar`'s
    and `tail_contributions`' errors of a tail that ends on it. With 6 at the limit the lower end is below
    it and the s.e. its half-width. An atom at 0 (no loss seen) is no limit: its open end stays open."""
    rng = np.random.default_rng(4)
    x = rng.random(1000)
    x[:30] = 5.0 + rng.choice([0.0, 8.9e-16], 30)
    lo, hi = metrics.quantile_ci(x, 0.995)
    assert lo == pytest.approx(5.0) and hi == pytest.approx(5.0)
    t = metrics.metrics_table(x[:, None], levels=(0.995,))
    var_row = t[(t.year == 0) & (t.metric == "var")].iloc[0]
    assert (var_row.standard_error, var_row.converged) == (0.0, True)
    e = metrics.ept_table(x[:, None], return_periods=[200])
    assert e.loc[(e.year == 0) & (e.ep_type == AEP), "converged"].tolist() == [True]
    assert metrics.worst_year(np.c_[x, x], 0.995).se == 0.0
    x[6:30] = rng.random(24)  # 6 at the limit: the 1-in-200 is 5 (the 995th), the lower end is not
    lo, hi = metrics.quantile_ci(x, 0.995)
    assert lo < 5.0 and hi == pytest.approx(5.0) and metrics.var(x, 0.995) == pytest.approx(5.0)
    assert metrics.worst_year(x[:, None], 0.995).se == pytest.approx((hi - lo) / (2 * stats.norm.ppf(0.975)))
    assert metrics.quantile_ci(np.zeros(300), 0.995)[1] == math.inf
    noisy = np.where(rng.random((200, 5)) < 0.05, 0.6, rng.random((200, 5)) * 0.5)
    noisy[noisy == 0.6] += rng.choice([0.0, 1.1e-16, 2.2e-16], size=int((noisy == 0.6).sum()))
    q = metrics.pooled_quantile(noisy, 0.995)
    assert q.value == pytest.approx(0.6) and q.se == 0.0
    assert metrics.pooled_tvar(noisy, 0.995)[1] == 0.0
    c = metrics.tail_contributions({"solo": noisy}, 0.995)
    assert (c[["contribution_standard_error", "standalone_tvar_standard_error"]] == 0.0).all().all()


def test_pooled_quantile_interval_covers_at_its_level_where_the_naive_one_does_not():
    """Calibration by replication: 500 samples of 1,000 trials × 5 years, each trial-year exp(1.5 T + 0.5 e)
    with T a trial's factor and e the year's (standard normals), so that a trial's years are strongly
    alike (design effect about 3 at 99.5%). The exact quantile of a trial-year is exp(√2.5 z₀.₉₉₅). The
    95% interval covers it in 95% of the samples within three binomial standard errors of the coverage
    (√(0.95 × 0.05 / 500), about 1%), where `quantile_ci` of the 5,000 trial-years taken as independent
    falls below that band (about 75%: it takes three times too many draws)."""
    rng = np.random.default_rng(24)
    p, reps = 0.995, 500
    exact = math.exp(math.sqrt(1.5**2 + 0.5**2) * stats.norm.ppf(p))
    covered = naive = 0
    effects = []
    for _ in range(reps):
        x = np.exp(1.5 * rng.standard_normal((1000, 1)) + 0.5 * rng.standard_normal((1000, 5)))
        q = metrics.pooled_quantile(x, p)
        covered += q.ci_lower <= exact <= q.ci_upper
        lo, hi = metrics.quantile_ci(x.ravel(), p)
        naive += lo <= exact <= hi
        effects.append(q.design_effect)
    band = 3 * math.sqrt(0.95 * 0.05 / reps)
    assert abs(covered / reps - 0.95) <= band
    assert naive / reps < 0.95 - band
    assert 2.0 < np.mean(effects) < 4.0


def test_tvar_standard_error_is_calibrated():
    """Across 400 samples of 2,000 lognormals, the SD of TVaR99 estimates matches the mean estimated SE
    within 15% (the SD of an SD estimate from 400 samples is about 3.5%; the asymptotic SE is biased low
    for small tails)."""
    rng = np.random.default_rng(11)
    x = rng.lognormal(0.0, 0.5, size=(2000, 400))
    t = metrics.tvar(x, 0.99)
    se = metrics.tvar_standard_error(x, 0.99)
    assert t.std(ddof=1) == pytest.approx(se.mean(), rel=0.15)


def test_ep_curve_exact_on_a_hand_made_table():
    """Annual losses of 10 trials: 0 ×5, 1, 2, 3, 4, 50. RP 2 (p 0.5): 5th smallest = 0, TVaR =
    0 + mean/0.5 = 6/0.5 = 12. RP 5 (p 0.8): 8th = 3, TVaR = 3 + (1 + 47)/10/0.2 = 27. RP 10: 9th = 4,
    TVaR = 4 + 4.6/0.1 = 50."""
    x = [0.0] * 5 + [1.0, 2.0, 3.0, 4.0, 50.0]
    curve = metrics.ep_curve(x, [2, 5, 10])
    np.testing.assert_allclose(curve["loss"], [0, 3, 4])
    np.testing.assert_allclose(curve["tvar"], [12, 27, 50])
    np.testing.assert_allclose(curve["probability"], [0.5, 0.2, 0.1])


def test_ept_table_rows_per_year_and_horizon():
    """Two trials, two years; annual [[0, 5], [9, 1]], largest events [[0, 5], [6, 1]].
    Horizon: AEP from the sums 5 and 10, OEP from the maxima 5 and 6. RP 2 (p 0.5) → 1st of 2 trials."""
    annual = np.array([[0.0, 5.0], [9.0, 1.0]])
    largest = np.array([[0.0, 5.0], [6.0, 1.0]])
    e = metrics.ept_table(annual, largest, return_periods=[2])
    assert list(e["year"].unique()) == [0, 1, HORIZON_TOTAL]
    got = {(r.year, r.ep_type): r.loss for r in e.itertuples()}
    assert got[(0, OEP)] == 0 and got[(0, AEP)] == 0
    assert got[(0, OEP_TVAR)] == pytest.approx(6.0) and got[(0, AEP_TVAR)] == pytest.approx(9.0)
    assert got[(HORIZON_TOTAL, AEP)] == 5 and got[(HORIZON_TOTAL, AEP_TVAR)] == pytest.approx(10.0)
    assert got[(HORIZON_TOTAL, OEP)] == 5 and got[(HORIZON_TOTAL, OEP_TVAR)] == pytest.approx(6.0)
    no_oep = metrics.ept_table(annual, return_periods=[2])
    assert set(no_oep["ep_type"]) == {AEP, AEP_TVAR}


def test_ept_convergence_verdict_agrees_with_the_metrics_table():
    """The EPT's verdict on AEP and AEP-TVaR at the 1-in-200 is the metrics table's on VaR and TVaR at
    0.995 (same standard errors): on 20,000 lognormal years the 1-in-10 has converged to 5%, the 1-in-1000
    has not, and with two trials the interval is unbounded, so nothing but an exact zero converges."""
    rng = np.random.default_rng(4)
    annual = rng.lognormal(0.0, 1.0, (20_000, 1))
    e = metrics.ept_table(annual, return_periods=[10, 200, 1000]).set_index(
        ["year", "ep_type", "return_period"]
    )
    m = metrics.metrics_table(annual, levels=(0.995,)).set_index(["year", "metric"])
    assert e.loc[(0, AEP, 200.0), "converged"] == m.loc[(0, "var"), "converged"]
    assert e.loc[(0, AEP_TVAR, 200.0), "converged"] == m.loc[(0, "tvar"), "converged"]
    assert e.loc[(0, AEP, 10.0), "converged"] and not e.loc[(0, AEP, 1000.0), "converged"]
    two = metrics.ept_table(np.array([[3.0], [4.0]]), return_periods=[1000])
    assert not two[two.ep_type == AEP]["converged"].any()


year_tables = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 40), st.integers(1, 3), st.integers(1, 4)),
    elements=st.floats(0, 100, allow_nan=False),
)


@settings(max_examples=100, deadline=None)
@given(year_tables)
def test_oep_below_aep_and_tvar_above_var(events):
    """From per-event losses (trials, years, events per year): annual totals and largest events. At every
    return period OEP ≤ AEP, OEP-TVaR ≤ AEP-TVaR, TVaR ≥ VaR, and losses rise with the return period."""
    annual, largest = events.sum(axis=2), events.max(axis=2)
    e = metrics.ept_table(annual, largest)
    for _, g in e.groupby("year"):
        by = {t: g[g.ep_type == t].set_index("return_period")["loss"] for t in (OEP, OEP_TVAR, AEP, AEP_TVAR)}
        assert (by[OEP] <= by[AEP] + 1e-9).all()
        assert (by[OEP_TVAR] <= by[AEP_TVAR] + 1e-9).all()
        assert (by[AEP_TVAR] >= by[AEP] - 1e-9).all() and (by[OEP_TVAR] >= by[OEP] - 1e-9).all()
        assert (np.diff(by[AEP]) >= 0).all() and (np.diff(by[AEP_TVAR]) >= -1e-9).all()


def test_converged_verdicts():
    np.testing.assert_array_equal(
        metrics.converged(np.array([100.0, 100.0, -50.0]), [1.0, 6.0, 2.0], 0.05), [True, False, True]
    )


def test_paired_difference_uses_common_random_numbers():
    """b = a + 1 + small noise: the paired SE is the noise's SE, far below the independent-sample SE."""
    rng = np.random.default_rng(3)
    a = rng.lognormal(2, 1, 10_000)
    b = a + 1 + rng.normal(0, 0.1, a.size)
    d = metrics.paired_difference(b, a)
    assert d.mean == pytest.approx(1.0, abs=4 * d.se)
    # (a sample standard deviation's relative standard error is 1/√(2(n − 1)))
    assert d.se == pytest.approx(0.1 / math.sqrt(a.size), rel=3 / math.sqrt(2 * (a.size - 1)))
    assert d.se_independent > 50 * d.se
    assert d.variance_reduction > 2500
    with pytest.raises(ValueError, match="same trials"):
        metrics.paired_difference([1.0, 2.0], [1.0])


def test_a_difference_of_float_noise_is_no_difference():
    """Two runs whose contract ceded the same losses, summed in another order in one trial of 2,000 (a
    difference of one unit in the last place): with `exact_zero` the difference is exactly 0 with no error
    and no one-trial note (it read z = 1, p = 0.32 and "one trial holds 100% of its variance"); a real
    difference of a millionth in that trial still counts, and without `exact_zero` the noise stays."""
    from riskmodel.display import dominant_trial_words

    rng = np.random.default_rng(11)
    a = rng.lognormal(0, 1, 2000)
    b = a.copy()
    b[7] = np.nextafter(a[7], np.inf)
    d = metrics.paired_difference(a, b, exact_zero=True)
    assert (d.mean, d.se) == (0.0, 0.0)
    assert dominant_trial_words(metrics.paired_deltas(a, b, exact_zero=True)) == ""
    assert dominant_trial_words(a - b) != ""  # (the noise alone: one trial holds all of its variance)
    assert metrics.paired_difference(a, b).se > 0
    b[7] = a[7] + 1e-6
    d = metrics.paired_difference(b, a, exact_zero=True)
    assert d.mean == pytest.approx(1e-6 / a.size, rel=1e-6) and d.se > 0
    # the rule's edge, in units in the last place of the larger figure, for a negative figure too, and
    # near 0 a difference is noise only below the spacing of the figures themselves
    for x in (1.3, -1.3, 1e6):
        step = np.spacing(abs(x))
        at, past = x + 64 * step * np.sign(x), x + 65 * step * np.sign(x)
        assert metrics.paired_deltas([at], [x], exact_zero=True)[0] == 0.0
        assert metrics.paired_deltas([past], [x], exact_zero=True)[0] != 0.0
    assert metrics.paired_deltas([1e-300], [0.0], exact_zero=True)[0] == 1e-300
    with pytest.raises(ValueError, match="same trials"):
        metrics.paired_deltas([1.0, 2.0], [1.0])


def test_a_tail_difference_of_float_noise_is_no_difference():
    """One trial-year at the 1-in-200 changed by one unit in the last place: the paired tail difference
    is exactly 0 with no error (it read −1.8e-15 ± 4.4e-16, z = −4); a real change there still counts."""
    rng = np.random.default_rng(12)
    a = rng.lognormal(0, 1, (2000, 5))
    t = metrics.worst_year(a, 0.995)
    b = a.copy()
    column = b[:, t.year]
    at = int(np.argmin(np.abs(column - t.value)))
    column[at] = np.nextafter(column[at], -np.inf)
    d = metrics.paired_tail_difference(a, b)
    assert (d.mean, d.se) == (0.0, 0.0)
    column[at] *= 0.5
    assert metrics.paired_tail_difference(a, b).mean != 0.0


def test_metrics_table_layout_and_horizon_total():
    """Two years and the horizon; per period aal, sd, prob_any_loss and var/tvar at two levels."""
    rng = np.random.default_rng(5)
    losses = rng.exponential(size=(5000, 2))
    t = metrics.metrics_table(losses, levels=(0.99, 0.995), rel_error=0.05)
    assert len(t) == 3 * (3 + 2 * 2)
    aal_h = t[(t.year == HORIZON_TOTAL) & (t.metric == "aal")].iloc[0]
    assert aal_h.estimate == pytest.approx(losses.sum(axis=1).mean())
    assert aal_h.standard_error == pytest.approx(losses.sum(axis=1).std(ddof=1) / math.sqrt(5000))
    assert aal_h.converged  # SE ≈ 1.4/70 = 0.02 < 5% of 2
    var_row = t[(t.year == 0) & (t.metric == "var") & (t.level == 0.99)].iloc[0]
    assert var_row.ci_lower <= var_row.estimate <= var_row.ci_upper
    assert var_row.estimate == pytest.approx(math.log(100), rel=0.1)
    sd_row = t[(t.year == 0) & (t.metric == "sd")].iloc[0]
    assert sd_row.estimate == pytest.approx(1.0, abs=4 * sd_row.standard_error)


def test_intervals_stay_within_what_the_figure_can_be():
    """The normal intervals ran outside their range: a probability of any loss of 0.99 over 200 trials had
    ci_upper 1.004 (rv_pool's 2027), and a mean or SD of non-negative losses a negative lower end. The
    probability's interval is Wilson's score interval, by hand here: 198 of 200 trials with z = 1.96 gives
    (p + z²/2n ± z √(p(1 − p)/n + z²/4n²)) / (1 + z²/n) = (0.9643, 0.9973), inside [0, 1] and not
    centred on p (its standard error stays √(p(1 − p)/n)); every trial with a loss gives an upper end of
    exactly 1. The lower ends of the mean, the SD and the TVaR of losses that are never negative are at
    least 0, in the metrics table, the ALT and the EPT's TVaR rows; of losses that can be negative, as
    they were."""
    z = stats.norm.ppf(0.975)
    x = np.r_[np.zeros(2), np.ones(198) * 0.01][:, None]
    x[-1] = 300.0  # (one large loss: the mean's and SD's normal lower ends fall below 0)
    t = metrics.metrics_table(x, levels=(0.99,))
    p_any = t[(t.year == 0) & (t.metric == "prob_any_loss")].iloc[0]
    n, p = 200, 0.99
    centre, half = (p + z**2 / (2 * n)), z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    expected = ((centre - half) / (1 + z**2 / n), (centre + half) / (1 + z**2 / n))
    assert (p_any.ci_lower, p_any.ci_upper) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx((0.9643, 0.9973), abs=5e-5)
    assert p_any.standard_error == pytest.approx(math.sqrt(p * (1 - p) / n), rel=1e-12)
    every = metrics.metrics_table(np.ones((50, 1)), levels=())
    assert every.loc[every.metric == "prob_any_loss", "ci_upper"].tolist() == [1.0, 1.0]
    for metric in ("aal", "tvar"):
        row = t[(t.year == 0) & (t.metric == metric)].iloc[0]
        assert row.estimate - z * row.standard_error < 0 and row.ci_lower == 0.0, metric
    # (the SD's error of one outlier in n trials is about half the SD: below 0 at 99%, z = 2.58)
    wide = metrics.metrics_table(x, levels=(), conf=0.99)
    row = wide[(wide.year == 0) & (wide.metric == "sd")].iloc[0]
    assert row.estimate - stats.norm.ppf(0.995) * row.standard_error < 0 and row.ci_lower == 0.0
    a = metrics.alt_table(x).iloc[0]
    assert a.mean_loss - z * a.standard_error < 0 and a.ci_lower == 0.0
    e = metrics.ept_table(x, return_periods=[200])
    assert (e.loc[e.ep_type == AEP_TVAR, "ci_lower"] >= 0).all()
    negative = metrics.metrics_table(x - 1.0, levels=())
    row = negative[(negative.year == 0) & (negative.metric == "aal")].iloc[0]
    assert row.ci_lower == pytest.approx(row.estimate - z * row.standard_error, rel=1e-12)


def test_a_shares_interval_holds_its_estimate_and_a_share_of_0_or_1_is_judged_by_it():
    """Wilson's interval of a share of 0 had a lower end above it (6.4e-18 of 50 trials, 1.7e-18 of 200)
    and of 1 an upper end below it (0.9999999999999998 of 300): the ends are now exactly 0 and 1. Beside
    an interval 0.07 wide (50 trials, no loss) the row read s.e. 0 and converged: at a share of 0 or 1 the
    s.e. is the Wilson interval's half-width over z, z / (2(n + z²)), and the verdict follows it (a share
    of 0 never converges; a share of 1 of 300 trials does, its half-width 0.003 under 5%, of 10 does not).
    Between, the s.e. stays √(p(1 − p)/n), and every interval holds its estimate."""
    z = stats.norm.ppf(0.975)
    for n, p, end in ((50, 0.0, "ci_lower"), (200, 0.0, "ci_lower"), (300, 1.0, "ci_upper"), (10, 1.0, "")):
        losses = np.full((n, 1), p)
        t = metrics.metrics_table(losses, levels=())
        row = t[(t.year == 0) & (t.metric == "prob_any_loss")].iloc[0]
        assert row.ci_lower <= row.estimate == p <= row.ci_upper, (n, p)
        if end:
            assert row[end] == p, (n, p)
        assert row.standard_error == pytest.approx(z / (2 * (n + z**2)), rel=1e-12)
        assert row.standard_error == pytest.approx((row.ci_upper - row.ci_lower) / (2 * z), rel=1e-12)
        assert bool(row.converged) == (p == 1.0 and n == 300), (n, p)
    for n in (2, 7, 50, 200, 300, 1000, 4096):
        for k in range(n + 1):
            lo, hi = metrics._wilson(k / n, n, z)
            assert 0.0 <= lo <= k / n <= hi <= 1.0, (n, k)


def test_every_level_is_taken_as_the_decimal_it_shows():
    """A level given as a float narrower than a double was converted on the table paths only: `var`,
    `tvar` and `quantile_ci` checked it and used the unconverted value (`var` of 1..10,000 at
    np.float16(0.99), whose double is 0.990234375, gave 9,904 beside the metrics table's 9,900; `tvar`
    of 1..200 at np.float32(0.99) 199.50000143). Every metric that takes a level or a confidence level
    now gives what the double it shows gives."""
    x, y = np.arange(1.0, 10_001.0), np.arange(1.0, 201.0)
    rng = np.random.default_rng(7)
    grid = rng.lognormal(0.0, 1.0, (1000, 2))
    for narrow in (np.float32, np.float16):
        p = narrow(0.99)
        assert metrics.var(x, p) == metrics.var(x, 0.99) == 9900.0
        assert metrics.tvar(y, p) == metrics.tvar(y, 0.99)
        assert metrics.quantile_ci(x, p) == metrics.quantile_ci(x, 0.99)
        assert metrics.quantile_ci(x, 0.99, narrow(0.9)) == metrics.quantile_ci(x, 0.99, 0.9)
        assert metrics.tvar_standard_error(x, p) == metrics.tvar_standard_error(x, 0.99)
        assert metrics.pooled_tvar(grid, p) == metrics.pooled_tvar(grid, 0.99)
        assert metrics.pooled_quantile(grid, p, narrow(0.9)) == metrics.pooled_quantile(grid, 0.99, 0.9)
        assert metrics.worst_year(grid, p) == metrics.worst_year(grid, 0.99)
        assert metrics.paired_tail_difference(grid * 1.1, grid, p) == metrics.paired_tail_difference(
            grid * 1.1, grid, 0.99
        )
        pd.testing.assert_frame_equal(
            metrics.tail_contributions({"a": grid}, p), metrics.tail_contributions({"a": grid}, 0.99)
        )
        pd.testing.assert_frame_equal(
            metrics.ep_curve(x, [200], narrow(0.9)), metrics.ep_curve(x, [200], 0.9)
        )


def test_alt_table_matches_the_primitives():
    losses = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 0.0]])
    a = metrics.alt_table(losses, rel_error=0.5)
    np.testing.assert_allclose(a["mean_loss"], [3.0, 2 / 3, 11 / 3])
    np.testing.assert_allclose(a["standard_error"], metrics.standard_error(np.c_[losses, losses.sum(axis=1)]))
    assert list(a["year"]) == [0, 1, HORIZON_TOTAL]
    assert list(a["converged"]) == [True, False, True]


def test_ep_curve_agrees_with_var_tvar_and_quantile_ci():
    """The sorted-once EP curve gives the same numbers as the one-level functions."""
    x = np.random.default_rng(2).lognormal(1, 1.2, 20_001)
    curve = metrics.ep_curve(x)
    for r in curve.itertuples():
        p = 1 - 1 / r.return_period
        assert r.loss == metrics.var(x, p)
        assert (r.ci_lower, r.ci_upper) == metrics.quantile_ci(x, p)
        assert r.tvar == pytest.approx(metrics.tvar(x, p), rel=1e-12)
        assert r.tvar_se == pytest.approx(metrics.tvar_standard_error(x, p), rel=1e-9)


def test_worst_year_is_the_largest_annual_tail_of_the_policy_years():
    """Three policy years whose losses scale 1 : 3 : 2: the 1-in-200 is the second year's inverted-CDF
    99.5% quantile (not that of the trials' mean over the years, which diversifies the tail), with that
    year's own order-statistic SE; TVaR picks its year the same way, with its own SE."""
    rng = np.random.default_rng(7)
    base = rng.lognormal(0.0, 1.5, (20_000, 1))
    losses = np.hstack([base[::-1] * 1.0, base * 3.0, np.roll(base, 5) * 2.0])
    tail = metrics.worst_year(losses, 0.995)
    assert tail.year == 1
    assert tail.value == np.quantile(losses[:, 1], 0.995, method="inverted_cdf")
    lo, hi = metrics.quantile_ci(losses[:, 1], 0.995)
    assert tail.se == pytest.approx((hi - lo) / (2 * 1.959964), rel=1e-6)
    assert tail.value > metrics.var(losses.mean(axis=1), 0.995)
    worst = sorted(losses[:, 1])[-100:]  # the worst 0.5% of 20,000: a mean of whole trials
    t = metrics.worst_year(losses, 0.995, "tvar")
    assert (t.year, t.value) == (1, pytest.approx(np.mean(worst), rel=1e-12))
    assert t.se == pytest.approx(metrics.tvar_standard_error(losses[:, 1], 0.995), rel=1e-12)
    with pytest.raises(ValueError, match="n_trials, n_years"):
        metrics.worst_year(losses[:, 0], 0.995)
    with pytest.raises(ValueError, match="'var' or 'tvar'"):
        metrics.worst_year(losses, 0.995, "mean")


def test_worst_year_of_years_that_tie_is_the_first_and_says_so():
    """A capped layer's 1-in-200 is its limit in every year, up to rounding (20 and 20.000000000000004 in a
    reviewer's sweep named 2029): the first year, marked as every year's."""
    losses = np.zeros((1000, 3))
    losses[-10:] = [20.0, 20.0 + 4e-15, 20.0 + 4e-15]
    tail = metrics.worst_year(losses, 0.995)
    assert (tail.year, tail.every_year) == (0, True)
    assert tail.value == pytest.approx(20.0)
    losses[-10:, 2] = 25.0
    assert metrics.worst_year(losses, 0.995).year == 2
    assert not metrics.worst_year(losses, 0.995).every_year


def test_worst_year_of_years_that_tie_takes_the_largest_of_their_errors():
    """Years that tie at a layer's limit can rest on different numbers of trials: 30 of 1,000 at the limit
    in the first year pin its 1-in-200 (s.e. exactly 0), 6 in the second leave its lower end below it (its
    half-width). The figure is every year's; its error is the second year's, not the first's 0 (a reviewer
    saw the first year's error stand for years that tie, and it could be the smaller). With 300 trials
    neither year's can be bounded above (a limit the trials reach is no ceiling): inf."""
    rng = np.random.default_rng(4)
    x = rng.random((1000, 2))
    x[:30, 0] = 5.0
    x[:6, 1] = 5.0
    lo, hi = metrics.quantile_ci(x[:, 1], 0.995)
    assert metrics.quantile_ci(x[:, 0], 0.995) == (5.0, 5.0) and lo < 5.0 == hi
    tail = metrics.worst_year(x, 0.995)
    assert (tail.year, tail.value, tail.every_year) == (0, 5.0, True)
    assert tail.se == pytest.approx((5.0 - lo) / (2 * stats.norm.ppf(0.975)))
    assert metrics.worst_year(x[:, ::-1], 0.995).se == tail.se  # whichever year comes first
    assert metrics.worst_year(x[:300], 0.995).se == math.inf


def test_a_1_in_200_on_a_layers_limit_has_one_kind_of_error_paired_and_unpaired():
    """Two runs of a layer limited at 0.6, 200 trials × 5 years (the limit lost in about 5% of the years,
    the scenario's a little more often): the paired error of the difference of their 1-in-200s read ∞ (too
    few trials to bound the quantile) while the unpaired one, from the figures' own errors capped at the
    limit, read 0. A limit the trials reach bounds neither: both are infinite. With 1,000 trials both are
    finite."""
    for n, bounded in ((200, False), (1000, True)):
        rng = np.random.default_rng(9)
        u = rng.random((n, 5))
        base = np.where(u < 0.05, 0.6, 0.5 * rng.random((n, 5)))
        scenario = np.where(u < 0.06, 0.6, base)
        d = metrics.paired_tail_difference(scenario, base)
        assert d.a == pytest.approx(0.6) and d.b == pytest.approx(0.6)
        assert math.isfinite(d.se) == math.isfinite(d.se_independent) == bounded, (n, d)


def test_paired_tail_difference_against_replications():
    """A scenario that scales the baseline's losses by 1.1 (common random numbers): the difference of the
    worst years' 1-in-200 is 0.1 × the baseline's, exactly; its paired bootstrap error, averaged over 16
    samples, agrees with the spread of that difference over 300 independent replications (an independent
    reference) within 3 standard errors of the two (the bootstrap's error of one sample varies itself,
    0.64-1.71x the spread over 20 samples of 8,000 trials, mean 1.05, SD 0.23); and it is far below the
    error of two independent runs. Equal runs: 0 ± 0."""
    rng = np.random.default_rng(11)
    one = rng.lognormal(0.0, 1.0, (8000, 2))
    d = metrics.paired_tail_difference(one * 1.1, one)
    assert d.mean == pytest.approx(0.1 * metrics.worst_year(one, 0.995).value, rel=1e-12)
    spread = np.std(
        [0.1 * metrics.worst_year(rng.lognormal(0.0, 1.0, (8000, 2)), 0.995).value for _ in range(300)],
        ddof=1,
    )
    boot = np.array(
        [metrics.paired_tail_difference(x * 1.1, x).se for x in rng.lognormal(0.0, 1.0, (16, 8000, 2))]
    )
    tolerance = 3 * math.hypot(boot.std(ddof=1) / math.sqrt(boot.size), spread / math.sqrt(2 * 299))
    assert abs(boot.mean() - spread) <= tolerance, (boot.mean(), spread, tolerance)
    tails = metrics.worst_year(one * 1.1, 0.995).se, metrics.worst_year(one, 0.995).se
    assert d.se_independent == pytest.approx(math.hypot(*tails))
    assert d.se < d.se_independent / 3
    assert metrics.paired_tail_difference(one * 1.1, one) == d  # a fixed seed: the same error each time
    same = metrics.paired_tail_difference(one, one)
    assert (same.mean, same.se) == (0.0, 0.0)
    with pytest.raises(ValueError, match="of one shape"):
        metrics.paired_tail_difference(one, one[:, :1])


def test_paired_tail_difference_of_a_small_sample_is_a_plain_bootstrap():
    """Ten trials 1..10 against twice them, at p = 0.5: the difference is the 5th smallest of a resample,
    so its bootstrap error is the spread of a resample's median. Reference: 40,000 multinomial resamples
    drawn here; the function's 200 resamples agree within 3 standard errors of an SD from 200 draws
    (about 5%). A Poisson resample can hold fewer than 5 draws, and those had read the largest trial
    (2.39 against 1.46)."""
    x = np.arange(1.0, 11.0)[:, None]
    rng = np.random.default_rng(5)
    counts = rng.multinomial(10, np.full(10, 0.1), size=40_000)
    medians = np.argmax(np.cumsum(counts, axis=1) >= 5, axis=1) + 1.0  # the 5th smallest of each resample
    reference = medians.std(ddof=1)
    se = metrics.paired_tail_difference(2 * x, x, 0.5).se
    assert abs(se - reference) <= 3 * reference / math.sqrt(2 * 199), (se, reference)
    # 100 trials cannot bound a 1-in-200 from above: its difference has no error (a bootstrap of the one
    # or two trials beyond it read 0.45x the true spread on average, and as low as 0)
    few = np.random.default_rng(6).lognormal(0.0, 1.0, (100, 2))
    assert metrics.paired_tail_difference(1.3 * few, few).se == math.inf


def test_ratio_of_means_error_matches_the_spread_over_replications():
    """A loss ratio of correlated loss and premium (premium = 2 + 0.3 loss + noise): the delta-method error
    of one sample of 400 trials, averaged over 2,000 samples, agrees with the spread of the ratio over
    those samples (an independent reference) within 3 standard errors of the two."""
    rng = np.random.default_rng(9)
    loss = rng.lognormal(0.0, 1.0, (2000, 400))
    premium = 2.0 + 0.3 * loss + rng.normal(0.0, 0.2, loss.shape)
    pairs = [metrics.ratio_of_means(x, y) for x, y in zip(loss, premium, strict=True)]
    ratios, ses = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    spread = ratios.std(ddof=1)
    tolerance = 3 * math.hypot(
        ses.std(ddof=1) / math.sqrt(ses.size), spread / math.sqrt(2 * (ratios.size - 1))
    )
    assert abs(ses.mean() - spread) <= tolerance, (ses.mean(), spread, tolerance)
    # ignoring the correlation (the loss's error over the mean premium) overstates it here
    naive = np.mean(
        [x.std(ddof=1) / math.sqrt(x.size) / y.mean() for x, y in zip(loss, premium, strict=True)]
    )
    assert naive > spread + tolerance
    with pytest.raises(ValueError, match="one column of trials each"):
        metrics.ratio_of_means([1.0, 2.0], [1.0])


def test_rank_trend_tells_a_trend_from_groups_that_merely_differ():
    """Spearman's rho of a figure with the number of joiners. Known both ways: a figure that rises by 1 per
    joiner (noise SD 1, 3,000 trials) has a rho near +0.75 and a tiny p-value, its negative the mirror
    image; a figure high at one joiner and equally low at none and at two (the same noise values in both,
    as many trials in each) differs between the groups beyond doubt, yet its rank correlation with the
    count is exactly 0 (p = 1): no trend. Under no association (a skewed law with 70% zeros, counts 0-5
    with ties, 400 trials, 600 replications) the p-value is about uniform: P(p ≤ 0.05) within 4 binomial
    standard errors of 0.05."""
    rng = np.random.default_rng(21)
    count = rng.integers(0, 4, 3000)
    noise = rng.standard_normal(3000)
    rising, falling = metrics.rank_trend(count + noise, count), metrics.rank_trend(-(count + noise), count)
    assert rising.rho > 0.7 and rising.p_value < 1e-12
    assert falling.rho == pytest.approx(-rising.rho) and falling.p_value < 1e-12
    n = 1000
    count = np.repeat([0, 1, 2], n)
    side = rng.standard_normal(n)
    bump = np.concatenate([side, 1.0 + rng.standard_normal(n), side])
    assert metrics.groups_differ_p_value(bump, count) <= 0.001
    flat = metrics.rank_trend(bump, count)
    assert abs(flat.rho) < 1e-12 and flat.p_value == pytest.approx(1.0)
    reps = 600
    p = np.array(
        [
            metrics.rank_trend(
                np.where(rng.random(400) < 0.7, 0.0, rng.lognormal(0.0, 1.4, 400)), rng.integers(0, 6, 400)
            ).p_value
            for _ in range(reps)
        ]
    )
    assert abs((p <= 0.05).mean() - 0.05) < 4 * np.sqrt(0.05 * 0.95 / reps)
    assert all(math.isnan(v) for v in dataclasses.astuple(metrics.rank_trend([1.0, 2.0, 3.0], [2, 2, 2])))
    assert math.isnan(metrics.rank_trend([0.0, 0.0, 0.0], [0, 1, 2]).rho)
    assert math.isnan(metrics.rank_trend([1.0, 2.0], [0, 1]).p_value)
    with pytest.raises(ValueError, match="one count per trial"):
        metrics.rank_trend([1.0, 2.0, 3.0], [0, 1])


def test_the_groups_permutation_test_is_uniform_when_the_groups_share_a_law():
    """600 replications of four groups of 10, 30, 60 and 300 trials from one skewed law (lognormal, CV
    about 2.5, like the model's losses), 199 shuffles each: the p-value is uniform on its grid (exact under
    exchangeable trials), so P(p ≤ 0.05) = 10/200 and P(p ≤ 0.5) = 100/200, each within 4 binomial
    standard errors. A group shifted by a tenth of the law's SD in 3,000 trials each is found (p small);
    and the p-value of an exactly enumerable case (6 trials in two threes: 2 of the 20 splits separate
    them as far) is about 0.1."""
    rng = np.random.default_rng(11)
    sizes = [10, 30, 60, 300]
    group = np.repeat(np.arange(4), sizes)
    reps = 600
    p = np.array(
        [
            metrics.groups_differ_p_value(rng.lognormal(0.0, 1.4, group.size), group, 199, seed=i)
            for i in range(reps)
        ]
    )
    for level in (10 / 200, 100 / 200):
        assert abs((p <= level).mean() - level) < 4 * np.sqrt(level * (1 - level) / reps)
    shifted = np.concatenate([rng.normal(0.0, 1.0, 3000), rng.normal(0.1, 1.0, 3000)])
    assert metrics.groups_differ_p_value(shifted, np.repeat([0, 1], 3000)) < 0.01
    two_threes = metrics.groups_differ_p_value([1.0, 2, 3, 11, 12, 13], [0, 0, 0, 1, 1, 1], 4999)
    assert abs(two_threes - 0.1) < 4 * np.sqrt(0.1 * 0.9 / 4999)
    assert np.isnan(metrics.groups_differ_p_value([1.0, 2.0], [0, 0]))
    with pytest.raises(ValueError, match="one group per trial"):
        metrics.groups_differ_p_value([1.0, 2.0], [0])


def test_sanctions_standard_errors_count_a_trials_years_as_one_draw():
    """The sanctions table's annual averages (exposed premium, blocks) are means over the trials of each
    trial's average over its years; the years of a trial share its draws, so the error is over the
    trials. Hand case: 3 years, one value a trial repeated in every year (years perfectly correlated):
    the error is that of the trials' values, SD/√n, not SD/√(3n). The share of trials with a block:
    √(p(1 − p)/(n − 1)) for the 0/1 of each trial (`standard_error`). A contract on no at-risk source
    (share 0) has no exposed premium and no error; the portfolio's exposed premium is its contracts'."""
    rng = np.random.default_rng(11)
    n, years = 400, 3
    per_trial = rng.exponential(1.0, n) * (rng.random(n) < 0.25)
    repeated = np.repeat(per_trial[:, None], years, axis=1)
    zero = np.zeros((n, years))
    contracts = {
        "scheme_xl": {
            "premium": 2.0 + repeated,
            "reinstatement_premium": zero,
            "blocked_delayed": repeated,
            "blocked_permanent": zero,
        },
        "ig_xl": {"premium": np.full((n, years), 1.0), "reinstatement_premium": repeated}
        | {f: zero for f in ("blocked_delayed", "blocked_permanent")},
    }
    contracts["portfolio"] = {
        f: contracts["scheme_xl"][f] + contracts["ig_xl"][f] for f in contracts["ig_xl"]
    }
    exposure = {
        "scheme_xl": metrics.contract_exposure(["scheme:rv_pool"], 10.0),
        "ig_xl": metrics.contract_exposure(["ig_pool"], 10.0),
    }
    se = metrics.sanctions_standard_errors(contracts, exposure)
    trials_se = per_trial.std(ddof=1) / math.sqrt(n)
    assert se.loc["scheme_xl", "mean_blocked_delayed"] == pytest.approx(trials_se, rel=1e-12)
    assert se.loc["scheme_xl", "exposed_premium"] == pytest.approx(trials_se, rel=1e-12)
    p = (per_trial > 0).mean()
    assert se.loc["scheme_xl", "prob_any_block"] == pytest.approx(math.sqrt(p * (1 - p) / (n - 1)), rel=1e-12)
    assert se.loc["ig_xl"].to_dict() == dict.fromkeys(se.columns, 0.0)
    assert se.loc["portfolio", "exposed_premium"] == se.loc["scheme_xl", "exposed_premium"]
    # the table's means are the figures these errors belong to
    table = metrics.sanctions_table(contracts, exposure)
    horizon = table[table.year == HORIZON_TOTAL].set_index("contract")
    assert horizon.loc["scheme_xl", "mean_blocked_delayed"] / years == pytest.approx(per_trial.mean())
    assert horizon.loc["scheme_xl", "prob_any_block"] == p
