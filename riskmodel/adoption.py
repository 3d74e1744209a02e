"""Stage A: which states join which alternative insurance scheme, and when.

In: an `AdoptionPlan` compiled from the scenario's schemes (one *slot* per founder or candidate state of a
scheme: its cumulative join probability by horizon year, its conditions, the scheme's correlation), and
per trial the common geopolitical factor Z and an idiosyncratic normal per state.
Out: the horizon-year index in which each slot's state joins (`NEVER` when it does not join within the
horizon); membership by year follows as `join_year <= year`.

Model (MODEL.md section 3): a one-factor Gaussian copula. State i's latent is
X_i = √ρ Z + √(1−ρ) ε_i, and it passes its own threshold in the first year y with F_i(y) > Φ(−X_i), so
a high X_i (a high Z: escalation) joins early and P(passed by y) = F_i(y) exactly. A condition gates: the
state joins in the first year in which its own threshold is passed and every state it depends on is a
member (joining in the same year counts). A state joins at most one scheme: the one it would join first
(ties go to the scheme listed first). Joins are settled year by year and scheme by scheme, so a state
waiting for one that joined another scheme instead does not join.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from riskmodel.engine.random import Stream, generator

#: Sentinel join year meaning "not within the horizon"; set per plan to the number of horizon years.
__all__ = ["AdoptionPlan", "cumulative_join_probability", "draw_latents", "join_years", "members"]


@dataclass(frozen=True)
class AdoptionPlan:
    """Compiled adoption inputs: plain arrays, one row per (scheme, state) slot."""

    n_years: int
    scheme_of_slot: np.ndarray  # int64 (n_slots,): index of the slot's scheme
    state_of_slot: np.ndarray  # int64 (n_slots,): index of the slot's state in the world states table
    cum_prob: np.ndarray  # float64 (n_slots, n_years): P(own threshold passed by horizon year y)
    conditions: np.ndarray  # int64 (n_slots, max_conditions): slot indices the state waits for; -1 pads
    rho: np.ndarray  # float64 (n_schemes,): copula correlation of each scheme

    @property
    def never(self) -> int:
        return self.n_years

    @property
    def n_slots(self) -> int:
        return int(self.scheme_of_slot.size)


def cumulative_join_probability(
    *,
    horizon_start: int,
    n_years: int,
    scheme_start: int,
    founder: bool = False,
    p_join: float | None = None,
    by_year: int | None = None,
    earliest_year: int | None = None,
    schedule: dict[int, float] | None = None,
) -> np.ndarray:
    """F(y): the probability that a state has passed its own joining threshold by each horizon year.

    Founders are members from the scheme's start year. A candidate with `p_join` by `by_year` gets a
    constant yearly hazard h = 1 − (1 − p)^(1/n) over the n years from its earliest year to `by_year`
    (both included), continued past `by_year`; an explicit `schedule` gives F at listed years and holds
    the last value until the next.

    >>> cumulative_join_probability(horizon_start=2026, n_years=5, scheme_start=2026,
    ...                             p_join=0.75, by_year=2027).round(4).tolist()
    [0.5, 0.75, 0.875, 0.9375, 0.9688]
    """
    years = horizon_start + np.arange(n_years)
    start = max(scheme_start, earliest_year or scheme_start)
    if founder:
        return (years >= scheme_start).astype(np.float64)
    if schedule is not None:
        out = np.zeros(n_years)
        for year in sorted(schedule):
            out[years >= year] = schedule[year]
        out[years < start] = 0.0
        return out
    if p_join is None or by_year is None:
        raise ValueError("a candidate needs p_join and by_year, or a schedule")
    n = by_year - start + 1
    if n <= 0:
        return np.where(years >= start, p_join, 0.0).astype(np.float64)
    hazard = 1.0 - (1.0 - p_join) ** (1.0 / n)
    elapsed = np.clip(years - start + 1, 0, None)
    return 1.0 - (1.0 - hazard) ** elapsed


def draw_latents(seed: int, block: int, n_trials: int, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Z per trial and ε per (trial, state) for one block; ε is keyed by the state's world index, so
    adding a candidate to a scheme does not move any other state's draw."""
    z = generator(seed, Stream.CLIMATE, block).standard_normal(n_trials)
    eps = np.empty((n_trials, states.size))
    for j, state in enumerate(states):
        eps[:, j] = generator(seed, Stream.ADOPTION, block, int(state)).standard_normal(n_trials)
    return z, eps


def join_years(plan: AdoptionPlan, z: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """Horizon-year index in which each slot's state joins, `plan.never` if not within the horizon.

    `z` has shape (n_trials,), `eps` (n_trials, n_slots) (the ε of each slot's state).
    Returns int64 (n_trials, n_slots).
    """
    never = plan.never
    n_trials = z.size
    if plan.n_slots == 0:
        return np.empty((n_trials, 0), dtype=np.int64)
    rho = plan.rho[plan.scheme_of_slot]
    latent = np.sqrt(rho) * z[:, None] + np.sqrt(1.0 - rho) * eps
    threshold = ndtr(-latent)  # uniform in (0, 1); small when the latent is high
    # own year: the first y with F(y) > threshold (F is non-decreasing in y)
    passed = plan.cum_prob[None, :, :] > threshold[:, :, None]
    own = np.where(passed.any(axis=2), passed.argmax(axis=2), never).astype(np.int64)

    if not plan.conditions.size and np.unique(plan.state_of_slot).size == plan.n_slots:
        return own  # no conditions and no state in two schemes: each slot joins in its own year
    # Year by year, scheme by scheme in scenario order: a slot joins in year y when its own threshold is
    # passed by y, every condition (a slot of the same scheme) is a member by y (joining in the same year
    # counts: rounds within the year), and its state has not joined another scheme (in one year the scheme
    # listed first wins). A condition that joins another scheme instead never lets its dependants in.
    year = np.full((n_trials, plan.n_slots), never, dtype=np.int64)
    _, state = np.unique(plan.state_of_slot, return_inverse=True)
    taken = np.zeros((n_trials, int(state.max()) + 1), dtype=bool)
    cond = plan.conditions
    schemes = [np.flatnonzero(plan.scheme_of_slot == s) for s in np.unique(plan.scheme_of_slot)]
    for y in range(never):
        for slots in schemes:
            c = np.clip(cond[slots], 0, None) if cond.size else None
            rows: np.ndarray | None = None  # later rounds look only at the trials where someone just joined
            for _ in range(slots.size):  # a chain of conditions settles in at most as many rounds
                yr, ow, tk = (year, own, taken) if rows is None else (year[rows], own[rows], taken[rows])
                ready = (ow[:, slots] <= y) & (yr[:, slots] == never) & ~tk[:, state[slots]]
                if c is not None:
                    ready &= ((yr[:, c] <= y) | (cond[slots] < 0)).all(axis=2)
                r, k = np.nonzero(ready)
                if not r.size:
                    break
                r = r if rows is None else rows[r]
                year[r, slots[k]] = y
                taken[r, state[slots[k]]] = True
                rows = np.unique(r)
    return year


def members(join_year: np.ndarray, n_years: int) -> np.ndarray:
    """Membership by year: bool (n_trials, n_slots, n_years), True when the state is a member in year y."""
    return join_year[:, :, None] <= np.arange(n_years)[None, None, :]
