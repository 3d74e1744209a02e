"""Liability waterfall: statutory limits, the pollution split, capacity consumed in order, collision split.

Amounts in the hand-computed cases are in SDR millions with sdr_usd = 1 unless the test says otherwise.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmodel.liability import (
    _DENSE_RUNS,
    CAUSE_MARINE,
    CAUSE_SABOTAGE,
    CAUSE_WAR,
    FUND_1992_LIMIT_SDR,
    OSLTF_LIMIT_USD_M,
    PollutionShares,
    allocate_pollution,
    clc_limit_sdr,
    collision_liability_split,
    consume_capacity,
    cumsum_by_group,
    cumsum_runs,
    llmc_property_limit_sdr,
    opa_limit_usd_m,
)

COLUMNS = tuple(f.name for f in fields(PollutionShares))


def allocate(damage: float, gt: float, **overrides: object) -> PollutionShares:
    """A marine spill from a non-IG, insured tanker in a CLC + 1992 Fund state, 1 SDR = 1 USD."""
    kwargs: dict[str, object] = dict(
        clc=True,
        fund=True,
        supp=False,
        opa=False,
        is_ig=False,
        insurer_pays=True,
        cause=CAUSE_MARINE,
        sdr_usd=1.0,
        insurer_limit_usd_m=1_000.0,
        war_cover_usd_m=0.0,
    )
    kwargs.update(overrides)
    return allocate_pollution(damage, gt, **kwargs)  # type: ignore[arg-type]


def assert_shares(shares: PollutionShares, **expected: float) -> None:
    """Named columns equal the expected values, all others are zero, and the columns sum to the damage."""
    for name in COLUMNS:
        assert float(getattr(shares, name)) == pytest.approx(expected.get(name, 0.0), abs=1e-9), name


# --- Limits --------------------------------------------------------------------------------------------


def test_clc_limit_flat_at_and_below_5000_gt() -> None:
    """≤ 5,000 GT: 4.51m SDR; 5,001 GT: 4.51 + 631e-6 × 1 = 4.510631."""
    assert clc_limit_sdr(300) == pytest.approx(4.51)
    assert clc_limit_sdr(5_000) == pytest.approx(4.51)
    assert clc_limit_sdr(5_001) == pytest.approx(4.510631)


def test_clc_limit_cap_binds_from_140119_gt() -> None:
    """(89.77 − 4.51) / 631e-6 = 135,118.9 GT above 5,000, so the cap binds from 140,118.9 GT.

    140,118 GT: 4.51 + 631e-6 × 135,118 = 89.769458 (below the cap);
    140,119 GT: 4.51 + 631e-6 × 135,119 = 89.770089, capped at 89.77.
    """
    assert clc_limit_sdr(140_118) == pytest.approx(89.769458, abs=1e-9)
    assert clc_limit_sdr(140_119) == 89.77
    assert clc_limit_sdr(146_848) == 89.77


def test_clc_limit_returns_scalar_for_scalar_and_array_for_array() -> None:
    """Numpy ufunc convention: scalar in, float64 scalar out; list in, float64 array of that shape out."""
    assert isinstance(clc_limit_sdr(50_000), np.float64)
    out = clc_limit_sdr([[1_000, 50_000]])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (1, 2)


def test_llmc_property_limit_bands() -> None:
    """1.51 to 2,000 GT; +604 SDR/GT to 30,000 (1.51 + 16.912 = 18.422); +453/GT to 70,000
    (18.422 + 18.12 = 36.542); +302/GT above (100,000 GT: 36.542 + 9.06 = 45.602)."""
    got = llmc_property_limit_sdr([500, 2_000, 30_000, 70_000, 100_000])
    np.testing.assert_allclose(got, [1.51, 1.51, 18.422, 36.542, 45.602], atol=1e-9)


def test_opa_limits_double_and_single_hull() -> None:
    """Double hull > 3,000 GT: max(2,500 × GT, 21.5213m): 5,000 GT → 21.5213; 60,000 GT → 150.
    ≤ 3,000 GT: max(2,500 × GT, 5.3803m): 2,000 GT → 5.3803.
    Single hull: 10,000 GT → max(40, 29.5913) = 40; 5,000 GT → 29.5913; 1,000 GT → 8.0704."""
    np.testing.assert_allclose(opa_limit_usd_m([2_000, 5_000, 60_000]), [5.3803, 21.5213, 150.0])
    np.testing.assert_allclose(
        opa_limit_usd_m([1_000, 5_000, 10_000], double_hull=False), [8.0704, 29.5913, 40.0]
    )


def test_limits_reject_non_positive_tonnage() -> None:
    with pytest.raises(ValueError, match="gt must be a positive, finite gross tonnage"):
        clc_limit_sdr([1_000, 0])


# --- Pollution waterfall: marine casualties in CLC states -----------------------------------------------


def test_hebei_spirit_clc_fund_non_supp_state() -> None:
    """146,848 GT in a CLC/FUND, non-SUPP state, damage 2,000 USD m, 1 SDR = 1.366 USD.

    Owner (insurer) 89.77m SDR = 122.62582; 1992 Fund 203 − 89.77 = 113.23m SDR = 154.67218;
    uncompensated 2,000 − 203 × 1.366 = 2,000 − 277.298 = 1,722.702. Too large for STOPIA; no TOPIA
    outside SUPP states.
    """
    s = allocate(2_000.0, 146_848, is_ig=True, sdr_usd=1.366)
    assert_shares(s, insurer=122.62582, fund_1992=154.67218, uncompensated=1_722.702)


def test_small_non_ig_tanker_no_stopia() -> None:
    """Agia Zoni II type: 1,597 GT, non-IG insurer, damage 300.

    CLC limit 4.51 (≤ 5,000 GT) paid by the insurer; 1992 Fund min(300, 203) − 4.51 = 198.49;
    uncompensated 300 − 203 = 97; STOPIA does not apply to non-IG insurers.
    """
    assert_shares(allocate(300.0, 1_597), insurer=4.51, fund_1992=198.49, uncompensated=97.0)


def test_small_ig_tanker_stopia_indemnifies_fund() -> None:
    """Same tanker IG-entered: STOPIA raises the owner's share to 20m SDR.

    Insurer 4.51 (CLC); STOPIA indemnity min(198.49, 20 − 4.51) = 15.49; Fund net 198.49 − 15.49 = 183;
    owner side 4.51 + 15.49 = 20; uncompensated 97.
    """
    s = allocate(300.0, 1_597, is_ig=True)
    assert_shares(s, insurer=4.51, stopia=15.49, fund_1992=183.0, uncompensated=97.0)
    assert float(s.insurer + s.stopia) == pytest.approx(20.0)


def test_stopia_bounded_by_fund_payment() -> None:
    """IG tanker 1,597 GT, damage 10: insurer 4.51; Fund gross 10 − 4.51 = 5.49, all indemnified by
    STOPIA (5.49 < 15.49), Fund net 0."""
    assert_shares(allocate(10.0, 1_597, is_ig=True), insurer=4.51, stopia=5.49)


def test_stopia_not_above_29548_gt() -> None:
    """IG tanker of 29,549 GT, damage 300: CLC 4.51 + 631e-6 × 24,549 = 4.51 + 15.490419 = 20.000419.

    No STOPIA above 29,548 GT: Fund 203 − 20.000419 = 182.999581; uncompensated 97.
    """
    s = allocate(300.0, 29_549, is_ig=True)
    assert_shares(s, insurer=20.000419, fund_1992=182.999581, uncompensated=97.0)


def test_ig_vlcc_supp_state_topia() -> None:
    """IG VLCC (160,000 GT) in a SUPP state, damage 1,000.

    Insurer 89.77; 1992 Fund 203 − 89.77 = 113.23; Supplementary Fund gross 750 − 203 = 547, TOPIA 50%
    = 273.5 paid by the owner, Supp net 273.5; uncompensated 1,000 − 750 = 250.
    """
    s = allocate(1_000.0, 160_000, supp=True, is_ig=True)
    assert_shares(
        s, insurer=89.77, fund_1992=113.23, topia=273.5, fund_supplementary=273.5, uncompensated=250.0
    )


def test_uninsured_tanker_fund_state_fund_pays_from_zero() -> None:
    """Uninsured 50,000 GT tanker, FUND state, damage 300: the insurer pays nothing, the 1992 Fund pays
    min(300, 203) = 203 including the CLC part (Fund Art 4(1)(b)); uncompensated 97."""
    assert_shares(allocate(300.0, 50_000, insurer_pays=False), fund_1992=203.0, uncompensated=97.0)


def test_uninsured_tanker_non_fund_state_uncompensated() -> None:
    """Same tanker in a CLC state that is not a Fund party: nobody pays; 300 uncompensated."""
    assert_shares(allocate(300.0, 50_000, insurer_pays=False, fund=False), uncompensated=300.0)


def test_insured_tanker_non_fund_state_rest_uncompensated() -> None:
    """Insured 50,000 GT in a CLC-only state, damage 300: insurer CLC 4.51 + 631e-6 × 45,000 = 32.905;
    uncompensated 300 − 32.905 = 267.095."""
    assert_shares(allocate(300.0, 50_000, fund=False), insurer=32.905, uncompensated=267.095)


def test_blocked_ig_claim_falls_back_on_funds() -> None:
    """IG VLCC, SUPP state, damage 1,000, claim blocked by sanctions (insurer_pays False): the 1992 Fund
    pays 203 from zero, the Supplementary Fund 547 with no TOPIA indemnity; uncompensated 250."""
    s = allocate(1_000.0, 160_000, supp=True, is_ig=True, insurer_pays=False)
    assert_shares(s, fund_1992=203.0, fund_supplementary=547.0, uncompensated=250.0)


def test_damage_below_clc_limit_paid_by_insurer_alone() -> None:
    """Damage 50 < CLC limit 89.77 of a VLCC: the insurer pays 50, the Funds nothing."""
    assert_shares(allocate(50.0, 160_000, supp=True, is_ig=True), insurer=50.0)


# --- Cause: war and sabotage ---------------------------------------------------------------------------


def test_war_no_clc_no_fund() -> None:
    """War-caused spill, damage 500, in a CLC/FUND/SUPP state: nothing from CLC or the Funds; war P&I
    pays min(500, 100) = 100; uncompensated 400. Without war cover paying: all 500 uncompensated."""
    s = allocate(500.0, 160_000, supp=True, is_ig=True, cause=CAUSE_WAR, war_cover_usd_m=100.0)
    assert_shares(s, war_pi=100.0, uncompensated=400.0)
    s = allocate(500.0, 160_000, supp=True, cause=CAUSE_WAR, war_cover_usd_m=100.0, insurer_pays=False)
    assert_shares(s, uncompensated=500.0)


def test_sabotage_fund_pays_owner_exempt() -> None:
    """Third-party sabotage, IG VLCC, damage 500. FUND+SUPP state: owner exempt (no insurer, STOPIA or
    TOPIA), 1992 Fund 203, Supplementary Fund 500 − 203 = 297. FUND-only state: Fund 203, uncompensated
    297. CLC-only state: 500 uncompensated."""
    sab = dict(is_ig=True, cause=CAUSE_SABOTAGE)
    assert_shares(allocate(500.0, 160_000, supp=True, **sab), fund_1992=203.0, fund_supplementary=297.0)
    assert_shares(allocate(500.0, 160_000, **sab), fund_1992=203.0, uncompensated=297.0)
    assert_shares(allocate(500.0, 160_000, fund=False, **sab), uncompensated=500.0)


# --- OPA and non-party states --------------------------------------------------------------------------


def test_opa_state_insurer_then_osltf() -> None:
    """60,000 GT in US waters, damage 1,500: OPA limit max(2,500 × 60,000, 21.5213m) = 150 paid by the
    insurer; OSLTF min(1,500 − 150, 1,000) = 1,000; uncompensated 350."""
    us = dict(clc=False, fund=False, opa=True)
    assert_shares(allocate(1_500.0, 60_000, **us), insurer=150.0, osltf=1_000.0, uncompensated=350.0)


def test_opa_state_insurer_not_paying_osltf_pays_owner_part() -> None:
    """Same, insurer not paying: OSLTF min(1,500, 1,000) = 1,000; uncompensated 500. Damage 400: the
    OSLTF pays all 400."""
    us = dict(clc=False, fund=False, opa=True, insurer_pays=False)
    assert_shares(allocate(1_500.0, 60_000, **us), osltf=1_000.0, uncompensated=500.0)
    assert_shares(allocate(400.0, 60_000, **us), osltf=400.0)


def test_opa_state_insurer_limit_below_opa_limit() -> None:
    """Insurer limit 100 < OPA limit 150, damage 300: insurer 100; OSLTF 300 − 100 = 200."""
    us = dict(clc=False, fund=False, opa=True, insurer_limit_usd_m=100.0)
    assert_shares(allocate(300.0, 60_000, **us), insurer=100.0, osltf=200.0)


def test_opa_state_war_and_sabotage_go_to_osltf() -> None:
    """US waters, damage 300. War with 100 war P&I: war P&I 100, OSLTF 200 (act-of-war defence).
    Sabotage: owner exempt, OSLTF 300 (third-party defence)."""
    us = dict(clc=False, fund=False, opa=True)
    s = allocate(300.0, 60_000, cause=CAUSE_WAR, war_cover_usd_m=100.0, **us)
    assert_shares(s, war_pi=100.0, osltf=200.0)
    assert_shares(allocate(300.0, 60_000, cause=CAUSE_SABOTAGE, **us), osltf=300.0)


def test_non_party_state_insurer_up_to_its_limit() -> None:
    """Neither CLC nor OPA, damage 1,500, insurer limit 1,000: insurer 1,000, uncompensated 500;
    insurer not paying: 1,500 uncompensated."""
    np_state = dict(clc=False, fund=False)
    assert_shares(allocate(1_500.0, 160_000, **np_state), insurer=1_000.0, uncompensated=500.0)
    assert_shares(allocate(1_500.0, 160_000, insurer_pays=False, **np_state), uncompensated=1_500.0)


def test_allocate_scalar_inputs_give_zero_dimensional_arrays() -> None:
    """All-scalar inputs: every column is a 0-d float64 array (the broadcast shape)."""
    s = allocate(300.0, 1_597)
    for name in COLUMNS:
        column = getattr(s, name)
        assert isinstance(column, np.ndarray) and column.shape == () and column.dtype == np.float64, name


def test_allocate_broadcasts_scalars_against_event_arrays() -> None:
    """Scalar tonnage and flags against two damages: 10 and 300 for a 1,597 GT non-IG tanker."""
    s = allocate(np.array([10.0, 300.0]), 1_597)
    assert s.insurer.shape == (2,)
    np.testing.assert_allclose(s.insurer, [4.51, 4.51])
    np.testing.assert_allclose(s.fund_1992, [5.49, 198.49])
    np.testing.assert_allclose(s.total(), [10.0, 300.0])


# --- Input validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(clc=False), "a 1992 Fund state must be a CLC 1992 state"),
        (dict(supp=True, fund=False), "a Supplementary Fund state must be a 1992 Fund state"),
        (dict(opa=True), "a coastal state applies either CLC 1992 or OPA 90"),
        (dict(cause=7), r"unknown cause code 7: use CAUSE_MARINE \(0\), CAUSE_WAR \(1\)"),
        (dict(sdr_usd=0.0), "sdr_usd must be positive"),
        (dict(insurer_limit_usd_m=-1.0), "insurer_limit_usd_m must be non-negative"),
    ],
)
def test_allocate_rejects_inconsistent_inputs(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate(100.0, 50_000, **overrides)


def test_allocate_rejects_negative_damage() -> None:
    message = r"damage_usd_m must be non-negative and finite \(USD millions\); got -5.0$"
    with pytest.raises(ValueError, match=message):
        allocate(-5.0, 50_000)


# --- Invariants (hypothesis) ---------------------------------------------------------------------------

REGIMES = (
    dict(clc=False, fund=False, supp=False, opa=False),
    dict(clc=False, fund=False, supp=False, opa=True),
    dict(clc=True, fund=False, supp=False, opa=False),
    dict(clc=True, fund=True, supp=False, opa=False),
    dict(clc=True, fund=True, supp=True, opa=False),
)

event = st.tuples(
    st.floats(0.0, 5_000.0),  # damage
    st.floats(100.0, 450_000.0),  # gt
    st.integers(0, len(REGIMES) - 1),
    st.booleans(),  # is_ig
    st.booleans(),  # insurer_pays
    st.sampled_from((CAUSE_MARINE, CAUSE_WAR, CAUSE_SABOTAGE)),
    st.floats(0.0, 2_000.0),  # insurer limit
    st.floats(0.0, 600.0),  # war cover
)


@settings(max_examples=200, deadline=None)
@given(events=st.lists(event, min_size=1, max_size=40), sdr=st.floats(0.8, 2.0))
def test_columns_sum_to_damage_and_are_non_negative(events: list[tuple], sdr: float) -> None:
    """For any mix of regimes, causes and flags: every column >= 0 and the columns sum to the damage."""
    cols = list(zip(*events, strict=True))
    regimes = [REGIMES[i] for i in cols[2]]
    damage = np.array(cols[0])
    s = allocate_pollution(
        damage,
        np.array(cols[1]),
        clc=np.array([r["clc"] for r in regimes]),
        fund=np.array([r["fund"] for r in regimes]),
        supp=np.array([r["supp"] for r in regimes]),
        opa=np.array([r["opa"] for r in regimes]),
        is_ig=np.array(cols[3]),
        insurer_pays=np.array(cols[4]),
        cause=np.array(cols[5]),
        sdr_usd=sdr,
        insurer_limit_usd_m=np.array(cols[6]),
        war_cover_usd_m=np.array(cols[7]),
    )
    for name in COLUMNS:
        assert np.all(getattr(s, name) >= 0), name
    np.testing.assert_allclose(s.total(), damage, rtol=1e-12, atol=1e-9)
    # The conventions never pay more than their caps.
    assert np.all(s.fund_1992 + s.stopia <= FUND_1992_LIMIT_SDR * sdr + 1e-9)
    assert np.all(s.osltf <= OSLTF_LIMIT_USD_M)


# --- consume_capacity ----------------------------------------------------------------------------------


def test_consume_capacity_hand_computed() -> None:
    """Group 0 (capacity 100): claims 30, 50, 40, 10 → running 30, 80, 120, 130 → clipped 30, 80, 100,
    100 → takes 30, 50, 20, 0. Group 1 (capacity 5): claim 8 → takes 5. Group 2 (capacity inf): 7 → 7."""
    takes = consume_capacity(
        [30.0, 50.0, 40.0, 10.0, 8.0, 7.0], [0, 0, 0, 0, 1, 2], np.array([100.0, 5.0, np.inf])
    )
    np.testing.assert_allclose(takes, [30.0, 50.0, 20.0, 0.0, 5.0, 7.0])


def test_consume_capacity_scalar_capacity_and_sparse_group_ids() -> None:
    """Scalar capacity 10 for every group; ids need only be contiguous runs (3, 3, 1):
    group 3 takes 6 then 4 (of 6), group 1 takes 10 (of 12)."""
    np.testing.assert_allclose(consume_capacity([6.0, 6.0, 12.0], [3, 3, 1], 10.0), [6.0, 4.0, 10.0])


def test_consume_capacity_take_never_exceeds_claim() -> None:
    """Group 1's running total is 256.759... − 150 from the global cumsum, which rounds above its claim
    106.75901172127462; the take is still exactly the claim (capacity 107.1 not reached)."""
    claims = np.array([150.0, 106.75901172127462])
    takes = consume_capacity(claims, [0, 1], 107.1)
    assert takes[1] == claims[1]


def test_consume_capacity_empty() -> None:
    assert consume_capacity(np.array([]), np.array([], dtype=np.int64), 5.0).shape == (0,)


def test_consume_capacity_rejects_interleaved_groups() -> None:
    with pytest.raises(ValueError, match="the events of each group must be contiguous"):
        consume_capacity([1.0, 1.0, 1.0], [0, 1, 0], 5.0)


def test_consume_capacity_rejects_group_outside_capacity() -> None:
    with pytest.raises(ValueError, match=r"group ids must index capacity: ids run 0..2 but capacity has 2"):
        consume_capacity([1.0, 1.0], [0, 2], np.array([5.0, 5.0]))


def test_cumsum_by_group_hand_computed() -> None:
    """Groups (0: 1, 2), (1: 5), (4: 1, 1, 1) → 1, 3 | 5 | 1, 2, 3."""
    got = cumsum_by_group([1.0, 2.0, 5.0, 1.0, 1.0, 1.0], [0, 0, 1, 4, 4, 4])
    np.testing.assert_allclose(got, [1.0, 3.0, 5.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("lengths", "on_grid"),
    [
        pytest.param([3, 1, 4, 2, 2, 5], True, id="similar-runs-on-a-padded-grid"),
        pytest.param([1, 1, 1, 40, 2, 1, 1], False, id="one-long-run-rank-by-rank"),
    ],
)
def test_cumsum_runs_is_each_runs_own_cumsum_bit_for_bit(lengths: list[int], on_grid: bool) -> None:
    """Both ways of `cumsum_runs` (a padded grid when the runs are of similar lengths, else rank by rank
    with long runs on their own) give `np.cumsum` of each run to the last bit: values of many magnitudes,
    so that a sum in another order or with another run's total would round differently."""
    assert (max(lengths) * len(lengths) <= _DENSE_RUNS * sum(lengths)) is on_grid
    values = np.random.default_rng(7).lognormal(0.0, 4.0, sum(lengths))
    first = np.cumsum([0, *lengths[:-1]])
    got = cumsum_runs(values, first)
    want = np.concatenate([np.cumsum(values[a : a + k]) for a, k in zip(first, lengths, strict=True)])
    assert got.tobytes() == want.tobytes()


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 8), min_size=1, max_size=12),
    data=st.data(),
)
def test_consume_capacity_matches_per_group_reference(sizes: list[int], data: st.DataObject) -> None:
    """Against a per-group Python reference: takes in order until the capacity is gone."""
    n = sum(sizes)
    claims = np.array(data.draw(st.lists(st.floats(0.0, 500.0), min_size=n, max_size=n)))
    k = len(sizes)
    capacity = np.array(data.draw(st.lists(st.floats(0.0, 1_000.0), min_size=k, max_size=k)))
    group = np.repeat(np.arange(len(sizes)), sizes)
    expected = []
    for g, size in enumerate(sizes):
        left = capacity[g]
        for c in claims[group == g]:
            take = min(c, left)
            expected.append(take)
            left -= take
        assert size == np.count_nonzero(group == g)
    takes = consume_capacity(claims, group, capacity)
    np.testing.assert_allclose(takes, expected, atol=1e-9)
    assert np.all((takes >= 0) & (takes <= claims))


# --- Collision -----------------------------------------------------------------------------------------


def test_collision_split_running_down_clause_and_nordic() -> None:
    """Liability 40: English clause 3/4 = 30 to H&M, 1/4 = 10 to P&I; Nordic Plan 40 to H&M, 0 to P&I."""
    hm, pi = collision_liability_split(40.0)
    assert (float(hm), float(pi)) == (30.0, 10.0)
    hm, pi = collision_liability_split(np.array([40.0, 8.0]), nordic=np.array([True, False]))
    np.testing.assert_allclose(hm, [40.0, 6.0])
    np.testing.assert_allclose(pi, [0.0, 2.0])
