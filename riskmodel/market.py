"""Stage B: who insures which tonnage, and the premium bases.

In: a `MarketPlan` compiled from the world's trades and the scenario (reference cover shares by trade,
which trades are barred or capped, scheme uptake parameters, recognition draws) and, per trial, the
climate factor Z, the join years of each scheme's states and the designated share of Western-insured
tonnage on sanctioned trades (`sanctions.designated_share` from an initial share of 0).
Out: cover shares by (trial, year, trade, P&I class) — classes `ig, western_fixed, domestic, none`, then
one per scheme — and premium bases per (trial, year); when asked, each base class's share before the scheme
uptake and what the schemes took from it, and which scheme takes each trade's tonnage in each trial
(`scheme_takers`): the class draw of stage D (`incidents.class_cuts`).

Order of the steps (MODEL.md section 4), each capped by what its source class holds:
reference shares (before sanctions responses) → the bar on Iranian and Venezuelan cargo → the price cap
(Russian cargo) → vessel designations → scheme uptake (scheme by scheme, in scenario order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

__all__ = [
    "BASE_CLASSES",
    "IG",
    "WESTERN_FIXED",
    "DOMESTIC",
    "NONE",
    "MarketPlan",
    "SchemeUptake",
    "cover_shares",
    "eligible_share_under_cap",
    "premium_bases",
    "scheme_takers",
]

BASE_CLASSES = ("ig", "western_fixed", "domestic", "none")
IG, WESTERN_FIXED, DOMESTIC, NONE = range(4)
WESTERN = (IG, WESTERN_FIXED)
SHADOW = (DOMESTIC, NONE)


@dataclass(frozen=True)
class SchemeUptake:
    """One scheme's market parameters, compiled."""

    share: float
    ramp_years: int
    from_weights: np.ndarray  # float64 (4,), normalised weights over BASE_CLASSES
    origin_slot: np.ndarray  # int64 (n_trades,): adoption slot of the trade's origin state, -1 if none
    destination_slot: np.ndarray  # int64 (n_trades,): adoption slot of the destination, -1 if none
    flag_slots: np.ndarray  # int64 (n_flags,): adoption slot of each flag state, -1 if not in the scheme
    certify_prob: np.ndarray  # float64 (n_flags,): P(flag certifies without being a member)
    accept_prob: np.ndarray  # float64 (n_destinations,): P(destination port accepts)


@dataclass(frozen=True)
class MarketPlan:
    """Compiled market inputs (trades in world order)."""

    ref_shares: np.ndarray  # float64 (n_trades, 4): reference shares before sanctions responses
    shadow_to_domestic: np.ndarray  # float64 (n_trades,): share of displaced tonnage going to `domestic`
    barred: np.ndarray  # bool (n_trades,): Iranian or Venezuelan cargo
    licensed_share: float
    cap_kind: np.ndarray  # int64 (n_trades,): 0 none, 1 Russian crude, 2 Russian products
    sanctioned: np.ndarray  # bool (n_trades,): sanctioned origin (vessel designations apply)
    log_price_crude: float  # log of the year's average Urals price
    log_price_products: float
    log_cap_ig: tuple[float, float]  # log caps binding IG (crude, products): the lowest of EU, UK, US
    log_cap_wf: tuple[float, float]  # log caps binding western fixed-premium P&I
    dispersion: float
    price_z_loading: float
    trade_flags: np.ndarray  # float64 (n_trades, n_flags): flag mix of each trade
    trade_destination: np.ndarray  # int64 (n_trades,): index into the destination list
    schemes: tuple[SchemeUptake, ...]
    # The dynamic EU/UK crude cap: from the second policy year on it is log(1 − discount) below the trial's
    # log average price (None: the first year's cap holds). `euuk_binds` (IG, western fixed): the class
    # answers to the EU/UK cap; `log_cap_other`: the lowest crude cap of the other blocs it answers to.
    log_euuk_discount: float | None
    euuk_binds: tuple[bool, bool]
    log_cap_other: tuple[float, float]


def eligible_share_under_cap(
    log_avg: np.ndarray, log_cap: float | np.ndarray, dispersion: float
) -> np.ndarray:
    """Share of cargoes sold at or below the cap when cargo prices are lognormal around the average.

    >>> round(float(eligible_share_under_cap(np.log(60.0), np.log(60.0), 0.1)), 6)
    0.5
    """
    return ndtr((log_cap - np.asarray(log_avg)) / dispersion)


def _move(shares: np.ndarray, src: tuple[int, ...], amount: np.ndarray, to_domestic: np.ndarray) -> None:
    """Move `amount` (already capped) out of the classes `src` proportionally, into the shadow classes.

    `shares` is class-first here, (n_classes, trials, years, trades): each class a contiguous array."""
    held = shares[src[0]] if len(src) == 1 else shares[list(src)].sum(axis=0)
    frac = np.divide(amount, held, out=np.zeros_like(amount), where=held > 0)
    for c in src:
        shares[c] -= shares[c] * frac
    shares[DOMESTIC] += amount * to_domestic
    shares[NONE] += amount * (1.0 - to_domestic)


def scheme_takers(plan: MarketPlan, join_year: np.ndarray, n_years: int) -> np.ndarray:
    """The scheme that can take each trade's tonnage in each trial, int64 (n_trials, n_trades): the one its
    origin state joins within the horizon, −1 where it joins none (or the trade has no origin state).

    A scheme takes up only the export carriage of its members (`cover_shares`) and a state joins at most
    one scheme (`adoption.join_years`), so in a trial a trade's tonnage goes to one scheme at most, the same
    in every year: the schemes' takes from a class fit in one array, by (trial, year, trade), with this
    index beside it.
    """
    takers = np.full((join_year.shape[0], plan.ref_shares.shape[0]), -1, dtype=np.int64)
    for s, scheme in enumerate(plan.schemes):
        has_origin = scheme.origin_slot >= 0
        joins = has_origin[None, :] & (join_year[:, np.clip(scheme.origin_slot, 0, None)] < n_years)
        if (joins & (takers >= 0)).any():
            raise RuntimeError("a trade's origin state joined two schemes in one trial (adoption.join_years)")
        takers[joins] = s
    return takers


def cover_shares(
    plan: MarketPlan,
    z: np.ndarray,
    join_year: np.ndarray,
    certifies: list[np.ndarray],
    accepts: list[np.ndarray],
    designated_west: np.ndarray,
    n_years: int,
    designated_out: np.ndarray | None = None,
    before_uptake_out: np.ndarray | None = None,
    taken_out: np.ndarray | None = None,
) -> np.ndarray:
    """Cover shares by (trial, year, trade, class); classes are BASE_CLASSES then one per scheme.

    `join_year` (n_trials, n_slots) from adoption; `certifies[s]` bool (n_trials, n_flags) and `accepts[s]`
    bool (n_trials, n_destinations) are each scheme's recognition draws; `designated_west` (n_trials,
    n_years) is the cumulative share of Western-insured tonnage on sanctioned trades designated by year y.
    `designated_out`, when given (n_trials, n_years, n_trades, n_classes), receives the share of each
    trade's tonnage that the designations moved out of Western cover, by the class it is in at the end
    (designated vessels: `domestic` and `none`, then the schemes that took some of them up).
    `before_uptake_out`, when given (4, n_trials, n_years, n_trades), class-first, receives each base
    class's share before the scheme uptake (after the bar, the cap and the designations, so the same in
    scenarios that differ only in their schemes); `taken_out`, when given (the same shape), what the
    schemes took from it: all by the scheme of `scheme_takers` (the others take nothing from the trade), so
    the class keeps `before − taken`, its share returned, and that scheme's share is the sum of its takes
    over the base classes.
    """
    n_trials = z.size
    n_trades = plan.ref_shares.shape[0]
    n_classes = 4 + len(plan.schemes)
    # class-first while the classes are moved about (each class one contiguous array), class-last on return
    shares = np.zeros((n_classes, n_trials, n_years, n_trades))
    shares[:4] = plan.ref_shares.T[:, None, None, :]
    to_dom = np.broadcast_to(plan.shadow_to_domestic, (n_trials, n_years, n_trades))

    # the bar on Iranian and Venezuelan cargo: Western cover keeps only the licensed share
    barred = plan.barred[None, None, :]
    western = shares[IG] + shares[WESTERN_FIXED]
    _move(shares, WESTERN, np.where(barred, western * (1.0 - plan.licensed_share), 0.0), to_dom)

    # the price cap: Western providers carry only cargoes sold below the cap of the blocs they answer to
    log_shift = plan.price_z_loading * z[:, None, None]
    for kind, log_avg in ((1, plan.log_price_crude), (2, plan.log_price_products)):
        capped = (plan.cap_kind == kind)[None, None, :]
        if not capped.any():
            continue
        for i, (cls, log_caps) in enumerate(((IG, plan.log_cap_ig), (WESTERN_FIXED, plan.log_cap_wf))):
            log_cap: float | np.ndarray = log_caps[kind - 1]
            if kind == 1 and plan.log_euuk_discount is not None and plan.euuk_binds[i] and n_years > 1:
                # the EU/UK cap resets to its discount below the trial's average price after the first year
                later = np.minimum(plan.log_euuk_discount + log_avg + log_shift, plan.log_cap_other[i])
                log_cap = np.concatenate(
                    [np.full((n_trials, 1, 1), log_caps[0]), np.repeat(later, n_years - 1, axis=1)], axis=1
                )
            eligible = eligible_share_under_cap(log_avg + log_shift, log_cap, plan.dispersion)
            out = np.where(capped, shares[cls] * (1.0 - eligible), 0.0)
            _move(shares, (cls,), out, to_dom)

    # vessel designations: designated tonnage cannot hold Western cover
    sanctioned = plan.sanctioned[None, None, :]
    western = shares[IG] + shares[WESTERN_FIXED]
    designated = np.where(sanctioned, western * designated_west[:, :, None], 0.0)
    _move(shares, WESTERN, designated, to_dom)
    # the designated vessels' tonnage, followed by class through the uptake (class-first, as `shares`)
    marked = None
    if designated_out is not None:
        marked = np.zeros_like(shares)
        marked[DOMESTIC] = designated * to_dom
        marked[NONE] = designated * (1.0 - to_dom)

    if before_uptake_out is not None:
        before_uptake_out[...] = shares[:4]
    if taken_out is not None:
        taken_out[...] = 0.0

    # scheme uptake, scheme by scheme
    years = np.arange(n_years)
    for s, scheme in enumerate(plan.schemes):
        col = 4 + s
        has_origin = scheme.origin_slot >= 0
        if not has_origin.any():
            continue
        origin_join = join_year[:, np.clip(scheme.origin_slot, 0, None)]
        origin_year = np.where(has_origin[None, :], origin_join, n_years)
        elapsed = years[None, :, None] - origin_year[:, None, :] + 1  # (trials, years, trades)
        ramp = np.clip(elapsed / scheme.ramp_years, 0.0, 1.0)
        # certifying flags: members' own registries, plus flags that agree (drawn per trial)
        flag_member = np.where(
            scheme.flag_slots[None, None, :] >= 0,
            join_year[:, np.clip(scheme.flag_slots, 0, None)][:, None, :] <= years[None, :, None],
            False,
        )  # (trials, years, flags)
        certifying = flag_member | certifies[s][:, None, :]
        # summed along the flags, the last axis of both (6x faster than along a middle axis)
        cert_share = np.einsum("nyf,tf->nyt", certifying.astype(np.float64), plan.trade_flags)
        # ports: the destination accepts the scheme's cover, or is itself a member
        dest_accepts = accepts[s][:, plan.trade_destination]  # (trials, trades)
        dest_member = np.where(
            scheme.destination_slot[None, None, :] >= 0,
            join_year[:, np.clip(scheme.destination_slot, 0, None)][:, None, :] <= years[None, :, None],
            False,
        )
        usable = dest_accepts[:, None, :] | dest_member
        # MODEL.md section 4: what can move is capped by the tonnage under certifying flags
        target = np.minimum(scheme.share * ramp, np.minimum(cert_share, 1.0)) * usable
        taken = np.zeros_like(target)
        for c in range(4):
            w = scheme.from_weights[c]
            if w <= 0:
                continue
            take = np.minimum(w * target, shares[c])
            if taken_out is not None:
                # (the take is exactly 0 on a trade this scheme does not take, `scheme_takers`: the sum is
                # the one taker's take, bit for bit)
                taken_out[c] += take
            # a scheme takes up a class's designated vessels in proportion (only these classes hold any)
            if marked is not None and c in (DOMESTIC, NONE):
                carried = marked[c] * np.divide(take, shares[c], out=np.zeros_like(take), where=shares[c] > 0)
                marked[c] -= carried
                marked[col] += carried
            shares[c] -= take
            taken += take
        shares[col] += taken
    if designated_out is not None:
        designated_out[...] = np.moveaxis(marked, 0, -1)
    return np.ascontiguousarray(np.moveaxis(shares, 0, -1))


def premium_bases(
    shares: np.ndarray,
    trade_gt: np.ndarray,
    trade_hull_usd_m: np.ndarray,
    *,
    gxl_programme_usd_m: float,
    ig_reference_gt: float,
    non_tanker_gt: float,
    gxl_elasticity: float,
    hm_rate_pct: float,
    scheme_rates_per_gt_usd: tuple[float, ...],
    scheme_ids: tuple[str, ...],
) -> dict[str, np.ndarray]:
    """Premium bases per (trial, year), USD m, and the tonnage behind them.

    - `ig_gxl_premium`: the GXL programme cost, C0 × (E / E0)^elasticity, where E is the IG-entered GT
      (tankers of the model fleet plus the non-tanker entry) and E0 the reference entry: when tankers
      leave, the remaining members pay a higher rate per GT, so the cost falls less than the tonnage.
    - `hm_western_premium`: Western H&M rate × hull values of tonnage with Western P&I (IG or fixed).
    - `scheme_premium:<id>`: the scheme's rate per GT × GT it covers.
    `trade_gt` and `trade_hull_usd_m` are the GT and hull values (at the mainstream age) of each trade's
    vessel-years.
    """
    ig_gt = np.einsum("nyt,t->ny", shares[..., IG], trade_gt)
    entered = ig_gt + non_tanker_gt
    reference = ig_reference_gt + non_tanker_gt
    bases = {
        "ig_entered_gt": entered,
        "ig_gxl_premium": gxl_programme_usd_m * (entered / reference) ** gxl_elasticity,
        "hm_western_premium": hm_rate_pct
        / 100.0
        * np.einsum("nyt,t->ny", shares[..., IG] + shares[..., WESTERN_FIXED], trade_hull_usd_m),
    }
    for s, (sid, rate) in enumerate(zip(scheme_ids, scheme_rates_per_gt_usd, strict=True)):
        gt = np.einsum("nyt,t->ny", shares[..., 4 + s], trade_gt)
        bases[f"scheme_gt:{sid}"] = gt
        bases[f"scheme_premium:{sid}"] = rate * gt / 1e6
    return bases
