"""Stage C: sanctions and enforcement.

In: per trial the climate factor Z, each scheme's member count by year (from adoption), the compiled
designation parameters, and the cover shares (from the market stage) for detentions.
Out: per (trial, year) whether each Western bloc has designated each scheme, the designated share of
shadow tonnage (and, from an initial share of 0, of the Western-insured tonnage on sanctioned trades,
which the market stage moves out of Western cover), and the count of detentions at enforcing zones.

Mechanisms (MODEL.md section 5), kept lean (12b): a bloc designates a scheme with a yearly hazard that
rises with Z and with the scheme's size, and a designation stays; the designated share of shadow tonnage
grows by a yearly hazard that rises with Z (designated tonnage cannot hold Western cover, and its
payments are exposed to every Western bloc's sanctions); vessels without cover the zone accepts, or
designated, are detained with a probability per vessel-year scaled by the zone's inspection intensity.
Blocked payments themselves are applied where payments are made (the waterfall and the contracts).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from riskmodel.engine.random import Stream, generator, key_of, uniforms_by_year

__all__ = ["BLOCS", "designated_share", "detentions", "poisson_quantile", "scheme_designations"]

BLOCS = ("EU", "UK", "US")


def scheme_designations(
    seed: int,
    block: int,
    block_trials: int,
    scheme_id: str,
    z: np.ndarray,
    extra_members: np.ndarray,
    active: np.ndarray,
    hazards: np.ndarray,
    z_loading: float,
    size_loading: float,
) -> np.ndarray:
    """Whether each bloc has designated the scheme by each year: bool (n_trials, n_years, n_blocs).

    `extra_members` (n_trials, n_years): members beyond the founders; `active` (n_years,) bool: the
    scheme exists that year; `hazards` (n_blocs,) the base yearly hazards.
    """
    n_trials, n_years = extra_members.shape
    rng = generator(seed, Stream.DESIGNATION, block, key_of(scheme_id))
    u = uniforms_by_year(rng, block_trials, n_years, n_trials, len(BLOCS))
    scale = np.exp(z_loading * z)[:, None, None] * (1.0 + size_loading * extra_members)[:, :, None]
    hazard = np.clip(hazards[None, None, :] * scale, 0.0, 1.0)
    event = (u < hazard) & active[None, :, None]
    return np.logical_or.accumulate(event, axis=1)


def designated_share(
    z: np.ndarray, n_years: int, initial_share: float, hazard: float, z_loading: float
) -> np.ndarray:
    """Cumulative designated share of shadow tonnage by year: 1 − (1 − D0)(1 − h e^{kZ})^(y+1).

    >>> designated_share(np.zeros(1), 2, 0.5, 0.5, 0.0).round(3).tolist()
    [[0.75, 0.875]]
    """
    h = np.clip(hazard * np.exp(z_loading * z), 0.0, 1.0)
    years = np.arange(1, n_years + 1)
    return 1.0 - (1.0 - initial_share) * (1.0 - h[:, None]) ** years[None, :]


def detentions(
    seed: int,
    block: int,
    block_trials: int,
    exposed_vessel_years: np.ndarray,
    intensity: np.ndarray,
    detention_probability: float,
) -> np.ndarray:
    """Detentions per (trial, year): Poisson with mean Σ_zone exposed vessel-years × intensity × p.

    `exposed_vessel_years` (n_trials, n_years, n_zones): vessel-years without cover the zone accepts,
    or designated; `intensity` (n_zones,) the inspection intensity. One uniform per (trial, year) of the
    block, inverted through the Poisson distribution, so a trial's count depends on its own mean only
    (common random numbers: scenarios that differ elsewhere keep every other trial's count).
    """
    n_trials, n_years, _ = exposed_vessel_years.shape
    mean = detention_probability * np.einsum("nyz,z->ny", exposed_vessel_years, intensity)
    u = uniforms_by_year(generator(seed, Stream.DETENTION, block), block_trials, n_years, n_trials)
    return poisson_quantile(u, mean)


#: `poisson_quantile` sums the distribution term by term for means up to this; larger ones (where e^-mean
#: would lose precision or underflow, and the sum take many terms) go to scipy.
_TERM_BY_TERM_MEAN = 100.0


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The smallest k ≥ 0 with P(K ≤ k) ≥ u for K ~ Poisson(mean), elementwise (int64).

    The distribution is summed term by term, a vectorised step per count, on the cells still short of
    their uniform, about 15 times faster than `scipy.stats.poisson.ppf`. The counts are scipy's (the
    tests check it) except where a uniform lies within rounding (about 1e-15) of a step of the
    distribution.

    >>> poisson_quantile(np.array([0.0, 0.3, 0.5, 0.99]), np.array([2.0, 2.0, 2.0, 2.0])).tolist()
    [0, 1, 2, 6]
    """
    u, mean = np.broadcast_arrays(np.asarray(u, dtype=np.float64), np.asarray(mean, dtype=np.float64))
    k = np.zeros(u.shape, dtype=np.int64)
    flat_u, flat_mean, flat_k = u.ravel(), mean.ravel(), k.reshape(-1)
    big = flat_mean > _TERM_BY_TERM_MEAN
    if big.any():
        flat_k[big] = _scipy_quantile(flat_u[big], flat_mean[big])
    todo = np.flatnonzero(~big)
    lam, v = flat_mean[todo], flat_u[todo]
    pmf = np.exp(-lam)
    cdf = pmf.copy()
    count = 0
    while todo.size:
        short = v > cdf
        todo, lam, v, pmf, cdf = todo[short], lam[short], v[short], pmf[short], cdf[short]
        count += 1
        flat_k[todo] = count
        pmf = pmf * (lam / count)
        cdf = cdf + pmf
        if count > 10 * _TERM_BY_TERM_MEAN:  # (a uniform above the distribution's rounded total)
            flat_k[todo] = _scipy_quantile(v, lam)
            break
    return k


def _scipy_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """`scipy.stats.poisson.ppf` as counts (its -1 for a uniform of 0 read as 0)."""
    return np.maximum(stats.poisson.ppf(u, mean), 0.0).astype(np.int64)
