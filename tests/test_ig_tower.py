"""IG tower: retention, pool, Hydra's aggregate deductible, GXL layers, overspill and the pollution cap."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmodel.reinsurance.ig_tower import (
    IG_2025_26,
    IG_2026_27,
    GXLLayer,
    IGStructure,
    IGTowerShares,
    apply_ig_tower,
    check_ig_structure,
    structure_for_policy_year,
)

COLUMNS = tuple(f.name for f in dataclasses.fields(IGTowerShares))


def tower(
    claims: list[float],
    groups: list[int],
    structure: IGStructure = IG_2025_26,
    pollution: list[float] | None = None,
) -> IGTowerShares:
    """Run the tower on claims without pollution unless given."""
    c = np.array(claims, dtype=np.float64)
    p = np.zeros_like(c) if pollution is None else np.array(pollution, dtype=np.float64)
    return apply_ig_tower(c, p, np.array(groups), structure)


def assert_event(shares: IGTowerShares, i: int, **expected: float) -> None:
    """Event i's named columns equal the expected values, all others are zero."""
    for name in COLUMNS:
        assert getattr(shares, name)[i] == pytest.approx(expected.get(name, 0.0), abs=1e-9), name


def test_claim_of_50_retention_and_pool() -> None:
    """Claim 50: club retention 10, pool 50 − 10 = 40, nothing above."""
    assert_event(tower([50.0], [0]), 0, ig_club_retention=10.0, ig_pool=40.0)


def test_claim_of_3000_under_2026_27_reaches_overspill() -> None:
    """Claim 3,000, 2026/27, the only event of its year.

    Retention 10; pool 90; layer 1 650 (100–750): Hydra's AAD takes 107.1, the rest 542.9 splits
    72.5% open market = 393.6025 and 27.5% private = 149.2975, so ig_hydra = 107.1 + 149.2975 =
    256.3975; layer 2 750 (750–1,500); layer 3 850 (1,500–2,350); overspill 3,000 − 2,350 = 650.
    Check: 10 + 90 + 256.3975 + 393.6025 + 750 + 850 + 650 = 3,000.
    """
    s = tower([3_000.0], [0], IG_2026_27)
    assert_event(
        s,
        0,
        ig_club_retention=10.0,
        ig_pool=90.0,
        ig_hydra=256.3975,
        ig_gxl_layer1=393.6025,
        ig_gxl_layer2=750.0,
        ig_gxl_layer3=850.0,
        ig_overspill=650.0,
    )


def test_claim_of_3000_under_2025_26_layer3_smaller() -> None:
    """Same claim under 2025/26: layer 1 open market 75% of 542.9 = 407.175, Hydra 107.1 + 135.725 =
    242.825; layer 3 600 (1,500–2,100); overspill 3,000 − 2,100 = 900."""
    s = tower([3_000.0], [0], IG_2025_26)
    assert_event(
        s,
        0,
        ig_club_retention=10.0,
        ig_pool=90.0,
        ig_hydra=242.825,
        ig_gxl_layer1=407.175,
        ig_gxl_layer2=750.0,
        ig_gxl_layer3=600.0,
        ig_overspill=900.0,
    )


def test_claim_above_tower_uncovered() -> None:
    """Claim 3,500 under 2025/26: overspill 1,000 (2,100–3,100), uncovered 3,500 − 3,100 = 400."""
    s = tower([3_500.0], [0])
    assert s.ig_overspill[0] == pytest.approx(1_000.0)
    assert s.uncovered[0] == pytest.approx(400.0)


def test_hydra_aad_consumed_across_two_events_in_order() -> None:
    """Two claims in one year, 180 then 200 (2025/26): layer-1 losses 80 and 100.

    AAD 107.1: event 1 takes 80 (all of its layer loss: Hydra 80, open market 0); event 2 takes the
    remaining 27.1, then 100 − 27.1 = 72.9 splits 75% = 54.675 open market, 25% = 18.225 private:
    Hydra 27.1 + 18.225 = 45.325. Both events: retention 10, pool 90.
    A third claim of 150 in the next year starts a fresh AAD: layer loss 50 all to Hydra.
    """
    s = tower([180.0, 200.0, 150.0], [0, 0, 1])
    assert_event(s, 0, ig_club_retention=10.0, ig_pool=90.0, ig_hydra=80.0)
    assert_event(s, 1, ig_club_retention=10.0, ig_pool=90.0, ig_hydra=45.325, ig_gxl_layer1=54.675)
    assert_event(s, 2, ig_club_retention=10.0, ig_pool=90.0, ig_hydra=50.0)


def test_event_order_within_year_moves_split_not_annual_totals() -> None:
    """Reversed (200 then 180): event 200 takes 100 of the AAD, event 180 the last 7.1, so open market
    0 and 0.75 × 72.9; annual totals unchanged: open market 54.675, Hydra 80 + 45.325 = 125.325."""
    s = tower([200.0, 180.0], [0, 0])
    np.testing.assert_allclose(s.ig_gxl_layer1, [0.0, 54.675])
    assert s.ig_hydra.sum() == pytest.approx(125.325)


def test_pollution_above_cap_uncovered() -> None:
    """Claim 1,300 of which pollution 1,200 (2025/26): covered 1,000 + 100 = 1,100; uncovered 200.

    Retention 10, pool 90, layer 1 650 (AAD 107.1; open market 0.75 × 542.9 = 407.175; Hydra 107.1 +
    135.725 = 242.825), layer 2 1,100 − 750 = 350. Check: 10 + 90 + 650 + 350 + 200 = 1,300.
    """
    s = tower([1_300.0], [0], pollution=[1_200.0])
    assert_event(
        s,
        0,
        ig_club_retention=10.0,
        ig_pool=90.0,
        ig_hydra=242.825,
        ig_gxl_layer1=407.175,
        ig_gxl_layer2=350.0,
        uncovered=200.0,
    )


def test_cap_applies_to_pollution_only() -> None:
    """Claim 1,300 with no pollution: all 1,300 covered (layer 2 takes 550), nothing uncovered."""
    s = tower([1_300.0], [0])
    assert s.uncovered[0] == 0.0
    assert s.ig_gxl_layer2[0] == pytest.approx(550.0)


def test_group_order_does_not_matter() -> None:
    """Reordering whole trial-years (groups stay contiguous) leaves every event's split unchanged."""
    claims = np.array([180.0, 200.0, 900.0, 3_000.0, 40.0, 260.0])
    groups = np.array([0, 0, 1, 1, 2, 2])
    base = tower(list(claims), list(groups))
    order = np.array([4, 5, 2, 3, 0, 1])  # years 2, 1, 0
    shuffled = tower(list(claims[order]), list(groups[order]))
    for name in COLUMNS:
        np.testing.assert_allclose(getattr(shuffled, name), getattr(base, name)[order], atol=1e-9)


def test_year_independent_of_other_years() -> None:
    """A year's split is the same alone as beside other years."""
    together = tower([500.0, 700.0, 120.0, 300.0], [0, 0, 1, 1])
    alone = tower([120.0, 300.0], [5, 5])
    for name in COLUMNS:
        np.testing.assert_allclose(getattr(together, name)[2:], getattr(alone, name), atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=10),
    later=st.booleans(),
    data=st.data(),
)
def test_columns_sum_to_claim(sizes: list[int], later: bool, data: st.DataObject) -> None:
    """Any claims and pollution parts: every column >= 0 and the columns sum to the claim; per year the
    open market's layer-1 total is its share of the year's layer-1 losses above Hydra's AAD:
    sum(gxl1) = share × max(sum(L1) − 107.1, 0), whatever the order of events."""
    n = sum(sizes)
    claims = np.array(data.draw(st.lists(st.floats(0.0, 5_000.0), min_size=n, max_size=n)))
    fraction = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    pollution = np.minimum(claims * fraction, claims)
    groups = np.repeat(np.arange(len(sizes)), sizes)
    structure = IG_2026_27 if later else IG_2025_26
    s = apply_ig_tower(claims, pollution, groups, structure)
    for name in COLUMNS:
        assert np.all(getattr(s, name) >= 0), name
    np.testing.assert_allclose(s.total(), claims, rtol=1e-12, atol=1e-9)
    assert np.all(s.uncovered >= pollution - np.minimum(pollution, 1_000.0) - 1e-9)
    covered = np.minimum(pollution, 1_000.0) + (claims - pollution)
    layer1 = np.clip(covered - 100.0, 0.0, 650.0)
    share = structure.layers[0].open_market_share
    annual_layer1 = np.bincount(groups, weights=layer1)
    annual_market = np.bincount(groups, weights=s.ig_gxl_layer1)
    np.testing.assert_allclose(annual_market, share * np.maximum(annual_layer1 - 107.1, 0.0), atol=1e-9)


# --- Structures ----------------------------------------------------------------------------------------


def test_structure_for_policy_year() -> None:
    """2025 → 2025/26; 2026 and later → 2026/27; earlier years fall back on 2025/26."""
    assert structure_for_policy_year(2025) is IG_2025_26
    assert structure_for_policy_year(2026) is IG_2026_27
    assert structure_for_policy_year(2031) is IG_2026_27
    assert structure_for_policy_year(2020) is IG_2025_26


def test_published_structures_are_contiguous() -> None:
    """GXL 2.0bn xs 100m in 2025/26 and 2.25bn xs 100m in 2026/27, overspill on top of layer 3."""
    for s, gxl_top in ((IG_2025_26, 2_100.0), (IG_2026_27, 2_350.0)):
        check_ig_structure(s)
        assert s.layers[-1].attachment + s.layers[-1].limit == gxl_top == s.overspill_attachment


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(layers=IG_2025_26.layers[:2]), "layers must hold exactly three GXL layers; got 2"),
        (
            dict(layers=(GXLLayer(100.0, 650.0, 0.75), GXLLayer(800.0, 700.0, 1.0), IG_2025_26.layers[2])),
            "layer 2 attaches at 800.0 but the tower below it ends at 750.0",
        ),
        (
            dict(overspill_attachment=2_000.0),
            r"overspill_attachment \(2000.0\) must equal the top of layer 3",
        ),
        (
            dict(layers=(GXLLayer(100.0, 650.0, 1.5), *IG_2025_26.layers[1:])),
            r"layer 1 open_market_share \(1.5\) must lie in \[0, 1\]",
        ),
        (dict(club_retention=150.0), r"club_retention \(150.0\) must lie between 0 and pool_top"),
    ],
)
def test_malformed_structure_rejected(change: dict[str, object], message: str) -> None:
    bad = dataclasses.replace(IG_2025_26, **change)
    with pytest.raises(ValueError, match=message):
        apply_ig_tower(np.array([1.0]), np.array([0.0]), np.array([0]), bad)


def test_pollution_above_claim_rejected() -> None:
    with pytest.raises(ValueError, match="pollution must lie between 0 and the claim it is part of"):
        tower([100.0], [0], pollution=[150.0])


def test_interleaved_years_rejected() -> None:
    with pytest.raises(ValueError, match="the events of each group must be contiguous"):
        tower([1.0, 1.0, 1.0], [0, 1, 0])
