"""The world part of compiling is computed once per `World` and shared read-only (engine/compile.py)."""

from __future__ import annotations

import copy
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskmodel.engine import compile as compile_mod
from riskmodel.engine.chunk import join_key, table_key, world_key
from riskmodel.engine.compile import CompiledModel, _compile_world, _world_part, compile_model
from riskmodel.engine.simulate import compile_scenario, simulate
from riskmodel.scenario import load_scenario_from_dict
from riskmodel.world import World, load_world
from tests.test_reproducibility import assert_identical

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


def test_compile_model_takes_no_fingerprint_from_its_callers():
    """The fingerprint is trusted as the key of the world part (a stale one would give another content's
    part), so only the engine passes it: `compile_model` has no public `world_sha256` argument, and a
    World edited in place is compiled as it is now."""
    world = load_world()
    with pytest.raises(TypeError, match="world_sha256"):
        compile_model(_scenario(), world, world_sha256="0" * 64)  # type: ignore[call-arg]
    before = compile_model(_scenario(), world)
    world.zones["war_risk"] *= 2.0
    assert compile_model(_scenario(), world).candidates is not before.candidates


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
    world = shipped.replace(zones=shipped.zones)
    compile_mod._WORLD_PARTS.clear()  # (a World whose content no compile has seen: nothing kept for it)
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


# ------------------------------------------------------------------------------------------------
# A World edited in place: what compiling keeps follows the World's content, not the object
# ------------------------------------------------------------------------------------------------
def _replaced(world: World, **edits: Callable[[Any], None]) -> World:
    """A World built afresh (re-validated, re-derived) from copies of `world`'s tables and dicts, each
    edited by the function named after it: the reference an in-place edit must compile to."""
    tables = {name: copy.deepcopy(getattr(world, name)) for name in edits}
    for name, edit in edits.items():
        edit(tables[name])
    return world.replace(**tables)


def _same_model(a: CompiledModel, b: CompiledModel) -> bool:
    """Whether two models draw the same worlds and compute the same events, damage and tables."""
    return (world_key(a), join_key(a), table_key(a)) == (world_key(b), join_key(b), table_key(b))


def _triple_rates(types: pd.DataFrame) -> None:
    types["base_rate_per_vessel_year"] *= 3.0


def _usa_in_clc(states: pd.DataFrame) -> None:
    states.loc["USA", "clc92"] = 1


def _larger_spills(severity: dict[str, Any]) -> None:
    severity["spill"]["size_given_spill"]["median_t"] *= 20.0


def test_a_table_edited_in_place_after_a_compile_compiles_afresh():
    """The brief's notebook: compile, edit a table of the same World object, compile again. The second
    model is the one a World built with the edit gives (not the first model again)."""
    world = load_world()
    before = compile_model(_scenario(), world)
    reference = compile_model(_scenario(), _replaced(world, incident_types=_triple_rates, states=_usa_in_clc))
    _triple_rates(world.incident_types)
    _usa_in_clc(world.states)
    after = compile_model(_scenario(), world)
    usa = after.state_codes.index("USA")
    assert after.state_clc[usa] and not before.state_clc[usa]
    np.testing.assert_allclose(after.candidates.total_rate, 3.0 * before.candidates.total_rate, rtol=1e-12)
    assert _same_model(after, reference) and not _same_model(after, before)
    assert world_key(after) != world_key(before)  # (a batch would not share one's world with the other)


def test_an_edit_of_the_severity_dict_compiles_afresh():
    world = load_world()
    before = compile_model(_scenario(), world)
    reference = compile_model(_scenario(), _replaced(world, severity=_larger_spills))
    _larger_spills(world.severity)
    after = compile_model(_scenario(), world)
    assert after.severity.spill_median_t == 20.0 * before.severity.spill_median_t
    assert (after.trade_weights["spills_700t"] > before.trade_weights["spills_700t"]).any()
    assert _same_model(after, reference) and not _same_model(after, before)


def test_a_model_compiled_before_an_edit_keeps_its_numbers():
    """A compiled model holds no view of the World's tables: editing them after does not change it."""
    world = load_world()
    model = compile_model(_scenario(), world)
    kept = {
        "segment_gt": model.segment_gt.copy(),
        "shadow_to_domestic": model.market.shadow_to_domestic.copy(),
        "p_spill_laden": model.severity.p_spill_laden.copy(),
        "cost_per_t_usd": model.severity.cost_per_t_usd.copy(),
    }
    world.segments["mean_gt"] *= 2.0
    world.trades["displaced_domestic"] *= 0.5
    world.incident_types["p_spill_laden"] *= 0.5
    world.zones["pollution_cost_usd_per_t"] *= 2.0
    np.testing.assert_array_equal(model.segment_gt, kept["segment_gt"])
    np.testing.assert_array_equal(model.market.shadow_to_domestic, kept["shadow_to_domestic"])
    np.testing.assert_array_equal(model.severity.p_spill_laden, kept["p_spill_laden"])
    np.testing.assert_array_equal(model.severity.cost_per_t_usd, kept["cost_per_t_usd"])
    edited = compile_model(_scenario(), world)
    np.testing.assert_array_equal(edited.segment_gt, 2.0 * kept["segment_gt"])
    np.testing.assert_array_equal(edited.severity.cost_per_t_usd, 2.0 * kept["cost_per_t_usd"])


def _arrays(value: Any, seen: set[int]) -> list[np.ndarray]:
    """Every numpy array in `value` (inside dicts, tuples and dataclasses)."""
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        value = tuple(value.values())
    elif hasattr(value, "__dataclass_fields__"):
        value = tuple(getattr(value, name) for name in value.__dataclass_fields__)
    return [a for v in value for a in _arrays(v, seen)] if isinstance(value, tuple) else []


def test_no_array_of_a_compiled_model_is_a_view_of_the_worlds_tables():
    """Before: 13 arrays (segment_gt, the severity's probabilities, the market's displaced shares ...)
    were views of the World's columns, so an edit of the World after compiling changed the model."""
    from riskmodel.scenario import load_scenario

    world = load_world()
    model = compile_model(load_scenario("scenarios/rv_pool.yaml"), world)
    columns = [
        (f"{name}.{col}", values)
        for name in ("states", "zones", "segments", "trades", "incident_types")
        for col, values in getattr(world, name).items()
        if values.dtype != object
    ]
    arrays = _arrays(model, set())
    assert len(arrays) > 50
    shared = [col for a in arrays for col, values in columns if np.shares_memory(a, values.to_numpy())]
    assert not shared


def test_a_small_run_on_an_edited_world_follows_the_edit():
    """`simulate(world=...)` of a World edited in place gives, bit for bit, the run of a World built with
    the edit, and not the run of the unedited World (500 trials, one policy year); `simulate` without
    `world` still runs the package's data, edit or not."""
    scenario = load_scenario_from_dict({**SCENARIO, "horizon": {"start_year": 2026, "years": 1}})
    world = load_world()
    plain = simulate(scenario, trials=500, world=world, progress=False)
    reference = simulate(
        scenario, trials=500, world=_replaced(world, severity=_larger_spills), progress=False
    )
    _larger_spills(world.severity)
    edited = simulate(scenario, trials=500, world=world, progress=False)
    assert_identical(edited, reference)
    assert any(not np.array_equal(edited.year_arrays[k], a) for k, a in plain.year_arrays.items())
    assert edited.provenance["world_sha256"] != plain.provenance["world_sha256"]
    shipped = simulate(scenario, trials=500, progress=False)
    assert_identical(shipped, plain)
    assert "world_sha256" not in shipped.provenance
    _triple_rates(world.incident_types)
    more = simulate(scenario, trials=500, world=world, progress=False)
    assert more.year_arrays["events"].sum() > edited.year_arrays["events"].sum()


def test_worlds_of_equal_content_share_one_part(monkeypatch):
    """The part is kept by the World's content: two `load_world()` copies, or a World edited and edited
    back, compile it once (a counter of `_compile_world`, not a timing)."""
    compiled = []

    def counting(world: World) -> Any:
        compiled.append(world)
        return _compile_world(world)

    monkeypatch.setattr(compile_mod, "_compile_world", counting)
    monkeypatch.setattr(compile_mod, "_WORLD_PARTS", OrderedDict())
    first, second = load_world(), load_world()
    a = compile_model(_scenario(), first)
    b = compile_model(_scenario(sdr_usd=1.5), second)
    assert len(compiled) == 1 and a.candidates is b.candidates
    second.states.loc["USA", "clc92"] = 1
    compile_model(_scenario(), second)
    assert len(compiled) == 2
    second.states.loc["USA", "clc92"] = 0
    c = compile_model(_scenario(), second)
    assert len(compiled) == 2 and c.candidates is a.candidates
    assert all(w is not first and w is not second for w in compiled)  # (compiled from a snapshot)


def test_the_kept_parts_are_few():
    """Parts of at most `WORLD_PARTS_KEPT` worlds are kept: a sweep over many edited worlds does not
    hold a part for each."""
    world = load_world()
    for k in range(compile_mod.WORLD_PARTS_KEPT + 2):
        world.segments["bunker_t"] += 1.0
        compile_model(_scenario(), world)
        assert len(compile_mod._WORLD_PARTS) <= compile_mod.WORLD_PARTS_KEPT, k


# ------------------------------------------------------------------------------------------------
# What a compile costs besides compiling: no copy of the package's data, each fingerprint once
# ------------------------------------------------------------------------------------------------
def _count_calls(monkeypatch: pytest.MonkeyPatch, calls: Counter[str]) -> None:
    """Count every copy of a World, every fingerprint of one (wherever it is called from) and every
    validation of a scenario document, in `calls`."""
    from riskmodel.engine import simulate as simulate_mod
    from riskmodel.scenario import loader as scenario_loader
    from riskmodel.world import fingerprint as fingerprint_mod

    def counting(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return f(*args, **kwargs)

        return call

    monkeypatch.setattr(World, "copy", counting("copy", World.copy))
    fingerprint = counting("fingerprint", fingerprint_mod.world_fingerprint)
    for module in (fingerprint_mod, compile_mod, simulate_mod):
        monkeypatch.setattr(module, "world_fingerprint", fingerprint)
    monkeypatch.setattr(
        scenario_loader, "_validate_document", counting("validate", scenario_loader._validate_document)
    )


def test_compiling_on_the_package_data_neither_copies_nor_fingerprints_it(monkeypatch):
    """With no World given, nor one the scenario was validated against, compiling reads the process's own
    World of the package's data (`shared_world`): no copy of it (`load_world` makes one, 0.5-1 ms), its
    fingerprint (1.6-3 ms) computed once for all compiles, and no check of the scenario again (the loader
    checked it against that content)."""
    scenario = _scenario()
    first = compile_scenario(scenario)
    calls: Counter[str] = Counter()
    _count_calls(monkeypatch, calls)
    again = compile_scenario(scenario)
    assert calls == Counter()
    assert again.candidates is first.candidates


def test_a_run_on_a_world_fingerprints_it_once(monkeypatch):
    """`simulate(world=w)` names the fingerprint in the provenance and keeps the compiled world part by
    it: one fingerprint of `w` for both (not one each), and no copy of `w` once its part is kept."""
    scenario = load_scenario_from_dict({**SCENARIO, "horizon": {"start_year": 2026, "years": 1}})
    world = load_world()
    simulate(scenario, trials=64, world=world, progress=False)
    calls: Counter[str] = Counter()
    _count_calls(monkeypatch, calls)
    simulate(scenario, trials=64, world=world, progress=False)
    assert calls["fingerprint"] == 1 and calls["copy"] == 0
