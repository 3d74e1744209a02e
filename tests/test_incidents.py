"""Stage D against plain references: the stratum lookup and the thinning of candidates.

The engine looks strata up with a guide table and thins candidates in pieces of `incidents.PIECE`; both
must give exactly what the plain definitions give (a `searchsorted`; every candidate compared with its
whole row of cumulative shares), whatever the piece size. The thinning's rate is also checked against the
Poisson law of the kept events.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskmodel import incidents
from riskmodel.incidents import CandidatePlan, draw_candidates, thin_candidates

N_TRADES, N_CLASSES = 3, 5


def _plan(rng: np.random.Generator, n_strata: int = 40) -> CandidatePlan:
    trade = rng.integers(0, N_TRADES, n_strata)
    env = rng.gamma(0.5, 1.0, n_strata)  # uneven weights: some strata much likelier than others
    env[rng.integers(0, n_strata, 3)] = 1e-9  # and a few almost empty ones
    cumulative = np.cumsum(env) / env.sum()
    cumulative[-1] = 1.0
    max_age = np.array([1.0, 1.3, 0.8])
    return CandidatePlan(
        trade=trade,
        segment=np.zeros(n_strata, dtype=np.int64),
        zone=np.zeros(n_strata, dtype=np.int64),
        itype=np.zeros(n_strata, dtype=np.int64),
        envelope_rate=env * 30.0 / env.sum(),
        cumulative=cumulative,
        max_factor=3.0 * max_age[trade],
        guide=CandidatePlan.guide_table(cumulative),
    )


def _shares(rng: np.random.Generator, n_rows: int) -> np.ndarray:
    """Cumulative cover shares (n_rows, trades, classes), with classes absent in some rows."""
    shares = rng.random((n_rows, N_TRADES, N_CLASSES)) * (rng.random((n_rows, N_TRADES, N_CLASSES)) < 0.7)
    shares[..., 0] += 1e-3
    return np.cumsum(shares / shares.sum(axis=-1, keepdims=True), axis=-1)


def _thin_reference(plan, cand, cum, class_factor, age_factor):
    """Every candidate compared with its whole row, one at a time."""
    n_rows = cum.shape[0]
    idx, cls = [], []
    for i in range(cand.size):
        trial, s = int(cand.trial[i]), int(cand.stratum[i])
        if trial >= n_rows:
            continue
        t = plan.trade[s]
        c = int(np.sum(cum[trial, t, :-1] <= cand.u_class[i]))
        if cand.u_thin[i] * plan.max_factor[s] < class_factor[c] * age_factor[t, c]:
            idx.append(i)
            cls.append(c)
    return np.array(idx, dtype=np.int64), np.array(cls, dtype=np.int64)


@pytest.mark.parametrize("piece", [7, 1000, 1 << 18])
def test_stratum_lookup_is_searchsorted(monkeypatch, piece):
    rng = np.random.default_rng(11)
    plan = _plan(rng)
    monkeypatch.setattr(incidents, "PIECE", piece)
    u = np.concatenate([rng.random(20_000), plan.cumulative[:-1], [0.0, np.nextafter(1.0, 0.0)]])
    expected = np.searchsorted(plan.cumulative, u, side="right")
    np.testing.assert_array_equal(plan.stratum_of(u), expected)


@pytest.mark.parametrize("piece", [13, 500, 1 << 18])
def test_thinning_is_the_plain_rule(monkeypatch, piece):
    rng = np.random.default_rng(12)
    plan = _plan(rng)
    monkeypatch.setattr(incidents, "PIECE", piece)
    block_trials, n_rows = 64, 50  # the last 14 trials are a short block's padding: dropped
    cand = draw_candidates(plan, seed=5, block=0, year=1, block_trials=block_trials)
    cum = _shares(rng, n_rows)
    # some class uniforms exactly on a cumulative share: a share at or below the uniform counts
    on_cut = rng.choice(np.flatnonzero(cand.trial < n_rows), 200, replace=False)
    rows, trades = cand.trial[on_cut], plan.trade[cand.stratum[on_cut]]
    cand.u_class[on_cut] = cum[rows, trades, rng.integers(0, N_CLASSES - 1, on_cut.size)]
    class_factor = np.array([1.0, 1.2, 1.8, 3.0, 0.5])
    age_factor = rng.uniform(0.6, 1.0, (N_TRADES, N_CLASSES))
    idx, cls = thin_candidates(plan, cand, cum, class_factor, age_factor)
    ref_idx, ref_cls = _thin_reference(plan, cand, cum, class_factor, age_factor)
    assert ref_idx.size > 100  # (enough events for the comparison to mean something)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(cls, ref_cls)


def test_kept_events_follow_their_poisson_rate():
    """Per trial, the kept events are Poisson with mean Σ_s rate_s × Σ_c share_c × factor_c / envelope_s:
    their mean over trials within 4 standard errors, for each class."""
    rng = np.random.default_rng(13)
    plan = _plan(rng)
    n = 20_000
    cum = np.broadcast_to(_shares(rng, 1), (n, N_TRADES, N_CLASSES))
    class_factor = np.array([1.0, 1.2, 1.8, 2.2, 1.6])
    age_factor = rng.uniform(0.6, 1.0, (N_TRADES, N_CLASSES))
    cand = draw_candidates(plan, seed=9, block=0, year=0, block_trials=n)
    _, cls = thin_candidates(plan, cand, cum, class_factor, age_factor)
    share = np.diff(cum[0], axis=-1, prepend=0.0)  # (trades, classes)
    for c in range(N_CLASSES):
        mean = np.sum(
            plan.envelope_rate
            * share[plan.trade, c]
            * class_factor[c]
            * age_factor[plan.trade, c]
            / plan.max_factor
        )
        count = np.sum(cls == c)
        se = np.sqrt(mean * n)  # the total over n trials is Poisson(n × mean)
        assert abs(count - n * mean) < 4 * se, (c, count, n * mean)


def test_keyed_uniforms_are_splitmix64_of_the_key_and_column():
    """Against splitmix64 written out in Python integers: the uniform of (key, column) is the top 53 bits
    of mix(key + (column + 1) × 0xD1B54A32D192ED03 mod 2^64), over 2^53. Candidates' uniforms of every
    scenario and run depend on exactly these values."""

    def mix(x: int) -> int:
        m = (1 << 64) - 1
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
        return x ^ (x >> 31)

    keys = [0, 1, 2**63 + 12345, 2**64 - 1, 0x9E3779B97F4A7C15]
    columns = [0, 5, 20]
    u = incidents.keyed_uniforms(np.array(keys, dtype=np.uint64), columns)
    assert u.shape == (len(keys), len(columns))
    for i, key in enumerate(keys):
        for j, col in enumerate(columns):
            x = mix((key + (col + 1) * 0xD1B54A32D192ED03) & ((1 << 64) - 1))
            assert u[i, j] == (x >> 11) / 2.0**53


def test_candidates_drawn_into_a_buffer_are_the_same():
    """`draw_candidates` with a buffer of room (the engine reuses one from year to year) or without
    room (then fresh memory) draws exactly the candidates it draws alone."""
    plan = _plan(np.random.default_rng(14))
    alone = draw_candidates(plan, seed=4, block=1, year=2, block_trials=300)
    for size in (4 * alone.size + 7, 4 * alone.size, 4 * alone.size - 1, 0):
        buffer = np.full(size, np.nan)
        got = draw_candidates(plan, seed=4, block=1, year=2, block_trials=300, buffer=buffer)
        for f in ("trial", "stratum", "u_time", "u_class", "u_thin"):
            np.testing.assert_array_equal(getattr(got, f), getattr(alone, f))
        assert got.base == alone.base
        assert np.shares_memory(got.u_time, buffer) == (size >= 4 * alone.size)


@pytest.mark.parametrize("n_trials", [0, 1, 37, 299, 300])
def test_the_candidates_of_a_blocks_first_trials_are_the_whole_blocks(n_trials):
    """`draw_candidates(..., n_trials=n)` (a short last block) draws the candidates of the block's first n
    trials only, exactly those the whole block draws for them (the rest of each row of uniforms skipped
    by advancing the stream), with or without a buffer."""
    plan = _plan(np.random.default_rng(15))
    whole = draw_candidates(plan, seed=4, block=1, year=2, block_trials=300)
    k = int(np.searchsorted(whole.trial, n_trials))  # the whole block's candidates of those trials
    for buffer in (None, np.full(4 * whole.size, np.nan)):
        got = draw_candidates(
            plan, seed=4, block=1, year=2, block_trials=300, buffer=buffer, n_trials=n_trials
        )
        assert got.size == k
        for f in ("trial", "stratum", "u_time", "u_class", "u_thin"):
            np.testing.assert_array_equal(getattr(got, f), getattr(whole, f)[:k])
        assert got.base == whole.base
        np.testing.assert_array_equal(got.keys(np.arange(k)), whole.keys(np.arange(k)))
