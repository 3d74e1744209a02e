"""End-to-end properties of `simulate` on the shipped scenarios (small trial counts, fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest

import riskmodel as rm
from riskmodel.engine import chunk
from riskmodel.scenario import load_scenario_from_dict

TRIALS = 4096


@pytest.fixture(scope="module")
def rv_pool() -> rm.Results:
    return rm.simulate("scenarios/rv_pool.yaml", trials=TRIALS, seed=2, keep_events=True, progress=False)


def test_every_event_is_paid_exactly_once(rv_pool):
    """The payer columns of every event sum to its damage (MODEL.md 8: each amount in one column)."""
    e = rv_pool.elt()
    payers = [c for c in e.columns if c.startswith("payer:")]
    np.testing.assert_allclose(e[payers].sum(axis=1), e["damage"], rtol=1e-9, atol=1e-9)
    assert (e[payers].to_numpy() >= -1e-9).all()


def test_events_are_in_time_order_and_material(rv_pool):
    """Events sorted by (trial, year, time); tanker events at or above the materiality threshold."""
    e = rv_pool.elt()
    key = (e["trial"] * 10 + (e["year"] - 2026)).to_numpy() + e["time"].to_numpy()
    assert (np.diff(key) >= 0).all()
    tanker = e["type"] != ""
    assert (e.loc[tanker, "damage"] >= 5.0).all()


def test_ledger_is_the_event_sum_plus_attritional(rv_pool):
    """The payer ledger per trial-year is at least the material events' sum (attritional losses add the
    rest), and equal to it for payers that never see small losses (the GXL layers)."""
    e = rv_pool.elt()
    cell = e["trial"].to_numpy() * rv_pool.n_years + (e["year"] - rv_pool.start_year).to_numpy()
    for payer in ("ig_gxl_layer1", "uncompensated", "fund_1992"):
        events = np.bincount(cell, weights=e[f"payer:{payer}"], minlength=TRIALS * rv_pool.n_years)
        ledger = rv_pool.year_arrays[f"payer:{payer}"].ravel()
        assert (ledger >= events - 1e-9).all()
        if payer == "ig_gxl_layer1":
            np.testing.assert_allclose(ledger, events, atol=1e-9)


def test_scheme_members_carry_its_tonnage(rv_pool):
    """Founders are members from the start; the scheme holds tonnage only through its members' trades."""
    adoption = rv_pool.adoption()
    assert adoption.loc[("rv_pool", "RUS")].eq(1.0).all()
    assert adoption.loc[("rv_pool", "VEN")].eq(1.0).all()
    market = rv_pool.market()
    assert (market["scheme:rv_pool"] > 0).all()
    assert market["scheme:rv_pool"].is_monotonic_increasing


def test_perils_only_run_matches_its_distributions():
    """A perils-only scenario (world model off): Poisson 2 a year, lognormal mean 20 CV 3 → annual
    mean 40, Var = λ E[X²] = 2 × 20² × (1 + 3²) = 8,000; the simulated mean within 3 SE."""
    doc = {
        "name": "line",
        "horizon": {"start_year": 2026, "years": 1},
        "simulation": {"world_model": False, "trials": 40960, "seed": 5},
        "perils": {
            "line": {
                "frequency": {"distribution": "poisson", "mean": 2.0},
                "severity": {"distribution": "lognormal", "mean_usd_m": 20.0, "cv": 3.0},
            }
        },
        "portfolio": {
            "name": "p",
            "contracts": {"qs": {"source": "peril:line", "type": "quota_share"}},
        },
    }
    res = rm.simulate(load_scenario_from_dict(doc), progress=False)
    annual = res.contracts["qs"]["loss"][:, 0]
    assert abs(annual.mean() - 40.0) <= 3 * np.sqrt(8000.0 / annual.size)
    assert set(res.payers()) == {"peril:line"}


def test_sanctions_flags_do_not_reach_third_parties_sources(monkeypatch):
    """A flagged event (designated tanker or scheme) blocks payments for the tanker's side only: contracts
    on the IG tower, the other ship's hull or the infrastructure insurer never see a block, while
    scheme reinsurance does. With the flags reaching every source, the same events block the GXL (the IG
    counterparty's claims), so the test can fail; the scheme contract's blocks are the same either way."""

    def run() -> rm.Results:
        return rm.simulate("scenarios/rv_pool.yaml", trials=4096, seed=2, progress=False)

    exempt = ("gxl_layer1", "gxl_layer2", "gxl_layer3", "counterparty_hull_xol", "energy_property_xol")
    res = run()
    monkeypatch.setattr(chunk, "THIRD_PARTY_SOURCES", frozenset())
    everywhere = run()
    for cid in exempt:
        assert (
            not res.contracts[cid]["blocked_permanent"].any()
            and not res.contracts[cid]["blocked_delayed"].any()
        )
    assert everywhere.contracts["gxl_layer1"]["blocked_permanent"].sum() > 0
    assert res.contracts["rv_pool_retro"]["blocked_permanent"].sum() > 0
    for field in ("blocked_permanent", "blocked_delayed", "loss"):
        np.testing.assert_array_equal(
            res.contracts["rv_pool_retro"][field], everywhere.contracts["rv_pool_retro"][field]
        )
