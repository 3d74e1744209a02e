"""Stage B on a hand-built market: scheme uptake against recognition (MODEL.md section 4)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from riskmodel.engine.simulate import compile_scenario
from riskmodel.market import MarketPlan, SchemeUptake, cover_shares, scheme_takers
from riskmodel.scenario import load_scenario


def plan(share: float) -> MarketPlan:
    """One trade from a scheme member's port, its tonnage with domestic and uninsured cover (half each),
    30% under the member's own flag and 70% under another; no bar, cap or designations."""
    scheme = SchemeUptake(
        share=share,
        ramp_years=1,
        from_weights=np.array([0.0, 0.0, 0.5, 0.5]),
        origin_slot=np.array([0]),
        destination_slot=np.array([-1]),
        flag_slots=np.array([0, -1]),
        certify_prob=np.array([0.0, 0.5]),
        accept_prob=np.array([0.5]),
    )
    return MarketPlan(
        ref_shares=np.array([[0.0, 0.0, 0.5, 0.5]]),
        shadow_to_domestic=np.array([0.5]),
        barred=np.array([False]),
        licensed_share=0.0,
        cap_kind=np.array([0]),
        sanctioned=np.array([False]),
        log_price_crude=np.log(60.0),
        log_price_products=np.log(80.0),
        log_cap_ig=(np.log(60.0), np.log(100.0)),
        log_cap_wf=(np.log(60.0), np.log(100.0)),
        dispersion=0.1,
        price_z_loading=0.0,
        trade_flags=np.array([[0.3, 0.7]]),
        trade_destination=np.array([0]),
        schemes=(scheme,),
        log_euuk_discount=None,
        euuk_binds=(True, False),
        log_cap_other=(np.log(60.0), np.inf),
    )


@pytest.mark.parametrize("share", [0.6, 0.2])
def test_certifying_flags_cap_uptake_rather_than_scale_it(share):
    """Trials: (0) only the member's flag certifies (30% of the tonnage), the port accepts; (1) the other
    flag certifies too (100%); (2) as (1) but the port refuses. The scheme takes min(share, certifying
    share) where the port accepts, nothing where it refuses: 0.3 and 0.6 for share 0.6 (a product would
    give 0.18), 0.2 and 0.2 for share 0.2 (not 0.06)."""
    certifies = [np.array([[False, False], [False, True], [False, True]])]
    accepts = [np.array([[True], [True], [False]])]
    s = cover_shares(
        plan(share), np.zeros(3), np.zeros((3, 1), np.int64), certifies, accepts, np.zeros((3, 1)), 1
    )
    np.testing.assert_allclose(s[:, 0, 0, 4], [min(share, 0.3), share, 0.0], rtol=1e-12)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-12)  # what the scheme takes, others lose


def test_the_eu_uk_cap_resets_below_the_trials_average_price_after_the_first_year():
    """A Russian crude trade all in IG, average price 58, cap 44.10 in the first year, then 15% below the
    trial's average (Z loading 0.05): IG keeps Φ((log 44.10 − log 58 − 0.05 Z)/σ) of the tonnage in year 1
    and Φ(log 0.85 / σ) afterwards, whatever Z; with no reset the first year's cap holds throughout."""
    sigma, z = 0.12, np.array([-1.5, 0.0, 2.0])
    base = replace(
        plan(0.0),
        ref_shares=np.array([[1.0, 0.0, 0.0, 0.0]]),
        cap_kind=np.array([1]),
        log_price_crude=np.log(58.0),
        log_cap_ig=(np.log(44.10), np.log(100.0)),
        dispersion=sigma,
        price_z_loading=0.05,
        log_euuk_discount=np.log(0.85),
    )
    none = [np.zeros((3, 2), bool)], [np.zeros((3, 1), bool)]
    join = np.full((3, 1), 99, np.int64)
    for p, later in ((base, None), (replace(base, log_euuk_discount=None), np.log(44.10))):
        ig = cover_shares(p, z, join, *none, np.zeros((3, 3)), 3)[:, :, 0, 0]
        first = norm.cdf((np.log(44.10) - np.log(58.0) - 0.05 * z) / sigma)
        np.testing.assert_allclose(ig[:, 0], first, rtol=1e-12)
        expected = norm.cdf(np.log(0.85) / sigma) if later is None else first
        np.testing.assert_allclose(
            ig[:, 1:], np.broadcast_to(np.reshape(expected, (-1, 1)), (3, 2)), rtol=1e-12
        )


def test_the_dynamic_cap_can_be_switched_off_from_a_scenario_file(tmp_path):
    """`eu_uk_cap_dynamic: false` in a file keeps the first year's cap (a null would be dropped as absent)."""
    path = tmp_path / "fixed.yaml"
    base = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    path.write_text(f"name: fixed cap\nextends: {base}\nprice_cap: {{eu_uk_cap_dynamic: false}}\n")
    assert compile_scenario(load_scenario(path), trials=16).market.log_euuk_discount is None
    baseline = load_scenario(base)
    assert compile_scenario(baseline, trials=16).market.log_euuk_discount == pytest.approx(
        np.log(1.0 - baseline.price_cap.eu_uk_discount)
    )


def test_uptake_waits_for_the_origin_to_join_and_then_ramps():
    """Ramp 2 years, share 0.6, 4 years, the trade's origin state in slot 0 (its own flag, 30% of the
    tonnage, certifies from the year the state joins). MODEL.md section 4: target = min(0.6 × ramp,
    certifying share) × usable, ramp = clip((y − join year + 1) / 2, 0, 1), zero before the join.
    Trials: (0) joins in year 2, the other flag (70%) certifies: ramp 0, 0, ½, 1 → 0, 0, 0.3, 0.6;
    (1) never joins (join year 4 = the horizon): nothing in any year, though the other flag certifies and
    the port accepts; (2) joins in year 2, the other flag does not certify: the certifying share is 0 and
    then 0.3 (own flag only) → 0, 0, min(0.3, 0.3), min(0.6, 0.3) = 0, 0, 0.3, 0.3.
    Domestic and uninsured cover (half each, equal weights) each give up half of what the scheme takes."""
    share, ramp_years, n_years, own_flag, other_flag = 0.6, 2, 4, 0.3, 0.7
    base = plan(share)
    market = replace(base, schemes=(replace(base.schemes[0], ramp_years=ramp_years),))
    join_years, other_certifies = (2, n_years, 2), (True, True, False)
    join = np.array([[j] for j in join_years], np.int64)
    certifies = [np.array([[False, c] for c in other_certifies])]
    accepts = [np.ones((3, 1), bool)]
    s = cover_shares(market, np.zeros(3), join, certifies, accepts, np.zeros((3, n_years)), n_years)
    s = s[:, :, 0, :]

    def target(j: int, other: bool, y: int) -> float:
        ramp = min(max((y - j + 1) / ramp_years, 0.0), 1.0)
        certifying = own_flag * (j <= y) + other_flag * other
        return min(share * ramp, certifying)

    expected = np.array(
        [[target(j, c, y) for y in range(n_years)] for j, c in zip(join_years, other_certifies, strict=True)]
    )
    np.testing.assert_allclose(expected, [[0, 0, 0.3, 0.6], [0, 0, 0, 0], [0, 0, 0.3, 0.3]], atol=1e-15)
    np.testing.assert_allclose(s[..., 4], expected, rtol=1e-12, atol=1e-15)
    for c in (2, 3):  # domestic, none
        np.testing.assert_allclose(s[..., c], 0.5 - expected / 2, rtol=1e-12)
    np.testing.assert_allclose(s[..., :2], 0.0, atol=1e-15)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-12)


def _no_cap(tmp: Path, *, keep_events: bool = False, **designation: float) -> Path:
    """The baseline with no price cap binding (caps of USD 1,000, no reset) and the given vessel
    designation parameters."""
    base = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    path = tmp / "no_cap.yaml"
    terms = ", ".join(f"{k}: {v}" for k, v in designation.items())
    path.write_text(
        f"name: no cap\nextends: {base}\nsimulation: {{keep_events: {str(keep_events).lower()}}}\n"
        "price_cap: {eu_uk_cap_usd: 1000, us_cap_usd: 1000, product_cap_usd: 1000,"
        " eu_uk_cap_dynamic: false}\n"
        f"sanctions: {{vessel_designation: {{{terms}}}}}\n"
    )
    return path


def test_western_tonnage_on_sanctioned_trades_starts_undesignated(tmp_path):
    """Designated tonnage cannot hold Western cover, so none of the Western-insured tonnage on sanctioned
    trades is designated at the start: with no cap binding and no scheme, the yearly hazard h e^{0.3 Z}
    alone moves it out, (1 − h e^{0.3 Z})^(y+1) staying. The shadow fleet's initial designated share
    (0.6) must not apply (it did until the twelfth session: 64% of it left in the first year). The
    reference is built from the compiled reference shares and tonnage, trial by trial."""
    import riskmodel as rm
    from riskmodel.market import WESTERN

    scenario = load_scenario(_no_cap(tmp_path, initial_share=0.6, hazard=0.2, z_loading=0.3))
    model = compile_scenario(scenario, trials=64)
    res = rm.simulate(scenario, trials=64, seed=3, progress=False)
    plan, gt = model.market, model.trade_gt
    west = plan.ref_shares[:, list(WESTERN)].sum(axis=1) * gt * ~plan.barred
    kept = (1.0 - np.clip(0.2 * np.exp(0.3 * res.trial_arrays["z"]), 0, 1))[:, None] ** np.arange(1, 6)
    expected = west[~plan.sanctioned].sum() + west[plan.sanctioned].sum() * kept
    assert west[plan.sanctioned].sum() > 0.05 * west.sum()  # (the check has something to see)
    got = res.year_arrays["tonnage_gt"][:, :, list(WESTERN)].sum(axis=-1)
    np.testing.assert_allclose(got, expected, rtol=1e-9)

    # what leaves goes to Russian insurers in the world data's proportion (FACTS: 20-25%), the rest to none
    from riskmodel.market import DOMESTIC
    from riskmodel.world import load_world

    share = load_world().trades["displaced_domestic"].to_numpy(float)
    assert np.all(share[[c.startswith("RUS_") for c in model.trade_codes]] == 0.25)
    ref_west = plan.ref_shares[:, list(WESTERN)].sum(axis=1) * gt
    barred = (ref_west * share)[plan.barred].sum()
    moved = (ref_west * share)[plan.sanctioned & ~plan.barred].sum() * (1.0 - kept)
    expected_domestic = (plan.ref_shares[:, DOMESTIC] * gt).sum() + barred + moved
    np.testing.assert_allclose(res.year_arrays["tonnage_gt"][:, :, DOMESTIC], expected_domestic, rtol=1e-9)


def test_tonnage_designations_moved_out_of_western_cover_is_flagged_designated(tmp_path):
    """Shadow-class events are designated vessels with the designated share of their trade's tonnage in
    their class: D for the shadow fleet's own tonnage and 1 for what the designations moved out of
    Western cover, which goes 0.25 to `domestic` and 0.75 to `none` on Russian trades. With no cap
    binding, no initial designations and a hazard of 0.5 (Z loading 0), year 0 of a Russian crude trade
    (reference: Western 0.8, domestic 0.15, none 0.05) moves 0.4: `domestic` holds 0.25 of which 0.1
    moved, 0.5 + 0.5 x 0.1/0.25 = 0.70 designated; `none` 0.35 of which 0.3, 0.5 + 0.5 x 0.3/0.35 = 0.929.
    A products trade (Western 0.75, domestic 0.2, none 0.05): 0.660 and 0.925. Flagging all at D gave 0.5;
    one share for the two classes together gave about 0.8 for both."""
    import riskmodel as rm
    from riskmodel.world import load_world

    path = _no_cap(tmp_path, initial_share=0.0, hazard=0.5, z_loading=0.0, keep_events=True)
    events = rm.simulate(load_scenario(path), trials=2048, seed=5, progress=False).events
    rus = load_world().state_codes.index("RUS")  # (only the Russian trades' tankers fly the Russian flag)
    for cls, low, high in ((2, 0.66, 0.70), (3, 0.925, 0.3 / 0.35 / 2 + 0.5)):
        shadow = (events["flag"] == rus) & (events["pi_class"] == cls) & (events["year"] == 0)
        flagged = events["sanctioned_EU"][shadow]  # (no scheme: a flag is the vessel's designation)
        p = (low + high) / 2
        se = np.sqrt(p * (1 - p) / flagged.size)
        assert flagged.size > 500
        assert low - 4 * se <= flagged.mean() <= high + 4 * se, (cls, flagged.mean(), se)
        # (the band is narrow enough to tell the right shares from one share for both classes, 0.8-0.833)
        assert high + 4 * se < 0.8 if cls == 2 else low - 4 * se > 5 / 6


def test_scheme_takers_name_the_scheme_the_origin_joined():
    """The trade's origin (slot 0 of the first scheme, slot 1 of the second: one state, a candidate of
    both) joins the first scheme in year 2 of 4 in trial 0, the second in year 0 in trial 1 and neither in
    trial 2 (join year 4 = the horizon): takers 0, 1, −1. A state joining both in one trial cannot come out
    of `adoption.join_years`; given one, the takers say so rather than pick one."""
    base = plan(0.6)
    second = replace(base.schemes[0], origin_slot=np.array([1]))
    market = replace(base, schemes=(base.schemes[0], second))
    join = np.array([[2, 4], [4, 0], [4, 4]], np.int64)
    np.testing.assert_array_equal(scheme_takers(market, join, 4), [[0], [1], [-1]])
    with pytest.raises(RuntimeError, match=r"a trade's origin state joined two schemes in one trial"):
        scheme_takers(market, np.array([[2, 3]], np.int64), 4)


CONTESTED = {
    "name": "KAZ pool",
    "founders": ["KAZ"],
    "start_year": 2026,
    "capital_usd_m": 100.0,
    "per_event_limit_usd_m": 100.0,
    # a candidate of rv_pool's too; likelier sooner and on its own latent (no correlation), so it joins
    # this scheme first in some trials, rv_pool in others
    "correlation": 0.0,
    "candidates": {"IRN": {"p_join": 0.8, "by_year": 2027}},
    "uptake": {"share": 0.5, "from_classes": {"ig": 0.6, "western_fixed": 0.3, "none": 0.1}},
    "certifying_flags": {"LBR": 1.0, "MHL": 1.0, "PAN": 1.0},
    "port_acceptance": {"ITA": 0.5, "CHN": 0.5},
}


@pytest.mark.parametrize("name", ["rv_pool", "brics_scheme", "crackdown", "contested"])
def test_the_class_draws_takes_are_the_shares_cover_shares_returns(monkeypatch, name):
    """What the engine hands the class draw (`cover_shares`'s `before_uptake_out` and `taken_out`, and
    `scheme_takers`) against the shares it returns, bit for bit, on a block of 256 trials: each base class
    keeps its share before the uptake less what was taken from it, and each scheme holds what was taken
    from every base class of the trades it takes (added in class order, as `cover_shares` adds them), none
    of the others'. `contested`: rv_pool and a second scheme with a candidate of rv_pool's (Iran), whose
    trades go to one scheme in some trials and to the other in others."""
    from riskmodel import market
    from riskmodel.engine import chunk
    from riskmodel.scenario import with_overrides

    root = Path(__file__).resolve().parents[1] / "scenarios"
    if name == "contested":
        scenario = with_overrides(load_scenario(root / "rv_pool.yaml"), {"schemes.kaz_pool": CONTESTED})
    else:
        scenario = load_scenario(root / f"{name}.yaml")
    m = compile_scenario(scenario, trials=256, seed=3)
    calls, takers = [], []

    def capture_shares(*args, **kwargs):
        calls.append((kwargs, market.cover_shares(*args, **kwargs)))
        return calls[-1][1]

    def capture_takers(*args):
        takers.append(market.scheme_takers(*args))
        return takers[-1]

    monkeypatch.setattr(chunk, "cover_shares", capture_shares)
    monkeypatch.setattr(chunk, "scheme_takers", capture_takers)
    chunk._world_block(m, 0, 256, {}, {})
    [(kwargs, shares)], [taker] = calls, takers
    before, taken = kwargs["before_uptake_out"], kwargs["taken_out"]  # (4, trials, years, trades)
    class_last = np.moveaxis(before - taken, 0, -1)  # (trials, years, trades, 4), as `shares`
    np.testing.assert_array_equal(class_last, shares[..., :4])
    by_trade = taker[None, :, None, :]  # (the taker of a trial's trade, the same in every year)
    assert (taken[np.broadcast_to(by_trade < 0, taken.shape)] == 0.0).all()
    for s in range(len(m.scheme_ids)):
        held = np.zeros(shares.shape[:3])
        for c in range(4):
            held += np.where(by_trade[0] == s, taken[c], 0.0)
        assert (held > 0).any(), m.scheme_ids[s]  # (each scheme takes tonnage: the check sees it)
        np.testing.assert_array_equal(held, shares[..., 4 + s], m.scheme_ids[s])
    if name == "contested":
        iran = [t for t, code in enumerate(m.trade_codes) if code.startswith("IRN_")]
        assert iran and all({0, 1} <= set(taker[:, t].tolist()) for t in iran), "contested trades"
