"""Stage E: what an incident costs, by damage component (USD m, 2025 money).

In: the real events' attributes (type, segment, zone, coastal state, trade's oil type and laden share)
and their fixed rows of keyed uniforms (`incidents.U`), and `SeverityParams` compiled from the world
data. Out: `Damage`, one array per component: pollution (admissible under IOPC criteria), statutory
environmental damage, wreck removal, own hull, collision counterparty's hull and blame, infrastructure,
crew and other P&I heads, plus whether the event spilled, its size in tonnes and its cause.

Forms (MODEL.md section 7): a spill ≥ 7 t happens with a probability by type and laden state; its size
is lognormal truncated below at 7 t and capped by the oil on board (cargo when laden, bunkers when not);
pollution damage D = c_zone × 1000 × (V/1000)^b × oil factor × ε with ε lognormal of median 1. Every
lognormal here is parameterised by its median and σ, drawn by inversion of the candidate's uniform so
that scenarios share draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from riskmodel.incidents import EventUniforms, U
from riskmodel.liability import CAUSE_MARINE, CAUSE_SABOTAGE, CAUSE_WAR

__all__ = [
    "MIN_SPILL_T",
    "Damage",
    "SeverityParams",
    "event_damage",
    "p_spill_above",
    "pollution_damage_usd_m",
    "spill_size_t",
]

MIN_SPILL_T = 7.0  # ITOPF's lower bound of a counted spill


@dataclass(frozen=True)
class SeverityParams:
    """Severity parameters, compiled from `world/data/severity.yaml` and the type and zone tables."""

    p_spill_laden: np.ndarray  # (n_types,)
    p_spill_ballast: np.ndarray  # (n_types,)
    cause_war: np.ndarray  # (n_types,) share of events with a war cause
    cause_sabotage: np.ndarray  # (n_types,)
    p_total_loss: np.ndarray  # (n_types,)
    spill_median_t: float
    spill_sigma: float
    damage_exponent: float
    damage_sigma: float
    cost_per_t_usd: np.ndarray  # (n_zones,) c_zone: USD per tonne at a 1,000 t spill
    oil_factor: np.ndarray  # (n_oil_types,)
    bunker_oil_type: int  # index into oil_factor of bunker fuel (heavy fuel oil): what a ballast spill is
    statutory_multiple: float
    partial_min: float
    partial_max: float
    wreck_usd_per_gt: float  # median wreck removal cost per GT
    wreck_sigma: float
    wreck_zone_factor: np.ndarray  # (n_zones,) multiplies the median; 0 where no removal is ordered
    counterparty_hull_median_usd_m: float
    counterparty_hull_sigma: float
    blame_min: float
    blame_max: float
    p_counterparty_ig: float
    infrastructure_median_usd_m: float
    infrastructure_sigma: float
    infrastructure_cap_usd_m: float
    crew_median_usd_m: float
    crew_sigma: float
    war_crew_median_usd_m: float
    war_crew_sigma: float
    is_collision: np.ndarray  # (n_types,) bool
    is_infrastructure: np.ndarray  # (n_types,) bool
    is_seizure: np.ndarray  # (n_types,) bool
    seizure_hull_fraction: float  # detention costs and loss of use, share of hull value


@dataclass
class Damage:
    cause: np.ndarray
    spilled: np.ndarray
    spill_t: np.ndarray
    pollution: np.ndarray
    statutory: np.ndarray
    wreck: np.ndarray
    hull: np.ndarray
    total_loss: np.ndarray
    counterparty_hull: np.ndarray
    blame: np.ndarray
    counterparty_ig: np.ndarray
    infrastructure: np.ndarray
    crew: np.ndarray


def _lognormal(u: np.ndarray, median: float | np.ndarray, sigma: float) -> np.ndarray:
    """Lognormal with the given median by inversion of a uniform: median × exp(σ ndtri(u)), with u kept
    inside (0, 1), computed in one array."""
    x = np.clip(u, 1e-12, 1 - 1e-12)
    ndtri(x, out=x)
    x *= sigma
    np.exp(x, out=x)
    x *= median
    return x


def pollution_damage_usd_m(
    spill_t: np.ndarray, cost_per_t_usd: np.ndarray, exponent: float, oil_factor: np.ndarray, eps: np.ndarray
) -> np.ndarray:
    """D = c × 1000 × (V/1000)^b × oil factor × ε, in USD m.

    >>> float(pollution_damage_usd_m(np.array([1000.0]), np.array([1e5]), 0.73, np.array([1.0]),
    ...                              np.array([1.0]))[0])
    100.0
    """
    return cost_per_t_usd * 1000.0 * (spill_t / 1000.0) ** exponent * oil_factor * eps / 1e6


def p_spill_above(threshold_t: float, median_t: float, sigma: float, cap_t: np.ndarray) -> np.ndarray:
    """P(spill size > threshold | a spill ≥ 7 t) for the truncated lognormal capped at `cap_t`.

    >>> float(p_spill_above(7.0, 100.0, 1.0, np.array([1e6]))[0])
    1.0
    """
    f7 = ndtr((np.log(MIN_SPILL_T) - np.log(median_t)) / sigma)
    ft = ndtr((np.log(max(threshold_t, MIN_SPILL_T)) - np.log(median_t)) / sigma)
    p = (1.0 - ft) / (1.0 - f7)
    return np.where(np.asarray(cap_t) > threshold_t, p, 0.0)


def spill_size_t(u: np.ndarray, median_t: float, sigma: float, cap_t: np.ndarray) -> np.ndarray:
    """Spill size: lognormal truncated below at 7 t (by inversion on the truncated range), capped."""
    f7 = ndtr((np.log(MIN_SPILL_T) - np.log(median_t)) / sigma)
    v = median_t * np.exp(sigma * ndtri(np.clip(f7 + u * (1.0 - f7), 1e-12, 1 - 1e-12)))
    return np.minimum(v, np.maximum(cap_t, MIN_SPILL_T))


def event_damage(
    p: SeverityParams,
    u: EventUniforms,
    itype: np.ndarray,
    zone: np.ndarray,
    laden_share: np.ndarray,
    oil_type: np.ndarray,
    oil_cargo: np.ndarray,
    gt: np.ndarray,
    cargo_t: np.ndarray,
    bunker_t: np.ndarray,
    hull_value_usd_m: np.ndarray,
    statutory_state: np.ndarray,
    infrastructure_zone: np.ndarray,
) -> Damage:
    """Damage components of each event from its uniforms (`u[U.X]` gives column X, see `incidents.U`).

    Draws that only some events need (a spill's size and damage, a total loss's wreck removal, a
    collision's counterparty, an infrastructure claim) are computed on those events only: the same values
    as computing them for every event and discarding the rest, since each uniform is a function of the
    event's key and column alone.
    """
    n = itype.size
    n_types = p.p_spill_ballast.size
    # (a choice between two per-type tables is one gather from both stacked, and masked values are set by
    # `np.copyto`: the same values as `np.where`, without its branches on the events' irregular masks)
    cu = u[U.CAUSE]
    cause = np.full(n, CAUSE_MARINE, dtype=np.int64)
    # sabotage below war + sabotage, then war below war: war_p + sabotage ≥ war_p
    np.copyto(cause, CAUSE_SABOTAGE, where=cu < (p.cause_war + p.cause_sabotage).take(itype))
    np.copyto(cause, CAUSE_WAR, where=cu < p.cause_war.take(itype))

    laden = (u[U.LADEN] < laden_share) & oil_cargo  # a chemical or vegoil cargo is not persistent oil
    p_spill = np.concatenate([p.p_spill_ballast, p.p_spill_laden]).take(laden * n_types + itype)
    spilled = u[U.SPILL] < p_spill
    sp = np.flatnonzero(spilled)
    spill_t = np.zeros(n)
    pollution = np.zeros(n)
    statutory = np.zeros(n)
    if sp.size:
        cap = np.where(laden[sp], cargo_t[sp], bunker_t[sp])
        size = spill_size_t(u.column(U.SPILL_SIZE, sp), p.spill_median_t, p.spill_sigma, cap)
        spill_t[sp] = size
        eps = _lognormal(u.column(U.DAMAGE, sp), 1.0, p.damage_sigma)
        zone_sp = zone[sp]
        # a laden spill is cargo; any other is bunker fuel, whatever the trade carries
        spilled_oil = np.where(laden[sp], oil_type[sp], p.bunker_oil_type)
        damage = pollution_damage_usd_m(
            size, p.cost_per_t_usd[zone_sp], p.damage_exponent, p.oil_factor[spilled_oil], eps
        )
        pollution[sp] = damage
        statutory[sp] = np.where(statutory_state[sp], p.statutory_multiple * damage, 0.0)

    total_loss = u[U.TOTAL_LOSS] < p.p_total_loss[itype]
    seizure = p.is_seizure[itype]
    hull = p.partial_min + (p.partial_max - p.partial_min) * u[U.HULL_FRACTION]  # the fraction lost
    np.copyto(hull, 1.0, where=total_loss)
    hull *= hull_value_usd_m
    np.copyto(hull, p.seizure_hull_fraction * hull_value_usd_m, where=seizure)
    wreck = np.zeros(n)
    tl = np.flatnonzero(total_loss & ~seizure)
    if tl.size:
        median = p.wreck_zone_factor[zone[tl]] * p.wreck_usd_per_gt * gt[tl] / 1e6
        wreck[tl] = _lognormal(u.column(U.WRECK, tl), median, p.wreck_sigma)

    counterparty_hull = np.zeros(n)
    blame = np.zeros(n)
    counterparty_ig = np.zeros(n, dtype=bool)
    co = np.flatnonzero(p.is_collision[itype])
    if co.size:
        counterparty_hull[co] = _lognormal(
            u.column(U.COUNTERPARTY, co), p.counterparty_hull_median_usd_m, p.counterparty_hull_sigma
        )
        blame[co] = p.blame_min + (p.blame_max - p.blame_min) * u.column(U.BLAME, co)
        counterparty_ig[co] = u.column(U.COUNTERPARTY_IG, co) < p.p_counterparty_ig

    infrastructure = np.zeros(n)
    ix = np.flatnonzero(p.is_infrastructure[itype] & infrastructure_zone)
    if ix.size:
        u_ix = u.column(U.INFRASTRUCTURE, ix)
        cost = _lognormal(u_ix, p.infrastructure_median_usd_m, p.infrastructure_sigma)
        infrastructure[ix] = np.minimum(cost, p.infrastructure_cap_usd_m)
    # crew: one normal quantile per event, scaled by the war or the marine median and sigma
    war = cause == CAUSE_WAR
    z = np.clip(u[U.CREW], 1e-12, 1 - 1e-12)
    ndtri(z, out=z)
    z *= np.where(war, p.war_crew_sigma, p.crew_sigma)
    np.exp(z, out=z)
    crew = np.where(war, p.war_crew_median_usd_m, p.crew_median_usd_m)
    crew *= z
    return Damage(
        cause=cause,
        spilled=spilled,
        spill_t=spill_t,
        pollution=pollution,
        statutory=statutory,
        wreck=wreck,
        hull=hull,
        total_loss=total_loss,
        counterparty_hull=counterparty_hull,
        blame=blame,
        counterparty_ig=counterparty_ig,
        infrastructure=infrastructure,
        crew=crew,
    )
