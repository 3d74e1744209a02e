"""Stage F assembled: routing of each event's damage to payer columns, on hand-built events.

Amounts in USD m; sdr_usd = 1 so that SDR limits read directly (CLC 4.51m SDR up to 5,000 GT, 1992 Fund
203m SDR in total, Supplementary Fund 750m SDR in total).
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmodel import payers
from riskmodel.engine.simulate import compile_scenario
from riskmodel.liability import (
    CAUSE_MARINE,
    CAUSE_SABOTAGE,
    CAUSE_WAR,
    OSLTF_LIMIT_USD_M,
    clc_limit_sdr,
    llmc_property_limit_sdr,
    opa_limit_usd_m,
)
from riskmodel.reinsurance.ig_tower import IG_2026_27
from riskmodel.scenario import load_scenario, with_overrides
from riskmodel.waterfall import (
    OBLIGATION_SCHEME_TERMS,
    OBLIGATION_TERMS,
    TOWER_COLUMNS,
    EventRecord,
    IGClaims,
    SchemeFinance,
    WaterfallParams,
    obligation_terms,
    obligations,
    route_events,
)

IG, WF, DOM, NONE, SCHEME = 0, 1, 2, 3, 4


def params(**kw) -> WaterfallParams:
    base = dict(
        sdr_usd=1.0,
        none_owner_pays_share=0.0,
        domestic_reliability=1.0,
        domestic_capacity=1e9,
        domestic_min_limit=30.0,
        western_fixed_limit=1000.0,
        war_pi_limit=500.0,
        war_buyback_limit=(125.0,),
        licence_probability=0.3,
        ig_structures=(IG_2026_27,),
        schemes=(SchemeFinance("s", 300.0, 0.0, 0.0, 1.0, 1e6, 0.3, 0.0, 0.0, 0.0, True),),
        running_down_hm_share=0.75,
    )
    base.update(kw)
    return WaterfallParams(**base)


def events(n: int = 1, **kw) -> EventRecord:
    zeros, false = np.zeros(n), np.zeros(n, dtype=bool)
    fields = dict(
        trial=np.zeros(n, dtype=np.int64),
        year=np.zeros(n, dtype=np.int64),
        time=np.linspace(0.1, 0.9, n),
        pi_class=np.zeros(n, dtype=np.int64),
        cause=np.zeros(n, dtype=np.int64),
        gt=np.full(n, 60_000.0),
        war_excluded=false,
        clc=np.ones(n, dtype=bool),
        fund=np.ones(n, dtype=bool),
        supp=false,
        opa=false,
        llmc=false,
        claimant_sanctioned=false,
        claimant_in_west=false,
        claimant_member=false,
        scheme_blocked=false,
        u_pays=np.full(n, 0.5),
        u_licence=np.full(n, 0.9),
        pollution=zeros,
        statutory=zeros,
        wreck=zeros,
        hull=zeros,
        counterparty_hull=zeros,
        blame=zeros,
        counterparty_ig=false,
        infrastructure=zeros,
        crew=zeros,
    )
    for k, v in kw.items():
        fields[k] = np.broadcast_to(np.asarray(v), (n,)).copy()
    return EventRecord(**fields)


NO_OTHER = IGClaims(*(np.zeros(0, dtype=np.int64),) * 2, np.zeros(0), np.zeros(0), np.zeros(0))


def route(ev: EventRecord, p: WaterfallParams | None = None, premium: float = 0.0):
    p = p or params()
    s = len(p.schemes)
    return route_events(ev, p, NO_OTHER, np.full((1, 1, s), premium), np.ones((1, 1, s)), 1, 1)


def col(res, name: str) -> float:
    return float(res.columns.get(name, np.zeros(1)).sum())


def test_every_event_sums_to_its_damage_example():
    ev = events(
        3, pollution=[500.0, 0.0, 50.0], wreck=[20.0, 0, 0], hull=[30.0, 10, 5], pi_class=[IG, NONE, SCHEME]
    )
    res = route(ev)
    total = sum(res.columns.values())
    np.testing.assert_allclose(total, ev.damage(), rtol=1e-12)


def test_war_spill_gets_nothing_from_clc_or_the_fund():
    """War (CLC Art III(2)(a), Fund Art 4(2)(a)): damage 100 → war P&I 100 (limit 500), no Fund."""
    res = route(events(pollution=100.0, cause=CAUSE_WAR, pi_class=IG))
    assert col(res, "fund_1992") == 0.0
    assert col(res, "war_pi") == pytest.approx(100.0)
    assert col(res, "ig_club_retention") == 0.0


def test_war_spill_uninsured_is_uncompensated():
    res = route(events(pollution=100.0, cause=CAUSE_WAR, pi_class=NONE))
    assert col(res, "uncompensated") == pytest.approx(100.0)
    assert col(res, "fund_1992") == 0.0


def test_sabotage_spill_gets_the_fund_not_the_owner():
    """Sabotage (Art III(2)(b)): owner exempt, the 1992 Fund pays min(D, 203) = 150 in a Fund state."""
    res = route(events(pollution=150.0, cause=CAUSE_SABOTAGE, pi_class=IG))
    assert col(res, "fund_1992") == pytest.approx(150.0)
    assert col(res, "ig_club_retention") + col(res, "ig_pool") == 0.0


def test_blocked_claim_falls_back_on_the_1992_fund():
    """A scheme-insured 60,000 GT tanker spills 150 in a Fund state whose bloc designated the scheme and
    no licence comes (u_licence 0.9 > 0.3): the scheme pays nothing; the Fund pays min(150, 203) = 150
    including the CLC part (Fund Art 4(1)(b)). The block is permanent and reported."""
    clc = float(clc_limit_sdr(60_000))
    res = route(events(pollution=150.0, pi_class=SCHEME, scheme_blocked=True))
    assert col(res, "scheme:s") == 0.0
    assert col(res, "fund_1992") == pytest.approx(150.0)
    assert float(res.blocked_permanent.sum()) == pytest.approx(clc)


def test_licensed_block_is_delayed_and_paid():
    """With a licence (u_licence 0.1 < 0.3): the scheme pays the CLC amount late, the Fund the rest."""
    clc = float(clc_limit_sdr(60_000))
    res = route(events(pollution=150.0, pi_class=SCHEME, scheme_blocked=True, u_licence=0.1))
    assert col(res, "scheme:s") == pytest.approx(clc)
    assert col(res, "fund_1992") == pytest.approx(150.0 - clc)
    assert float(res.blocked_delayed.sum()) == pytest.approx(clc)


def test_a_blocked_licensed_claim_is_delayed_only_for_what_the_payer_pays():
    """A scheme claim of 80 (1,597 GT, non-party state), blocked but licensed: from a non-member state
    with u_pays 0.9 ≥ reliability 0.7 the scheme refuses it, so nothing is delayed (it is uncompensated);
    from a member state with capital 10, the 10 paid is what is delayed."""
    scheme = SchemeFinance("s", 300.0, 0.0, 0.0, 0.7, 10.0, 0.3, 0.0, 0.0, 0.0, True)
    p = params(schemes=(scheme,))
    claim = dict(pollution=80.0, pi_class=SCHEME, gt=1_597.0, clc=False, fund=False, scheme_blocked=True)
    refused = route(events(**claim, u_licence=0.1, u_pays=0.9), p)
    assert col(refused, "scheme:s") == 0.0 and col(refused, "uncompensated") == pytest.approx(80.0)
    assert float(refused.blocked_delayed.sum()) == 0.0
    short = route(events(**claim, u_licence=0.1, claimant_member=True), p)
    assert col(short, "scheme:s") == pytest.approx(10.0)
    assert float(short.blocked_delayed.sum()) == pytest.approx(10.0)


US_WATERS = dict(clc=False, fund=False, opa=True, gt=160_000.0)


def test_what_the_insurer_pays_leaves_nothing_uncompensated_below_the_osltf_cap():
    """Scheme claims in US waters, 30% reinsured, from a member state: each is paid in full (the
    scheme's limit 300 above every claim) or partly (capital spent), and the OSLTF pays the rest of the
    pollution below its cap: uncompensated is exactly zero (not a rounding step either way)."""
    rng = np.random.default_rng(7)
    n = 400
    p = params(schemes=(SchemeFinance("s", 300.0, 0.3, 1e6, 1.0, 2000.0, 0.3, 0.0, 0.0, 0.0, True),))
    ev = events(n, pollution=rng.uniform(1.0, 600.0, n), pi_class=SCHEME, claimant_member=True, **US_WATERS)
    res = route(ev, p)
    assert (res.columns["osltf"] >= 0).all()
    assert (res.columns["uncompensated"] == 0.0).all()
    # (both kinds of claim: the first paid in full, most of the others only by the reinsurer once the
    # scheme's capital ran out)
    paid_by_scheme = res.columns["scheme:s"] > 0
    assert paid_by_scheme[0] and (~paid_by_scheme).sum() > n // 2


def test_a_delayed_ig_claim_is_what_the_ig_tower_pays():
    """An IG tanker's claim of 5,000 of pollution in a non-party state, blocked but licensed: the tower
    pays up to its USD 1bn pollution cap, the rest is uncompensated, and only what is paid is delayed."""
    res = route(events(pollution=5000.0, clc=False, fund=False, claimant_sanctioned=True, u_licence=0.1))
    unpaid = col(res, "uncompensated")
    assert unpaid > 0
    assert float(res.blocked_delayed.sum()) == pytest.approx(5000.0 - unpaid)


def test_a_block_for_good_counts_what_the_payer_would_have_paid():
    """The same claims blocked for good (u_licence 0.9) count what the payer would have paid but for the
    block, as a delayed block counts what it pays late: of the IG claim of 5,000 of pollution, the USD 1bn
    the tower covers (the cap; without the block the club pays exactly that); of the scheme claim that the
    scheme would refuse anyway (u_pays 0.9 ≥ reliability 0.7, a non-member state), nothing; of the same
    claim from a member state, the claim within the scheme's limit."""
    ig = dict(pollution=5000.0, clc=False, fund=False)
    blocked = route(events(**ig, claimant_sanctioned=True, u_licence=0.9))
    assert ig_paid(blocked) == 0.0
    assert float(blocked.blocked_permanent.sum()) == pytest.approx(ig_paid(route(events(**ig))))
    assert float(blocked.blocked_permanent.sum()) == pytest.approx(IG_2026_27.pollution_cap)
    scheme = SchemeFinance("s", 300.0, 0.0, 0.0, 0.7, 1e6, 0.3, 0.0, 0.0, 0.0, True)
    p = params(schemes=(scheme,))
    claim = dict(pollution=80.0, pi_class=SCHEME, gt=1_597.0, clc=False, fund=False, scheme_blocked=True)
    refused = route(events(**claim, u_licence=0.9, u_pays=0.9), p)
    assert col(refused, "scheme:s") == 0.0 and float(refused.blocked_permanent.sum()) == 0.0
    member = route(events(**claim, u_licence=0.9, u_pays=0.9, claimant_member=True), p)
    assert col(member, "scheme:s") == 0.0 and float(member.blocked_permanent.sum()) == pytest.approx(80.0)


def test_the_osltf_pays_what_an_uninsured_owner_does_not_up_to_its_cap():
    """An uninsured 160,000 GT tanker spills 1,200 in US waters; its owner pays half its OPA liability
    (none_owner_pays_share 0.5). The OSLTF pays the rest up to USD 1bn: 1,000, leaving nothing
    uncompensated (a blend of "owner pays" and "owner does not" would give it less)."""
    owner = 0.5 * float(opa_limit_usd_m(160_000.0))
    res = route(events(pollution=1200.0, pi_class=NONE, **US_WATERS), params(none_owner_pays_share=0.5))
    assert col(res, "owner") == pytest.approx(owner)
    assert col(res, "osltf") == pytest.approx(min(1200.0 - owner, OSLTF_LIMIT_USD_M))
    assert col(res, "uncompensated") == pytest.approx(1200.0 - owner - min(1200.0 - owner, 1000.0))


def test_the_osltf_pays_what_a_limited_insurer_does_not_pay_of_the_pollution():
    """A fixed-premium P&I insurer with a USD 300m limit: pollution 1,200 and wreck 50 in US waters. Its
    obligation is min(OPA liability, 300) + 50 = 350, of which it pays 300, i.e. 6/7 of each head. The
    OSLTF pays 1,200 less the insurer's pollution payment (under its cap); the unpaid wreck is
    uncompensated."""
    limit, wreck = 300.0, 50.0
    pollution_part = min(float(opa_limit_usd_m(160_000.0)), limit)
    frac = limit / (pollution_part + wreck)
    res = route(
        events(pollution=1200.0, wreck=wreck, pi_class=WF, **US_WATERS), params(western_fixed_limit=limit)
    )
    assert col(res, "western_fixed_pi") == pytest.approx(limit)
    assert col(res, "osltf") == pytest.approx(min(1200.0 - frac * pollution_part, OSLTF_LIMIT_USD_M))
    assert col(res, "uncompensated") == pytest.approx((1.0 - frac) * wreck)


def test_uninsured_tanker_in_fund_state_and_outside():
    """Uninsured 1,597 GT tanker, damage 300: in a Fund state the Fund pays 203, 97 uncompensated; in a
    CLC non-Fund state all 300 is uncompensated (owner pays nothing here: none_owner_pays_share = 0)."""
    res = route(events(pollution=300.0, pi_class=NONE, gt=1_597.0))
    assert col(res, "fund_1992") == pytest.approx(203.0)
    assert col(res, "uncompensated") == pytest.approx(97.0)
    res = route(events(pollution=300.0, pi_class=NONE, gt=1_597.0, fund=False))
    assert col(res, "uncompensated") == pytest.approx(300.0)


def test_scheme_capital_is_consumed_in_event_order():
    """Capital 100, no reinsurance, per-event limit 300: claims of 80 then 80 in one year on a 1,597 GT
    tanker in a non-party state (national law: full liability) → the first paid 80, the second 20, the
    rest (60) uncompensated; capital at the year end 0 (no premium)."""
    p = params(schemes=(SchemeFinance("s", 300.0, 0.0, 0.0, 1.0, 100.0, 0.3, 0.0, 0.0, 0.0, True),))
    ev = events(2, pollution=80.0, pi_class=SCHEME, gt=1_597.0, clc=False, fund=False, claimant_member=True)
    res = route(ev, p)
    np.testing.assert_allclose(res.columns["scheme:s"], [80.0, 20.0])
    assert col(res, "uncompensated") == pytest.approx(60.0)
    assert res.scheme_capital_end[0, 0, 0] == pytest.approx(0.0)


def _two_years(ev: EventRecord, scheme: SchemeFinance, premium: float, recap_u: float, **kw):
    """Route events of one trial over two policy years: `premium` earned each year, one recap uniform."""
    p = params(
        schemes=(scheme,), ig_structures=(IG_2026_27, IG_2026_27), war_buyback_limit=(125.0, 125.0), **kw
    )
    return route_events(ev, p, NO_OTHER, np.full((1, 2, 1), premium), np.full((1, 2, 1), recap_u), 1, 2)


# scheme claims in a non-party state (national law: full liability) from a member state, one a year
SCHEME_CLAIMS = dict(pi_class=SCHEME, gt=1_597.0, clc=False, fund=False, claimant_member=True)


def test_a_scheme_that_runs_out_of_capital_without_a_backstop_is_insolvent_for_good():
    """Capital 100, quota share 50% (reinsurer capacity 1,000), premium 20 a year (expenses 30%: 14, of
    which the reinsurer takes its half: 7), hull cover. Year 0: a claim of 300 → the scheme owes 150 and
    pays 100 (its capital) during the year and 7 (its premium) at its end, the reinsurer 150; 43 is left
    unpaid, so without a backstop it is insolvent (capital 0, no more premium). Year 1: a claim of 60 with
    hull damage 10 → nobody pays it (scheme, reinsurer, hull cover): it is uncompensated and the hull is
    the owner's. With premium 200 (70 its own) the year-end premium pays the 50 left in full: the scheme
    stays solvent and pays year 1 (30: 20 from its capital, 10 from the year's premium)."""
    ev = events(2, year=[0, 1], pollution=[300.0, 60.0], hull=[0.0, 10.0], **SCHEME_CLAIMS)
    scheme = SchemeFinance("s", 1000.0, 0.5, 1000.0, 1.0, 100.0, 0.3, 0.0, 0.0, 0.0, True)
    res = _two_years(ev, scheme, premium=20.0, recap_u=0.5)
    np.testing.assert_allclose(res.columns["scheme:s"], [107.0, 0.0])
    np.testing.assert_allclose(res.columns["scheme_reinsurance:s"], [150.0, 0.0])
    np.testing.assert_allclose(res.columns["hm_scheme:s"], [0.0, 0.0])
    np.testing.assert_allclose(res.columns["owner"], [0.0, 10.0])
    np.testing.assert_allclose(res.columns["uncompensated"], [43.0, 60.0])
    assert res.scheme_insolvent[0, :, 0].tolist() == [True, True]
    assert not res.scheme_recapitalised.any()
    np.testing.assert_allclose(res.scheme_capital_end[0, :, 0], [0.0, 0.0], atol=1e-12)

    paid_late = _two_years(ev, scheme, premium=200.0, recap_u=0.5)
    np.testing.assert_allclose(paid_late.columns["scheme:s"], [150.0, 30.0])
    np.testing.assert_allclose(paid_late.columns["hm_scheme:s"], [0.0, 10.0])
    assert not paid_late.scheme_insolvent.any() and not paid_late.scheme_recapitalised.any()
    np.testing.assert_allclose(paid_late.scheme_capital_end[0, :, 0], [20.0, 20.0 - 30.0 + 70.0])

    solvent = _two_years(ev, replace(scheme, capital=1000.0), premium=200.0, recap_u=0.5)
    np.testing.assert_allclose(solvent.columns["scheme:s"], [150.0, 30.0])
    assert not solvent.scheme_insolvent.any()
    np.testing.assert_allclose(solvent.scheme_capital_end[0, :, 0], [1000.0 - 150 + 70, 920.0 - 30 + 70])
    # without reinsurance the scheme keeps the whole of its premium after expenses (140)
    alone = _two_years(ev, replace(scheme, capital=1000.0, quota_share=0.0), premium=200.0, recap_u=0.5)
    np.testing.assert_allclose(alone.scheme_capital_end[0, :, 0], [1000.0 - 300 + 140, 840.0 - 60 + 140])


@pytest.mark.parametrize("clc", [False, True])
def test_an_insolvent_schemes_members_are_uninsured_and_their_owners_pay_their_share(clc):
    """After the scheme of the case above fails (year 0), a year-1 event of one of its members is routed
    as the same event of an uninsured (`none`) tanker: its owner pays `none_owner_pays_share` (here 5%)
    of the obligation, which the scheme's limit no longer bounds, and its hull; in a CLC and Fund state
    the Fund, elsewhere the claimants, bear the rest."""
    kw = dict(SCHEME_CLAIMS, gt=60_000.0, clc=[False, clc], fund=[False, clc])
    ev = events(2, year=[0, 1], pollution=[300.0, 600.0], hull=[0.0, 10.0], **kw)
    scheme = SchemeFinance("s", 1000.0, 0.5, 1000.0, 1.0, 100.0, 0.3, 0.0, 0.0, 0.0, True)
    res = _two_years(ev, scheme, premium=20.0, recap_u=0.5, none_owner_pays_share=0.05)
    assert res.scheme_insolvent[0, :, 0].tolist() == [True, True]
    kw["pi_class"] = NONE
    uninsured = events(2, year=[0, 1], pollution=[0.0, 600.0], hull=[0.0, 10.0], **kw)
    alone = _two_years(uninsured, scheme, premium=20.0, recap_u=0.5, none_owner_pays_share=0.05)
    assert set(alone.columns) <= set(res.columns)
    for name, v in res.columns.items():
        expected = alone.columns[name][1] if name in alone.columns else 0.0
        assert v[1] == pytest.approx(expected, rel=1e-12, abs=1e-12), name
    if not clc:  # (national law: the whole 600 is the owner's liability)
        assert res.columns["owner"][1] == pytest.approx(0.05 * 600.0 + 10.0)
        assert res.columns["uncompensated"][1] == pytest.approx(0.95 * 600.0)
    else:
        assert res.columns["fund_1992"][1] > 0
    assert sum(v[1] for v in res.columns.values()) == pytest.approx(610.0)


@pytest.mark.parametrize("u_licence", [0.1, 0.9])
def test_a_failed_schemes_member_has_no_payment_to_block(u_licence):
    """The year-1 event of the case above in the waters of a state whose bloc designated the scheme: the
    scheme has failed, its member is uninsured and the owner pays its share, so a block (licensed or not)
    stops no insurer's payment: nothing is counted as blocked, and the payers are those of the unblocked
    event."""
    ev = events(2, year=[0, 1], pollution=[300.0, 600.0], **SCHEME_CLAIMS)
    scheme = SchemeFinance("s", 1000.0, 0.5, 1000.0, 1.0, 100.0, 0.3, 0.0, 0.0, 0.0, True)
    blocked = replace(ev, scheme_blocked=np.array([False, True]), u_licence=np.full(2, u_licence))
    res = _two_years(blocked, scheme, premium=20.0, recap_u=0.5, none_owner_pays_share=0.05)
    free = _two_years(ev, scheme, premium=20.0, recap_u=0.5, none_owner_pays_share=0.05)
    assert res.scheme_insolvent[0, :, 0].tolist() == [True, True]
    assert res.columns["owner"][1] == pytest.approx(0.05 * 600.0)
    assert res.blocked_delayed[1] == 0.0 and res.blocked_permanent[1] == 0.0
    for name, v in free.columns.items():
        np.testing.assert_array_equal(res.columns[name], v, err_msg=name)


def test_a_failed_schemes_member_still_counts_its_ig_counterpartys_blocked_claim():
    """The year-1 event of a failed scheme's member is a collision spill in a sanctioned state (the IG
    counterparty's club is blocked there too, no licence): the member's own claim counts nothing as
    blocked, but its counterparty's claim does, as for the same event of an uninsured tanker."""
    collision = dict(
        counterparty_hull=[0.0, 1.0], blame=0.6, counterparty_ig=True, claimant_sanctioned=[False, True]
    )
    kw = dict(SCHEME_CLAIMS, gt=60_000.0, scheme_blocked=[False, True], **collision)
    ev = events(2, year=[0, 1], pollution=[300.0, 600.0], **kw)
    scheme = SchemeFinance("s", 1000.0, 0.5, 1000.0, 1.0, 100.0, 0.3, 0.0, 0.0, 0.0, True)
    res = _two_years(ev, scheme, premium=20.0, recap_u=0.5, none_owner_pays_share=0.05)
    uninsured = events(2, year=[0, 1], pollution=[0.0, 600.0], **{**kw, "pi_class": NONE})
    alone = _two_years(uninsured, scheme, premium=20.0, recap_u=0.5, none_owner_pays_share=0.05)
    assert res.scheme_insolvent[0, 1, 0]
    assert alone.blocked_permanent[1] > 0
    assert res.blocked_permanent[1] == pytest.approx(alone.blocked_permanent[1], rel=1e-12)


def test_a_blocked_ig_claims_cover_counts_statutory_damage_under_the_pollution_cap():
    """An IG claim of 900 of pollution and 300 of statutory environmental damage (a non-party state),
    blocked for good: the USD 1bn cap covers both (oil pollution heads), so the club would have paid 1,000
    of the 1,200, and that is the block's amount (counting 900 against the cap would give 1,200)."""
    claim = dict(pollution=900.0, statutory=300.0, clc=False, fund=False)
    res = route(events(**claim, claimant_sanctioned=True))
    assert float(res.blocked_permanent.sum()) == pytest.approx(1000.0)
    assert ig_paid(route(events(**claim))) == pytest.approx(1000.0)


def test_a_blocked_ig_claim_is_measured_against_its_own_policy_years_tower():
    """Two policy years whose pollution caps differ (1,000, then 500): the same claim of 5,000 blocked for
    good in each year counts what that year's tower would have paid."""
    two = params(
        ig_structures=(IG_2026_27, replace(IG_2026_27, pollution_cap=500.0)), war_buyback_limit=(125.0, 125.0)
    )
    ev = events(2, year=[0, 1], pollution=5000.0, clc=False, fund=False, claimant_sanctioned=True)
    res = route_events(ev, two, NO_OTHER, np.zeros((1, 2, 1)), np.ones((1, 2, 1)), 1, 2)
    np.testing.assert_allclose(res.blocked_permanent, [1000.0, 500.0])


@pytest.mark.parametrize("recap_u, recapitalised", [(0.69, True), (0.71, False)])
def test_a_scheme_below_its_backstop_threshold_asks_the_sovereign_each_year(recap_u, recapitalised):
    """Capital 500, backstop: below 300, probability 0.7, amount 400. Year 0: a retained claim of 250
    (paid in full) and premium 0 → capital 250 < 300: with the year's uniform below 0.7 the sovereign
    tops it up to 650; at or above 0.7 it does not, but the scheme paid its claims, so it is not
    insolvent: it pays the year-1 claim of 100 from its 250 and asks again at the year end (150 < 300)."""
    ev = events(2, year=[0, 1], pollution=[250.0, 100.0], **SCHEME_CLAIMS)
    scheme = SchemeFinance("s", 1000.0, 0.0, 0.0, 1.0, 500.0, 0.3, 300.0, 0.7, 400.0, True)
    res = _two_years(ev, scheme, premium=0.0, recap_u=recap_u)
    np.testing.assert_allclose(res.columns["scheme:s"], [250.0, 100.0])
    assert res.scheme_recapitalised[0, :, 0].tolist() == [recapitalised, False]
    assert not res.scheme_insolvent.any()
    np.testing.assert_allclose(
        res.scheme_capital_end[0, :, 0], [650.0, 550.0] if recapitalised else [250.0, 150.0]
    )


def test_a_scheme_that_cannot_pay_is_rescued_by_the_sovereign_or_insolvent():
    """Capital 100, premium 20 (14 after expenses), a backstop with probability 0.7 and amount 50 but no
    threshold. Year 0: a retained claim of 150 → 100 paid from capital, 14 from the premium at the year
    end, 36 left: the scheme asks the sovereign. With the year's uniform below 0.7 it is topped up by 50,
    which pays the 36 (the claim is paid in full; capital 14, then 28 after year 1's premium); otherwise,
    as without a backstop, it is insolvent (114 paid, capital 0, no more premium)."""
    ev = events(1, pollution=150.0, **SCHEME_CLAIMS)
    scheme = SchemeFinance("s", 1000.0, 0.0, 0.0, 1.0, 100.0, 0.3, 0.0, 0.7, 50.0, True)
    res = _two_years(ev, scheme, premium=20.0, recap_u=0.5)
    np.testing.assert_allclose(res.columns["scheme:s"], [150.0])
    assert res.scheme_recapitalised[0, :, 0].tolist() == [True, False]
    assert not res.scheme_insolvent.any()
    np.testing.assert_allclose(res.scheme_capital_end[0, :, 0], [14.0, 28.0])
    for failed in (
        _two_years(ev, scheme, premium=20.0, recap_u=0.71),
        _two_years(ev, replace(scheme, recap_probability=0.0), premium=20.0, recap_u=0.5),
    ):
        np.testing.assert_allclose(failed.columns["scheme:s"], [114.0])
        assert failed.scheme_insolvent[0, :, 0].tolist() == [True, True]
        assert not failed.scheme_recapitalised.any()
        np.testing.assert_allclose(failed.scheme_capital_end[0, :, 0], [0.0, 0.0], atol=1e-12)


def test_a_top_up_smaller_than_the_claims_left_pays_what_it_can():
    """Capital 100, a retained claim of 200, premium 20 (14), a certain backstop of 50: 100 + 14 + 50 = 164
    paid, 36 unpaid; the rescued scheme goes on with nothing. Claims of 0.1 and 0.2 against a capital of
    0.3 are paid in full without a shortfall (no insolvency by a rounding step)."""
    ev = events(1, pollution=200.0, **SCHEME_CLAIMS)
    scheme = SchemeFinance("s", 1000.0, 0.0, 0.0, 1.0, 100.0, 0.3, 0.0, 1.0, 50.0, True)
    res = _two_years(ev, scheme, premium=20.0, recap_u=0.5)
    np.testing.assert_allclose(res.columns["scheme:s"], [164.0])
    np.testing.assert_allclose(res.columns["uncompensated"], [36.0])
    assert res.scheme_recapitalised[0, :, 0].tolist() == [True, False] and not res.scheme_insolvent.any()
    np.testing.assert_allclose(res.scheme_capital_end[0, :, 0], [0.0, 14.0], atol=1e-12)
    tiny = events(2, pollution=[0.1, 0.2], **SCHEME_CLAIMS)
    no_backstop = replace(scheme, capital=0.3, recap_probability=0.0)
    res = _two_years(tiny, no_backstop, premium=0.0, recap_u=0.5)
    np.testing.assert_allclose(res.columns["scheme:s"], [0.1, 0.2])
    assert not res.scheme_insolvent.any()


def test_the_schemes_reinsurer_has_a_fresh_capacity_each_year_in_each_trial():
    """Quota share 50%, reinsurer capacity 80 a year. Trial 0: claims 100 and 100 in year 0 (reinsurer
    50 + 30), 100 in year 1 (50); trial 1: 200 in year 1 (80). Each trial-year starts with 80."""
    ev = events(
        4,
        trial=[0, 0, 0, 1],
        year=[0, 0, 1, 1],
        time=[0.1, 0.2, 0.5, 0.5],
        pollution=[100.0, 100.0, 100.0, 200.0],
        **SCHEME_CLAIMS,
    )
    scheme = SchemeFinance("s", 1000.0, 0.5, 80.0, 1.0, 1e6, 0.3, 0.0, 0.0, 0.0, True)
    p = params(schemes=(scheme,), ig_structures=(IG_2026_27, IG_2026_27), war_buyback_limit=(125.0, 125.0))
    res = route_events(ev, p, NO_OTHER, np.zeros((2, 2, 1)), np.ones((2, 2, 1)), 2, 2)
    np.testing.assert_allclose(res.columns["scheme_reinsurance:s"], [50.0, 30.0, 50.0, 80.0])
    np.testing.assert_allclose(res.columns["scheme:s"], [50.0, 50.0, 50.0, 100.0])


def test_scheme_quota_share_reinsurer_and_reliability():
    """Quota share 50% to a reinsurer with capacity 30: a claim of 80 from a member state → scheme 40,
    reinsurer 30 (capacity), 10 unpaid. From a non-member state with u_pays 0.9 ≥ reliability 0.7:
    nothing paid."""
    p = params(schemes=(SchemeFinance("s", 300.0, 0.5, 30.0, 0.7, 1e6, 0.3, 0.0, 0.0, 0.0, True),))
    res = route(
        events(pollution=80.0, pi_class=SCHEME, gt=1_597.0, clc=False, fund=False, claimant_member=True), p
    )
    assert col(res, "scheme:s") == pytest.approx(40.0)
    assert col(res, "scheme_reinsurance:s") == pytest.approx(30.0)
    assert col(res, "uncompensated") == pytest.approx(10.0)
    res = route(events(pollution=80.0, pi_class=SCHEME, gt=1_597.0, clc=False, fund=False, u_pays=0.9), p)
    assert col(res, "scheme:s") + col(res, "scheme_reinsurance:s") == 0.0


def test_collision_split_and_counterparty_recovery():
    """IG tanker, blame 0.5, counterparty hull damage 40: liability 20 → 3/4 (15) to the tanker's Western
    H&M, 1/4 (5) to P&I (the club's retention); the counterparty's H&M keeps its own 20 share."""
    res = route(events(counterparty_hull=40.0, blame=0.5, pi_class=IG))
    assert col(res, "hm_tanker_western") == pytest.approx(15.0)
    assert col(res, "ig_club_retention") == pytest.approx(5.0)
    assert col(res, "counterparty_hm") == pytest.approx(20.0)


def test_collision_split_follows_the_world_datas_running_down_share():
    """The H&M share of collision liability is severity.yaml's `collision.running_down_clause_hm_share`
    (read and checked, but the split hard-coded 3/4): at 0.6 the same liability 20 is 12 to H&M, 8 to P&I."""
    res = route(events(counterparty_hull=40.0, blame=0.5, pi_class=IG), params(running_down_hm_share=0.6))
    assert col(res, "hm_tanker_western") == pytest.approx(12.0)
    assert col(res, "ig_club_retention") == pytest.approx(8.0)


def test_the_compiled_waterfall_reads_the_running_down_share_of_the_world_data():
    """A world whose severity.yaml gives the running-down clause's H&M share 0.6 compiles to it."""
    import copy

    from riskmodel.engine.compile import compile_model
    from riskmodel.world import load_world

    world = load_world()
    severity = copy.deepcopy(world.severity)
    severity["collision"]["running_down_clause_hm_share"] = 0.6
    scenario = load_scenario("scenarios/baseline.yaml")
    assert compile_model(scenario, world.replace(severity=severity)).waterfall.running_down_hm_share == 0.6
    assert compile_model(scenario, world).waterfall.running_down_hm_share == 0.75


def test_shadow_collision_leaves_the_loss_with_the_counterparty():
    """Uninsured tanker at fault (blame 0.8) damages a ship by 40: no recovery, counterparty H&M pays 40."""
    res = route(events(counterparty_hull=40.0, blame=0.8, pi_class=NONE))
    assert col(res, "counterparty_hm") == pytest.approx(40.0)


def test_llmc_limits_the_property_claims_together_pro_rata():
    """A 60,000 GT IG tanker in an LLMC 1996 state (sdr_usd 1): property limit 1.51 + 604e-6 × 28,000 +
    453e-6 × 30,000 = 32.012. Its collision liability (blame 0.5 × 100 = 50) and the infrastructure damage
    (30) sum to 80, so each is paid at 32.012 / 80: the liability 20.0075 (3/4 to its H&M, 1/4 to the
    club), the infrastructure 12.0045 by the club. The other ship's H&M keeps 100 − 20.0075, the
    infrastructure owner's insurers 30 − 12.0045. Wreck removal (20) is reserved: paid in full."""
    limit = 1.51 + 604e-6 * 28_000 + 453e-6 * 30_000
    assert float(llmc_property_limit_sdr(60_000)) == pytest.approx(limit)
    heads = dict(counterparty_hull=100.0, blame=0.5, infrastructure=30.0, wreck=20.0, pi_class=IG)
    res = route(events(llmc=True, **heads))
    k = limit / 80.0
    assert col(res, "hm_tanker_western") == pytest.approx(0.75 * 50.0 * k)
    assert col(res, "counterparty_hm") == pytest.approx(100.0 - 50.0 * k)
    assert col(res, "energy_property") == pytest.approx(30.0 - 30.0 * k)
    club = col(res, "ig_club_retention") + col(res, "ig_pool")
    assert club == pytest.approx(0.25 * 50.0 * k + 30.0 * k + 20.0)
    assert col(res, "uncompensated") == 0.0
    free = route(events(llmc=False, **heads))  # outside LLMC 1996: no limit
    assert col(free, "hm_tanker_western") == pytest.approx(37.5)
    assert col(free, "counterparty_hm") == pytest.approx(50.0)
    assert col(free, "energy_property") == 0.0
    below = route(events(llmc=True, counterparty_hull=40.0, blame=0.5, pi_class=IG))  # 20 < the limit
    assert col(below, "counterparty_hm") == pytest.approx(20.0)


def test_above_the_llmc_limit_an_unpaid_claim_is_still_the_claimants():
    """An uninsured tanker (nothing paid) in an LLMC state: the infrastructure owner's insurers bear all
    the infrastructure damage, the part above the limit and the unpaid part below it, and the other ship's
    H&M all its hull damage."""
    res = route(events(llmc=True, counterparty_hull=100.0, blame=0.5, infrastructure=30.0, pi_class=NONE))
    assert col(res, "energy_property") == pytest.approx(30.0)
    assert col(res, "counterparty_hm") == pytest.approx(100.0)


def collision_spill(**kw) -> EventRecord:
    """An uninsured tanker (1,597 GT) collides with an IG-entered ship (tanker blame 0.6) and spills 300
    in a CLC non-Fund state; the other ship's hull damage is 1."""
    base = dict(pollution=300.0, counterparty_hull=1.0, blame=0.6, counterparty_ig=True, pi_class=NONE)
    return events(**base, gt=1_597.0, fund=False, **kw)


def ig_paid(res) -> float:
    return sum(col(res, c) for c in payers.IG_TOWER_PAYERS)


def test_ig_counterparty_pays_its_blame_share_of_uncompensated_pollution():
    """The collision spill: 300 would be uncompensated; the IG counterparty answers for 40% of it (120),
    which goes through the IG tower (10 retention, 90 pool, 20 Hydra's layer-1 deductible)."""
    res = route(collision_spill())
    assert ig_paid(res) == pytest.approx(120.0)
    assert col(res, "uncompensated") == pytest.approx(180.0)


@pytest.mark.parametrize("u_licence", [0.9, 0.1])
def test_ig_counterparty_claim_of_a_sanctioned_claimant_is_blocked(u_licence):
    """The collision spill in a state the Western blocs sanction: the IG counterparty's 120 is blocked at
    the claimant link like the tanker's own Western cover would be. Without a licence (0.9 > 0.3) the club
    pays nothing and the 120 stays uncompensated (all 300), reported as a permanent block; with one (0.1)
    it is paid late, reported as delayed."""
    res = route(collision_spill(claimant_sanctioned=True, u_licence=u_licence))
    licensed = u_licence < 0.3
    assert ig_paid(res) == pytest.approx(120.0 if licensed else 0.0)
    assert col(res, "uncompensated") == pytest.approx(180.0 if licensed else 300.0)
    assert float(res.blocked_delayed.sum()) == pytest.approx(120.0 if licensed else 0.0)
    assert float(res.blocked_permanent.sum()) == pytest.approx(0.0 if licensed else 120.0)
    assert sum(res.columns.values()).sum() == pytest.approx(300.0 + 1.0)  # damage: pollution + the hull


def test_an_ig_counterparty_claim_blocked_for_good_counts_what_its_tower_would_pay():
    """The collision spill of 5,000 in a sanctioned state, no licence: the counterparty's 40% (2,000) is
    all pollution, of which its club would have paid the USD 1bn cap; that is what the block costs."""
    spill = dict(pollution=5000.0, counterparty_hull=1.0, blame=0.6, counterparty_ig=True, pi_class=NONE)
    spill.update(gt=1_597.0, fund=False)
    res = route(events(**spill, claimant_sanctioned=True, u_licence=0.9))
    assert ig_paid(res) == 0.0
    assert float(res.blocked_permanent.sum()) == pytest.approx(IG_2026_27.pollution_cap)
    assert ig_paid(route(events(**spill))) == pytest.approx(IG_2026_27.pollution_cap)


@pytest.mark.parametrize("own", [IG, WF])
def test_a_pair_of_claims_blocked_for_good_counts_what_both_payers_would_have_paid(own):
    """A Western-insured tanker (IG, or fixed-premium with a limit of 200) collides with an IG-entered ship
    (blame 0.6) and spills 300 in a state with no convention that the Western blocs sanction; no licence.
    Both claims are blocked for good: the tanker's own payer pays nothing, so the counterparty is asked for
    40% of all 300 (120), and that too is blocked. But for the blocks the tanker's payer would have paid
    its obligation: its pollution liability (300, or for the fixed-premium insurer its limit of 200) and the
    P&I quarter of the collision liability (0.15), the latter within its limit (200 of 200.15, the same
    share of each head); and the counterparty 40% of the pollution left. The block counts exactly what the
    Western payers pay in the same event without a sanctioned claimant (not that and 120)."""
    spill = dict(pollution=300.0, counterparty_hull=1.0, blame=0.6, counterparty_ig=True, pi_class=own)
    spill.update(clc=False, fund=False, u_licence=0.9)
    p = params(western_fixed_limit=200.0)
    blocked = route(events(**spill, claimant_sanctioned=True), p)
    free = route(events(**spill), p)
    assert ig_paid(blocked) + col(blocked, "western_fixed_pi") == 0.0
    would_have_paid = ig_paid(free) + col(free, "western_fixed_pi")
    pollution = 300.0 if own == IG else 200.0
    obligation = pollution + 0.25 * 0.6 * 1.0
    paid = min(obligation, 200.0) if own == WF else obligation
    expected = paid + 0.4 * (300.0 - pollution * paid / obligation)
    assert would_have_paid == pytest.approx(expected, rel=1e-12)
    assert float(blocked.blocked_permanent.sum()) == pytest.approx(would_have_paid, rel=1e-12)


def test_the_tower_columns_are_the_ig_payers():
    assert set(TOWER_COLUMNS) == set(payers.IG_TOWER_PAYERS)


def test_infrastructure_unpaid_falls_to_energy_property():
    """Uninsured tanker drags its anchor over a cable (damage 60): the cable owner's property insurers pay."""
    res = route(events(infrastructure=60.0, pi_class=NONE))
    assert col(res, "energy_property") == pytest.approx(60.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 2000),
            st.floats(0, 100),
            st.floats(0, 80),
            st.floats(0, 60),
            st.floats(0, 1),
            st.integers(0, 4),
            st.integers(0, 2),
            st.booleans(),
            st.booleans(),
            st.booleans(),
            st.floats(1_000, 300_000),
            st.booleans(),
            st.floats(0, 500),
            st.floats(0, 30),
            st.floats(0, 200),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_columns_sum_to_damage_and_are_non_negative(rows):
    """Any mix of classes, causes, regimes (CLC, Fund, Supplementary Fund, US waters, LLMC, none), blocks
    and heads of damage; owners of uninsured tankers pay half of what they owe."""
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    fund = np.array(cols[8]) & np.array(cols[7])
    opa = np.array(cols[11]) & ~np.array(cols[7])  # US waters: not a CLC state
    ev = events(
        n,
        pollution=cols[0],
        wreck=cols[1],
        hull=cols[2],
        counterparty_hull=cols[3],
        blame=cols[4],
        pi_class=cols[5],
        cause=cols[6],  # CAUSE_MARINE, CAUSE_WAR or CAUSE_SABOTAGE
        clc=cols[7],
        fund=fund,
        supp=fund & np.array(cols[9]),
        counterparty_ig=cols[9],
        gt=cols[10],
        scheme_blocked=cols[8],
        opa=opa,
        statutory=cols[12],
        crew=cols[13],
        infrastructure=cols[14],
        llmc=cols[15],
    )
    p = params(
        schemes=(SchemeFinance("s", 300.0, 0.5, 100.0, 0.7, 150.0, 0.3, 100.0, 1.0, 40.0, True),),
        none_owner_pays_share=0.5,
    )
    res = route_events(ev, p, NO_OTHER, np.full((1, 1, 1), 60.0), np.zeros((1, 1, 1)), 1, 1)
    total = sum(res.columns.values())
    np.testing.assert_allclose(total, ev.damage(), rtol=1e-9, atol=1e-9)
    for name, v in res.columns.items():
        assert (v >= -1e-9).all(), name


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.floats(0, 400), st.floats(0, 40), st.floats(0, 1)),
        min_size=1,
        max_size=15,
    ),
    st.floats(0, 200),
    st.floats(0, 1),
    st.floats(0, 300),
    st.floats(0, 1),
    st.floats(0, 120),
    st.lists(st.floats(0, 1), min_size=9, max_size=9),
    st.lists(st.floats(0, 80), min_size=9, max_size=9),
)
def test_a_schemes_payments_over_the_years_conserve_damage_and_never_exceed_what_is_owed(
    rows, capital, q, threshold, probability, amount, uniforms, premiums
):
    """Scheme claims over three trials and three years (capital, quota share, premium, backstop drawn):
    every event's columns sum to its damage and none is negative; the scheme and its reinsurer never pay
    more than the claim; a scheme pays nothing in a year it starts insolvent; its capital stays ≥ 0."""
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[4]))
    trial, year, pollution, hull, time = (np.array(c) for c in zip(*rows, strict=True))
    n = len(rows)
    ev = events(n, trial=trial, year=year, time=time, pollution=pollution, hull=hull, **SCHEME_CLAIMS)
    scheme = SchemeFinance("s", 250.0, q, 100.0, 1.0, capital, 0.3, threshold, probability, amount, True)
    three = dict(ig_structures=(IG_2026_27,) * 3, war_buyback_limit=(125.0,) * 3)
    p = params(schemes=(scheme,), **three)
    res = route_events(
        ev, p, NO_OTHER, np.array(premiums).reshape(3, 3, 1), np.array(uniforms).reshape(3, 3, 1), 3, 3
    )
    total = sum(res.columns.values())
    np.testing.assert_allclose(total, ev.damage(), rtol=1e-9, atol=1e-9)
    for name, v in res.columns.items():
        assert (v >= -1e-9).all(), name
    owed = obligations(ev, p).willing
    retained, reinsured = res.columns["scheme:s"], res.columns["scheme_reinsurance:s"]
    assert (retained <= (1 - q) * owed * (1 + 1e-9) + 1e-9).all()
    assert (reinsured <= q * owed * (1 + 1e-9) + 1e-9).all()
    paid = retained + reinsured
    lapsed = np.zeros((3, 3), dtype=bool)
    lapsed[:, 1:] = res.scheme_insolvent[:, :-1, 0]
    assert (paid[lapsed[trial, year]] == 0).all()
    assert (res.scheme_capital_end >= 0).all()


def test_domestic_cover_is_limited_to_the_clc_amount_in_a_non_party_state():
    """A domestic insurer's cover per event is the CLC limit of the ship (at least 30 here):
    a 60,000 GT tanker spilling 2,000 in a non-party state gets 4.51 + 631e-6 × 55,000 = 39.215 paid."""
    res = route(events(pollution=2000.0, pi_class=DOM, clc=False, fund=False, claimant_member=True))
    assert col(res, "domestic") == pytest.approx(float(clc_limit_sdr(60_000)))
    assert col(res, "uncompensated") == pytest.approx(2000.0 - float(clc_limit_sdr(60_000)))


def test_the_war_buy_back_is_that_of_the_events_policy_year():
    """A buy-back of 100 in the horizon's first year and 125 in the second: war damage of 300 in excluded
    waters gets 100, then 125."""
    p = params(war_buyback_limit=(100.0, 125.0))
    ev = events(3, pollution=300.0, cause=CAUSE_WAR, pi_class=IG, war_excluded=True, year=[1, 0, 1])
    s = len(p.schemes)
    res = route_events(ev, p, NO_OTHER, np.zeros((1, 2, s)), np.ones((1, 2, s)), 1, 2)
    np.testing.assert_array_equal(res.columns["war_pi"], [125.0, 100.0, 125.0])
    # the engine's limits: those `ig.yaml` gives for each policy year of the horizon (2025/26, then 2026/27)
    scenario = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.start_year": 2025})
    limits = compile_scenario(scenario, 4096, 1).waterfall.war_buyback_limit
    assert limits == (100.0, *(125.0,) * (scenario.horizon.years - 1))


def test_war_buy_back_in_excluded_waters():
    """IG excess war P&I excludes Russian, Ukrainian and Belarusian waters except a USD 125m buy-back:
    war damage of 300 there → war P&I 125, uncompensated 175; elsewhere war P&I pays all 300."""
    res = route(events(pollution=300.0, cause=CAUSE_WAR, pi_class=IG, war_excluded=True))
    assert col(res, "war_pi") == pytest.approx(125.0)
    assert col(res, "uncompensated") == pytest.approx(175.0)
    res = route(events(pollution=300.0, cause=CAUSE_WAR, pi_class=IG))
    assert col(res, "war_pi") == pytest.approx(300.0)


def test_statutory_damage_falls_under_the_ig_pollution_cap():
    """IG tanker in a non-party state (full liability): pollution 800 and statutory environmental damage
    800 are both oil pollution for the club's USD 1bn cap → the tower pays 1,000, 600 is uncompensated."""
    res = route(events(pollution=800.0, statutory=800.0, pi_class=IG, clc=False, fund=False))
    tower = ("ig_club_retention", "ig_pool", "ig_hydra", "ig_gxl_layer1", "ig_gxl_layer2", "ig_gxl_layer3")
    assert sum(col(res, c) for c in (*tower, "ig_overspill")) == pytest.approx(1000.0)
    assert col(res, "uncompensated") == pytest.approx(600.0)


@pytest.mark.parametrize("pollution_cap", [1000.0, 50.0])
def test_claims_below_layer_1_split_as_the_tower_splits_them(pollution_cap):
    """`_ig_tower` sends only the claims that reach layer 1 (or whose pollution exceeds the cap) through
    `apply_ig_tower` and splits the others itself: every column equal, bit for bit, to the tower's own
    split of each claim alone; the columns of each claim sum to it. A cap of 50, below layer 1, is a
    custom world's (the shipped cap is 1,000)."""
    from dataclasses import replace

    from riskmodel.reinsurance.ig_tower import apply_ig_tower
    from riskmodel.waterfall import _ig_tower

    structure = replace(IG_2026_27, pollution_cap=pollution_cap)
    rng = np.random.default_rng(3)
    n = 400
    claim = np.concatenate([rng.uniform(0, 140, n - 3), [80.0, 30.0, 900.0]])
    pollution = np.concatenate([claim[:-3] * rng.uniform(0, 1, n - 3), [80.0, 0.0, 600.0]])
    trial = np.arange(n)  # one claim a trial: no claim shares Hydra's deductible with another
    zero = np.zeros(n, dtype=np.int64)
    got = _ig_tower(
        (structure,),
        n,
        1,
        claim=(claim,),
        pollution=(pollution,),
        trial=(trial,),
        year=(zero,),
        time=(np.full(n, 0.5),),
    )
    alone = apply_ig_tower(claim, pollution, trial, structure).as_dict()
    for name, column in alone.items():
        assert np.array_equal(got[name], column), name
    assert np.allclose(sum(got.values()), claim, rtol=1e-12, atol=1e-9)
    if pollution_cap < 80.0:
        assert got["uncovered"][n - 3] == 80.0 - pollution_cap  # the all-pollution claim of 80


class _Recorder:
    """Wraps a parameters object and records which of its fields are read (into `read`)."""

    def __init__(self, obj, read: set[str], prefix: str = "") -> None:
        self._obj, self._read, self._prefix = obj, read, prefix

    def __getattr__(self, name: str):
        self._read.add(self._prefix + name)
        value = getattr(self._obj, name)
        if name == "schemes":
            return tuple(_Recorder(s, self._read, "scheme.") for s in value)
        return value


def _mixed_events() -> EventRecord:
    """Every class, marine, sabotage and war, spills and not, blocked claimants and not."""
    n = 10
    return events(
        n,
        pi_class=[0, 1, 2, 3, 4, 4, 0, 2, 4, 3],
        cause=[CAUSE_MARINE] * 6 + [CAUSE_WAR, CAUSE_SABOTAGE, CAUSE_MARINE, CAUSE_WAR],
        pollution=[50.0, 0.0, 400.0, 30.0, 900.0, 10.0, 0.0, 80.0, 250.0, 0.0],
        statutory=np.linspace(0.0, 9.0, n),
        wreck=np.full(n, 5.0),
        hull=np.full(n, 20.0),
        counterparty_hull=[0.0, 10.0, 0.0, 5.0, 30.0, 0.0, 0.0, 0.0, 12.0, 0.0],
        blame=np.full(n, 0.5),
        counterparty_ig=[False, True, False, True, True, False, False, False, True, False],
        infrastructure=np.full(n, 3.0),
        crew=np.full(n, 1.0),
        claimant_sanctioned=[False, True, False, False, False, False, False, True, False, False],
        claimant_in_west=[True, False, True, False, True, False, True, False, True, False],
        scheme_blocked=[False] * 4 + [True, False, False, False, False, False],
        u_pays=np.linspace(0.05, 0.95, n),
        u_licence=np.linspace(0.95, 0.05, n),
    )


def test_precomputed_obligations_give_the_same_routing_when_a_scheme_fails():
    """Over two years, with a scheme that runs out of capital in the first and is closed (no backstop),
    `route_events` given obligations computed under other finance terms routes every amount, the closed
    scheme's lapsed events of the second year included, as it does computing them itself."""
    one = _mixed_events()
    ev = EventRecord(**{f.name: np.concatenate([getattr(one, f.name)] * 2) for f in fields(EventRecord)})
    ev.year[:] = np.repeat([0, 1], one.size)
    two = dict(ig_structures=(IG_2026_27, IG_2026_27), war_buyback_limit=(125.0, 125.0))
    base = params(**two)
    [sch] = base.schemes
    thin = params(**two, schemes=(replace(sch, quota_share=0.5, reinsurer_capacity=1e6, capital=40.0),))
    assert obligation_terms(thin) == obligation_terms(base)
    finance = (np.full((1, 2, 1), 1.0), np.ones((1, 2, 1)), 1, 2)
    alone = route_events(ev, thin, NO_OTHER, *finance)
    given = route_events(ev, thin, NO_OTHER, *finance, owed=obligations(ev, base))
    assert alone.scheme_insolvent[0, :, 0].tolist() == [True, True]  # (the case it is about)
    lapsed = (ev.year == 1) & (ev.pi_class == SCHEME)
    assert (alone.columns["scheme_reinsurance:s"][lapsed] == 0).all() and lapsed.any()
    assert alone.columns.keys() == given.columns.keys()
    for k, v in alone.columns.items():
        assert np.array_equal(v, given.columns[k]), k
    for name in (
        "blocked_delayed",
        "blocked_permanent",
        "scheme_capital_end",
        "scheme_recapitalised",
        "scheme_insolvent",
    ):
        assert np.array_equal(getattr(alone, name), getattr(given, name)), name


def test_obligations_read_only_their_terms():
    """`obligations` must not read a parameter left out of `OBLIGATION_TERMS`/`OBLIGATION_SCHEME_TERMS`:
    two runs equal in those but not in that one would share obligations they should not."""
    read: set[str] = set()
    owed = obligations(_mixed_events(), _Recorder(params(), read))
    assert owed.n == 10 and read, "nothing was read: the check would pass vacuously"
    allowed = {*OBLIGATION_TERMS, "schemes"} | {f"scheme.{f}" for f in OBLIGATION_SCHEME_TERMS}
    assert read <= allowed, read - allowed
    assert {f"scheme.{f}" for f in OBLIGATION_SCHEME_TERMS} <= read


def test_precomputed_obligations_give_the_same_routing():
    """`route_events` given the obligations computed under other finance terms (capital, quota share,
    capacities, hull cover, the owner's share) routes every amount as it does computing them itself."""
    ev = _mixed_events()
    base = params()
    [sch] = base.schemes
    other = params(
        none_owner_pays_share=0.5,
        domestic_capacity=100.0,
        schemes=(replace(sch, quota_share=0.6, reinsurer_capacity=50.0, capital=40.0, hull_cover=False),),
    )
    assert obligation_terms(other) == obligation_terms(base)
    premium = (np.zeros((1, 1, 1)), np.ones((1, 1, 1)), 1, 1)
    alone = route_events(ev, other, NO_OTHER, *premium)
    given = route_events(ev, other, NO_OTHER, *premium, owed=obligations(ev, base))
    assert alone.columns.keys() == given.columns.keys()
    for k, v in alone.columns.items():
        assert np.array_equal(v, given.columns[k]), k
    for name in ("blocked_delayed", "blocked_permanent", "scheme_capital_end", "scheme_insolvent"):
        assert np.array_equal(getattr(alone, name), getattr(given, name)), name
    # the given obligations are the ones used: under those of a USD 1m per-event limit the scheme (and
    # its reinsurer) pay at most 1 of the last scheme event's claim
    lower = obligations(ev, params(schemes=(replace(sch, per_event_limit=1.0),)))
    used = route_events(ev, other, NO_OTHER, *premium, owed=lower)

    def scheme_paid(res):
        return res.columns["scheme:s"][8] + res.columns["scheme_reinsurance:s"][8]

    assert scheme_paid(used) <= 1.0 + 1e-12 < scheme_paid(alone)
    with pytest.raises(ValueError, match="obligations of 10 events"):
        route_events(events(3), other, NO_OTHER, *premium, owed=lower)
    # the finance terms matter here: the routing under `base` differs
    assert not np.array_equal(
        route_events(ev, base, NO_OTHER, *premium).columns["owner"], alone.columns["owner"]
    )
    # and a change of an obligation term changes the key
    assert obligation_terms(params(western_fixed_limit=1.0)) != obligation_terms(base)
    assert obligation_terms(params(schemes=(replace(sch, per_event_limit=1.0),))) != obligation_terms(base)
