"""Liability waterfall, stage F (MODEL.md section 8): who pays an event's pollution damage.

In: per-event damage (USD millions), gross tonnage, the conventions of the coastal state where the damage
falls, the event's cause, and whether the owner's insurer pays. Out: the statutory limits (CLC 1992,
LLMC 1996, OPA 90), the split of pollution damage between the owner's insurer, STOPIA/TOPIA indemnities,
the 1992 and Supplementary Funds, the US Oil Spill Liability Trust Fund, war P&I and what stays
uncompensated (`allocate_pollution`), the split of collision liability between hull and P&I, and the one
mechanism that consumes a capacity in event order within a group (`consume_capacity`), shared by Hydra's
aggregate deductible, a scheme's capital and a reinsurer's annual capacity.

Units: money in USD millions (float64) unless a name ends in `_sdr` (SDR millions); `sdr_usd` is USD per
SDR. Every function is pure and vectorised over events; no Python loop runs per event or per group.
Scalar arguments of the limit functions give numpy float64 scalars, arrays give float64 arrays of the
same shape (numpy's ufunc convention). Sources are the convention texts as summarised in FACTS.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# --- Convention amounts --------------------------------------------------------------------------------

#: 1992 Fund Convention Art 4(4) as amended 2000 (in force 1 Nov 2003): at most 203m SDR per incident,
#: the CLC amount included.
FUND_1992_LIMIT_SDR = 203.0
#: Supplementary Fund Protocol 2003 Art 4(2): at most 750m SDR per incident, CLC and 1992 Fund included.
SUPP_FUND_LIMIT_SDR = 750.0
#: STOPIA 2006 (as amended 2017) cl. IV: an IG-entered owner of a tanker of at most STOPIA_MAX_GT
#: indemnifies the 1992 Fund up to the difference between 20m SDR and its CLC limit.
STOPIA_LIMIT_SDR = 20.0
#: STOPIA 2006 cl. III: tankers of at most 29,548 GT (where the CLC limit reaches 20m SDR).
STOPIA_MAX_GT = 29_548
#: TOPIA 2006 cl. IV: IG-entered owners indemnify 50% of the Supplementary Fund's payments.
TOPIA_SHARE = 0.5
#: Oil Spill Liability Trust Fund, 26 U.S.C. 9509(c)(2)(A): at most USD 1bn paid per incident (of which
#: at most USD 0.5bn for natural resource damage), as stated by the US Coast Guard National Pollution
#: Funds Center. Overridable: check the statute's current amount before relying on it.
OSLTF_LIMIT_USD_M = 1000.0
#: IG clubs' cover limit for oil pollution, USD 1bn per event (IG circulars 2025/26, 2026/27); applied by
#: `riskmodel.reinsurance.ig_tower.apply_ig_tower`.
IG_POLLUTION_CAP_USD_M = 1000.0
#: The H&M share of collision liability under the English running-down clause (Institute Time Clauses
#: Hulls: 3/4 to H&M, 1/4 to P&I); the engine reads severity.yaml's `collision.running_down_clause_hm_share`.
RUNNING_DOWN_HM_SHARE = 0.75

# CLC 1992 Art V(1) as amended 2000.
_CLC_BASE_SDR = 4.51
_CLC_BASE_GT = 5_000.0
_CLC_PER_GT_SDR = 631e-6
_CLC_CAP_SDR = 89.77

# LLMC 1996 Art 6(1)(b) as amended 2012 (in force 8 Jun 2015): property claims, bands of tonnage.
_LLMC_BASE_SDR = 1.51
_LLMC_BANDS: tuple[tuple[float, float, float], ...] = (
    # (from GT, to GT, SDR millions per GT)
    (2_000.0, 30_000.0, 604e-6),
    (30_000.0, 70_000.0, 453e-6),
    (70_000.0, np.inf, 302e-6),
)

# OPA 90, 33 U.S.C. 2704(a)(1) with the CPI adjustment of 33 CFR 138.230 in force from 23 Mar 2023
# (87 FR 78860, +7.91%). USD per GT, and minimum in USD millions.
_OPA_SMALL_GT = 3_000.0
_OPA_DOUBLE_PER_GT_USD_M = 2_500e-6
_OPA_SINGLE_PER_GT_USD_M = 4_000e-6
_OPA_DOUBLE_MIN_USD_M = 21.5213  # > 3,000 GT, other than single hull: USD 21,521,300
_OPA_SINGLE_MIN_USD_M = 29.5913  # > 3,000 GT, single hull: USD 29,591,300
# <= 3,000 GT. Assumption: the 2019 minimums (USD 4,985,900 and 7,478,800) raised by the same 7.91%,
# which gives the USD 8,070,400 (single hull) reported for the 2023 rule and USD 5,380,300 (other).
_OPA_SMALL_DOUBLE_MIN_USD_M = 5.3803
_OPA_SMALL_SINGLE_MIN_USD_M = 8.0704

# --- Cause codes ---------------------------------------------------------------------------------------

#: Marine casualty: the conventions apply in full.
CAUSE_MARINE = 0
#: Act of war or hostilities: CLC Art III(2)(a) exempts the owner, Fund Art 4(2)(a) exempts the Fund.
CAUSE_WAR = 1
#: Damage wholly caused by a third party's intentional act: CLC Art III(2)(b) exempts the owner, the
#: 1992 Fund pays (Art 4(1)(a)).
CAUSE_SABOTAGE = 2
_CAUSES = (CAUSE_MARINE, CAUSE_WAR, CAUSE_SABOTAGE)


# --- Statutory limits ----------------------------------------------------------------------------------


def clc_limit_sdr(gt: ArrayLike) -> FloatArray:
    """Owner's limit of liability under CLC 1992 (as amended 2000), in SDR millions.

    Parameters
    ----------
    gt : gross tonnage, scalar or array.

    Returns
    -------
    4.51 at or below 5,000 GT; 4.51 + 631e-6 × (GT − 5,000) above; never more than 89.77, which binds
    from about 140,119 GT. A numpy float64 scalar for a scalar, else a float64 array of gt's shape.

    Source: CLC 1992 Art V(1), limits as amended by the 2000 amendments (in force 1 Nov 2003).

    Examples
    --------
    >>> float(clc_limit_sdr(1_597)), float(clc_limit_sdr(146_848))
    (4.51, 89.77)
    >>> clc_limit_sdr([5_000, 105_000]).round(3).tolist()
    [4.51, 67.61]
    """
    g = _gross_tonnage(gt)
    limit = np.minimum(_CLC_BASE_SDR + _CLC_PER_GT_SDR * np.maximum(g - _CLC_BASE_GT, 0.0), _CLC_CAP_SDR)
    return limit[()]


def llmc_property_limit_sdr(gt: ArrayLike) -> FloatArray:
    """Owner's limit for property claims (wreck, collision, damage to property) under LLMC 1996, SDR millions.

    Parameters
    ----------
    gt : gross tonnage, scalar or array.

    Returns
    -------
    1.51 up to 2,000 GT, plus 604 SDR per GT from 2,001 to 30,000, 453 SDR per GT from 30,001 to 70,000
    and 302 SDR per GT above 70,000. A numpy float64 scalar for a scalar, else a float64 array.

    Source: LLMC 1996 Art 6(1)(b), limits as amended 2012 (in force 8 Jun 2015). Many states reserve
    wreck removal from limitation (Art 18(1)); the caller decides which heads are limited.

    Examples
    --------
    >>> llmc_property_limit_sdr([2_000, 30_000, 70_000]).round(3).tolist()
    [1.51, 18.422, 36.542]
    """
    g = _gross_tonnage(gt)
    limit = np.full_like(g, _LLMC_BASE_SDR)
    for lower, upper, per_gt in _LLMC_BANDS:  # three fixed bands, vectorised over ships
        limit = limit + per_gt * (np.clip(g, lower, upper) - lower)
    return limit[()]


def opa_limit_usd_m(gt: ArrayLike, double_hull: ArrayLike = True) -> FloatArray:
    """Responsible party's limit of liability for a tank vessel under OPA 90, USD millions.

    Parameters
    ----------
    gt : gross tonnage, scalar or array.
    double_hull : True for a tank vessel other than single hull (all tankers trading to the US since
        the single-hull phase-out of 1 Jan 2015), broadcastable with gt.

    Returns
    -------
    Above 3,000 GT: max(2,500 USD × GT, USD 21.5213m), single hull max(4,000 USD × GT, USD 29.5913m).
    At or below 3,000 GT: max(2,500 USD × GT, USD 5.3803m), single hull max(4,000 USD × GT, USD 8.0704m)
    (assumption: the 2019 minimums raised by the 2023 adjustment of 7.91%). A numpy float64 scalar
    for scalars, else a float64 array of the broadcast shape.

    Source: 33 U.S.C. 2704(a)(1); 33 CFR 138.230 as adjusted by the USCG final rule of 23 Dec 2022
    (87 FR 78860, in force 23 Mar 2023). The owner loses the limit for gross negligence, wilful
    misconduct or breach of federal safety rules (2704(c)); not modelled here.

    Examples
    --------
    >>> opa_limit_usd_m([5_000, 160_000]).round(4).tolist()
    [21.5213, 400.0]
    >>> float(opa_limit_usd_m(160_000, double_hull=False))
    640.0
    """
    g = _gross_tonnage(gt)
    double = np.asarray(double_hull, dtype=bool)
    g, double = np.broadcast_arrays(g, double)
    small = g <= _OPA_SMALL_GT
    per_gt = np.where(double, _OPA_DOUBLE_PER_GT_USD_M, _OPA_SINGLE_PER_GT_USD_M)
    minimum = np.where(
        double,
        np.where(small, _OPA_SMALL_DOUBLE_MIN_USD_M, _OPA_DOUBLE_MIN_USD_M),
        np.where(small, _OPA_SMALL_SINGLE_MIN_USD_M, _OPA_SINGLE_MIN_USD_M),
    )
    return np.maximum(per_gt * g, minimum)[()]


# --- Pollution waterfall -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PollutionShares:
    """Who pays an event's oil-pollution damage (USD millions, float64 arrays of one shape).

    The fields of an event sum to its damage (to float rounding), and none is negative.

    Attributes
    ----------
    insurer : the owner's insurer on the owner's own liability (CLC amount, OPA amount, or national law
        up to its limit); the engine routes it to the P&I class's payer column. Excludes STOPIA/TOPIA.
    stopia : the owner's STOPIA 2006 indemnity to the 1992 Fund, insured by its IG club.
    topia : the owner's TOPIA 2006 indemnity to the Supplementary Fund, insured by its IG club.
    fund_1992 : the 1992 Fund's payment net of the STOPIA indemnity.
    fund_supplementary : the Supplementary Fund's payment net of the TOPIA indemnity.
    osltf : the US Oil Spill Liability Trust Fund.
    war_pi : war P&I cover (war-caused damage).
    uncompensated : left with the coastal state and the claimants.

    For an IG-entered tanker, `insurer + stopia + topia` is the pollution part of the club's claim.
    """

    insurer: FloatArray
    stopia: FloatArray
    topia: FloatArray
    fund_1992: FloatArray
    fund_supplementary: FloatArray
    osltf: FloatArray
    war_pi: FloatArray
    uncompensated: FloatArray

    def total(self) -> FloatArray:
        """Sum of all columns per event: equals the damage."""
        return np.sum([getattr(self, f.name) for f in fields(self)], axis=0)


def allocate_pollution(
    damage_usd_m: ArrayLike,
    gt: ArrayLike,
    *,
    clc: ArrayLike,
    fund: ArrayLike,
    supp: ArrayLike,
    opa: ArrayLike,
    is_ig: ArrayLike,
    insurer_pays: ArrayLike,
    cause: ArrayLike,
    sdr_usd: ArrayLike,
    insurer_limit_usd_m: ArrayLike,
    war_cover_usd_m: ArrayLike,
) -> PollutionShares:
    """Split each event's oil-pollution damage between its payers (MODEL.md 8.1, 8.2, 8.4, 8.7).

    Parameters
    ----------
    damage_usd_m : admissible pollution damage, USD millions, >= 0.
    gt : the tanker's gross tonnage, > 0.
    clc, fund, supp, opa : bool, the coastal state (where the damage falls) is party to CLC 1992, the
        1992 Fund, the Supplementary Fund, or applies OPA 90 (US waters). A Fund state must be a CLC
        state, a Supplementary Fund state a Fund state, and an OPA state is not a CLC state.
    is_ig : bool, the tanker is entered in an International Group club (STOPIA/TOPIA apply).
    insurer_pays : bool, the owner's insurer (or war P&I for war) pays: False when there is no cover,
        when the insurer does not or cannot pay, or when sanctions block the payment.
    cause : int, CAUSE_MARINE, CAUSE_WAR or CAUSE_SABOTAGE.
    sdr_usd : USD per SDR.
    insurer_limit_usd_m : the insurer's per-event limit for pollution; it bounds the insurer's payment
        under OPA and national law. In CLC states the insurer pays the whole CLC amount, which a CLC
        certificate (Art VII) requires it to cover. For IG entries the USD 1bn cap is applied later by
        the IG tower.
    war_cover_usd_m : the war P&I limit available (0 if none).
    All arguments broadcast against each other.

    Returns
    -------
    PollutionShares of float64 arrays of the broadcast shape; the columns sum to the damage.

    Rules, by cause and regime (L is the owner's liability, D the damage):
    - Marine, CLC state: L = min(D, CLC limit × sdr_usd) (CLC Art V); the insurer pays L if it pays.
      1992 Fund (Fund Art 4(1), 4(4)): min(D, 203m SDR) less what the insurer paid, so it also pays the
      CLC part when the owner or insurer cannot or does not (Art 4(1)(b)). STOPIA: an IG-entered tanker
      of at most 29,548 GT whose insurer pays indemnifies the Fund for min(Fund payment, 20m SDR − CLC
      limit). Supplementary Fund (Protocol Art 4): min(D, 750m SDR) − min(D, 203m SDR); TOPIA: an
      IG-entered owner whose insurer pays indemnifies half of it. Without the Fund, damage above what
      the insurer paid is uncompensated.
    - Marine, OPA state: L = min(D, OPA limit) (33 U.S.C. 2704, double hull assumed); the insurer pays
      min(L, its limit) if it pays; the OSLTF pays the rest up to USD 1bn (33 U.S.C. 2712, 2713),
      including the owner's part when the insurer does not pay.
    - Marine, non-party state: national law, modelled as full liability; the insurer pays up to its
      limit if it pays.
    - War (CLC Art III(2)(a), Fund Art 4(2)(a)): no CLC, no Fund; war P&I pays min(D, war cover) if it
      pays. In an OPA state the owner has the act-of-war defence (33 U.S.C. 2703(a)(2)) and the OSLTF
      pays the rest up to its cap (2712(a)(4)).
    - Sabotage (CLC Art III(2)(b)): the owner is exempt (no insurer payment, no STOPIA/TOPIA); the 1992
      Fund pays min(D, 203m SDR) in Fund states and the Supplementary Fund up to 750m SDR in its states.
      In an OPA state the third-party defence (2703(a)(3)) sends the claim to the OSLTF. In a non-party
      state the owner is taken to be exempt as well (assumption: national laws follow the CLC defence).
    Uncompensated is the rest.

    Examples
    --------
    Hebei Spirit (146,848 GT, Korea: CLC and 1992 Fund, not the Supplementary Fund), amounts in SDR:

    >>> s = allocate_pollution(1_000.0, 146_848, clc=True, fund=True, supp=False, opa=False,
    ...     is_ig=True, insurer_pays=True, cause=CAUSE_MARINE, sdr_usd=1.0,
    ...     insurer_limit_usd_m=1_000.0, war_cover_usd_m=0.0)
    >>> round(float(s.insurer), 2), round(float(s.fund_1992), 2), round(float(s.uncompensated), 2)
    (89.77, 113.23, 797.0)
    """
    d = _non_negative("damage_usd_m", damage_usd_m)
    g = _gross_tonnage(gt)
    sdr = np.asarray(sdr_usd, dtype=np.float64)
    if np.any(~(sdr > 0)):
        raise ValueError("sdr_usd must be positive (USD per SDR, e.g. 1.366)")
    insurer_limit = _non_negative("insurer_limit_usd_m", insurer_limit_usd_m, allow_inf=True)
    war_cover = _non_negative("war_cover_usd_m", war_cover_usd_m, allow_inf=True)
    cause_code = np.asarray(cause)
    _check_causes(cause_code)
    flags = [np.asarray(x, dtype=bool) for x in (clc, fund, supp, opa, is_ig, insurer_pays)]
    (d, g, sdr, insurer_limit, war_cover, cause_code, clc_b, fund_b, supp_b, opa_b, ig_b, pays) = (
        np.broadcast_arrays(d, g, sdr, insurer_limit, war_cover, cause_code, *flags)
    )
    _check_regimes(clc_b, fund_b, supp_b, opa_b)

    marine = cause_code == CAUSE_MARINE
    war = cause_code == CAUSE_WAR
    sabotage = cause_code == CAUSE_SABOTAGE
    non_party = ~clc_b & ~opa_b
    zero = np.zeros_like(d)

    clc_limit = clc_limit_sdr(g)
    within_fund = np.minimum(d, FUND_1992_LIMIT_SDR * sdr)
    within_supp = np.minimum(d, SUPP_FUND_LIMIT_SDR * sdr)

    insurer = np.select(
        [marine & clc_b & pays, marine & opa_b & pays, marine & non_party & pays],
        [
            np.minimum(d, clc_limit * sdr),
            np.minimum(np.minimum(d, opa_limit_usd_m(g)), insurer_limit),
            np.minimum(d, insurer_limit),
        ],
        zero,
    )
    war_pi = np.where(war & pays, np.minimum(d, war_cover), zero)

    # Fund states are CLC states, so under a marine cause `insurer` here is the CLC amount paid.
    fund_gross = np.select([fund_b & marine, fund_b & sabotage], [within_fund - insurer, within_fund], zero)
    stopia_applies = marine & fund_b & ig_b & pays & (g <= STOPIA_MAX_GT)
    stopia_room = np.maximum(STOPIA_LIMIT_SDR - clc_limit, 0.0) * sdr
    stopia = np.where(stopia_applies, np.minimum(fund_gross, stopia_room), zero)

    supp_gross = np.where(supp_b & (marine | sabotage), within_supp - within_fund, zero)
    topia = np.where(marine & supp_b & ig_b & pays, TOPIA_SHARE * supp_gross, zero)

    osltf = np.where(opa_b, np.minimum(d - insurer - war_pi, OSLTF_LIMIT_USD_M), zero)

    paid = insurer + stopia + topia + (fund_gross - stopia) + (supp_gross - topia) + osltf + war_pi
    columns = {
        "insurer": insurer,
        "stopia": stopia,
        "topia": topia,
        "fund_1992": fund_gross - stopia,
        "fund_supplementary": supp_gross - topia,
        "osltf": osltf,
        "war_pi": war_pi,
        "uncompensated": np.maximum(d - paid, 0.0),
    }
    # Arrays even when every input is a scalar (numpy turns 0-d results of arithmetic into scalars).
    return PollutionShares(**{name: np.asarray(v, dtype=np.float64) for name, v in columns.items()})


# --- Capacity consumed in event order ------------------------------------------------------------------


def cumsum_by_group(values: ArrayLike, group: ArrayLike) -> FloatArray:
    """Running total of `values` within each group, restarting at each group's first event.

    Parameters
    ----------
    values : float64 per event, in event order within groups.
    group : int64 group id per event; the events of a group are contiguous (e.g. sorted by group).

    Returns
    -------
    float64 array: for event i of group g, the sum of g's values up to and including i.

    Each group is summed on its own, in event order (`cumsum_runs`): the result is `np.cumsum` of the
    group's values, whatever the other groups hold, so it does not depend on which groups are computed
    together (a chunk, a slice of trials). No Python loop runs per group or per event.

    Examples
    --------
    >>> cumsum_by_group([1.0, 2.0, 5.0, 1.0], [0, 0, 3, 3]).tolist()
    [1.0, 3.0, 5.0, 6.0]
    """
    v = np.asarray(values, dtype=np.float64)
    grp = np.asarray(group, dtype=np.int64)
    return cumsum_runs(v, np.flatnonzero(_group_starts(v, grp)))


#: `cumsum_runs` sums the runs on a padded grid when it holds at most this many cells per event (runs
#: of similar lengths, as a few events a trial-year are): about 2.5x faster than rank by rank.
_DENSE_RUNS = 4


def cumsum_runs(values: FloatArray, first: NDArray[np.intp]) -> FloatArray:
    """Cumulative sum within each run of consecutive events; runs begin at the indices `first` (sorted,
    starting with 0 when there are events).

    Exactly `np.cumsum` of each run, independent of the other runs (a global cumsum less its value
    before the run would carry the rounding of everything before it). When no run is much longer than
    the average (the longest × the number of runs at most `_DENSE_RUNS` × n), the values are laid out on
    a zero-padded grid of (position in the run, run) and `np.add.accumulate` runs down its rows: one
    addition per cell, in order, every run at once. Otherwise, step k adds the k-th event of every run
    at least k + 1 long to the running total before it, up to a length K; the few runs longer than K get
    a `np.cumsum` each. With the runs sorted longest first, i is the first position whose run is at most
    i long and K that run's length: K ≤ i and at most i runs are longer, so there are at most 2i
    Python-level steps, and i ≤ √(2n) for n events (the i longest runs hold at least 1 + 2 + ... + i
    events).

    >>> cumsum_runs(np.array([1.0, 2.0, 5.0, 1.0, 4.0]), np.array([0, 2])).tolist()
    [1.0, 3.0, 5.0, 6.0, 10.0]
    """
    out = np.array(values, dtype=np.float64)  # a copy: the first event of each run is its own total
    n = out.size
    if n == 0 or first.size == n:
        return out
    length = np.diff(np.append(first, n))
    runs, longest = length.size, int(length.max())
    if longest * runs <= _DENSE_RUNS * n:
        # (a run's padding lies after its last event: it is never added to the run's values)
        cell = np.arange(n) - np.repeat(first, length)  # the position of each event within its run
        cell *= runs
        cell += np.repeat(np.arange(runs), length)
        grid = np.zeros(longest * runs)
        grid[cell] = out
        rows = grid.reshape(longest, runs)
        np.add.accumulate(rows, axis=0, out=rows)
        return grid.take(cell)
    by_length = np.sort(length)[::-1]
    # i: the first position whose run (longest first) is at most i long; K: that run's length
    over = np.flatnonzero(by_length <= np.arange(by_length.size))
    k_max = int(by_length[over[0]]) if over.size else 0
    long = np.flatnonzero(length > k_max)
    for r in long:
        a = int(first[r])
        np.cumsum(out[a : a + int(length[r])], out=out[a : a + int(length[r])])
    if k_max > 1:
        run = np.repeat(np.arange(length.size), length)
        rank = np.arange(n) - first[run]  # position of each event within its run
        todo = np.flatnonzero((rank > 0) & (length[run] <= k_max))
        r = rank[todo]
        todo = todo[np.argsort(r.astype(np.int16 if k_max < 2**15 else np.int64), kind="stable")]
        bounds = np.cumsum(np.bincount(r, minlength=k_max))  # events of rank <= k
        for k in range(1, k_max):
            pos = todo[bounds[k - 1] : bounds[k]]
            out[pos] += out[pos - 1]
    return out


def consume_capacity(claims: ArrayLike, group: ArrayLike, capacity: ArrayLike) -> FloatArray:
    """How much of its group's capacity each event takes, in event order within the group.

    The one mechanism for anything consumed in time order within a group: Hydra's annual aggregate
    deductible in the IG tower, a scheme's capital within a year, a reinsurer's annual capacity.

    Parameters
    ----------
    claims : float64 >= 0 per event, in event order within groups (USD millions).
    group : int64 group id per event (e.g. a trial-year index), >= 0; the events of a group are
        contiguous (non-decreasing ids satisfy this).
    capacity : float64 >= 0 per group, indexed by group id (length > max group id); or a scalar,
        the same capacity for every group. np.inf for an unlimited capacity.

    Returns
    -------
    float64 per event: diff of clip(C, 0, capacity) within the group, where C is the group's running
    total of claims (`cumsum_by_group`). Each take lies in [0, claim]; the takes of a group sum to
    min(its claims, its capacity) up to rounding.

    Each group's running total is summed on its own (`cumsum_runs`), so a group's takes do not depend on
    the other groups.

    Examples
    --------
    Hydra's aggregate deductible of 107.1 met by three layer-1 losses in one year, then a new year:

    >>> consume_capacity([80.0, 100.0, 50.0, 40.0], [0, 0, 0, 1], 107.1).round(6).tolist()
    [80.0, 27.1, 0.0, 40.0]
    """
    c = np.asarray(claims, dtype=np.float64)
    grp = np.asarray(group, dtype=np.int64)
    if np.any(~(c >= 0)):
        raise ValueError("claims must be non-negative numbers (USD millions)")
    cap_arr = np.asarray(capacity, dtype=np.float64)
    if np.any(~(cap_arr >= 0)):
        raise ValueError("capacity must be non-negative (use np.inf for an unlimited capacity)")
    starts = _group_starts(c, grp)
    running = cumsum_runs(c, np.flatnonzero(starts))
    if cap_arr.ndim == 0:
        cap = cap_arr
    else:
        if grp.size and (grp.min() < 0 or grp.max() >= cap_arr.shape[0]):
            raise ValueError(
                f"group ids must index capacity: ids run {grp.min()}..{grp.max()} but capacity has "
                f"{cap_arr.shape[0]} entries"
            )
        cap = cap_arr[grp]
    used = np.minimum(running, cap)
    before = np.empty_like(used)
    before[1:] = used[:-1]
    before[starts] = 0.0
    # Rounding in the global cumsum can put a take an ulp outside [0, claim]; callers subtract takes from
    # claims, so keep them inside.
    return np.clip(used - before, 0.0, c)


# --- Collision -----------------------------------------------------------------------------------------


def collision_liability_split(
    amount: ArrayLike, *, nordic: ArrayLike = False, hm_share: float = RUNNING_DOWN_HM_SHARE
) -> tuple[FloatArray, FloatArray]:
    """Split the tanker's collision liability between its hull (H&M) and P&I insurers, USD millions.

    Parameters
    ----------
    amount : the tanker's liability to the other ship (its blame share of the other's losses).
    nordic : True where the hull is on the Nordic Marine Insurance Plan; broadcastable with amount.
    hm_share : the H&M share under the running-down clause (severity.yaml
        `collision.running_down_clause_hm_share`, 0.75).

    Returns
    -------
    (hm_share, pi_share), float64 arrays of the broadcast shape summing to amount: `hm_share` (3/4) to
    H&M and the rest (1/4) to P&I under the English running-down clause (Institute Time Clauses Hulls,
    collision clause), 4/4 to H&M under the Nordic Plan (2013, Chapter 13: the hull insurer covers
    collision liability in full).

    Examples
    --------
    >>> hm, pi = collision_liability_split([40.0, 40.0], nordic=[False, True])
    >>> hm.tolist(), pi.tolist()
    ([30.0, 40.0], [10.0, 0.0])
    """
    a = np.asarray(amount, dtype=np.float64)
    a, nordic_b = np.broadcast_arrays(a, np.asarray(nordic, dtype=bool))
    hm = np.where(nordic_b, a, hm_share * a)
    return hm, a - hm


# --- Validators (one per concern) ----------------------------------------------------------------------


def _gross_tonnage(gt: ArrayLike) -> FloatArray:
    g = np.asarray(gt, dtype=np.float64)
    if np.any(~(g > 0)) or np.any(~np.isfinite(g)):
        raise ValueError("gt must be a positive, finite gross tonnage")
    return g


def _non_negative(name: str, x: ArrayLike, *, allow_inf: bool = False) -> FloatArray:
    a = np.asarray(x, dtype=np.float64)
    bad = ~(a >= 0) if allow_inf else ~((a >= 0) & np.isfinite(a))
    if np.any(bad):
        kind = "non-negative" if allow_inf else "non-negative and finite"
        raise ValueError(f"{name} must be {kind} (USD millions); got {a[bad].ravel()[0].item()!r}")
    return a


def _check_causes(cause: NDArray[np.generic]) -> None:
    bad = ~np.isin(cause, _CAUSES)
    if np.any(bad):
        raise ValueError(
            f"unknown cause code {cause[bad].ravel()[0].item()!r}: use CAUSE_MARINE (0), CAUSE_WAR (1) "
            "or CAUSE_SABOTAGE (2)"
        )


def _check_regimes(
    clc: NDArray[np.bool_], fund: NDArray[np.bool_], supp: NDArray[np.bool_], opa: NDArray[np.bool_]
) -> None:
    if np.any(fund & ~clc):
        raise ValueError("fund is True where clc is False: a 1992 Fund state must be a CLC 1992 state")
    if np.any(supp & ~fund):
        raise ValueError(
            "supp is True where fund is False: a Supplementary Fund state must be a 1992 Fund state"
        )
    if np.any(clc & opa):
        raise ValueError("clc and opa are both True: a coastal state applies either CLC 1992 or OPA 90")


def _group_starts(values: NDArray[np.float64], group: NDArray[np.int64]) -> NDArray[np.bool_]:
    """True at the first event of each run of equal group ids; checks shapes and contiguity."""
    if values.ndim != 1 or group.shape != values.shape:
        raise ValueError(
            f"values and group must be 1-D arrays of one length; got shapes {values.shape} and {group.shape}"
        )
    starts = np.ones(group.shape, dtype=bool)
    np.not_equal(group[1:], group[:-1], out=starts[1:])
    if group.size < 2 or bool(np.all(group[1:] >= group[:-1])):
        return starts  # non-decreasing ids: contiguous, no need to count the distinct ids
    if np.count_nonzero(starts) != np.unique(group).size:
        raise ValueError("the events of each group must be contiguous: sort events by group, then by time")
    return starts
