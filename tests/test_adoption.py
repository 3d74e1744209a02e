"""Stage A: the one-factor Gaussian copula of joining, against exact values.

Tolerances are 3 Monte Carlo standard errors of a binomial proportion: √(p(1 − p)/n).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from riskmodel.adoption import AdoptionPlan, cumulative_join_probability, draw_latents, join_years

N = 200_000


def _plan(
    cum: list[np.ndarray], rho: float, conditions: list[list[int]] | None = None, scheme=None, states=None
):
    n_slots = len(cum)
    max_c = max((len(c) for c in conditions), default=0) if conditions else 0
    cond = np.full((n_slots, max_c), -1, dtype=np.int64)
    for i, cs in enumerate(conditions or []):
        cond[i, : len(cs)] = cs
    return AdoptionPlan(
        n_years=len(cum[0]),
        scheme_of_slot=np.array(scheme if scheme is not None else [0] * n_slots),
        state_of_slot=np.array(states if states is not None else list(range(n_slots))),
        cum_prob=np.array(cum),
        conditions=cond,
        rho=np.array([rho] * (max(scheme) + 1 if scheme is not None else 1)),
    )


def _latents(plan: AdoptionPlan, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    zs, es = [], []
    for block in range(N // 4096 + 1):
        z, e = draw_latents(seed, block, 4096, plan.state_of_slot)
        zs.append(z)
        es.append(e)
    return np.concatenate(zs)[:N], np.concatenate(es)[:N]


def test_constant_hazard_profile():
    """p = 0.6 by 2030 from 2026 (n = 5 years): h = 1 − 0.4^(1/5); F(2030) = 0.6 exactly."""
    f = cumulative_join_probability(
        horizon_start=2026, n_years=7, scheme_start=2026, p_join=0.6, by_year=2030
    )
    h = 1 - 0.4 ** (1 / 5)
    assert f[4] == pytest.approx(0.6, abs=1e-12)
    assert f[0] == pytest.approx(h)
    assert f[6] == pytest.approx(1 - (1 - h) ** 7)  # the hazard continues past by_year


def test_earliest_year_and_schedule():
    f = cumulative_join_probability(
        horizon_start=2026, n_years=5, scheme_start=2026, p_join=0.5, by_year=2029, earliest_year=2028
    )
    assert f[:2].tolist() == [0.0, 0.0]
    assert f[3] == pytest.approx(0.5)
    g = cumulative_join_probability(
        horizon_start=2026, n_years=5, scheme_start=2026, schedule={2027: 0.2, 2029: 0.5}
    )
    assert g.tolist() == [0.0, 0.2, 0.2, 0.5, 0.5]


def test_marginals_match_the_scenario():
    """Candidates without conditions join by each year with exactly F(y), within 3 binomial SEs."""
    cums = [
        cumulative_join_probability(horizon_start=2026, n_years=5, scheme_start=2026, p_join=p, by_year=2030)
        for p in (0.6, 0.3, 0.05)
    ]
    plan = _plan(cums, rho=0.4)
    jy = join_years(plan, *_latents(plan))
    for i, f in enumerate(cums):
        for y in range(5):
            p_hat = (jy[:, i] <= y).mean()
            se = np.sqrt(f[y] * (1 - f[y]) / N)
            assert abs(p_hat - f[y]) <= 3 * se + 1e-12, (i, y, p_hat, f[y])


@pytest.mark.parametrize("rho", [0.0, 0.4, 0.8])
def test_joint_probability_is_the_bivariate_normal(rho):
    """P(both joined by the last year) = Φ₂(Φ⁻¹p₁, Φ⁻¹p₂; ρ) exactly for the one-factor copula."""
    p1, p2 = 0.6, 0.3
    cums = [np.array([p1]), np.array([p2])]
    plan = _plan(cums, rho=rho)
    jy = join_years(plan, *_latents(plan, seed=5))
    both = ((jy[:, 0] <= 0) & (jy[:, 1] <= 0)).mean()
    exact = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([norm.ppf(p1), norm.ppf(p2)])
    se = np.sqrt(exact * (1 - exact) / N)
    assert abs(both - exact) <= 3 * se
    if rho > 0:
        assert both > p1 * p2 + 3 * se  # dependence is visible


def test_high_climate_factor_means_more_joins():
    """Sign convention: a high Z (escalation) makes joining earlier, in every slot."""
    plan = _plan([np.array([0.3, 0.5, 0.6])], rho=0.5)
    z = np.array([-2.0, 0.0, 2.0])
    eps = np.zeros((3, 1))
    jy = join_years(plan, z, eps)[:, 0]
    assert jy[2] <= jy[1] <= jy[0]
    assert jy[2] < jy[0]


def test_condition_gates_joining():
    """A state that waits for another joins in the first year both its threshold is passed and the other
    is a member, so its realised marginal is below its own p, and it never joins before the other."""
    f = cumulative_join_probability(
        horizon_start=2026, n_years=5, scheme_start=2026, p_join=0.7, by_year=2030
    )
    g = cumulative_join_probability(
        horizon_start=2026, n_years=5, scheme_start=2026, p_join=0.4, by_year=2030
    )
    plan = _plan([g, f], rho=0.3, conditions=[[], [0]])
    jy = join_years(plan, *_latents(plan, seed=3))
    assert np.all(jy[:, 1] >= np.minimum(jy[:, 0], plan.never))
    realised = (jy[:, 1] <= 4).mean()
    assert realised < f[4] - 3 * np.sqrt(f[4] * (1 - f[4]) / N)
    assert realised <= (jy[:, 0] <= 4).mean()


def test_a_state_joins_at_most_one_scheme():
    """The same state as candidate of two schemes: it keeps the earlier join (ties: the first scheme)."""
    f = np.array([0.5, 0.6, 0.7, 0.8, 0.9])
    plan = _plan([f, f], rho=0.2, scheme=[0, 1], states=[7, 7])
    jy = join_years(plan, *_latents(plan))
    joined_both = (jy[:, 0] < plan.never) & (jy[:, 1] < plan.never)
    assert not joined_both.any()
    # identical profiles and the same ε: a tie every time, so scheme 0 wins
    assert (jy[:, 1] == plan.never).all()
    assert (jy[:, 0] <= 4).mean() == pytest.approx(f[4], abs=3 * np.sqrt(0.09 / N))


def test_a_condition_that_joins_another_scheme_keeps_its_dependants_out():
    """State X is a candidate of schemes A (own year 2) and B (own year 1); Y, in A, waits for X. X joins
    B in year 1, so it never joins A, and Y never joins A either (settling the conditions before the
    one-scheme rule let Y in at year 2). Without B, Y joins with X in year 2."""
    never = 4
    cum = [[0, 0, 1, 1], [1, 1, 1, 1], [0, 1, 1, 1]]
    plan = _plan(
        [np.array(c, float) for c in cum],
        rho=0.0,
        conditions=[[], [0], []],
        scheme=[0, 0, 1],
        states=[10, 11, 10],
    )
    z, eps = np.zeros(2), np.zeros((2, 3))
    np.testing.assert_array_equal(join_years(plan, z, eps)[0], [never, never, 1])
    alone = _plan([np.array(c, float) for c in cum[:2]], rho=0.0, conditions=[[], [0]], states=[10, 11])
    np.testing.assert_array_equal(join_years(alone, z, eps[:, :2])[0], [2, 2])


def test_joins_respect_own_years_conditions_and_one_scheme_per_state():
    """Random plans (two schemes sharing states, conditions within a scheme): every slot joins no earlier
    than its own threshold and its conditions, no state joins twice, and a slot that could join (its own
    year passed, conditions members, its state free) does join in that year."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        n_years, n_slots = 5, 6
        cum = np.sort(rng.uniform(0, 1, (n_slots, n_years)), axis=1)
        scheme = [0, 0, 0, 1, 1, 1]
        states = [*rng.permutation([1, 2, 3]).tolist(), *rng.permutation([1, 2, 3]).tolist()]  # once a scheme
        conditions = [[int(rng.integers(0, 3))] if k in (1, 2) else [] for k in range(3)]
        conditions += [[3 + int(rng.integers(0, 3))] if k in (4, 5) else [] for k in range(3, 6)]
        conditions = [[] if c and c[0] == k else c for k, c in enumerate(conditions)]
        plan = _plan(list(cum), rho=0.3, conditions=conditions, scheme=scheme, states=states)
        z, eps = draw_latents(7, 0, 4096, plan.state_of_slot)
        jy = join_years(plan, z, eps)
        own = np.where(
            (cum[None] > norm.cdf(-(np.sqrt(0.3) * z[:, None] + np.sqrt(0.7) * eps))[:, :, None]).any(2),
            (cum[None] > norm.cdf(-(np.sqrt(0.3) * z[:, None] + np.sqrt(0.7) * eps))[:, :, None]).argmax(2),
            n_years,
        )
        joined = jy < n_years
        assert (jy[joined] >= own[joined]).all()
        for k, cs in enumerate(conditions):
            for c in cs:
                assert (jy[joined[:, k], c] <= jy[joined[:, k], k]).all()
        for s in set(states):
            slots = [k for k in range(n_slots) if states[k] == s]
            assert (joined[:, slots].sum(axis=1) <= 1).all()
        # and no slot stays out, or joins late, while it could have joined
        for k in range(n_slots):
            other = [j for j in range(n_slots) if states[j] == states[k] and j != k]
            for y in range(n_years):
                could = own[:, k] <= y
                for c in conditions[k]:
                    could &= jy[:, c] <= y
                for (
                    j
                ) in other:  # the state is taken by an earlier join, or the same year in an earlier scheme
                    could &= ~((jy[:, j] < y) | ((jy[:, j] == y) & (j < k)))
                assert (jy[could, k] <= y).all()
