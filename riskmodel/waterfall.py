"""Stage F, assembled: who pays each event's damage, in event order within each year.

In: the real events of one chunk (`EventRecord`: class, cause, conventions of the coastal state, sanctions
status, damage components from `severity`), sorted by (trial, year, time); the scheme and domestic
finance parameters (`WaterfallParams`); the IG claims of other ships (non-tanker background, collision
counterparties) to put through the IG tower with them; the scheme premium earned per trial-year.
Out: payer columns per event (`riskmodel.payers`) that sum to each event's damage, the IG tower split of
the other ships' claims, and the amounts blocked by sanctions at the direct payment links.

The legal arithmetic is in `riskmodel.liability` (conventions) and `riskmodel.reinsurance.ig_tower`
(pool and GXL); this module routes amounts between them:
1. War: hull war and war P&I cover (Western classes; Black Sea zones only the buy-back), else the owner
   (own hull) or uncompensated. No CLC, no Fund.
2. Marine and sabotage: the pollution split under the coastal state's conventions, computed twice (the
   insurer pays / does not pay) and blended by the share of its obligation the insurer actually pays —
   exact, because every Fund column is linear in the insurer's payment.
3. The insurer's P&I obligation = pollution part + statutory environmental damage + wreck + 1/4 of the
   collision liability + infrastructure + crew. What it pays: sanctions block at the claimant link
   (licensed later: a delayed block, still paid; else permanent), then payment reliability for
   foreign claims (schemes, domestic insurers), then its per-event limit and capacity consumed in
   event order (scheme capital carried over between years, its reinsurer's and domestic capacity per year).
4. What the insurer does not pay: pollution falls back on the Funds; infrastructure on the
   infrastructure owner's property insurers (`energy_property`); the collision liability stays with the
   counterparty's hull insurers; the rest is uncompensated.
5. Hull and 3/4 of the collision liability go to the tanker's H&M class; an uninsured hull is the owner's.
6. The counterparty in a collision spill, when IG-entered, answers for its blame share of the pollution
   left uncompensated (CLC Art III(4) does not protect it): an IG claim of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from riskmodel.liability import (
    CAUSE_WAR,
    PollutionShares,
    allocate_pollution,
    collision_liability_split,
    consume_capacity,
)
from riskmodel.reinsurance.ig_tower import IGStructure, apply_ig_tower

__all__ = ["EventRecord", "IGClaims", "SchemeFinance", "WaterfallParams", "WaterfallResult", "route_events"]

IG, WESTERN_FIXED, DOMESTIC, NONE = range(4)
TOWER_COLUMNS = (
    "ig_club_retention",
    "ig_pool",
    "ig_hydra",
    "ig_gxl_layer1",
    "ig_gxl_layer2",
    "ig_gxl_layer3",
    "ig_overspill",
)


@dataclass(frozen=True)
class SchemeFinance:
    """One scheme's claims-paying parameters (USD m)."""

    scheme_id: str
    per_event_limit: float
    quota_share: float
    reinsurer_capacity: float  # annual aggregate
    payment_reliability: float
    capital: float
    expense_ratio: float
    recap_threshold: float
    recap_probability: float
    recap_amount: float
    hull_cover: bool


@dataclass(frozen=True)
class WaterfallParams:
    sdr_usd: float
    none_owner_pays_share: float
    domestic_reliability: float
    domestic_capacity: float
    domestic_min_limit: float  # domestic cover per event at least the CLC limit, at least this
    western_fixed_limit: float
    war_pi_limit: float
    war_buyback_limit: float
    licence_probability: float
    ig_structures: tuple[IGStructure, ...]  # one per horizon year
    schemes: tuple[SchemeFinance, ...]


@dataclass
class EventRecord:
    """Real events of one chunk, sorted by (trial, year, time). All arrays have one entry per event."""

    trial: np.ndarray  # int64, within the chunk
    year: np.ndarray  # int64
    time: np.ndarray  # float64
    pi_class: np.ndarray  # int64: 0 ig, 1 western_fixed, 2 domestic, 3 none, 4 + s scheme s
    cause: np.ndarray  # int64 liability cause codes
    gt: np.ndarray
    zone_war_excluded: np.ndarray  # bool: the zone is under the IG war exclusion (buy-back only)
    clc: np.ndarray
    fund: np.ndarray
    supp: np.ndarray
    opa: np.ndarray
    claimant_sanctioned: np.ndarray  # bool: the coastal state is sanctioned by the Western blocs
    claimant_in_west: np.ndarray  # bool: the coastal state belongs to a Western bloc
    claimant_member: np.ndarray  # bool: the coastal state is a member of the event's scheme that year
    scheme_blocked: np.ndarray  # bool: the event's scheme is designated by a bloc the claimant is in
    u_pays: np.ndarray
    u_licence: np.ndarray
    pollution: np.ndarray  # admissible pollution damage
    statutory: np.ndarray  # statutory environmental damage: owner and insurer only, never the Funds
    wreck: np.ndarray
    hull: np.ndarray
    counterparty_hull: np.ndarray
    blame: np.ndarray  # the tanker's share of blame in a collision
    counterparty_ig: np.ndarray  # bool: the other ship is IG-entered
    infrastructure: np.ndarray
    crew: np.ndarray

    @property
    def size(self) -> int:
        return int(self.trial.size)

    def damage(self) -> np.ndarray:
        return (
            self.pollution
            + self.statutory
            + self.wreck
            + self.hull
            + self.counterparty_hull
            + self.infrastructure
            + self.crew
        )


@dataclass
class IGClaims:
    """IG claims of ships other than the model's tankers (non-tanker background), sorted by group."""

    trial: np.ndarray
    year: np.ndarray
    time: np.ndarray
    claim: np.ndarray
    pollution: np.ndarray


@dataclass
class WaterfallResult:
    columns: dict[str, np.ndarray]  # per tanker event
    other_ig: dict[str, np.ndarray]  # per background claim: tower columns and `uncompensated`
    blocked_delayed: np.ndarray  # per tanker event: paid late under a licence
    blocked_permanent: np.ndarray  # per tanker event: never paid by the blocked payer
    scheme_capital_end: np.ndarray  # (n_trials, n_years, n_schemes) capital after each year


def _expand(shares: PollutionShares, idx: np.ndarray, n: int) -> PollutionShares:
    """Pollution shares computed on the events `idx`, spread back to all n events (zero elsewhere)."""
    out = {}
    for f in fields(shares):
        full = np.zeros(n)
        full[idx] = getattr(shares, f.name)
        out[f.name] = full
    return PollutionShares(**out)


def _add(columns: dict[str, np.ndarray], name: str, amount: np.ndarray, n: int) -> None:
    if name not in columns:
        columns[name] = np.zeros(n)
    columns[name] += amount


def route_events(
    ev: EventRecord,
    params: WaterfallParams,
    other: IGClaims,
    scheme_premium: np.ndarray,
    recap_u: np.ndarray,
    n_trials: int,
    n_years: int,
) -> WaterfallResult:
    """Route every event's damage to payer columns (see the module docstring for the order).

    `scheme_premium` (n_trials, n_years, n_schemes) is premium earned, `recap_u` the same shape of
    uniforms for recapitalisation draws.
    """
    n = ev.size
    cols: dict[str, np.ndarray] = {}
    group = ev.trial * n_years + ev.year
    cls = ev.pi_class
    war = ev.cause == CAUSE_WAR
    marine_like = ~war
    western = (cls == IG) | (cls == WESTERN_FIXED)

    # --- 1. war: hull war and war P&I cover for Western classes --------------------------------------
    war_limit = np.where(ev.zone_war_excluded, params.war_buyback_limit, params.war_pi_limit)
    war_liab = np.where(war, ev.pollution + ev.statutory + ev.wreck + ev.crew + ev.infrastructure, 0.0)
    war_pi = np.where(western, np.minimum(war_liab, war_limit), 0.0)
    _add(cols, "war_pi", war_pi, n)
    war_unpaid = war_liab - war_pi
    war_unpaid_infra = np.minimum(war_unpaid, np.where(war, ev.infrastructure, 0.0))
    _add(cols, "energy_property", war_unpaid_infra, n)
    _add(cols, "uncompensated", war_unpaid - war_unpaid_infra, n)
    war_hull = np.where(war, ev.hull, 0.0)
    _add(cols, "war_hull", np.where(western, war_hull, 0.0), n)
    _add(cols, "owner", np.where(western, 0.0, war_hull), n)

    # --- 2. marine and sabotage: obligations -----------------------------------------------------------
    scheme_idx = np.where(cls >= 4, cls - 4, -1)
    limit = np.full(n, np.inf)
    limit[cls == WESTERN_FIXED] = params.western_fixed_limit
    for s, sch in enumerate(params.schemes):
        limit[scheme_idx == s] = sch.per_event_limit
    pollution = np.where(marine_like, ev.pollution, 0.0)
    conv = {
        "clc": ev.clc,
        "fund": ev.fund,
        "supp": ev.supp,
        "opa": ev.opa,
        "is_ig": cls == IG,
        "cause": np.where(war, 0, ev.cause),
        "sdr_usd": params.sdr_usd,
        "insurer_limit_usd_m": limit,
        "war_cover_usd_m": 0.0,
    }
    # the conventions only matter where there is pollution damage: compute them on those events
    spill = np.flatnonzero(pollution > 0)
    conv_s = {k: (v[spill] if isinstance(v, np.ndarray) else v) for k, v in conv.items()}
    pays = _expand(allocate_pollution(pollution[spill], ev.gt[spill], insurer_pays=True, **conv_s), spill, n)
    fails = _expand(
        allocate_pollution(pollution[spill], ev.gt[spill], insurer_pays=False, **conv_s), spill, n
    )
    pollution_obligation = pays.insurer + pays.stopia + pays.topia

    cp_liability = np.where(marine_like, ev.blame * ev.counterparty_hull, 0.0)
    coll_hm, coll_pi = collision_liability_split(cp_liability)
    statutory = np.where(marine_like, ev.statutory, 0.0)
    wreck = np.where(marine_like, ev.wreck, 0.0)
    infra = np.where(marine_like, ev.infrastructure, 0.0)
    crew = np.where(marine_like, ev.crew, 0.0)
    obligation = pollution_obligation + statutory + wreck + coll_pi + infra + crew
    domestic_limit = np.maximum(pays.insurer, params.domestic_min_limit)
    limit[cls == DOMESTIC] = domestic_limit[cls == DOMESTIC]
    gross = np.minimum(obligation, limit)

    # --- 3. sanctions block at the claimant link, then reliability ------------------------------------
    blocked = np.zeros(n, dtype=bool)
    blocked |= western & ev.claimant_sanctioned
    blocked |= (cls == DOMESTIC) & ev.claimant_in_west
    blocked |= (cls >= 4) & ev.scheme_blocked
    blocked &= marine_like
    licensed = ev.u_licence < params.licence_probability
    permanent = blocked & ~licensed
    reliability = np.ones(n)
    reliability[cls == DOMESTIC] = params.domestic_reliability
    for s, sch in enumerate(params.schemes):
        reliability[scheme_idx == s] = sch.payment_reliability
    refuses = (ev.u_pays >= reliability) & ~ev.claimant_member & (cls >= DOMESTIC) & (cls != NONE)
    willing = np.where(permanent | refuses, 0.0, gross)

    # --- capacity in event order -------------------------------------------------------------------
    paid = np.zeros(n)
    paid[western] = willing[western]
    none_cls = cls == NONE
    paid[none_cls] = params.none_owner_pays_share * willing[none_cls]
    dom = np.flatnonzero(cls == DOMESTIC)
    if dom.size:
        paid[dom] = consume_capacity(willing[dom], group[dom], params.domestic_capacity)

    n_s = len(params.schemes)
    capital_end = np.zeros((n_trials, n_years, n_s))
    retained_paid = np.zeros(n)
    reins_paid = np.zeros(n)
    for s, sch in enumerate(params.schemes):
        idx = np.flatnonzero(scheme_idx == s)
        claim = willing[idx]
        q = sch.quota_share
        if idx.size:
            reins_paid[idx] = consume_capacity(q * claim, group[idx], sch.reinsurer_capacity)
        capital = np.full(n_trials, sch.capital)
        yr = ev.year[idx]
        for y in range(n_years):
            sel = idx[yr == y]
            if sel.size:
                retained_paid[sel] = consume_capacity(
                    (1.0 - q) * willing[sel], ev.trial[sel], np.maximum(capital, 0.0)
                )
                spent = np.bincount(ev.trial[sel], weights=retained_paid[sel], minlength=n_trials)
            else:
                spent = np.zeros(n_trials)
            capital = capital - spent + scheme_premium[:, y, s] * (1.0 - sch.expense_ratio)
            recap = (capital < sch.recap_threshold) & (recap_u[:, y, s] < sch.recap_probability)
            capital = capital + np.where(recap, sch.recap_amount, 0.0)
            capital_end[:, y, s] = capital
        paid[idx] = retained_paid[idx] + reins_paid[idx]
        _add(cols, f"scheme:{sch.scheme_id}", retained_paid * (scheme_idx == s), n)
        _add(cols, f"scheme_reinsurance:{sch.scheme_id}", reins_paid * (scheme_idx == s), n)

    _add(cols, "western_fixed_pi", np.where(cls == WESTERN_FIXED, paid, 0.0), n)
    _add(cols, "domestic", np.where(cls == DOMESTIC, paid, 0.0), n)
    _add(cols, "owner", np.where(none_cls, paid, 0.0), n)

    # --- 4. what the insurer does not pay -----------------------------------------------------------
    frac = np.divide(paid, obligation, out=np.zeros(n), where=obligation > 0)
    frac = np.where(obligation > 0, frac, 1.0)
    for name in ("fund_1992", "fund_supplementary", "osltf"):
        _add(cols, name, frac * getattr(pays, name) + (1.0 - frac) * getattr(fails, name), n)
    pollution_uncompensated = frac * pays.uncompensated + (1.0 - frac) * fails.uncompensated
    unpaid = 1.0 - frac
    _add(cols, "energy_property", unpaid * infra, n)
    _add(cols, "uncompensated", unpaid * (statutory + wreck + crew), n)
    coll_pi_unpaid = unpaid * coll_pi

    # --- 5. hull and 3/4 of the collision liability ---------------------------------------------------
    hull = np.where(marine_like, ev.hull, 0.0)
    hm_claim = hull + coll_hm
    _add(cols, "hm_tanker_western", np.where(western, hm_claim, 0.0), n)
    _add(cols, "hm_domestic", np.where(cls == DOMESTIC, hm_claim, 0.0), n)
    uninsured_hull = none_cls.copy()
    for s, sch in enumerate(params.schemes):
        mine = scheme_idx == s
        if sch.hull_cover:
            _add(cols, f"hm_scheme:{sch.scheme_id}", np.where(mine, hm_claim, 0.0), n)
        else:
            uninsured_hull |= mine
    owner_coll = params.none_owner_pays_share * coll_hm
    _add(cols, "owner", np.where(uninsured_hull, hull + owner_coll, 0.0), n)
    coll_hm_unpaid = np.where(uninsured_hull, coll_hm - owner_coll, 0.0)
    recovered = cp_liability - coll_hm_unpaid - coll_pi_unpaid
    _add(cols, "counterparty_hm", ev.counterparty_hull - recovered, n)
    # the counterparty's own losses beyond its hull are not modelled: war collisions do not occur.

    # --- 6. IG tower: tanker claims, counterparties in collision spills, background ----------------------
    ig_paid = np.where(cls == IG, paid, 0.0)
    ig_pollution = np.where(cls == IG, frac * pollution_obligation, 0.0)
    in_collision = marine_like & (ev.counterparty_hull > 0) & ev.counterparty_ig
    cp_claim = np.where(in_collision, (1.0 - ev.blame) * pollution_uncompensated, 0.0)
    _add(cols, "uncompensated", pollution_uncompensated - cp_claim, n)
    tower_in_claim = np.concatenate([ig_paid, cp_claim, other.claim])
    tower_in_poll = np.concatenate([ig_pollution, cp_claim, other.pollution])
    tower_trial = np.concatenate([ev.trial, ev.trial, other.trial])
    tower_year = np.concatenate([ev.year, ev.year, other.year])
    tower_time = np.concatenate([ev.time, ev.time, other.time])
    out_cols = {c: np.zeros(tower_in_claim.size) for c in (*TOWER_COLUMNS, "uncovered")}
    claims = np.flatnonzero(tower_in_claim > 0)
    # event order within each trial-year: one float key, cell + time (time in [0, 1))
    claims = claims[
        np.argsort((tower_trial * n_years + tower_year)[claims] + tower_time[claims], kind="stable")
    ]
    for y in range(n_years):
        sel = claims[tower_year[claims] == y]
        if not sel.size:
            continue
        split = apply_ig_tower(
            tower_in_claim[sel], tower_in_poll[sel], tower_trial[sel], params.ig_structures[y]
        ).as_dict()
        for c, v in split.items():
            out_cols[c][sel] = v
    for c in TOWER_COLUMNS:
        _add(cols, c, out_cols[c][:n] + out_cols[c][n : 2 * n], n)
    # above the tower: the owner cannot pay it, so it is left with the claimants
    _add(cols, "uncompensated", out_cols["uncovered"][:n] + out_cols["uncovered"][n : 2 * n], n)
    other_cols = {c: out_cols[c][2 * n :] for c in TOWER_COLUMNS}
    other_cols["uncompensated"] = out_cols["uncovered"][2 * n :]

    delayed = np.where(blocked & licensed, gross, 0.0)
    permanent_amt = np.where(permanent, gross, 0.0)
    return WaterfallResult(cols, other_cols, delayed, permanent_amt, capital_end)
