"""Stage D against plain references: the stratum lookup and the thinning of candidates.

The engine looks strata up with a guide table and thins candidates in pieces of `incidents.PIECE`; both
must give exactly what the plain definitions give (a `searchsorted`; every candidate compared with its
whole row of cumulative shares, and with the scheme's slot at the top of its base class), whatever the
piece size. The thinning's rate is also checked against the Poisson law of the kept events, class by class.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskmodel import incidents
from riskmodel.incidents import CandidatePlan, class_cuts, draw_candidates, thin_candidates

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
    idx, cls = thin_candidates(plan, cand, np.moveaxis(cum, -1, 0), class_factor, age_factor)
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
    _, cls = thin_candidates(plan, cand, np.moveaxis(cum, -1, 0), class_factor, age_factor)
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


N_BASE, N_SCHEMES = 4, 2


def _uptake(
    rng: np.random.Generator, n_rows: int, takers: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A market's shares of one year, as `cover_shares` leaves them for the class draw: `before` (4,
    n_rows, trades), each base class's share before the uptake (some absent); `taken` (the same shape),
    what the schemes took from it; and `takers` (n_rows, trades), the one scheme taking each row's trade
    (−1: none, and nothing taken), drawn unless given. A taker takes from some classes, trades or rows only
    (some of its takes are nothing)."""
    before = rng.random((N_BASE, n_rows, N_TRADES)) * (rng.random((N_BASE, n_rows, N_TRADES)) < 0.8)
    before[0] += 1e-3
    before /= before.sum(axis=0)
    if takers is None:
        takers = rng.integers(-1, N_SCHEMES, (n_rows, N_TRADES))
    taken = before * rng.random(before.shape) * (rng.random(before.shape) < 0.6) * (takers >= 0)
    return before, taken, takers


def _class_of(u: float, before: np.ndarray, taken: np.ndarray, taker: int) -> int:
    """The plain rule for one candidate (its trial and trade's shares (4,) and taker): its base class is
    the number of the cumulative shares before the uptake, but the last, at or below u; the taker's class
    instead if u is in the take's slot at the top of the base class, [its upper end − the take, ...)."""
    hi = np.cumsum(before)
    c = int(np.sum(hi[:-1] <= u))
    if taken[c] > 0 and hi[c] - taken[c] <= u:
        return N_BASE + taker
    return c


@pytest.mark.parametrize("piece", [13, 1 << 18])
def test_thinning_with_schemes_is_the_plain_rule(monkeypatch, piece):
    """Every candidate against the plain rule (`_class_of`) and its class's factor, some class uniforms
    exactly on a base class's upper end or a scheme's slot's lower end (a cut at or below the uniform
    counts). No scheme takes any of trade 0's tonnage: its candidates skip the scheme cuts (the look-up is
    only on trades a scheme took from), and keep their base class."""
    rng = np.random.default_rng(16)
    plan = _plan(rng)
    monkeypatch.setattr(incidents, "PIECE", piece)
    n_rows = 50
    cand = draw_candidates(plan, seed=6, block=0, year=0, block_trials=64)
    takers = rng.integers(-1, N_SCHEMES, (n_rows, N_TRADES))
    takers[:, 0] = -1
    before, taken, takers = _uptake(rng, n_rows, takers)
    cum, scheme_cuts = class_cuts(before, taken)
    assert scheme_cuts is not None
    assert np.isinf(scheme_cuts[:, :, 0]).all() and np.isfinite(scheme_cuts[:, :, 1:]).any()
    inside = np.flatnonzero(cand.trial < n_rows)
    rows, trades = cand.trial[inside], plan.trade[cand.stratum[inside]]
    on_cut = rng.choice(inside.size, 400, replace=False)
    base = rng.integers(0, N_BASE, on_cut.size)
    scheme_cut = scheme_cuts[base, rows[on_cut], trades[on_cut]]
    on_scheme = np.isfinite(scheme_cut)
    cand.u_class[inside[on_cut[~on_scheme]]] = cum[base, rows[on_cut], trades[on_cut]][~on_scheme]
    cand.u_class[inside[on_cut[on_scheme]]] = scheme_cut[on_scheme]
    assert on_scheme.sum() > 50
    class_factor = np.array([1.0, 1.2, 1.8, 3.0, 0.5, 2.0])
    age_factor = rng.uniform(0.6, 1.0, (N_TRADES, N_BASE + N_SCHEMES))
    idx, cls = thin_candidates(plan, cand, cum, class_factor, age_factor, scheme_cuts, takers)
    ref_idx, ref_cls = [], []
    for i in inside:
        t, r = plan.trade[cand.stratum[i]], cand.trial[i]
        c = _class_of(cand.u_class[i], before[:, r, t], taken[:, r, t], takers[r, t])
        if cand.u_thin[i] * plan.max_factor[cand.stratum[i]] < class_factor[c] * age_factor[t, c]:
            ref_idx.append(i)
            ref_cls.append(c)
    assert len(ref_idx) > 100 and set(ref_cls) == set(range(N_BASE + N_SCHEMES))
    assert np.sum(plan.trade[cand.stratum[ref_idx]] == 0) > 20  # (trade 0's events, on the skip path)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(cls, ref_cls)


def test_kept_events_with_schemes_follow_their_classes_shares():
    """With each trade's take at the top of its base classes, in the slot of the scheme taking the trade
    (scheme 0 the first trade's, scheme 1 the others'), each class's events are Poisson at its own share of
    the market (a base class: its share before the uptake less what was taken; a scheme: its takes from
    every class of its trades): per class, mean Σ_s rate_s × share_c(trade) × factor_c / envelope_s a
    trial, the count over n trials within 4 standard errors (√ of n × mean) of n × mean."""
    rng = np.random.default_rng(17)
    plan = _plan(rng)
    n = 20_000
    before, taken, takers = _uptake(rng, 1, np.array([[0] + [1] * (N_TRADES - 1)]))
    cum, scheme_cuts = class_cuts(before, taken)
    assert scheme_cuts is not None
    kept, took = before[:, 0].T - taken[:, 0].T, taken[:, 0].sum(axis=0)  # (trades, 4), (trades,)
    by_scheme = np.where(takers[0][:, None] == np.arange(N_SCHEMES), took[:, None], 0.0)
    shares = np.concatenate([kept, by_scheme], axis=-1)  # (trades, 4 + 2): what each class holds
    np.testing.assert_allclose(shares.sum(axis=-1), 1.0, rtol=1e-12)
    class_factor = np.array([1.0, 1.2, 1.8, 2.2, 1.6, 0.9])
    age_factor = rng.uniform(0.6, 1.0, (N_TRADES, N_BASE + N_SCHEMES))
    cand = draw_candidates(plan, seed=10, block=0, year=0, block_trials=n)
    _, cls = thin_candidates(
        plan,
        cand,
        np.broadcast_to(cum, (N_BASE, n, N_TRADES)),
        class_factor,
        age_factor,
        np.broadcast_to(scheme_cuts, (N_BASE, n, N_TRADES)),
        np.broadcast_to(takers, (n, N_TRADES)),
    )
    for c in range(N_BASE + N_SCHEMES):
        mean = np.sum(
            plan.envelope_rate
            * shares[plan.trade, c]
            * class_factor[c]
            * age_factor[plan.trade, c]
            / plan.max_factor
        )
        count = np.sum(cls == c)
        se = np.sqrt(mean * n)
        assert n * mean > 1000, c  # (every class holds enough tonnage for the check to mean something)
        assert abs(count - n * mean) < 4 * se, (c, count, n * mean)


def test_scheme_cuts_need_their_takers():
    rng = np.random.default_rng(18)
    plan = _plan(rng)
    before, taken, _ = _uptake(rng, 4)
    cum, scheme_cuts = class_cuts(before, taken)
    cand = draw_candidates(plan, seed=6, block=0, year=0, block_trials=4)
    with pytest.raises(ValueError, match=r"scheme_cuts need their takers \(market.scheme_takers\)"):
        thin_candidates(plan, cand, cum, np.ones(6), np.ones((N_TRADES, 6)), scheme_cuts)


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
