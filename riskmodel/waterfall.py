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
   exact for the 1992 and Supplementary Funds, which are linear in the insurer's payment; the OSLTF
   (US waters: what the insurer did not pay, up to USD 1bn) is not once its cap binds, and is computed
   from the share paid.
3. The insurer's P&I obligation = pollution part + statutory environmental damage + wreck + P&I's part of
   the collision liability (1 − `running_down_hm_share`, 1/4 by default) + infrastructure + crew, where the
   collision liability and the infrastructure damage (property claims) are first limited together by LLMC
   1996 in a party state's waters (wreck removal reserved; above the limit the claimants keep their loss).
   What it pays: sanctions block at the claimant link (licensed later: a delayed block, whatever the
   insurer pays paid late; else permanent), then payment reliability for foreign claims (schemes, domestic
   insurers), then its per-event limit and capacity consumed in event order (scheme capital carried over
   between years, its reinsurer's and domestic capacity per year). At the year end a scheme's premium pays
   the claims its capital could not; one still unable to pay, or below its backstop's threshold, is
   recapitalised with the backstop's probability (the top-up pays the rest); one that cannot pay and is not
   recapitalised is insolvent for good: from the next policy year it, its reinsurer and its hull cover pay
   nothing, and its members are uninsured (their owners pay as the `none` class's do).
4. What the insurer does not pay: pollution falls back on the Funds; infrastructure on the
   infrastructure owner's property insurers (`energy_property`); the collision liability stays with the
   counterparty's hull insurers; the rest is uncompensated.
5. Hull and H&M's part of the collision liability (`WaterfallParams.running_down_hm_share`, severity.yaml's
   `collision.running_down_clause_hm_share`: 3/4 by default, the running-down clause) go to the tanker's
   H&M class; an uninsured hull is the owner's.
6. The counterparty in a collision spill, when IG-entered, answers for its blame share of the pollution
   left uncompensated (CLC Art III(4) does not protect it): an IG claim of its own. Its club is Western,
   so a claimant in a state the Western blocs sanction is blocked as in step 3 (delayed under the event's
   licence, else the claimant stays uncompensated).

`route_events` does all of it; `obligations` alone does what comes before capacity (steps 1-3 up to what
each insurer is willing to pay), which depends only on the parameters in `OBLIGATION_TERMS`, each
scheme's `OBLIGATION_SCHEME_TERMS` and the number of schemes (`obligation_terms`): runs that differ in a
scheme's capital or reinsurance compute it once (`route_events(..., owed=...)`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from riskmodel.arrays import select, stable_argsort, where0
from riskmodel.liability import (
    CAUSE_WAR,
    OSLTF_LIMIT_USD_M,
    PollutionShares,
    allocate_pollution,
    clc_limit_sdr,
    collision_liability_split,
    consume_capacity,
    llmc_property_limit_sdr,
)
from riskmodel.reinsurance.ig_tower import (
    IGStructure,
    IGTowerShares,
    above_tower,
    apply_ig_tower,
    check_ig_structure,
    retention_and_pool,
)

__all__ = [
    "OBLIGATION_SCHEME_TERMS",
    "OBLIGATION_TERMS",
    "EventRecord",
    "IGClaims",
    "Obligations",
    "SchemeFinance",
    "WaterfallParams",
    "WaterfallResult",
    "obligation_terms",
    "obligations",
    "route_events",
]

IG, WESTERN_FIXED, DOMESTIC, NONE = range(4)
#: The IG tower's payer columns, in tower order (its `uncovered` amount is not a payer).
TOWER_COLUMNS = tuple(f.name for f in fields(IGTowerShares) if f.name != "uncovered")


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
    war_buyback_limit: tuple[float, ...]  # per policy year of the horizon
    licence_probability: float
    ig_structures: tuple[IGStructure, ...]  # one per horizon year
    schemes: tuple[SchemeFinance, ...]
    running_down_hm_share: float  # severity.yaml collision.running_down_clause_hm_share (H&M's part)


@dataclass
class EventRecord:
    """Real events of one chunk, sorted by (trial, year, time). All arrays have one entry per event."""

    trial: np.ndarray  # int64, within the chunk
    year: np.ndarray  # int64
    time: np.ndarray  # float64
    pi_class: np.ndarray  # int64: 0 ig, 1 western_fixed, 2 domestic, 3 none, 4 + s scheme s
    cause: np.ndarray  # int64 liability cause codes
    gt: np.ndarray
    war_excluded: np.ndarray  # bool: the coastal state is under the IG war exclusion (buy-back only)
    clc: np.ndarray
    fund: np.ndarray
    supp: np.ndarray
    opa: np.ndarray
    llmc: np.ndarray  # bool: LLMC 1996 limits property claims in the coastal state's waters
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


#: The fields of `WaterfallParams`, and of each of its `SchemeFinance`s, that `obligations` reads.
OBLIGATION_TERMS = (
    "sdr_usd",
    "war_pi_limit",
    "war_buyback_limit",
    "western_fixed_limit",
    "domestic_min_limit",
    "licence_probability",
    "domestic_reliability",
    "running_down_hm_share",
)
OBLIGATION_SCHEME_TERMS = ("per_event_limit", "payment_reliability")


def obligation_terms(params: WaterfallParams) -> tuple:
    """The parameters `obligations` reads: equal terms, equal obligations of the same events."""
    return (
        tuple(getattr(params, f) for f in OBLIGATION_TERMS),
        tuple(tuple(getattr(sch, f) for f in OBLIGATION_SCHEME_TERMS) for sch in params.schemes),
    )


@dataclass(frozen=True)
class Obligations:
    """What `obligations` computes for `route_events`: arrays over all events unless said otherwise. A
    group of runs shares one: treat every array as read-only."""

    n: int  # events
    n_schemes: int
    cls: np.ndarray  # P&I class code
    marine_like: np.ndarray  # bool: not war
    western: np.ndarray  # bool: IG or Western fixed-premium class
    is_wf: np.ndarray
    is_dom: np.ndarray
    none_cls: np.ndarray
    in_scheme: list[np.ndarray]  # per scheme, bool per event
    w: np.ndarray  # indices of the war events
    w_west: np.ndarray  # on the war events: Western class
    war_pi: np.ndarray  # on the war events: war P&I paid
    war_unpaid: np.ndarray  # on the war events
    war_unpaid_infra: np.ndarray  # on the war events
    war_hull: np.ndarray  # on the war events
    spill: np.ndarray  # indices of the events with pollution damage (marine or sabotage, not war)
    pays: PollutionShares  # on the spill events: the conventions' split when the insurer pays
    fails: PollutionShares  # on the spill events: the split when it does not
    pollution_obligation: np.ndarray  # on the spill events: the insurer's part (incl. STOPIA/TOPIA)
    cp_liability: np.ndarray  # collision liability to the other ship
    coll_hm: np.ndarray  # its H&M part (`running_down_hm_share`, 3/4 by default)
    coll_pi: np.ndarray  # its P&I part (the rest, 1/4 by default)
    statutory: np.ndarray  # heads of damage, zero on war events
    wreck: np.ndarray
    infra: np.ndarray
    infra_limited: np.ndarray  # infrastructure damage above the LLMC limit: the owner's property insurers
    crew: np.ndarray
    obligation: np.ndarray  # the insurer's P&I obligation
    dom: np.ndarray  # the domestic class events (indices)
    gross: np.ndarray  # the obligation within the insurer's per-event limit
    blocked: np.ndarray  # bool: blocked by sanctions at the claimant link
    licensed: np.ndarray  # bool: the event's licence is granted (a block is then only a delay)
    permanent: np.ndarray  # bool: blocked for good
    refuses: np.ndarray  # bool: the insurer would refuse the claim (payment reliability), blocked or not
    willing: np.ndarray  # what the insurer would pay before its capacity


@dataclass
class WaterfallResult:
    columns: dict[str, np.ndarray]  # per tanker event
    other_ig: dict[str, np.ndarray]  # per background claim: tower columns and `uncompensated`
    blocked_delayed: np.ndarray  # per tanker event: paid late under a licence
    blocked_permanent: np.ndarray  # per tanker event: never paid by the blocked payer
    scheme_capital_end: np.ndarray  # (n_trials, n_years, n_schemes) capital after each year
    scheme_recapitalised: np.ndarray  # (n_trials, n_years, n_schemes) bool: recapitalised at the year end
    scheme_insolvent: np.ndarray  # (n_trials, n_years, n_schemes) bool: insolvent at the year end


def _scatter(idx: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """A length-n array holding `values` at `idx` and zero elsewhere."""
    out = np.zeros(n)
    out[idx] = values
    return out


def obligations(ev: EventRecord, params: WaterfallParams) -> Obligations:
    """Steps 1-3 of the module docstring before capacity: the war branch, the pollution split under the
    conventions (the insurer paying or not), each event's P&I obligation, its insurer's limit, the
    sanctions block at the claimant link and the payment reliability: what each insurer is willing to
    pay before its capacity is consumed. Reads of `params` only the fields in `OBLIGATION_TERMS` (and
    `OBLIGATION_SCHEME_TERMS` of each scheme): runs that differ only in the schemes' capital,
    reinsurance, expenses, recapitalisation or hull cover, the domestic capacity, the owner's share or
    the IG tower have the same obligations (`route_events` takes them precomputed)."""
    n = ev.size
    cls = ev.pi_class
    war = ev.cause == CAUSE_WAR
    marine_like = ~war
    western = (cls == IG) | (cls == WESTERN_FIXED)
    is_wf = cls == WESTERN_FIXED
    is_dom = cls == DOMESTIC
    none_cls = cls == NONE
    scheme_idx = np.where(cls >= 4, cls - 4, -1)
    in_scheme = [scheme_idx == s for s in range(len(params.schemes))]

    # --- 1. war: hull war and war P&I cover for Western classes (on the war events) --------------------
    w = np.flatnonzero(war)
    w_west = western[w]
    buyback = np.asarray(params.war_buyback_limit, dtype=np.float64)[ev.year[w]]  # the event's policy year
    war_limit = np.where(ev.war_excluded[w], buyback, params.war_pi_limit)
    war_liab = ev.pollution[w] + ev.statutory[w] + ev.wreck[w] + ev.crew[w] + ev.infrastructure[w]
    war_pi = where0(w_west, np.minimum(war_liab, war_limit))
    war_unpaid = war_liab - war_pi
    war_unpaid_infra = np.minimum(war_unpaid, ev.infrastructure[w])
    war_hull = ev.hull[w]

    # --- 2. marine and sabotage: obligations -----------------------------------------------------------
    limit = np.full(n, np.inf)
    limit[is_wf] = params.western_fixed_limit
    for s, sch in enumerate(params.schemes):
        limit[in_scheme[s]] = sch.per_event_limit
    # domestic insurers of sanctioned states cover at least the CLC limit (a CLC certificate requires it)
    limit[is_dom] = np.maximum(clc_limit_sdr(ev.gt[is_dom]) * params.sdr_usd, params.domestic_min_limit)
    pollution = where0(marine_like, ev.pollution)
    # the conventions only matter where there is pollution damage: compute them on those events
    spill = np.flatnonzero(pollution > 0)
    conv = {
        "clc": ev.clc[spill],
        "fund": ev.fund[spill],
        "supp": ev.supp[spill],
        "opa": ev.opa[spill],
        "is_ig": cls[spill] == IG,
        "cause": ev.cause[spill],  # never war here: war events have no marine pollution
        "sdr_usd": params.sdr_usd,
        "insurer_limit_usd_m": limit[spill],
        "war_cover_usd_m": 0.0,
    }
    pays = allocate_pollution(pollution[spill], ev.gt[spill], insurer_pays=True, **conv)
    fails = allocate_pollution(pollution[spill], ev.gt[spill], insurer_pays=False, **conv)
    pollution_obligation = pays.insurer + pays.stopia + pays.topia  # on the spill events

    # property claims: the collision liability and the infrastructure damage, limited together under
    # LLMC 1996 where the coastal state is a party (shared pro rata, Art 12; wreck removal is reserved,
    # Art 18(1)); what lies above the limit stays with the claimants (the other ship's hull insurers,
    # the infrastructure owner's property insurers). Elsewhere national law, modelled as no limit.
    cp_liability = where0(marine_like, ev.blame * ev.counterparty_hull)
    infra = where0(marine_like, ev.infrastructure)
    infra_limited = np.zeros(n)
    lim = np.flatnonzero(ev.llmc & ((cp_liability > 0) | (infra > 0)))
    if lim.size:
        claims = cp_liability[lim] + infra[lim]
        keep = np.minimum(1.0, llmc_property_limit_sdr(ev.gt[lim]) * params.sdr_usd / claims)
        cut = np.flatnonzero(keep < 1.0)
        if cut.size:
            at, k = lim[cut], keep[cut]
            infra_limited[at] = infra[at] - k * infra[at]
            cp_liability[at] = k * cp_liability[at]
            infra[at] = k * infra[at]
    coll_hm, coll_pi = collision_liability_split(cp_liability, hm_share=params.running_down_hm_share)
    statutory = where0(marine_like, ev.statutory)
    wreck = where0(marine_like, ev.wreck)
    crew = where0(marine_like, ev.crew)
    # pollution part + statutory + wreck + P&I's collision part + infrastructure + crew, summed in that order
    obligation = statutory + wreck + coll_pi + infra + crew
    if spill.size:
        heads = (statutory[spill], wreck[spill], coll_pi[spill], infra[spill], crew[spill])
        total = pollution_obligation
        for head in heads:  # left to right, as for the other events
            total = total + head
        obligation[spill] = total
    dom = np.flatnonzero(is_dom)
    gross = np.minimum(obligation, limit)

    # --- 3. sanctions block at the claimant link, then reliability ------------------------------------
    blocked = western & ev.claimant_sanctioned
    blocked |= is_dom & ev.claimant_in_west
    blocked |= (cls >= 4) & ev.scheme_blocked
    blocked &= marine_like
    licensed = ev.u_licence < params.licence_probability
    permanent = blocked & ~licensed
    reliability = np.ones(n)
    reliability[dom] = params.domestic_reliability
    for s, sch in enumerate(params.schemes):
        reliability[in_scheme[s]] = sch.payment_reliability
    refuses = (ev.u_pays >= reliability) & ~ev.claimant_member & (cls >= DOMESTIC) & ~none_cls
    willing = where0(~(permanent | refuses), gross)
    return Obligations(
        n=n,
        n_schemes=len(params.schemes),
        cls=cls,
        marine_like=marine_like,
        western=western,
        is_wf=is_wf,
        is_dom=is_dom,
        none_cls=none_cls,
        in_scheme=in_scheme,
        w=w,
        w_west=w_west,
        war_pi=war_pi,
        war_unpaid=war_unpaid,
        war_unpaid_infra=war_unpaid_infra,
        war_hull=war_hull,
        spill=spill,
        pays=pays,
        fails=fails,
        pollution_obligation=pollution_obligation,
        cp_liability=cp_liability,
        coll_hm=coll_hm,
        coll_pi=coll_pi,
        statutory=statutory,
        wreck=wreck,
        infra=infra,
        infra_limited=infra_limited,
        crew=crew,
        obligation=obligation,
        dom=dom,
        gross=gross,
        blocked=blocked,
        licensed=licensed,
        permanent=permanent,
        refuses=refuses,
        willing=willing,
    )


def route_events(
    ev: EventRecord,
    params: WaterfallParams,
    other: IGClaims,
    scheme_premium: np.ndarray,
    recap_u: np.ndarray,
    n_trials: int,
    n_years: int,
    owed: Obligations | None = None,
) -> WaterfallResult:
    """Route every event's damage to payer columns (see the module docstring for the order).

    `scheme_premium` (n_trials, n_years, n_schemes) is premium earned, `recap_u` the same shape of
    uniforms for recapitalisation draws.

    Work is done where it can be non-zero: the war branch on war events, the pollution split on events
    with pollution damage, the IG tower on IG claims (and the time order only on the claims that reach
    Hydra's aggregate deductible); elsewhere each column is the sum of the same terms in the same order,
    so the amounts do not depend on which events are computed together.

    `owed`: the events' `obligations` under these parameters, when already computed (by a run whose
    parameters differ only outside `OBLIGATION_TERMS`).
    """
    ob = owed if owed is not None else obligations(ev, params)
    if ob.n != ev.size or ob.n_schemes != len(params.schemes):
        raise ValueError(
            f"obligations of {ob.n} events and {ob.n_schemes} schemes given for {ev.size} events and "
            f"{len(params.schemes)} schemes"
        )
    group = ev.trial * n_years + ev.year

    # --- capacity in event order -------------------------------------------------------------------
    paid = select(ob.western, ob.willing, where0(ob.none_cls, params.none_owner_pays_share * ob.willing))
    if ob.dom.size:
        paid[ob.dom] = consume_capacity(ob.willing[ob.dom], group[ob.dom], params.domestic_capacity)

    n_s = len(params.schemes)
    capital_end = np.zeros((n_trials, n_years, n_s))
    recapitalised = np.zeros((n_trials, n_years, n_s), dtype=bool)
    insolvent = np.zeros((n_trials, n_years, n_s), dtype=bool)
    retained_paid = np.zeros(ob.n)
    reins_paid = np.zeros(ob.n)
    scheme_cols: dict[str, np.ndarray] = {}
    # per scheme, its events whose policy year starts with the scheme insolvent: it pays nothing on them
    lapsed: list[np.ndarray] = []
    for s, sch in enumerate(params.schemes):
        idx = np.flatnonzero(ob.in_scheme[s])
        q = sch.quota_share
        capital = np.full(n_trials, sch.capital)
        solvent = np.ones(n_trials, dtype=bool)
        dead = np.zeros(idx.size, dtype=bool)
        yr = ev.year[idx]
        for y in range(n_years):
            in_year = yr == y
            sel = idx[in_year]
            t = ev.trial[sel]
            due = np.zeros(n_trials)
            spent = np.zeros(n_trials)
            owed = np.zeros(sel.size)
            if sel.size:
                live = solvent[t]
                dead[in_year] = ~live
                claim = np.where(live, ob.willing[sel], 0.0)
                # the reinsurer's annual capacity and the scheme's capital, each in event order
                reins_paid[sel] = consume_capacity(q * claim, t, sch.reinsurer_capacity)
                owed = (1.0 - q) * claim
                retained_paid[sel] = consume_capacity(owed, t, capital)
                spent = np.bincount(t, weights=retained_paid[sel], minlength=n_trials)
                due = np.bincount(t, weights=owed, minlength=n_trials)
            # it could not pay its retained claims in full during the year: its capital ran out
            short = due > capital + _TOLERANCE * np.maximum(due, 1.0)  # (not by a rounding step)
            # the premium net of expenses, less the quota share's part of it: the reinsurer that pays q of
            # each claim takes q of the premium (its ceding commission the scheme's expenses); MODEL.md's
            # capital equation gave the scheme the whole premium, its reinsurance for nothing
            premium = np.where(solvent, scheme_premium[:, y, s] * (1.0 - sch.expense_ratio) * (1.0 - q), 0.0)
            assets = np.maximum(capital - spent + premium, 0.0)  # (≥ 0: takes sum to the capital ± an ulp)
            if short.any():  # the year's premium, at the year end, pays what is left, in event order
                assets, short = _settle(owed, sel, t, short, assets, retained_paid)
            # MODEL.md 3: still unable to pay, or below the backstop's threshold, the scheme asks the
            # sovereign, who recapitalises it with its probability (each year it is asked) and so pays the
            # rest; a scheme that cannot pay its claims and is not recapitalised is insolvent for good
            asked = solvent & (short | (assets < sch.recap_threshold))
            recap = asked & (recap_u[:, y, s] < sch.recap_probability)
            assets = assets + np.where(recap, sch.recap_amount, 0.0)
            if (short & recap).any():
                assets, _ = _settle(owed, sel, t, short & recap, assets, retained_paid)
            solvent &= ~(short & ~recap)
            capital = assets
            capital_end[:, y, s] = capital
            recapitalised[:, y, s] = recap
            insolvent[:, y, s] = ~solvent
        paid[idx] = retained_paid[idx] + reins_paid[idx]
        lapsed.append(idx[dead])
        scheme_cols[f"scheme:{sch.scheme_id}"] = _scatter(idx, retained_paid[idx], ob.n)
        scheme_cols[f"scheme_reinsurance:{sch.scheme_id}"] = _scatter(idx, reins_paid[idx], ob.n)
    # an insolvent scheme's members are uninsured from then on: their owners pay what an uninsured owner
    # pays (the `none` class's share of the obligation, which no scheme limit bounds any more)
    uninsured = ob.none_cls.copy()
    for dead_events in lapsed:
        uninsured[dead_events] = True
        paid[dead_events] = params.none_owner_pays_share * ob.obligation[dead_events]

    # --- 4. what the insurer does not pay -----------------------------------------------------------
    owes = ob.obligation > 0
    # (at most 1: a scheme's retained and reinsured parts may sum to a rounding step above the claim)
    frac = np.minimum(paid / np.where(owes, ob.obligation, 1.0), 1.0)
    frac[~owes] = 1.0
    frac_s = frac[ob.spill]
    fund_cols = {
        name: _scatter(
            ob.spill, frac_s * getattr(ob.pays, name) + (1.0 - frac_s) * getattr(ob.fails, name), ob.n
        )
        for name in ("fund_1992", "fund_supplementary")
    }

    def left_unpaid(share: np.ndarray, at: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
        """The pollution left uncompensated and the OSLTF's payment, on the spill events `at` (positions in
        `ob.spill`), when the insurer pays the share `share` of its obligation. US waters: the OSLTF pays
        what the owner's insurer did not, up to its cap, the rest is uncompensated. Not linear in the
        payment once the cap binds, so computed from the share paid, not blended (which would understate
        it); exactly nothing uncompensated below the cap."""
        blend = share * ob.pays.uncompensated[at] + (1.0 - share) * ob.fails.uncompensated[at]
        us = ev.opa[ob.spill[at]]
        # (≥ 0: the insurer's part is at most the damage)
        rest = ev.pollution[ob.spill[at]] - share * ob.pays.insurer[at]
        osltf = np.where(us, np.minimum(rest, OSLTF_LIMIT_USD_M), 0.0)
        return np.where(us, rest - osltf, blend), osltf

    pollution_uncompensated, osltf = left_unpaid(frac_s, slice(None))
    fund_cols["osltf"] = _scatter(ob.spill, osltf, ob.n)
    unpaid = 1.0 - frac
    coll_pi_unpaid = unpaid * ob.coll_pi

    # --- 5. hull and H&M's part of the collision liability (running_down_hm_share) ------------------
    hull = where0(ob.marine_like, ev.hull)
    hm_claim = hull + ob.coll_hm
    uninsured_hull = ob.none_cls.copy()
    hm_scheme_cols: dict[str, np.ndarray] = {}
    for s, sch in enumerate(params.schemes):
        if sch.hull_cover:
            covered = ob.in_scheme[s].copy()
            covered[lapsed[s]] = False  # an insolvent scheme's hull cover lapses with its P&I
            hm_scheme_cols[f"hm_scheme:{sch.scheme_id}"] = where0(covered, hm_claim)
            uninsured_hull[lapsed[s]] = True
        else:
            uninsured_hull |= ob.in_scheme[s]
    owner_coll = params.none_owner_pays_share * ob.coll_hm
    coll_hm_unpaid = where0(uninsured_hull, ob.coll_hm - owner_coll)
    recovered = ob.cp_liability - coll_hm_unpaid - coll_pi_unpaid
    # the counterparty's own losses beyond its hull are not modelled: war collisions do not occur.

    # --- 6. IG tower: tanker claims, counterparties in collision spills, background ----------------------
    ig = np.flatnonzero((ob.cls == IG) & (paid > 0))
    in_collision = (
        ob.marine_like[ob.spill] & (ev.counterparty_hull[ob.spill] > 0) & ev.counterparty_ig[ob.spill]
    )
    cp_all = np.where(in_collision, (1.0 - ev.blame[ob.spill]) * pollution_uncompensated, 0.0)
    # the counterparty's club is Western: a claimant in a state its blocs sanction is blocked (step 3)
    cp_blocked = (cp_all > 0) & ev.claimant_sanctioned[ob.spill]
    cp_delayed = np.where(cp_blocked & ob.licensed[ob.spill], cp_all, 0.0)
    cp_permanent = np.where(cp_blocked & ~ob.licensed[ob.spill], cp_all, 0.0)
    cp_all = cp_all - cp_permanent  # a claim blocked for good stays uncompensated
    cp = ob.spill[cp_all > 0]
    cp_claim = cp_all[cp_all > 0]
    oil_heads = np.zeros(ob.n)  # the heads the USD 1bn cap covers, when the insurer pays them in full
    oil_heads[ob.spill] = ob.pollution_obligation + ob.statutory[ob.spill]
    ig_pollution = np.zeros(ob.n)
    # the USD 1bn cap covers oil pollution: the conventions' amounts and statutory environmental damage
    ig_pollution[ob.spill] = frac_s * oil_heads[ob.spill]
    bg = np.flatnonzero(other.claim > 0)
    tower = _ig_tower(
        params.ig_structures,
        n_trials,
        n_years,
        claim=(paid[ig], cp_claim, other.claim[bg]),
        pollution=(ig_pollution[ig], cp_claim, other.pollution[bg]),
        trial=(ev.trial[ig], ev.trial[cp], other.trial[bg]),
        year=(ev.year[ig], ev.year[cp], other.year[bg]),
        time=(ev.time[ig], ev.time[cp], other.time[bg]),
    )
    n_ig, n_cp = ig.size, cp.size

    def tanker_part(c: str) -> np.ndarray:
        """Tower column c on the tanker events: its own claim, plus its counterparty's."""
        out = _scatter(ig, tower[c][:n_ig], ob.n)
        out[cp] += tower[c][n_ig : n_ig + n_cp]
        return out

    # --- the columns, in a fixed order ---------------------------------------------------------------
    cols: dict[str, np.ndarray] = {}
    cols["war_pi"] = _scatter(ob.w, ob.war_pi, ob.n)
    cols["energy_property"] = unpaid * ob.infra + ob.infra_limited
    cols["energy_property"][ob.w] = ob.war_unpaid_infra
    uncompensated = unpaid * (ob.statutory + ob.wreck + ob.crew)
    uncompensated[ob.spill] += pollution_uncompensated - cp_all
    # above the tower (the owner cannot pay it): the tanker's own claim's part, then its counterparty's
    own_uncovered = _scatter(ig, tower["uncovered"][:n_ig], ob.n)
    uncovered = own_uncovered.copy()
    uncovered[cp] += tower["uncovered"][n_ig : n_ig + n_cp]
    uncompensated += uncovered
    uncompensated[ob.w] = ob.war_unpaid - ob.war_unpaid_infra
    cols["uncompensated"] = uncompensated
    cols["war_hull"] = _scatter(ob.w, np.where(ob.w_west, ob.war_hull, 0.0), ob.n)
    owner = where0(uninsured, paid) + where0(uninsured_hull, hull + owner_coll)
    owner[ob.w] = np.where(ob.w_west, 0.0, ob.war_hull)
    cols["owner"] = owner
    cols.update(scheme_cols)
    cols["western_fixed_pi"] = where0(ob.is_wf, paid)
    cols["domestic"] = where0(ob.is_dom, paid)
    cols.update(fund_cols)
    cols["hm_tanker_western"] = where0(ob.western, hm_claim)
    cols["hm_domestic"] = where0(ob.is_dom, hm_claim)
    cols.update(hm_scheme_cols)
    cols["counterparty_hm"] = ev.counterparty_hull - recovered
    for c in TOWER_COLUMNS:
        cols[c] = tanker_part(c)
    first_bg, n_bg = n_ig + n_cp, other.claim.size
    other_cols = {c: _scatter(bg, tower[c][first_bg:], n_bg) for c in TOWER_COLUMNS}
    other_cols["uncompensated"] = _scatter(bg, tower["uncovered"][first_bg:], n_bg)

    # a licensed block delays what is paid: the insurer's payment (after reliability and capacity), less
    # for an IG claim what lies above the IG tower (uncompensated)
    delayed = where0(ob.blocked & ob.licensed, paid - own_uncovered)
    # a block for good counts, in the same way, what the payer would have paid but for it: not what it
    # would have refused anyway (payment reliability), and of an IG claim not what lies above the tower
    # (a claim's alone). A domestic insurer's or a scheme's capacity is not replayed without the block:
    # where it would have run out, theirs is an upper bound.
    permanent_amt = where0(ob.permanent & ~ob.refuses, ob.gross)
    ig_blocked = np.flatnonzero(ob.permanent & (ob.cls == IG))
    if ig_blocked.size:
        permanent_amt[ig_blocked] -= _above_tower(
            params.ig_structures, ob.gross[ig_blocked], oil_heads[ig_blocked], ev.year[ig_blocked]
        )
    # a failed scheme's members have no insurer whose payment a block could stop (their owners pay)
    for dead_events in lapsed:
        delayed[dead_events] = 0.0
        permanent_amt[dead_events] = 0.0
    # the same for an IG-entered counterparty's claim (all of it pollution). Where the tanker's own claim
    # is blocked for good too, the counterparty's claim grew by the pollution that claim's payer would
    # have paid; but for the blocks the counterparty would have owed its blame share of what is left after
    # that payment, so that is what its block counts (the own claim's amount is counted above)
    own_lost = permanent_amt[ob.spill] > 0
    both = np.flatnonzero((cp_permanent > 0) & own_lost)
    if both.size:
        ev_both = ob.spill[both]
        would_pay = np.where(ob.refuses[ev_both], 0.0, ob.gross[ev_both])
        unpaid_but_for, _ = left_unpaid(np.minimum(would_pay / ob.obligation[ev_both], 1.0), both)
        cp_permanent[both] = (1.0 - ev.blame[ev_both]) * unpaid_but_for
    cp_uncovered = _scatter(np.flatnonzero(cp_all > 0), tower["uncovered"][n_ig : n_ig + n_cp], cp_all.size)
    delayed[ob.spill] += np.where(cp_delayed > 0, cp_delayed - cp_uncovered, 0.0)
    cp_lost = np.flatnonzero(cp_permanent > 0)
    if cp_lost.size:
        claims = cp_permanent[cp_lost]
        cp_permanent[cp_lost] = claims - _above_tower(
            params.ig_structures, claims, claims, ev.year[ob.spill[cp_lost]]
        )
    permanent_amt[ob.spill] += cp_permanent
    return WaterfallResult(cols, other_cols, delayed, permanent_amt, capital_end, recapitalised, insolvent)


#: A scheme's claims exceed its money only by more than this share of them (a billionth, and at least
#: USD 1e-9m): 0.1 + 0.2 against 0.3 is paid, not an insolvency by a rounding step.
_TOLERANCE = 1e-9


def _settle(
    owed: np.ndarray,
    sel: np.ndarray,
    trial: np.ndarray,
    who: np.ndarray,
    assets: np.ndarray,
    retained_paid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A scheme's year-end payment of the retained claims it left unpaid (`owed` less `retained_paid`, of
    the year's events `sel` in event order, trial `trial`), in the trials `who`, from `assets` per trial.
    Adds the payments to `retained_paid`; returns the assets left and the trials still unable to pay."""
    unpaid = np.where(who[trial], np.maximum(owed - retained_paid[sel], 0.0), 0.0)
    take = consume_capacity(unpaid, trial, np.where(who, assets, 0.0))
    retained_paid[sel] += take
    n = assets.size
    left = np.bincount(trial, weights=unpaid, minlength=n)
    still = who & (left > assets + _TOLERANCE * np.maximum(left, 1.0))
    return np.maximum(assets - np.bincount(trial, weights=take, minlength=n), 0.0), still


def _above_tower(
    structures: tuple[IGStructure, ...], claim: np.ndarray, pollution: np.ndarray, year: np.ndarray
) -> np.ndarray:
    """`above_tower` of claims of several policy years, each under its year's structure."""
    out = np.zeros(claim.size)
    for yr, structure in enumerate(structures):
        sel = np.flatnonzero(year == yr)
        if sel.size:
            out[sel] = above_tower(claim[sel], pollution[sel], structure)
    return out


def _ig_tower(
    structures: tuple[IGStructure, ...],
    n_trials: int,
    n_years: int,
    *,
    claim: tuple[np.ndarray, ...],
    pollution: tuple[np.ndarray, ...],
    trial: tuple[np.ndarray, ...],
    year: tuple[np.ndarray, ...],
    time: tuple[np.ndarray, ...],
) -> dict[str, np.ndarray]:
    """The IG tower split of groups of claims (concatenated in the order given), year by year.

    Only Hydra's aggregate deductible in GXL layer 1 depends on the order of claims within a trial-year;
    it is consumed by the claims that reach layer 1, so only those are put in time order (ties in the
    order given: a tanker's own claim before its counterparty's, both before the background) and go
    through `apply_ig_tower`. The other claims (most of them) stop in the pool: their retention and pool
    shares are computed here, by the tower's own formulas, and every other column is zero for them.
    """
    c, p, t, y, tm = (np.concatenate(a) for a in (claim, pollution, trial, year, time))
    out = {k: np.zeros(c.size) for k in (*TOWER_COLUMNS, "uncovered")}
    for yr, structure in enumerate(structures[:n_years]):
        sel = np.flatnonzero(y == yr) if n_years > 1 else np.arange(c.size)
        if not sel.size:
            continue
        check_ig_structure(structure)  # (also when no claim reaches `apply_ig_tower`)
        attach = structure.layers[0].attachment
        # whether a claim reaches layer 1 is decided on the covered claim, as the tower computes it; a
        # claim with pollution above the cap (a cap below layer 1 in a custom world) goes through the tower
        covered = np.minimum(p[sel], structure.pollution_cap) + (c[sel] - p[sel])
        big = (covered > attach) | (p[sel] > structure.pollution_cap)
        high, low = sel[big], sel[~big]
        high = high[stable_argsort((t[high] * n_years + y[high]) + tm[high])]
        for k, v in apply_ig_tower(c[high], p[high], t[high], structure).as_dict().items():
            out[k][high] = v
        # the others stop below layer 1 (most claims): only the retention and the pool (the tower's own
        # steps); every other column is zero
        out["ig_club_retention"][low], out["ig_pool"][low] = retention_and_pool(covered[~big], structure)
    return out
