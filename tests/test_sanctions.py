"""Stage C counts: detentions are Poisson with the stated mean and keep common random numbers."""

from __future__ import annotations

import numpy as np

from riskmodel.engine.random import BLOCK_TRIALS
from riskmodel.sanctions import detentions

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
