"""Stage D: incidents, drawn from a scenario-independent candidate event set and thinned per scenario.

In: a `CandidatePlan` compiled from the world data only (strata of trade × segment × zone × incident
type with their envelope rates), the run's seed, a trial block and a year; then, per scenario, the cover
shares of the market stage and the class rate factors.
Out: `Candidates` (per candidate: trial, stratum, time and a fixed row of keyed uniforms) and, after
thinning, the indices of the candidates that are real events together with their P&I class.

Why candidates (MODEL.md section 6): every scenario sees the same candidates with the same uniforms. A
candidate's class is found by comparing its class uniform with that trial-year's cover shares, and it is
real with probability rate(class) / envelope rate. Events common to two scenarios are identical (common
random numbers), the cost is proportional to candidates (not vessels × trials), and the candidate set
can be cached across a sweep. The envelope uses `CLASS_FACTOR_MAX`, the schema's bound on class factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine.random import Stream, generator

__all__ = ["U", "N_UNIFORMS", "CandidatePlan", "Candidates", "draw_candidates", "thin_candidates"]


class U:
    """Columns of each candidate's fixed row of uniforms. Append only: never renumber."""

    TIME = 0
    CLASS = 1
    THIN = 2
    LADEN = 3
    CAUSE = 4
    SPILL = 5
    SPILL_SIZE = 6
    DAMAGE = 7
    COAST = 8
    TOTAL_LOSS = 9
    HULL_FRACTION = 10
    WRECK = 11
    COUNTERPARTY = 12
    BLAME = 13
    COUNTERPARTY_IG = 14
    INFRASTRUCTURE = 15
    PAYS = 16
    DESIGNATED = 17
    LICENCE = 18
    FLAG = 19
    CREW = 20
    STRATUM = 21


N_UNIFORMS = 22


@dataclass(frozen=True)
class CandidatePlan:
    """Strata of the envelope and what the scenario needs to thin them; world data only."""

    trade: np.ndarray  # int64 (n_strata,)
    segment: np.ndarray  # int64 (n_strata,)
    zone: np.ndarray  # int64 (n_strata,)
    itype: np.ndarray  # int64 (n_strata,)
    envelope_rate: np.ndarray  # float64 (n_strata,): expected candidates per trial-year
    cumulative: np.ndarray  # float64 (n_strata,): cumulative share of the envelope rate, last = 1
    max_factor: np.ndarray  # float64 (n_strata,): class × age factor of the envelope

    @property
    def total_rate(self) -> float:
        return float(self.envelope_rate.sum())


@dataclass(frozen=True)
class Candidates:
    """Candidate events of one trial block and one year, in draw order."""

    trial: np.ndarray  # int64: trial index within the block
    stratum: np.ndarray  # int64
    u: np.ndarray  # float64 (n, N_UNIFORMS)

    @property
    def size(self) -> int:
        return int(self.trial.size)


def draw_candidates(plan: CandidatePlan, seed: int, block: int, year: int, block_trials: int) -> Candidates:
    """One Poisson count per trial at the envelope rate, then each candidate's stratum and uniforms.

    The stratum is found from a uniform by `searchsorted` on the cumulative envelope weights, which
    depend only on the world data, so every scenario sees the same candidates.
    """
    rng = generator(seed, Stream.CANDIDATES, block, year)
    counts = rng.poisson(plan.total_rate, block_trials)
    n = int(counts.sum())
    u = rng.random((n, N_UNIFORMS))
    trial = np.repeat(np.arange(block_trials, dtype=np.int64), counts)
    stratum = np.searchsorted(plan.cumulative, u[:, U.STRATUM], side="right")
    np.minimum(stratum, plan.cumulative.size - 1, out=stratum)
    return Candidates(trial=trial, stratum=stratum, u=u)


def thin_candidates(
    plan: CandidatePlan,
    cand: Candidates,
    cum_shares: np.ndarray,
    class_factor: np.ndarray,
    age_factor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates are real events in this scenario, and their P&I class.

    `cum_shares` (n_trials_in_block, n_trades, n_classes) are the cumulative cover shares of the
    candidate's year; `class_factor` (n_classes,) and `age_factor` (n_trades, n_classes) the rate
    factors. Returns (indices of real events, their class).
    """
    trade = plan.trade[cand.stratum]
    cum = cum_shares[cand.trial, trade]  # (n, n_classes)
    cls = (cand.u[:, U.CLASS, None] >= cum[:, :-1]).sum(axis=1)
    factor = class_factor[cls] * age_factor[trade, cls]
    keep = cand.u[:, U.THIN] * plan.max_factor[cand.stratum] < factor
    idx = np.flatnonzero(keep)
    return idx, cls[idx]
