"""Risk metrics on year loss tables, each with its Monte Carlo error.

In: arrays of simulated losses, trials along axis 0: annual losses (n_trials,) or (n_trials, n_years),
or per-year largest event losses for the OEP. Out: numbers, arrays (one value per column) and small
pandas frames (`metrics_table`, `alt_table`, `ept_table`).

Conventions:

- **Quantile (VaR)**: the lower quantile of the empirical distribution, the smallest x with F(x) ≥ p,
  i.e. the ⌈n p⌉-th smallest of n trials. No interpolation.
- **TVaR** = VaR + E[(X − VaR)+] / (1 − p): the mean of the worst (1 − p) of the distribution, counting the
  atom at VaR fractionally (equal to the mean of the losses above VaR when there is no atom there).
- **Return period** T: probability of exceedance 1/T, loss = VaR at p = 1 − 1/T. The OEP uses the largest
  event loss of each year, the AEP the annual total.
- **Errors**: mean ± SD/√n; quantiles get an order-statistic interval from the binomial distribution
  (of the trial-years pooled, at their effective number of independent draws: `pooled_quantile`);
  TVaR an asymptotic SE, SD((X − VaR)+) / ((1 − p) √n). A metric has *converged* when its SE is at most
  the relative error asked for times its value (for a quantile, the SE implied by its interval).
- **Horizon**: `HORIZON_TOTAL` (−1) in the ``year`` column denotes the horizon: the sum over the policy
  years of each trial (AEP, VaR, TVaR), or the largest event of the horizon (OEP).
- **Portfolios** are summed per trial-year before any metric is taken; quantiles are never summed.
- **Comparisons** (`paired_difference`) use common random numbers: the same trial of two scenarios.

See also: `riskmodel.tables` for the output tables these fill.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, stats

from riskmodel import payers
from riskmodel.arguments import check_level, check_levels, check_rel_error, check_return_periods

__all__ = [
    "AEP",
    "AEP_TVAR",
    "DEFAULT_RETURN_PERIODS",
    "EP_TYPE_NAMES",
    "HORIZON_TOTAL",
    "OEP",
    "OEP_TVAR",
    "PairedDifference",
    "PooledQuantile",
    "RankTrend",
    "TailDifference",
    "YearTail",
    "aal",
    "alt_table",
    "DOMINANT_TRIAL_SHARE",
    "NOISE_ULPS",
    "contract_exposure",
    "converged",
    "ep_curve",
    "ept_table",
    "groups_differ_p_value",
    "largest_trial_share",
    "horizon_total",
    "metrics_table",
    "paired_deltas",
    "paired_difference",
    "paired_tail_difference",
    "pooled_quantile",
    "pooled_tvar",
    "prob_any_loss",
    "quantile_ci",
    "rank_trend",
    "ratio_of_means",
    "sanctions_standard_errors",
    "sanctions_table",
    "sd",
    "standard_error",
    "tail_contributions",
    "trials_beyond",
    "tvar",
    "tvar_standard_error",
    "var",
    "worst_year",
    "worst_year_bias",
    "year_columns",
]

#: Return periods of the EP tables (in policy years; on the horizon rows, in horizons).
DEFAULT_RETURN_PERIODS: tuple[int, ...] = (2, 5, 10, 25, 50, 100, 200, 250, 500, 1000)

#: EP types, coded as in the Oasis ORD exceedance probability table (EPType).
OEP = 1
OEP_TVAR = 2
AEP = 3
AEP_TVAR = 4
EP_TYPE_NAMES: dict[int, str] = {OEP: "OEP", OEP_TVAR: "OEP TVaR", AEP: "AEP", AEP_TVAR: "AEP TVaR"}

#: The ``year`` of rows that describe the whole horizon (the sum over years of each trial).
HORIZON_TOTAL = -1


def _as_float(x: np.ndarray | Sequence[float]) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0 or a.shape[0] == 0:
        raise ValueError("need at least one trial (losses along axis 0)")
    return a


def _ranked(x: np.ndarray | Sequence[float]) -> np.ndarray:
    """`_as_float` for the metrics that rank the losses (quantiles, TVaR, EP curves): a NaN would take a
    rank, the largest, and give a plausible number, so it is an error. (Means of a NaN are NaN, which says
    so itself: a year statistic such as the shadow fleet's mean age is NaN where there is no shadow fleet.)"""
    a = _as_float(x)
    if np.isnan(a).any():
        raise ValueError(
            f"losses hold NaN (trial {int(np.argwhere(np.isnan(a))[0][0])}): no quantile of them"
        )
    return a


def aal(x: np.ndarray | Sequence[float]) -> np.ndarray | float:
    """Average annual loss: the mean over trials (axis 0).

    See also: `sd`, `standard_error`.

    >>> aal([0.0, 2.0, 4.0])
    2.0
    """
    m = _as_float(x).mean(axis=0)
    return float(m) if np.ndim(m) == 0 else m


def sd(x: np.ndarray | Sequence[float]) -> np.ndarray | float:
    """Standard deviation over trials (axis 0), with the n − 1 divisor (NaN for a single trial: one trial
    tells nothing of the spread, so no error derived from it can pass for converged).

    >>> sd([0.0, 2.0, 4.0])
    2.0
    """
    a = _as_float(x)
    s = a.std(axis=0, ddof=1) if a.shape[0] > 1 else np.full(a.shape[1:], math.nan)
    return float(s) if np.ndim(s) == 0 else s


def standard_error(x: np.ndarray | Sequence[float], *, exact_zero: bool = False) -> np.ndarray | float:
    """Monte Carlo standard error of the mean: SD / √n.

    With `exact_zero`, exactly 0 where every trial has the same value: the SD of a constant computes as
    float noise (0.4 in every trial gives about 2e-16), which a table would show as an error.

    >>> standard_error([0.0, 2.0, 4.0, 6.0])  # SD = 2.582, n = 4
    1.2909944487358056
    >>> standard_error([0.4] * 3) > 0, standard_error([0.4] * 3, exact_zero=True)
    (True, 0.0)
    """
    a = _as_float(x)
    se = sd(a) / math.sqrt(a.shape[0])
    if exact_zero and a.shape[0] > 1:
        se = np.where(np.ptp(a, axis=0) == 0, 0.0, se)
        return float(se) if np.ndim(se) == 0 else se
    return se


#: Above this share of a mean's variance held by one trial (`largest_trial_share`) the figure is not
#: converged whatever its error, and says so with the mean and error without that trial: the error is
#: computed from that trial and says nothing of the trials not drawn (a heavy tail sampled once). Measured
#: (300 samples each): a rare count times a lognormal of σ 1, a contract's typical loss, tops 0.5 in 11% of
#: samples of 1,000 trials and 2% of 4,096 (0.25: 53% and 19%); exponential and normal figures never; the
#: rv_pool − baseline difference in uncompensated damage, one uncapped Russian statutory assessment
#: (docs/model.md §14), holds 0.98 in one trial.
DOMINANT_TRIAL_SHARE = 0.5
#: Fewer trials than this are not judged by `largest_trial_share` (with n trials one holds at least 1/n,
#: and far more for moderately skewed figures).
DOMINANCE_MIN_TRIALS = 1000


def largest_trial_share(x: np.ndarray | Sequence[float]) -> float:
    """The share of a mean's variance that its one most distant trial holds: the largest squared deviation
    from the mean over their sum (0 for a figure the same in every trial). Near 0 when the standard error
    can be trusted; near 1 when one trial makes the figure, as a heavy tail sampled once does, and then the
    error, computed from that trial, is itself unreliable (`DOMINANT_TRIAL_SHARE`). Dropping the trial
    moves the mean by about √share standard errors and scales the error by about √(1 − share).

    >>> largest_trial_share([1.0, 2.0, 3.0, 4.0])  # deviations ±0.5, ±1.5: 2.25 / 5
    0.45
    >>> round(largest_trial_share([0.0] * 999 + [1000.0]), 3), largest_trial_share([0.4] * 3)
    (0.999, 0.0)
    """
    a = _as_float(x)
    squared = (a - a.mean()) ** 2
    total = float(squared.sum())
    return float(squared.max() / total) if total > 0 and np.ptp(a) > 0 else 0.0


def _order_statistic(a: np.ndarray, k: int | Sequence[int]) -> np.ndarray:
    """The k-th smallest (1-based) along axis 0; k may be a sequence of ranks."""
    ks = np.atleast_1d(np.asarray(k, dtype=np.int64)) - 1
    # A sort, not np.partition: year loss tables are mostly zeros, and numpy's introselect slows down
    # badly on such atoms (about 10x a sort at 1M trials with 70% zeros).
    part, first = _sorted_from(a, int(ks.min()))
    return part[ks - first] if np.ndim(k) else part[ks[0] - first]


#: Trials from which `_sorted_from` sorts only the upper tail of a column.
_TAIL_FROM = 1 << 16


def _sorted_from(a: np.ndarray, r: int) -> tuple[np.ndarray, int]:
    """`np.sort(a, axis=0)[first:]` and `first`, for some first ≤ r (0-based).

    For an upper order statistic of one long column only the values at or above a threshold are sorted:
    the threshold is taken from a sorted sample (every 64th trial) with about twice as many values above
    it as needed, and checked; every value below it sorts before every value at or above it, so the sorted
    tail is exactly that of the full sort. Otherwise (a short or 2-d array, a lower rank, NaN, a threshold
    that leaves too few values or mixes 0.0 and −0.0) the whole array is sorted.
    """
    n = a.shape[0]
    if a.ndim == 1 and n >= _TAIL_FROM and 2 * r >= n and not np.isnan(a).any():
        step = 64
        sample = np.sort(a[::step])
        j = sample.size - 1 - 2 * -(-(n - r) // step) - 16
        if j > 0:
            t = sample[j]
            top = a[a >= t]
            first = n - top.size
            if first <= r and (t > 0 or not (top == 0).any()):
                return np.sort(top), first
    return np.sort(a, axis=0), 0


def _rank(n: int, p: float) -> int:
    """⌈n p⌉ guarded against the float error of n × p, within [1, n]."""
    return min(max(math.ceil(n * p * (1 - 1e-12)), 1), n)


def var(x: np.ndarray | Sequence[float], p: float) -> np.ndarray | float:
    """Value at risk: the lower p-quantile, the smallest x with F(x) ≥ p on the empirical distribution.

    That is the ⌈n p⌉-th smallest of n trials, without interpolation.

    See also: `tvar`, `quantile_ci`.

    >>> var([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9)  # F(9) = 0.9
    9.0
    >>> var([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.91)
    10.0
    """
    p = check_level(p, "level p")
    a = _ranked(x)
    v = _order_statistic(a, _rank(a.shape[0], p))
    return float(v) if np.ndim(v) == 0 else v


def tvar(x: np.ndarray | Sequence[float], p: float) -> np.ndarray | float:
    """Tail value at risk: VaR + E[(X − VaR)+] / (1 − p).

    The mean of the worst (1 − p) share of outcomes; at least `var`.

    >>> tvar([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.8)  # mean of 9 and 10
    9.5
    """
    p = check_level(p, "level p")
    a = _ranked(x)
    v = np.asarray(var(a, p))
    t = v + np.maximum(a - v, 0.0).mean(axis=0) / (1.0 - p)
    return float(t) if np.ndim(t) == 0 else t


def _unbounded_above(n: int, p: np.ndarray | float, conf: float) -> np.ndarray | bool:
    """Whether n trials cannot bound the p-quantile from above at `conf` (`quantile_ci` gives +inf): the
    chance p^n that all n fall at or below it exceeds (1 − conf) / 2 (at 95%: n (1 − p) below about 3.7)."""
    return stats.binom.ppf(1 - (1 - conf) / 2, n, p) + 1 > n


#: Two losses within this relative distance are one amount computed along two paths (a layer's limit of 0.6
#: as 0.6 and 0.6000000000000002): `worst_year`'s ties, and a point mass's, whose spread is no error
#: (`_half_width`, `pooled_tvar`, `tail_contributions`). Only amounts the trials reach are compared so: no
#: ceiling is inferred from them (a limit several trials reach need not be the most the loss can be).
SAME_AMOUNT_RTOL = 1e-9


def _same_amount(x: np.ndarray | float, v: np.ndarray | float) -> np.ndarray:
    """Where `x` is the amount `v` to float rounding (`SAME_AMOUNT_RTOL`)."""
    return np.isclose(x, v, rtol=SAME_AMOUNT_RTOL, atol=0.0)


def _half_width(lo: np.ndarray | float, hi: np.ndarray | float, z: float) -> np.ndarray | float:
    """A quantile's standard error, its interval's half-width over z: exactly 0 where both ends are one
    amount the trials reach (a point mass, computed along two paths: not its float noise), inf where an
    end is open (too few trials to bound the quantile on that side, a point mass at the top or not)."""
    lo_, hi_ = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        se = np.where(np.isfinite(lo_) & _same_amount(lo_, hi_), 0.0, (hi_ - lo_) / (2 * z))
    return float(se) if np.ndim(se) == 0 else se


def tvar_standard_error(x: np.ndarray | Sequence[float], p: float, conf: float = 0.95) -> np.ndarray | float:
    """Asymptotic standard error of `tvar`: SD((X − VaR)+) / ((1 − p) √n).

    Equivalent to √([Var(X | X > VaR) + p (TVaR − VaR)²] / (n (1 − p))) (Manistre and Hancock, 2005).
    Infinite where the trials cannot bound VaR from above at `conf` (`quantile_ci`'s +inf): the tail
    beyond it is then one or two trials, whose spread says nothing of the tail's mean. With a few dozen
    trials beyond VaR the asymptotic error still runs low for heavy tails (about 0.8x the true spread at
    20 trials beyond, docs/model.md §9).

    >>> round(tvar_standard_error(np.arange(1.0, 21.0), 0.8), 4)  # 1..20: four trials beyond VaR = 16
    1.2825
    >>> tvar_standard_error(np.arange(1.0, 11.0), 0.8)  # 1..10: 0.8¹⁰ = 11% that all ten lie below ξ
    inf
    """
    p = check_level(p, "level p")
    a = _ranked(x)
    n = a.shape[0]
    if _unbounded_above(n, p, conf):
        se = np.full(a.shape[1:], math.inf)
    else:
        excess = np.maximum(a - np.asarray(var(a, p)), 0.0)
        se = np.asarray(sd(excess)) / ((1.0 - p) * math.sqrt(n))
    return float(se) if np.ndim(se) == 0 else se


def pooled_tvar(losses: np.ndarray, p: float, conf: float = 0.95) -> tuple[float, float]:
    """(TVaR, its standard error) at level p of the annual loss, every policy year of every trial pooled.

    `losses` is (n_trials, n_years): the n_trials × n_years trial-years are one sample of a policy year's
    loss, the annual basis of the 1-in-200 (not the mean of a trial's years, which diversifies a bad year
    away). The error counts the years of a trial as one cluster (they share the trial's climate factor and
    joins): SD over trials of each trial's mean excess (X − VaR)+ over its years, over (1 − p) √n_trials,
    `tvar_standard_error` with trials in place of trial-years; infinite where the trial-years cannot bound
    VaR from above at `conf`.

    >>> tvar_, se = pooled_tvar(np.array([[0.0, 4.0], [1.0, 5.0], [2.0, 6.0], [3.0, 7.0]]), 0.5)
    >>> tvar_, round(se, 4)  # the mean of 4..7; SD of the trials' mean excesses (0.5, 1, 1.5, 2) / 0.5 / √4
    (5.5, 0.6455)
    """
    p = check_level(p, "level p")
    a = _ranked(losses)
    if a.ndim != 2:
        raise ValueError(f"losses must be (n_trials, n_years), got shape {a.shape}")
    n_trials = a.shape[0]
    v, value = float(var(a.ravel(), p)), float(tvar(a.ravel(), p))
    excess = np.where(_same_amount(a, v), 0.0, np.maximum(a - v, 0.0))  # (a mass at VaR: no excess)
    if _unbounded_above(a.size, p, conf) or n_trials < 2:
        return value, math.inf
    return value, float(sd(excess.mean(axis=1))) / ((1.0 - p) * math.sqrt(n_trials))


@dataclass(frozen=True)
class PooledQuantile:
    """`pooled_quantile`'s answer: the p-quantile of the trial-years pooled, its interval at the level
    asked for, the standard error read from it, and the design effect the interval was widened by."""

    value: float
    ci_lower: float  # −inf where the trials cannot bound it from below
    ci_upper: float  # +inf where they cannot bound it from above
    se: float  # (ci_upper − ci_lower) / 2z, as a quantile's in `metrics_table`; inf with an open end
    design_effect: float  # ≥ 1; NaN with one trial


def pooled_quantile(losses: np.ndarray, p: float, conf: float = 0.95) -> PooledQuantile:
    """The p-quantile of the annual loss with every policy year of every trial pooled, and its confidence
    interval with a trial's years as one cluster.

    `losses` is (n_trials, n_years): the N = n_trials × n_years trial-years are one sample of a policy
    year's loss (the basis of `pooled_tvar`), and the quantile is `var` of them all. The trial-years are
    not independent draws (a trial's years share its climate factor and joins), so the interval is not
    `quantile_ci` of the pooled sample, which would take N independent draws. In order:

    1. the share of trial-years at or below the estimate ξ̂, F̂ = the mean over the trials of each trial's
       share of its years at or below it (Woodruff 1952: the quantile's error is that of the empirical
       distribution function at it);
    2. its design effect (Kish): the variance of F̂ with the trials as the draws (the variance of the
       trials' shares over n_trials), over its variance were the N trial-years independent
       (F̂ (1 − F̂) / N): d = n_years × Var(shares) / (F̂ (1 − F̂)), both with the n divisor and computed
       in whole numbers from the trials' counts, so that one year gives exactly 1 and years alike in
       each trial exactly n_years; at least 1 (a trial's years never count for more than independent
       draws; noise puts d a little under 1 where the years are independent). At a point mass at the top
       (every trial-year at or below ξ̂: a layer's full limit) the share strictly below ξ̂ measures it;
       where that is 0 too (every trial-year the same), d = 1;
    3. the effective number of independent draws n' = N/d, rounded (the effective sample size of Korn
       and Graubard 1998), and `quantile_ci`'s binomial order-statistic ranks l and u at n': the interval
       is the pooled empirical quantiles at l/n' and u/n', the ⌈N l/n'⌉-th and ⌈N u/n'⌉-th smallest
       trial-years; an end beyond the sample (l < 1, u > n') is −inf or +inf.

    Why not Woodruff's normal interval p ± z SE(F̂): at p = 0.995 a few dozen trials lie beyond the
    quantile, where the binomial is skewed and the normal is not. The binomial at the effective number
    of draws (R's `survey::svyquantile` has both: "mean" and, with Clopper-Pearson at the effective
    sample size, "beta") keeps `quantile_ci`'s exactness: with one policy year, or years all alike in
    each trial, it *is* `quantile_ci` of the trials. On
    (trial factor × year noise) lognormal samples of 400-2,000 trials × 5-10 years, with design effects
    1.4-6 at 99%-99.5%, it covered the exact quantile in 94.9-95.8% of 2,000 replications, Woodruff's in
    92.9-95.0%, and `quantile_ci` of the pooled trial-years in 58-91% (`tests/test_metrics.py` checks
    the first and the last). One trial: no error (−inf, +inf).

    See also: `pooled_tvar`, `worst_year` (the largest of the policy years' own quantiles, the summary's
    headline, which this one, free of the selection's upward bias, stands beside: `worst_year_bias`).

    >>> x = np.arange(1.0, 1001.0)
    >>> pooled_quantile(x[:, None], 0.5)  # one year: var and quantile_ci, (469, 532), of the 1,000 trials
    PooledQuantile(value=500.0, ci_lower=469.0, ci_upper=532.0, se=16.07..., design_effect=1.0)
    >>> q = pooled_quantile(np.repeat(x[:, None], 2, axis=1), 0.5)  # two years alike: still 1,000 draws
    >>> q.value, q.ci_lower, q.ci_upper, q.design_effect
    (500.0, 469.0, 532.0, 2.0)
    >>> quantile_ci(np.repeat(x, 2), 0.5)  # the 2,000 trial-years taken as independent: too narrow
    (478.0, 523.0)
    """
    p = check_level(p, "level p")
    conf = check_level(conf, "conf")
    a = _ranked(losses)
    if a.ndim != 2:
        raise ValueError(f"losses must be (n_trials, n_years), got shape {a.shape}")
    n_trials, n_years = a.shape
    flat = a.ravel()
    n = flat.size
    value = float(_order_statistic(flat, _rank(n, p)))
    if n_trials < 2:
        return PooledQuantile(value, -math.inf, math.inf, math.inf, math.nan)
    counts = (a <= value).sum(axis=1)
    if counts.sum() == n:
        counts = (a < value).sum(axis=1)
    # d in whole numbers, from each trial's count c of years below: m (n_t Σc² − (Σc)²) / (Σc (N − Σc)),
    # so that one year gives exactly 1 and alike years exactly m (floats gave 1.0000000000000002)
    total, squares = int(counts.sum()), int((counts.astype(np.int64) ** 2).sum())
    design_effect = 1.0
    if 0 < total < n:
        spread = n_years * (n_trials * squares - total**2)
        design_effect = max(spread / (total * (n - total)), 1.0)
    draws = max(round(n / design_effect), 1)
    alpha = 1.0 - conf
    lo = int(stats.binom.ppf(alpha / 2, draws, p))
    hi = int(stats.binom.ppf(1 - alpha / 2, draws, p)) + 1
    ranks = {k: -(-n * k // draws) for k in (lo, hi) if 1 <= k <= draws}  # ⌈N k / n'⌉, exactly
    values = np.atleast_1d(_order_statistic(flat, list(ranks.values()))) if ranks else []
    ends = dict(zip(ranks, values, strict=True))
    lower = float(ends[lo]) if lo in ends else -math.inf
    upper = float(ends[hi]) if hi in ends else math.inf
    return PooledQuantile(value, lower, upper, float(_half_width(lower, upper, _z(conf))), design_effect)


def trials_beyond(losses: np.ndarray, p: float) -> int:
    """The number of trials with a policy year beyond (above) the p-quantile of all the trial-years of
    `losses` (n_trials, n_years) pooled: the independent draws `pooled_tvar`'s tail rests on, where the
    trial-years beyond it can be a few trials' bad years.

    >>> trials_beyond(np.array([[0.0, 9.0], [1.0, 8.0], [2.0, 3.0], [4.0, 5.0]]), 0.75)  # beyond 5: 8, 9
    2
    """
    a = _ranked(losses)
    if a.ndim != 2:
        raise ValueError(f"losses must be (n_trials, n_years), got shape {a.shape}")
    return int((a > float(var(a.ravel(), p))).any(axis=1).sum())


def quantile_ci(
    x: np.ndarray | Sequence[float], p: float, conf: float = 0.95
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Distribution-free confidence interval of the p-quantile from order statistics.

    The number N of trials at or below the true quantile is Binomial(n, p); with l the α/2 quantile of N
    and u − 1 its 1 − α/2 quantile, P(X₍ₗ₎ ≤ ξ_p < X₍ᵤ₎) ≥ conf. An end beyond the sample is returned as
    −inf or +inf: too few trials to bound the quantile on that side. That holds at a point mass at the
    top of the sample too: several trials at one amount, none above, are no proof that the loss cannot
    exceed it (an XoL with a reinstatement loses its limit in many trials and twice it in a few; a
    horizon's total, the sum of capped years, can reach several limits), so 200 trials, some at a layer's
    limit L, give a 1-in-200 of L the interval [L, inf], not [L, L].

    >>> quantile_ci(np.arange(1.0, 1001.0), 0.5)  # the median of 1..1000 with 95% confidence
    (469.0, 532.0)
    """
    p = check_level(p, "level p")
    conf = check_level(conf, "conf")
    a = _ranked(x)
    n = a.shape[0]
    alpha = 1.0 - conf
    lo_rank = int(stats.binom.ppf(alpha / 2, n, p))
    hi_rank = int(stats.binom.ppf(1 - alpha / 2, n, p)) + 1
    ranks = [r for r in (lo_rank, hi_rank) if 1 <= r <= n]
    values = _order_statistic(a, ranks) if ranks else None
    shape = a.shape[1:]

    def pick(rank: int, beyond: float) -> np.ndarray | float:
        v = np.full(shape, beyond) if not 1 <= rank <= n else values[ranks.index(rank)]
        return float(v) if np.ndim(v) == 0 else v

    return pick(lo_rank, -math.inf), pick(hi_rank, math.inf)


def ratio_of_means(
    num: np.ndarray | Sequence[float], den: np.ndarray | Sequence[float]
) -> tuple[float, float]:
    """The ratio of two per-trial figures' means, mean(num) / mean(den) (a loss ratio: expected loss over
    expected premium; a share: a part's losses over the whole's), and its standard error by the delta
    method, SD(num − R den) / (√n mean(den)), which counts the two figures' correlation trial by trial.

    >>> r, se = ratio_of_means([1.0, 3.0], [2.0, 2.0])  # 2 / 2; num − 1 × den = −1, 1: SD √2
    >>> r, round(se, 6)
    (1.0, 0.5)
    """
    x, y = _as_float(num), _as_float(den)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"num and den must be one column of trials each, got shapes {x.shape} and {y.shape}")
    r = float(x.mean() / y.mean())
    n = x.shape[0]
    se = float(np.std(x - r * y, ddof=1) / (math.sqrt(n) * abs(y.mean()))) if n > 1 else math.nan
    return r, se


def groups_differ_p_value(
    x: np.ndarray | Sequence[float],
    group: np.ndarray | Sequence[int],
    n_resamples: int = 999,
    seed: int = 0,
) -> float:
    """The p-value of the test that groups of trials share one mean, by permutation: the statistic is the
    between-group sum of squares Σ_g n_g (mean_g − mean)², and under the null hypothesis (the figure does
    not depend on the group) the trials are exchangeable between the groups, so its distribution is that
    of the same statistic with the group labels shuffled. p = (1 + #{shuffled ≥ observed}) / (1 +
    `n_resamples`): exact at any group size and for any law of `x` (a χ² test with the groups' estimated
    errors rejected a true null in 7-16% of tests at 5% on the model's skewed losses in groups of 10-100
    trials). Fixed `seed`: the same answer every time. NaN with fewer than two groups.

    >>> p = groups_differ_p_value([1.0, 2.0, 3.0, 11.0, 12.0, 13.0], [0, 0, 0, 1, 1, 1], n_resamples=199)
    >>> 0.005 < p < 0.2  # 2 of the 20 ways to split six trials in two threes give this separation
    True
    """
    values, labels = _as_float(x), np.asarray(group)
    if values.ndim != 1 or labels.shape != values.shape:
        raise ValueError(
            f"one group per trial, in one column each, got shapes {values.shape} and {labels.shape}"
        )
    _, codes = np.unique(labels, return_inverse=True)
    k = int(codes.max()) + 1 if codes.size else 0
    if k < 2:
        return math.nan
    counts = np.bincount(codes, minlength=k).astype(np.float64)
    centred = values - values.mean()

    def between(sums: np.ndarray) -> np.ndarray:  # Σ_g sum_g² / n_g (the centred sums)
        return (sums**2 / counts).sum(axis=-1)

    observed = between(np.bincount(codes, weights=centred, minlength=k))
    rng = np.random.default_rng(seed)
    exceed, batch = 0, max(1, 4_000_000 // max(values.size, 1))
    for start in range(0, n_resamples, batch):
        b = min(batch, n_resamples - start)
        shuffled = rng.permuted(np.broadcast_to(codes, (b, codes.size)), axis=1)
        rows = shuffled + k * np.arange(b)[:, None]
        sums = np.bincount(rows.ravel(), weights=np.tile(centred, b), minlength=b * k).reshape(b, k)
        exceed += int((between(sums) >= observed * (1 - 1e-12)).sum())
    return (1 + exceed) / (1 + n_resamples)


@dataclass(frozen=True)
class RankTrend:
    """Spearman's rank correlation `rho` of a per-trial figure with a per-trial count, and the two-sided
    `p_value` of the test that there is none (`rank_trend`)."""

    rho: float
    p_value: float


def rank_trend(x: np.ndarray | Sequence[float], count: np.ndarray | Sequence[float]) -> RankTrend:
    """Whether a per-trial figure rises or falls with a per-trial count (the number of states that joined):
    Spearman's rank correlation over the trials, with its two-sided p-value (`scipy.stats.spearmanr`;
    ties, such as the many trials with the same count or a zero loss, take their mid-rank; the p-value
    from its t approximation, close at the trial counts of a run). A monotone trend of any shape shows;
    groups that differ without one (high at one count, low either side) give a rho near 0, which
    `groups_differ_p_value` alone would not tell apart. NaN (both) with fewer than three trials or when
    either is the same in every trial.

    >>> t = rank_trend([1.0, 3.0, 2.0, 5.0], [0, 1, 1, 2])  # ranks 1, 3, 2, 4 against 1, 2.5, 2.5, 4
    >>> round(t.rho, 4)
    0.9487
    >>> rank_trend([1.0, 2.0, 3.0], [1, 1, 1])
    RankTrend(rho=nan, p_value=nan)
    """
    values, counts = _as_float(x), _as_float(count)
    if values.ndim != 1 or counts.shape != values.shape:
        raise ValueError(
            f"one count per trial, in one column each, got shapes {values.shape} and {counts.shape}"
        )
    if values.size < 3 or np.ptp(values) == 0 or np.ptp(counts) == 0:
        return RankTrend(math.nan, math.nan)
    rho, p = stats.spearmanr(values, counts)
    return RankTrend(float(rho), float(p))


def tail_contributions(
    parts: Mapping[str, np.ndarray], p: float, total: np.ndarray | None = None, conf: float = 0.95
) -> pd.DataFrame:
    """Which parts drive the tail of their sum: each part's contribution to the TVaR at level p of the
    total's annual loss (the Euler, or co-TVaR, allocation), with its standard error.

    `parts` maps a name (a contract) to its (n_trials, n_years) losses; `total` is their sum (the
    portfolio's own array; default the parts summed), and must be it: a total that differs from the sum
    of the parts beyond float rounding is a `ValueError`, as no allocation of it to these parts adds up.
    The tail is that of `pooled_tvar`: every policy year of every trial pooled, the worst (1 − p) of the
    n_trials × n_years trial-years, VaR their lower p-quantile v. A part's contribution is its mean loss
    over that tail, Σ w X / (N (1 − p)) over the N trial-years, with weight w 1 above v and, at v, the
    share of the tail's mass that the atom holds (N (1 − p) − #above, shared equally by the trial-years at
    v): over the parts they add up to the total's TVaR (to float rounding), and each is at most the part's
    own TVaR at p (TVaR is the largest mean over any (1 − p) of the trial-years), the difference being
    the part's diversification in the total.

    Errors take a trial's years as one draw, as `pooled_tvar`'s: the influence of a trial-year on a
    contribution is w (X − h) / (1 − p) (the part's loss above the part h it holds in a total of v,
    estimated over the ≈ 2√(N (1 − p)) trial-years nearest v and scaled so that the parts' h add up to v;
    w the tail weight above, so a trial-year at an atom at v counts with its share of the tail: which part
    makes up a tied total is uncertain too), so the error is the SD over the trials of each trial's mean
    of it over √n_trials; the parts' influences add up to the total's, `pooled_tvar`'s (their errors do
    not: errors are not additive). A share's error is that of the ratio contribution / TVaR by the same
    influences (the delta method). Infinite where the trial-years cannot bound VaR from above at `conf`,
    or with one trial; a part zero in every trial-year has 0 and errors of exactly 0; a part with losses
    but none in the tail or among the trial-years nearest v has a contribution of 0 and errors of NaN
    (NaN before infinite: nothing of it is seen to bound)
    (not estimable from this sample: more trials would see it in the tail), named in ``attrs``'
    ``unseen_in_tail``. Like TVaR's, the errors run low where the tail is heavy: by about a third for a
    Pareto line of α 1.5 with about 100 trial-years beyond VaR (a reviewer's replications), more with a
    few dozen.

    Rows: each part, in the order given, and ``portfolio`` (the total: its TVaR, share 1). Columns
    ``contribution``, ``contribution_standard_error``, ``share`` (of the total's TVaR; NaN where it is 0),
    ``share_standard_error``, ``standalone_tvar`` and ``standalone_tvar_standard_error`` (`pooled_tvar`
    of the part alone). ``attrs``: ``level`` p, ``var`` v, ``trials_beyond`` (the trials with a year
    above v, `trials_beyond`: the independent draws the tail rests on) and ``unseen_in_tail`` (the parts
    whose errors are NaN, above).

    >>> a = np.array([[4.0, 0.0], [0.0, 1.0]])
    >>> b = np.array([[0.0, 3.0], [3.0, 1.0]])  # totals 4, 3, 3, 2: v = 3, half the atom at 3 in the tail
    >>> t = tail_contributions({"a": a, "b": b}, 0.5)  # a: (4 + 0/2 + 0/2) / 2, b: (0 + 3/2 + 3/2) / 2
    >>> t[["contribution", "share", "standalone_tvar"]]
               contribution     share  standalone_tvar
    a                   2.0  0.571429              2.5
    b                   1.5  0.428571              3.0
    portfolio           3.5  1.000000              3.5
    """
    p = check_level(p, "level p")
    if not parts:
        raise ValueError("no parts to allocate the tail to")
    if "portfolio" in parts:
        raise ValueError("a part cannot be named 'portfolio': that is the row of their total")
    arrays = {name: _ranked(x) for name, x in parts.items()}
    shapes = {x.shape for x in arrays.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(
            "each part must be (n_trials, n_years), all of one shape, got "
            + ", ".join(f"{name} {x.shape}" for name, x in arrays.items())
        )
    summed = sum(arrays.values(), np.zeros(next(iter(shapes))))
    whole = summed if total is None else _ranked(total)
    if whole.shape != summed.shape:
        raise ValueError(f"total has shape {whole.shape}, the parts {summed.shape}")
    gap = np.abs(whole - summed)
    if gap.max() > 1e-9 * max(1.0, float(np.abs(whole).max())):
        trial, year = np.unravel_index(int(gap.argmax()), gap.shape)
        raise ValueError(
            f"the total is not the sum of the parts (by {float(gap.max()):.6g} in trial {trial}, year "
            f"{year}): contributions of these parts would not add up to its TVaR"
        )
    n_trials = whole.shape[0]
    s = whole.ravel()
    n = s.size
    tail = n * (1.0 - p)
    v = float(var(s, p))
    at = _same_amount(s, v)  # (a point mass at VaR, its trial-years' float noise apart)
    above = (s > v) & ~at
    weight = above + at * ((tail - above.sum()) / at.sum())
    value, value_se = pooled_tvar(whole, p, conf)
    bounded = not _unbounded_above(n, p, conf) and n_trials > 1
    # the part of a total of v each part holds, E[X | S = v], from the trial-years nearest v
    r, k = _rank(n, p), max(math.ceil(math.sqrt(tail)), 1)
    lo, hi = _order_statistic(s, [max(r - k, 1), min(r + k, n)])
    near = (s >= lo) & (s <= hi)
    scale = v / s[near].sum() if s[near].sum() != 0 else 1.0 / near.sum()

    def cluster(x: np.ndarray) -> np.ndarray:  # each trial's mean over its years
        return x.reshape(n_trials, -1).mean(axis=1)

    influence_total = cluster(np.where(at, 0.0, np.maximum(s - v, 0.0)))
    rows, unseen = {}, []
    for name, x in arrays.items():
        xs = x.ravel()
        c = float(weight @ xs) / tail
        share = c / value if value != 0 else math.nan
        standalone, standalone_se = pooled_tvar(x, p, conf)
        if not xs.any():
            c_se = share_se = standalone_se = 0.0
        elif not (xs[weight > 0].any() or xs[near].any()):  # losses, none where this sample can see them
            c_se = share_se = math.nan
            unseen.append(name)
        elif not bounded:
            c_se = share_se = math.inf
        else:
            held = scale * xs[near].sum()  # (a loss of that amount, to rounding, has no influence)
            influence = cluster(weight * np.where(_same_amount(xs, held), 0.0, xs - held))
            c_se = float(sd(influence)) / ((1.0 - p) * math.sqrt(n_trials))
            share_se = (
                float(sd(influence - share * influence_total)) / ((1.0 - p) * math.sqrt(n_trials) * value)
                if value != 0
                else math.nan
            )
        rows[name] = (c, c_se, share, share_se, standalone, standalone_se)
    rows["portfolio"] = (value, value_se, 1.0 if value != 0 else math.nan, 0.0, value, value_se)
    out = pd.DataFrame.from_dict(
        rows,
        orient="index",
        columns=[
            "contribution",
            "contribution_standard_error",
            "share",
            "share_standard_error",
            "standalone_tvar",
            "standalone_tvar_standard_error",
        ],
    )
    out.attrs = {
        "level": p,
        "var": v,
        "trials_beyond": trials_beyond(whole, p),
        "unseen_in_tail": tuple(unseen),
    }
    return out


def prob_any_loss(x: np.ndarray | Sequence[float]) -> np.ndarray | float:
    """Share of trials with a loss above zero.

    >>> prob_any_loss([0.0, 0.0, 3.0, 1.0])
    0.5
    """
    m = (_as_float(x) > 0).mean(axis=0)
    return float(m) if np.ndim(m) == 0 else m


def converged(estimate: np.ndarray | float, se: np.ndarray | float, rel_error: float) -> np.ndarray | bool:
    """True where the standard error is at most ``rel_error`` × |estimate| (a zero estimate needs se = 0).

    >>> converged(100.0, 1.5, 0.02), converged(100.0, 2.5, 0.02), converged(0.0, 0.0, 0.02)
    (True, False, True)
    """
    ok = np.asarray(se) <= rel_error * np.abs(np.asarray(estimate))
    return bool(ok) if np.ndim(ok) == 0 else ok


def horizon_total(losses: np.ndarray) -> np.ndarray:
    """Per trial, the sum over policy years of an (n_trials, n_years) table.

    >>> horizon_total(np.array([[1.0, 2.0], [0.0, 5.0]]))
    array([3., 5.])
    """
    return np.asarray(losses, dtype=np.float64).sum(axis=1)


@dataclass(frozen=True)
class YearTail:
    """A tail figure of the annual loss of one policy year: its index, the value and its standard error."""

    year: int  # index of the policy year (0 = the horizon's first; the first of years that tie)
    value: float
    se: float
    every_year: bool = False  # the figure is the same in every policy year (a layer's limit, say)


def worst_year(losses: np.ndarray, p: float, statistic: str = "var") -> YearTail:
    """The annual 1-in-T figure an underwriter reads, for a horizon of several policy years: VaR (or TVaR,
    ``statistic="tvar"``) at level p of each policy year's annual loss (the AEP), and the year where it is
    largest (the first of those within a relative 1e-9 of it, and `every_year` when all are). `losses` is
    (n_trials, n_years). The standard error is that year's (of years that tie, the largest of theirs): for
    VaR the half-width of its order-statistic interval over 1.96, for TVaR `tvar_standard_error`.

    Taking the largest of the years' estimates biases it up when the years are alike, by about
    `worst_year_bias` standard errors (one for five years; the per-year figures are in the metrics table,
    the horizon total's too); when exposure ramps over the horizon, it is the last years' figure. The
    average over the horizon's years of a trial is not used: it diversifies the tail away (a full-limit
    loss in one year of five counts a fifth).

    >>> worst_year(np.array([[0.0, 5.0], [1.0, 2.0], [2.0, 9.0], [3.0, 1.0]]), 0.75)
    YearTail(year=1, value=5.0, se=inf, every_year=False)
    """
    p = check_level(p, "level p")
    a = np.asarray(losses, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"losses must be (n_trials, n_years), got shape {a.shape}")
    if statistic not in ("var", "tvar"):
        raise ValueError(f"statistic must be 'var' or 'tvar', got {statistic!r}")
    values = np.atleast_1d(var(a, p) if statistic == "var" else tvar(a, p))
    # years within rounding of the largest tie (a capped layer's 20 and 20.000000000000004): the first is
    # the year; the error is the largest of theirs (the first year's could be 0 at a limit many trials
    # reach while another year's same figure rests on a few)
    tied = _same_amount(values, values.max())
    i = int(np.argmax(tied))
    if statistic == "var":
        se = max(float(_half_width(*quantile_ci(a[:, j], p), _z(0.95))) for j in np.flatnonzero(tied))
    else:
        se = max(float(tvar_standard_error(a[:, j], p)) for j in np.flatnonzero(tied))
    return YearTail(i, float(values.max()), se, bool(tied.all()) and values.size > 1)


def worst_year_bias(n_years: int) -> float:
    """How far `worst_year`'s largest of `n_years` estimates lies above the figure, in standard errors,
    when the years are alike (the same law) and their estimates independent and near normal: the mean of
    the largest of n standard normals, ∫ x n φ(x) Φ(x)ⁿ⁻¹ dx. About 1.2 standard errors for five years: in
    `rv_pool` (8,192 trials, five years) the largest year's 1-in-200 was 86.1 ± 2.1 against 84.5 for all
    its trial-years pooled, and resampled years alike gave +1.9 (a reviewer's measurement).

    >>> round(worst_year_bias(1), 6), round(worst_year_bias(2), 4), round(worst_year_bias(5), 3)  # 2: 1/√π
    (0.0, 0.5642, 1.163)
    """
    if n_years < 1:
        raise ValueError(f"n_years must be at least 1, got {n_years}")
    x = np.linspace(-10.0, 10.0, 20_001)
    density = n_years * stats.norm.pdf(x) * stats.norm.cdf(x) ** (n_years - 1)
    return float(integrate.trapezoid(x * density, x))  # (not np.trapezoid: numpy 2.0 only)


#: Bootstrap resamples of `paired_tail_difference` (fixed seed: the same error on every run).
TAIL_BOOTSTRAP = 200


def paired_tail_difference(
    a: np.ndarray, b: np.ndarray, p: float = 0.995, *, n_boot: int = TAIL_BOOTSTRAP
) -> TailDifference:
    """The difference a − b of two runs' `worst_year` VaR at p (the summary's 1-in-200 annual loss), with
    a paired standard error: the standard deviation over `n_boot` bootstrap resamples of the trials, the
    same trials for both runs (common random numbers), from a fixed seed. The independent-sample error
    is that of the two figures' own order-statistic errors, √(se_a² + se_b²). `a`, `b`: (n_trials,
    n_years), trial i of each from the same random numbers.

    A resample is a Poisson bootstrap (each trial drawn a Poisson(1) number of times) of the trials that
    can decide it: each column's VaR is its R-th largest value (R = n − ⌈n p⌉ + 1, 41 of 8,192), so only
    the 4R largest of each column (and at least R + 50) are kept, and a resample's VaR is found among
    them from their multiplicities; the rest of the trials only fill the resample's size. That costs a
    few thousand trials a resample whatever n is. (When every trial is kept, n at most about 4R, i.e. a
    few dozen trials at p = 0.995 or any n at p ≤ 0.75, the weights are multinomial, n draws in all, so
    that each resample reaches the rank r: a Poisson resample can hold fewer than r draws.) Where the
    trials cannot bound the quantile from above (`quantile_ci`'s +inf; n below about 740 at p = 0.995)
    the error is infinite: the bootstrap of so few trials beyond it reads far too low. The independent
    error follows the same rule, its figures' errors being infinite there too (a 1-in-200 on a layer's
    limit as well: no ceiling is inferred from the trials, `quantile_ci`), so the two never read ∞ beside
    0. A bootstrap of a
    1-in-200 rests on the ~0.5% of trials beyond it: read the error as a guide, not to the last digit. On
    lognormal samples of 8,000 trials it ran 0.64-1.71x the spread of the difference over replications
    (20 samples, measured when the test was written; mean 1.05, SD 0.23; `tests/test_metrics.py` checks
    the mean of 16), and a reviewer measured 1.28x on average, SD 0.35, on 4,096 trials of a model-like
    portfolio: one run's error can read 0.5-2x.

    >>> rng = np.random.default_rng(1)
    >>> base = rng.lognormal(0.0, 1.0, (4000, 2))
    >>> d = paired_tail_difference(base * 1.1, base)
    >>> round(d.mean / worst_year(base, 0.995).value, 6), d.se < d.se_independent / 3
    (0.1, True)
    """
    p = check_level(p, "level p")
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"a and b must be (n_trials, n_years) of one shape, got {x.shape} and {y.shape}")
    # (a trial-year that differs by float noise alone is the same loss: b takes a's value there, so a
    # one-ulp change at the quantile is no difference, as `paired_deltas` reads the means)
    y = np.where(paired_deltas(x, y, exact_zero=True) == 0.0, x, y)
    ta, tb = worst_year(x, p), worst_year(y, p)
    n, years = x.shape
    if _unbounded_above(n, p, 0.95):  # (as the figures' own errors: too few trials to bound the quantile)
        return TailDifference(ta.value - tb.value, math.inf, math.hypot(ta.se, tb.se), n, ta.value, tb.value)
    r = n - _rank(n, p) + 1  # a column's VaR is its r-th largest value
    keep = min(n, max(4 * r, r + 50))
    both = np.concatenate([x, y], axis=1)  # (n, 2 × years)
    if keep < n:
        tops = np.argpartition(-both, keep - 1, axis=0)[:keep]
        trials = np.unique(tops)
    else:
        trials = np.arange(n)
    sub = both[trials]
    order = np.argsort(-sub, axis=0, kind="stable")  # each column's kept trials, largest first
    ranked = np.take_along_axis(sub, order, axis=0)
    columns = np.arange(both.shape[1])
    rng = np.random.default_rng(20251127)
    diffs = np.empty(n_boot)
    for k in range(n_boot):
        # (every trial kept, a small sample: n draws exactly, so that the rank r is always reached)
        draws = rng.poisson(1.0, trials.size) if keep < n else rng.multinomial(n, np.full(n, 1.0 / n))
        weights = draws[order]  # (the same draws of a trial in every column)
        first = (np.cumsum(weights, axis=0) >= r).argmax(axis=0)  # each column's r-th largest
        values = ranked[first, columns]
        diffs[k] = values[:years].max() - values[years:].max()
    se = float(diffs.std(ddof=1)) if n_boot > 1 else math.nan
    return TailDifference(ta.value - tb.value, se, math.hypot(ta.se, tb.se), n, ta.value, tb.value)


@dataclass(frozen=True)
class PairedDifference:
    """Mean of a − b over common trials, its paired SE and, for contrast, the independent-sample SE."""

    mean: float
    se: float
    se_independent: float
    n: int

    @property
    def variance_reduction(self) -> float:
        """(SE independent / SE paired)²: how many times fewer trials common random numbers need."""
        if math.isnan(self.se) or math.isnan(self.se_independent):
            return math.nan
        return (self.se_independent / self.se) ** 2 if self.se > 0 else math.inf


@dataclass(frozen=True)
class TailDifference(PairedDifference):
    """`PairedDifference` of two runs' tail figures, with the figures themselves (`worst_year` values)."""

    a: float = math.nan
    b: float = math.nan


#: A per-trial difference within this many units in the last place of the larger of its two figures is
#: float noise (the same losses summed in another order), not a difference: `paired_deltas`.
NOISE_ULPS = 64


def paired_deltas(
    a: np.ndarray | Sequence[float], b: np.ndarray | Sequence[float], *, exact_zero: bool = False
) -> np.ndarray:
    """The per-trial differences a − b of two runs on common random numbers; with `exact_zero`, one within
    `NOISE_ULPS` units in the last place of the larger figure is 0 (a trial whose contract ceded the same
    loss summed in another order differed by 2.8e-16, and its difference read z = 1, p = 0.32, "one trial
    holds 100% of its variance").

    >>> paired_deltas([1.3, 2.0], [1.3 + 2.2e-16, 1.0], exact_zero=True).tolist()
    [0.0, 1.0]
    >>> float(paired_deltas([1.3], [1.3 + 2.2e-16])[0]) != 0.0
    True
    """
    x, y = _as_float(a), _as_float(b)
    if x.shape != y.shape:
        raise ValueError(f"need two arrays of the same trials, got shapes {x.shape} and {y.shape}")
    d = x - y
    if exact_zero and d.size:
        scale = np.maximum(np.abs(x), np.abs(y))
        d = np.where(np.abs(d) <= NOISE_ULPS * np.spacing(scale), 0.0, d)
    return d


def paired_difference(
    a: np.ndarray | Sequence[float], b: np.ndarray | Sequence[float], *, exact_zero: bool = False
) -> PairedDifference:
    """Scenario comparison with common random numbers: trial i of ``a`` and of ``b`` share their draws.

    The SE of the mean difference is SD(a − b)/√n; the independent-sample SE √(Var a/n + Var b/n) is
    given for contrast (it ignores the positive correlation that common random numbers create).

    With `exact_zero` (as `standard_error`'s), a spread that is exactly none counts as 0, not as its float
    noise: the paired SE of an a − b the same in every trial, and the part of the independent SE of a run
    whose figure is the same in every trial (a fixed premium of 0.0015 gave an independent SE of 6.9e-21);
    and a trial's difference that is float noise counts as none (`paired_deltas`).

    >>> d = paired_difference([10.0, 20.0, 30.0, 40.0], [9.0, 18.0, 29.0, 38.0])
    >>> d.mean, round(d.se, 4), round(d.se_independent, 2)
    (1.5, 0.2887, 9.04)
    >>> fixed = [0.0015] * 3  # (a premium the same in every trial: its SD computes as float noise)
    >>> paired_difference(fixed, fixed).se_independent > 0
    True
    >>> d = paired_difference(fixed, fixed, exact_zero=True)
    >>> d.mean, d.se, d.se_independent
    (0.0, 0.0, 0.0)
    """
    x, y = _as_float(a), _as_float(b)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"need two 1-d arrays of the same trials, got shapes {x.shape} and {y.shape}")
    n = x.shape[0]

    def spread(v: np.ndarray) -> float:
        return 0.0 if exact_zero and n > 1 and np.ptp(v) == 0 else float(sd(v))

    d = paired_deltas(x, y, exact_zero=exact_zero)
    return PairedDifference(
        mean=float(d.mean()),
        se=float(standard_error(d, exact_zero=exact_zero)),
        se_independent=math.sqrt((spread(x) ** 2 + spread(y) ** 2) / n),
        n=n,
    )


def ep_curve(
    annual_or_max: np.ndarray | Sequence[float],
    return_periods: float | Sequence[float] = DEFAULT_RETURN_PERIODS,
    conf: float = 0.95,
) -> pd.DataFrame:
    """Exceedance probability curve: loss and TVaR at each return period, with the loss's interval.

    Pass annual totals for the AEP, each year's largest event loss for the OEP. ``return_periods``: one
    or a non-empty sequence, each a finite number > 1 (a probability of exceedance 1/T in (0, 1));
    ``conf`` in (0, 1). Columns:
    ``return_period``, ``probability`` (1/T), ``loss`` (VaR at 1 − 1/T), ``ci_lower``, ``ci_upper``,
    ``tvar`` and ``tvar_se``.

    >>> ep_curve([0.0] * 6 + [1.0, 2.0, 3.0, 4.0], [2, 5, 10])[["return_period", "loss", "tvar"]]
       return_period  loss  tvar
    0            2.0   0.0   2.0
    1            5.0   2.0   3.5
    2           10.0   3.0   4.0
    """
    t = np.asarray(check_return_periods(return_periods), dtype=np.float64)
    conf = check_level(conf, "conf")
    a = _ranked(annual_or_max)
    if a.ndim != 1:
        raise ValueError("ep_curve takes one column of losses")
    # One sort serves every return period; the tail beyond each VaR is a slice of the sorted losses.
    s = np.sort(a)
    n = s.size
    p = 1.0 - 1.0 / t
    loss = s[[_rank(n, q) - 1 for q in p]]
    alpha = 1.0 - conf
    lo_rank = stats.binom.ppf(alpha / 2, n, p).astype(np.int64)
    hi_rank = stats.binom.ppf(1 - alpha / 2, n, p).astype(np.int64) + 1
    ci_lower = np.where(lo_rank >= 1, s[np.clip(lo_rank, 1, n) - 1], -math.inf)
    ci_upper = np.where(hi_rank <= n, s[np.clip(hi_rank, 1, n) - 1], math.inf)
    tv, tv_se = np.empty(t.size), np.empty(t.size)
    for i, (q, v) in enumerate(zip(p, loss, strict=True)):
        excess = s[np.searchsorted(s, v, side="right") :] - v
        mean_excess = excess.sum() / n
        tv[i] = v + mean_excess / (1.0 - q)
        var_excess = ((excess**2).sum() - n * mean_excess**2) / (n - 1) if n > 1 else math.nan
        tv_se[i] = math.sqrt(max(var_excess, 0.0)) / ((1.0 - q) * math.sqrt(n))
    tv_se[hi_rank > n] = math.inf  # (as `tvar_standard_error`: no bound on VaR, none on the tail beyond)
    return pd.DataFrame(
        {
            "return_period": t,
            "probability": 1.0 / t,
            "loss": loss,
            "ci_lower": ci_lower,
            "ci_upper": ci_upper,
            "tvar": tv,
            "tvar_se": tv_se,
        }
    )


def _periods(losses: np.ndarray, max_event_loss: np.ndarray | None):
    """(year label, annual column, largest-event column or None) per policy year, then the horizon."""
    a = np.asarray(losses, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"need an (n_trials, n_years) table, got shape {a.shape}")
    m = None if max_event_loss is None else np.asarray(max_event_loss, dtype=np.float64)
    if m is not None and m.shape != a.shape:
        raise ValueError(f"max_event_loss has shape {m.shape}, losses {a.shape}")
    for y in range(a.shape[1]):
        yield y, a[:, y], None if m is None else m[:, y]
    yield HORIZON_TOTAL, a.sum(axis=1), None if m is None else m.max(axis=1)


def year_columns(x: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(year label, column) of an (n_trials, n_years) table: each policy year, then the horizon sum."""
    for year, column, _ in _periods(x, None):
        yield year, column


def contract_exposure(sources: Sequence[str], annual_limit: float) -> dict[str, float]:
    """How much of a contract covers sanctioned or at-risk tonnage (`payers.is_at_risk_source`).

    ``share``: the share of its sources that do (a contract on several sources counts each once);
    ``limit``: that share of ``annual_limit``, the most the reinsurer's line pays in a year (USD m at its
    participation; ``inf`` when unlimited), or 0 when no source is at risk.

    >>> contract_exposure(["scheme:rv_pool", "ig_pool"], 40.0)
    {'share': 0.5, 'limit': 20.0}
    """
    share = sum(payers.is_at_risk_source(s) for s in sources) / len(sources) if sources else 0.0
    return {"share": share, "limit": annual_limit * share if share > 0 else 0.0}


def sanctions_table(
    contracts: Mapping[str, Mapping[str, np.ndarray]], exposure: Mapping[str, Mapping[str, float]]
) -> pd.DataFrame:
    """Sanctions exposure per contract (and the portfolio), per policy year and for the horizon.

    ``contracts`` maps contract id (and ``"portfolio"``) to its (n_trials, n_years) arrays ``premium``,
    ``reinstatement_premium``, ``blocked_delayed`` and ``blocked_permanent``; ``exposure`` maps each
    contract id to its `contract_exposure`. Exposed premium is the contract's premium (with reinstatement
    premiums) times its exposed share; the exposed limit is annual (also on horizon rows). Contracts on
    Western sources meet sanctions on the claims side: ceded losses blocked by their sanctions clause
    (delayed and permanent apart) and the share of trials with any block. The portfolio's exposed premium
    and limit are the sums over its contracts; its blocks are those of its own arrays. Columns and order
    as `riskmodel.tables` "sanctions_exposure".
    """
    premium, limit = _exposed(contracts, exposure)
    rows = []
    for cid in premium:
        c = contracts[cid]
        exposed = dict(year_columns(premium[cid]))
        permanent = dict(year_columns(c["blocked_permanent"]))
        for year, delayed in year_columns(c["blocked_delayed"]):
            rows.append(
                (
                    cid,
                    year,
                    float(exposed[year].mean()),
                    limit[cid],
                    float(delayed.mean()),
                    float(permanent[year].mean()),
                    float(((delayed + permanent[year]) > 0).mean()),
                )
            )
    columns = [
        "contract",
        "year",
        "exposed_premium",
        "exposed_limit",
        "mean_blocked_delayed",
        "mean_blocked_permanent",
        "prob_any_block",
    ]
    dtypes = {"year": np.int64} | {c: np.float64 for c in columns[2:]}
    return pd.DataFrame(rows, columns=columns).astype(dtypes)


def _exposed(
    contracts: Mapping[str, Mapping[str, np.ndarray]], exposure: Mapping[str, Mapping[str, float]]
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """(exposed premium per (trial, year), exposed annual limit) of each contract and the portfolio (the
    sums over its contracts), as `sanctions_table` describes them."""
    ids = [cid for cid in contracts if cid != "portfolio"]
    missing = [cid for cid in ids if cid not in exposure]
    if missing:
        raise ValueError(f"no sanctions exposure for contracts {missing} (known: {sorted(exposure)})")
    premium, limit = {}, {}
    for cid in ids:
        c, share = contracts[cid], exposure[cid]["share"]
        premium[cid] = (c["premium"] + c["reinstatement_premium"]) * share
        limit[cid] = exposure[cid]["limit"]
    if "portfolio" in contracts and ids:
        premium["portfolio"] = sum(premium.values())
        limit["portfolio"] = sum(limit.values())
    return premium, limit


def sanctions_standard_errors(
    contracts: Mapping[str, Mapping[str, np.ndarray]], exposure: Mapping[str, Mapping[str, float]]
) -> pd.DataFrame:
    """Monte Carlo standard errors of `sanctions_table`'s figures as annual averages over the horizon, per
    contract (and the portfolio), index ``contract``.

    ``exposed_premium``, ``mean_blocked_delayed`` and ``mean_blocked_permanent``: the error of the mean
    over the trials of each trial's average over its policy years (`standard_error`): a trial's years
    share its draws (the climate factor, the joins, the designations), so the trials are the independent
    draws, not the trial-years. ``prob_any_block``: the error of the share of trials with a block in any
    year of the horizon (`standard_error` of the 0/1 of each trial). A figure the same in every trial has
    an error of exactly 0; the exposed limit is fixed by the terms: it has none. NaN with one trial.

    >>> c = {"xl": {f: np.array([[0.0, 2.0], [2.0, 4.0]]) for f in ("premium", "blocked_delayed")}}
    >>> c["xl"] |= {f: np.zeros((2, 2)) for f in ("reinstatement_premium", "blocked_permanent")}
    >>> sanctions_standard_errors(c, {"xl": {"share": 0.5, "limit": 1.0}}).loc["xl"].to_numpy()
    array([0.5, 1. , 0. , 0. ])
    """
    premium, _ = _exposed(contracts, exposure)
    rows = {}
    for cid in premium:
        c = contracts[cid]
        # (as the table's horizon row: a block in the sum of the years)
        blocked = c["blocked_delayed"].sum(axis=1) + c["blocked_permanent"].sum(axis=1)
        rows[cid] = {
            "exposed_premium": float(standard_error(premium[cid].mean(axis=1), exact_zero=True)),
            "mean_blocked_delayed": float(standard_error(c["blocked_delayed"].mean(axis=1), exact_zero=True)),
            "mean_blocked_permanent": float(
                standard_error(c["blocked_permanent"].mean(axis=1), exact_zero=True)
            ),
            "prob_any_block": float(standard_error((blocked > 0).astype(np.float64), exact_zero=True)),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "contract"
    return out


def _z(conf: float) -> float:
    return float(stats.norm.ppf(0.5 + conf / 2))


def _wilson(p: float, n: int, z: float) -> tuple[float, float]:
    """Wilson's score interval of a share p of n trials at the normal z: (p + z²/2n ± z √(p(1 − p)/n +
    z²/4n²)) / (1 + z²/n), within [0, 1] where p ± z SE is not (0.99 of 200 trials: 1.004 above), and not
    of zero width at a share of 0 or 1 (no trial with a loss does not prove a probability of 0). It holds
    its estimate: the end at a share of 0 is exactly 0 and at 1 exactly 1 (the formula gave 6.4e-18 above
    0 and 0.9999999999999998 below 1), and no end passes p by float rounding. NaN with one trial, whose
    share has no error known.

    >>> lo, hi = _wilson(0.99, 200, 1.959963984540054)
    >>> round(lo, 4), round(hi, 4), _wilson(1.0, 300, 1.96)[1], _wilson(0.0, 50, 1.96)[0]
    (0.9643, 0.9973, 1.0, 0.0)
    """
    if n < 2:
        return math.nan, math.nan
    scale = 1.0 + z * z / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4 * n * n))
    lower = 0.0 if p == 0.0 else min(max((centre - half) / scale, 0.0), p)
    upper = 1.0 if p == 1.0 else max(min((centre + half) / scale, 1.0), p)
    return lower, upper


def _share_error(p: float, n: int, z: float) -> float:
    """The standard error of a share p of n trials (the metrics table's prob_any_loss): √(p(1 − p)/n),
    except at a share of 0 or 1, where that is 0 though the trials prove no certainty (none of 50 trials
    with a loss leaves a probability up to 0.07): there it is Wilson's interval's half-width over z,
    z / (2(n + z²)) (`_wilson`), so that the convergence verdict judges the share by its interval. A share
    of 0 is then never converged (any error is more than a share of 0); a share of 1 is once that
    half-width is within the relative error asked for (16 trials at 5% and 95%). NaN with one trial.

    >>> _share_error(0.5, 100, 1.96), [round(_share_error(p, 50, 1.96), 4) for p in (0.0, 1.0)]
    (0.05, [0.0182, 0.0182])
    """
    if n < 2:
        return math.nan
    if p in (0.0, 1.0):
        lower, upper = _wilson(p, n, z)
        return (upper - lower) / (2 * z)
    return math.sqrt(p * (1.0 - p) / n)


def _floor(x: np.ndarray, lower: float) -> float:
    """`lower`, the lower end of a normal interval of a mean, SD or TVaR of the losses `x`, raised to 0
    where no loss is negative (ceded losses): such a figure cannot be below 0, however wide its error."""
    return max(lower, 0.0) if not (x < 0).any() else lower


def metrics_table(
    losses: np.ndarray,
    *,
    levels: float | Sequence[float] = (0.99, 0.995),
    conf: float = 0.95,
    rel_error: float = 0.05,
) -> pd.DataFrame:
    """Summary metrics per policy year and for the horizon total, each with its error and a verdict.

    ``losses`` is an (n_trials, n_years) year loss table (one contract, or a portfolio summed per
    trial-year). Long format, columns ``year`` (`HORIZON_TOTAL` for the horizon), ``metric`` (aal, sd,
    prob_any_loss, var, tvar), ``level`` (p for var and tvar, else NaN), ``estimate``, ``standard_error``,
    ``ci_lower``, ``ci_upper`` and ``converged`` (SE ≤ rel_error × |estimate|). For quantiles the SE is the
    half-width of the order-statistic interval over the normal z of ``conf``; SD's SE is the asymptotic
    √((m₄ − s⁴)/n)/(2s). The intervals stay within what the figure can be: prob_any_loss's is Wilson's
    score interval (`_wilson`, in [0, 1], holding its estimate); its SE is √(p(1 − p)/n), but at a share
    of 0 or 1 the Wilson interval's half-width over z (`_share_error`: a share of 0 is never converged);
    the normal intervals of aal, sd
    and tvar (estimate ± z SE) end at 0 below where no loss is negative (the SD's always). ``levels``:
    one level in (0, 1) or a sequence of them, each once (empty: no var or tvar rows); ``conf`` in (0, 1);
    ``rel_error`` a finite number > 0 (`riskmodel.arguments`: anything else is a `TypeError` or
    `ValueError` naming the argument).

    >>> t = metrics_table(np.array([[0.0], [1.0], [2.0], [3.0]]), levels=(0.5,))
    >>> t[t.year == 0].set_index("metric")["estimate"].to_dict()
    {'aal': 1.5, 'sd': 1.2909944487358056, 'prob_any_loss': 0.75, 'var': 1.0, 'tvar': 2.5}
    """
    levels = check_levels(levels)
    rel_error = check_rel_error(rel_error)
    z = _z(check_level(conf, "conf"))
    rows = []
    for year, x, _ in _periods(losses, None):
        n = x.shape[0]
        mean, s = aal(x), sd(x)
        se_mean = s / math.sqrt(n)
        m4 = float(((x - mean) ** 4).mean())
        se_sd = math.sqrt(max(m4 - s**4, 0.0) / n) / (2 * s) if s > 0 else 0.0 if n > 1 else math.nan
        p_any = prob_any_loss(x)
        se_p = _share_error(p_any, n, z)
        rows.append((year, "aal", math.nan, mean, se_mean, _floor(x, mean - z * se_mean), mean + z * se_mean))
        rows.append((year, "sd", math.nan, s, se_sd, max(s - z * se_sd, 0.0), s + z * se_sd))
        rows.append((year, "prob_any_loss", math.nan, p_any, se_p, *_wilson(p_any, n, z)))
        for p in levels:
            v = var(x, p)
            lo, hi = quantile_ci(x, p, conf)
            rows.append((year, "var", p, v, _half_width(lo, hi, z), lo, hi))
            t, se_t = tvar(x, p), tvar_standard_error(x, p, conf)
            rows.append((year, "tvar", p, t, se_t, _floor(x, t - z * se_t), t + z * se_t))
    out = pd.DataFrame(
        rows, columns=["year", "metric", "level", "estimate", "standard_error", "ci_lower", "ci_upper"]
    )
    out["year"] = out["year"].astype(np.int64)
    out["converged"] = converged(out["estimate"].to_numpy(), out["standard_error"].to_numpy(), rel_error)
    return out


def alt_table(losses: np.ndarray, *, conf: float = 0.95, rel_error: float = 0.05) -> pd.DataFrame:
    """Average loss table (ORD ALT) per policy year and for the horizon total.

    Columns ``year``, ``n_trials``, ``mean_loss``, ``sd_loss``, ``standard_error``, ``relative_error``
    (SE / mean), ``ci_lower``, ``ci_upper`` (normal, at ``conf``, in (0, 1); the lower end at least 0 where
    no loss is negative) and ``converged`` (SE ≤
    ``rel_error`` × |mean|, ``rel_error`` a finite number > 0).

    >>> alt_table(np.array([[1.0, 0.0], [3.0, 2.0]]))[["year", "mean_loss", "standard_error"]]
       year  mean_loss  standard_error
    0     0        2.0             1.0
    1     1        1.0             1.0
    2    -1        3.0             2.0
    """
    rel_error = check_rel_error(rel_error)
    z = _z(check_level(conf, "conf"))
    rows = []
    for year, x, _ in _periods(losses, None):
        n = x.shape[0]
        mean, s = aal(x), sd(x)
        se = s / math.sqrt(n)
        rel = se / abs(mean) if mean else (0.0 if se == 0 else math.inf)
        lower = _floor(x, mean - z * se)
        rows.append((year, n, mean, s, se, rel, lower, mean + z * se, bool(converged(mean, se, rel_error))))
    out = pd.DataFrame(
        rows,
        columns=[
            "year",
            "n_trials",
            "mean_loss",
            "sd_loss",
            "standard_error",
            "relative_error",
            "ci_lower",
            "ci_upper",
            "converged",
        ],
    )
    return out.astype({"year": np.int64, "n_trials": np.int64})


def ept_table(
    losses: np.ndarray,
    max_event_loss: np.ndarray | None = None,
    *,
    return_periods: float | Sequence[float] = DEFAULT_RETURN_PERIODS,
    conf: float = 0.95,
    rel_error: float = 0.05,
) -> pd.DataFrame:
    """Exceedance probability table (ORD EPT) per policy year and for the horizon total.

    Rows for each year and return period with ``ep_type`` `OEP`, `OEP_TVAR` (from ``max_event_loss``,
    when given), `AEP`, `AEP_TVAR` (from ``losses``). Columns ``year``, ``ep_type``, ``return_period``,
    ``loss``, ``ci_lower``, ``ci_upper`` (order-statistic interval for OEP/AEP, ± z × SE for the TVaRs,
    whose lower end is at least 0 where no loss is negative)
    and ``converged`` (SE ≤ rel_error × |loss|, the SE of OEP/AEP being the interval's half-width over z,
    as in `metrics_table`). The horizon OEP is the largest event of the horizon; the horizon AEP the sum
    over years. ``return_periods`` as `ep_curve`'s; ``rel_error`` a finite number > 0.

    >>> e = ept_table(np.array([[0.0], [0.0], [5.0], [9.0]]), np.array([[0.0], [0.0], [5.0], [6.0]]),
    ...               return_periods=[2])
    >>> e[e.year == 0][["ep_type", "loss"]].to_numpy().tolist()
    [[1.0, 0.0], [2.0, 5.5], [3.0, 0.0], [4.0, 7.0]]
    """
    return_periods = check_return_periods(return_periods)
    rel_error = check_rel_error(rel_error)
    z = _z(check_level(conf, "conf"))
    rows = []
    for year, annual, largest in _periods(losses, max_event_loss):
        pairs = [] if largest is None else [(OEP, OEP_TVAR, largest)]
        pairs.append((AEP, AEP_TVAR, annual))
        for ep, ep_tvar, x in pairs:
            curve = ep_curve(x, return_periods, conf)
            for r in curve.itertuples(index=False):
                se = _half_width(r.ci_lower, r.ci_upper, z)  # inf when the interval is unbounded
                rows.append((year, ep, r.return_period, r.loss, r.ci_lower, r.ci_upper, se))
                lo, hi = _floor(x, r.tvar - z * r.tvar_se), r.tvar + z * r.tvar_se
                rows.append((year, ep_tvar, r.return_period, r.tvar, lo, hi, r.tvar_se))
    columns = ["year", "ep_type", "return_period", "loss", "ci_lower", "ci_upper", "standard_error"]
    out = pd.DataFrame(rows, columns=columns).astype({"year": np.int64, "ep_type": np.int64})
    out["converged"] = np.asarray(
        converged(out["loss"].to_numpy(), out.pop("standard_error").to_numpy(), rel_error), dtype=bool
    )
    return out.sort_values(
        ["year", "ep_type", "return_period"], kind="stable", key=_horizon_last
    ).reset_index(drop=True)


def _horizon_last(col: pd.Series) -> pd.Series:
    """Sort key that puts the horizon rows (year −1) after the policy years."""
    if col.name == "year":
        return col.where(col != HORIZON_TOTAL, np.iinfo(np.int64).max)
    return col
