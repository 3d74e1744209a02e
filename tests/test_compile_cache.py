"""The world part of compiling is computed once per `World` and shared read-only (engine/compile.py)."""

from __future__ import annotations

import numpy as np
import pytest

from riskmodel.engine.compile import _compile_world, _world_part, compile_model
from riskmodel.scenario import load_scenario_from_dict
from riskmodel.world import load_world

SCENARIO = {
    "name": "compile cache",
    "horizon": {"start_year": 2026, "years": 2},
    "simulation": {"trials": 64, "seed": 3},
}


def _scenario(**world: object):
    return load_scenario_from_dict({**SCENARIO, "world": world} if world else SCENARIO)


def test_two_scenarios_on_one_world_share_its_part_and_cannot_change_it():
    world = load_world()
    a = compile_model(_scenario(), world)
    b = compile_model(_scenario(sdr_usd=1.5), world)
    assert a.candidates is b.candidates  # computed once, not twice
    assert a.trade_flag_cum is b.trade_flag_cum
    for arr in (a.candidates.cumulative, a.trade_flag_cum, a.zone_coastal_cum, a.severity.p_spill_laden):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0.5


def test_the_shared_part_is_what_compiling_the_world_afresh_gives():
    world = load_world()
    m = compile_model(_scenario(), world)
    fresh = _compile_world(world)
    cand, weights = fresh.plain
    for name in ("trade", "segment", "zone", "itype", "envelope_rate", "cumulative", "guide", "max_factor"):
        np.testing.assert_array_equal(getattr(m.candidates, name), getattr(cand, name), err_msg=name)
    for name, w in weights.items():
        np.testing.assert_array_equal(m.trade_weights[name], w, err_msg=name)
    np.testing.assert_array_equal(m.trade_flag_cum, fresh.flag_cum)
    np.testing.assert_array_equal(m.zone_coastal_state, fresh.zone_coastal_state)


def test_a_replaced_world_gets_its_own_part():
    world = load_world()
    zones = world.zones.copy()
    first = zones.index[0]
    mix = zones.at[first, "coastal_mix"]
    codes = [p.split(":")[0] for p in mix.split(";") if p.strip()]
    zones.at[first, "coastal_mix"] = f"{codes[-1]}:1"  # the zone's coast now one state only
    other = world.replace(zones=zones)
    m0, m1 = compile_model(_scenario(), world), compile_model(_scenario(), other)
    assert m0.candidates is not m1.candidates
    assert m1.zone_coastal_cum[0, 0] == 1.0
    assert (m1.zone_coastal_state[0] == m1.state_codes.index(codes[-1])).all()
    if len(codes) > 1:
        assert m0.zone_coastal_cum[0, 0] < 1.0
    # the scenario-dependent parts are not shared: an override changes one model only, not those compiled
    # after it
    m2 = compile_model(_scenario(conventions={"USA": {"clc92": True, "opa": False}}), world)
    m3 = compile_model(_scenario(), world)
    usa = m0.state_codes.index("USA")
    assert m2.state_clc[usa] and not m2.state_opa[usa]
    for name in ("state_clc", "state_fund", "state_supp", "state_opa", "state_llmc"):
        np.testing.assert_array_equal(getattr(m3, name), getattr(m0, name), err_msg=name)
    assert not m3.state_clc[usa] and m3.state_opa[usa]
    m3.trade_weights["x"] = np.zeros(1)  # (each model's own dict: the next model does not see it)
    assert "x" not in compile_model(_scenario(), world).trade_weights


def test_a_fleet_list_makes_its_own_candidates_and_leaves_the_worlds_alone(tmp_path):
    """A fleet list replaces the world's fleet in its own model only: compiled first, it does not become the
    shared part (a plain scenario compiled after it draws the world fleet's candidates)."""
    from riskmodel.scenario import load_scenario
    from tests.test_fleet_override import scenario, write_fleet

    shipped = load_world()
    world = shipped.replace(zones=shipped.zones)  # (a World no compile has seen: nothing cached for it yet)
    fleet = write_fleet(
        tmp_path / "f.csv", year_built=2000, pi_provider="X Cover", pi_class="none", flag="GAB"
    )
    listed = compile_model(load_scenario(scenario(tmp_path, fleet, "listed")), world)
    plain = compile_model(_scenario(), world)
    assert plain.candidates is _world_part(world).plain[0]
    reference = compile_model(_scenario(), shipped).candidates  # the same data: the same plan
    np.testing.assert_array_equal(plain.candidates.cumulative, reference.cumulative)
    assert listed.candidates is not plain.candidates
    assert listed.candidates.total_rate != plain.candidates.total_rate
    assert not np.array_equal(listed.trade_vessel_years, plain.trade_vessel_years)
