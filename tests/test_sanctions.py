"""Stage C counts: detentions are Poisson with the stated mean and keep common random numbers; the Poisson
quantile they are drawn with is scipy's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskmodel.engine.random import BLOCK_TRIALS
from riskmodel.sanctions import detentions, poisson_quantile

N_YEARS = 3


def exposure(scale: np.ndarray) -> np.ndarray:
    """(trials, years, 2 zones) exposed vessel-years: trial i has scale[i] × (10, 30) in every year."""
    base = np.array([10.0, 30.0])
    return np.broadcast_to(scale[:, None, None] * base, (scale.size, N_YEARS, 2)).copy()


def test_detentions_have_the_poisson_mean_and_variance():
    """Mean λ = Σ exposure × intensity × p = (10 × 0.5 + 30 × 0.1) × 0.25 = 2 per trial-year: the sample
    mean within 4 standard errors √(λ / n); the sample variance within 4 of its standard errors
    √((μ₄ − σ⁴) / n) = √((λ + 2λ²) / n)."""
    counts = detentions(11, 0, BLOCK_TRIALS, exposure(np.ones(BLOCK_TRIALS)), np.array([0.5, 0.1]), 0.25)
    x = counts.ravel().astype(float)
    lam, n = 2.0, x.size
    assert counts.dtype == np.int64 and counts.shape == (BLOCK_TRIALS, N_YEARS)
    assert abs(x.mean() - lam) < 4 * np.sqrt(lam / n)
    assert abs(x.var(ddof=1) - lam) < 4 * np.sqrt((lam + 2 * lam**2) / n)


def test_a_trials_count_depends_on_its_own_mean_only():
    """Common random numbers: tripling one trial's exposure changes that trial's counts and no other's,
    and so does removing another trial's exposure (which leaves it no detention)."""
    ones = np.ones(BLOCK_TRIALS)
    a = detentions(5, 2, BLOCK_TRIALS, exposure(ones), np.array([0.5, 0.1]), 0.25)
    for trial, scale in ((7, 3.0), (8, 0.0)):
        changed = ones.copy()
        changed[trial] = scale
        b = detentions(5, 2, BLOCK_TRIALS, exposure(changed), np.array([0.5, 0.1]), 0.25)
        others = np.arange(BLOCK_TRIALS) != trial
        np.testing.assert_array_equal(a[others], b[others])
        if scale > 1:
            assert (b[trial] >= a[trial]).all() and b[trial].sum() > a[trial].sum()
        else:
            assert not b[trial].any()


def test_a_short_last_block_keeps_the_counts_of_its_trials():
    """The last block of a run may hold fewer trials: its trials see the same uniforms as in a full block."""
    full = detentions(3, 1, BLOCK_TRIALS, exposure(np.ones(BLOCK_TRIALS)), np.array([0.5, 0.1]), 0.25)
    short = detentions(3, 1, BLOCK_TRIALS, exposure(np.ones(100)), np.array([0.5, 0.1]), 0.25)
    np.testing.assert_array_equal(short, full[:100])


@pytest.mark.parametrize("mean", [0.0, 1e-4, 0.3, 2.0, 13.0, 60.0, 99.9, 100.1, 400.0])
def test_the_poisson_quantile_is_scipys(mean):
    """`poisson_quantile` sums the distribution term by term (scipy beyond a mean of 100): the same
    counts as `scipy.stats.poisson.ppf` for every one of 100,000 uniforms, the tail's included."""
    u = np.random.default_rng(int(mean * 1000) + 1).random(100_000)
    u[:3] = [0.0, 0.5, 1.0 - 2.0**-53]
    expected = np.maximum(stats.poisson.ppf(u, mean), 0.0).astype(np.int64)
    np.testing.assert_array_equal(poisson_quantile(u, np.full(u.size, mean)), expected)


def test_the_poisson_quantile_takes_each_cell_its_own_mean():
    """Means and uniforms of any shape, cell by cell (means on both sides of the term-by-term bound)."""
    rng = np.random.default_rng(5)
    u, mean = rng.random((300, 7)), rng.choice([0.5, 3.0, 250.0], size=(300, 7))
    got = poisson_quantile(u, mean)
    assert got.shape == (300, 7) and got.dtype == np.int64
    np.testing.assert_array_equal(got, np.maximum(stats.poisson.ppf(u, mean), 0.0).astype(np.int64))
