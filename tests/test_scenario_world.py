"""A scenario validated against a World runs on it (docs/world-data.md, "Editing a World").

`load_scenario(path, world=w)` (and `load_scenario_from_dict`, `validate_file`, `with_overrides`) checks
the scenario's codes against `w` and the scenario remembers `w`: `simulate` and `simulate_together` run
on it unless given `world=`, and before compiling, the scenario is checked against the World the run
uses, so that a code that World lacks is a `ScenarioError` naming its key path, never a `KeyError`.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import riskmodel as rm
from riskmodel import batch
from riskmodel.engine.simulate import compile_scenario
from riskmodel.scenario import (
    ScenarioError,
    load_scenario,
    load_scenario_from_dict,
    scenario_hash,
    scenario_world,
    validate_file,
    with_overrides,
)
from riskmodel.scenario.checks import WorldCodes
from riskmodel.world import World, load_world, world_fingerprint
from tests.test_reproducibility import assert_identical

#: A small world-model run: the status quo, one year, a few trials.
SMALL = {
    "name": "small",
    "horizon": {"start_year": 2026, "years": 1},
    "simulation": {"trials": 64, "seed": 1},
}
#: The same, with inspections in a zone only the Arctic world below has.
ARCTIC_RUN = {**SMALL, "name": "arctic", "sanctions": {"enforcement": {"zones": {"ARCTIC": 0.9}}}}


def _costlier() -> World:
    """The package's world data with every zone's pollution cost ten times as high (an edit in place)."""
    world = load_world()
    world.zones["pollution_cost_usd_per_t"] *= 10.0
    return world


def _arctic() -> World:
    """The package's world data with one more zone, ARCTIC (a Russian coast, its own wreck factor)."""
    world = load_world()
    zones = world.zones.copy()
    zones.loc["ARCTIC"] = zones.loc["PACIFIC_RUSSIA"]
    zones.loc["ARCTIC", ["name", "coastal_mix", "enforcement"]] = ["Arctic", "RUS:1", 0.3]
    severity = copy.deepcopy(world.severity)
    severity["wreck_removal"]["zone_factor"]["ARCTIC"] = 2.0
    return world.replace(zones=zones, severity=severity)


def _damage(results) -> float:
    """All the run's damage (pollution and the rest), USD m."""
    return sum(float(v.sum()) for k, v in results.year_arrays.items() if k.startswith("damage:"))


@pytest.fixture(scope="module")
def costlier() -> World:
    return _costlier()


@pytest.fixture(scope="module")
def package_run():
    return rm.simulate(load_scenario_from_dict(SMALL), progress=False)


# ------------------------------------------------------------------------------------------------
# simulate runs on the World the scenario was validated against
# ------------------------------------------------------------------------------------------------
def test_a_scenario_loaded_on_a_world_runs_on_it(costlier: World, package_run) -> None:
    """The red-team's case: ten times the pollution cost, given to the loader, not to `simulate`. The run
    is the one `simulate(world=...)` gives, bit for bit, and not the package's; its provenance names the
    World as for `world=`."""
    on_world = load_scenario_from_dict(SMALL, world=costlier)
    assert scenario_world(on_world) is costlier
    remembered = rm.simulate(on_world, progress=False)
    given = rm.simulate(load_scenario_from_dict(SMALL), progress=False, world=costlier)
    assert_identical(remembered, given)
    assert _damage(remembered) > 3 * _damage(package_run) > 0
    assert remembered.provenance["world_sha256"] == world_fingerprint(costlier)
    assert remembered.provenance["world_source"] == costlier.source
    assert "world_sha256" not in package_run.provenance


def test_a_scenario_file_loaded_on_a_world_runs_on_it(costlier: World, package_run, tmp_path: Path) -> None:
    """`load_scenario` and `validate_file` remember the World as `load_scenario_from_dict` does."""
    import yaml

    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL), encoding="utf-8")
    loaded = load_scenario(path, world=costlier)
    validated = validate_file(path, world=costlier).scenario
    assert validated is not None and scenario_world(validated) is costlier
    assert scenario_world(loaded) is costlier and scenario_world(load_scenario(path)) is None
    a, b = rm.simulate(loaded, progress=False), rm.simulate(validated, progress=False)
    assert_identical(a, b)
    assert a.provenance["world_sha256"] == world_fingerprint(costlier)
    assert not np.array_equal(a.year_arrays["damage:ig"], package_run.year_arrays["damage:ig"])


def test_an_explicit_world_wins(costlier: World, package_run) -> None:
    on_world = load_scenario_from_dict(SMALL, world=costlier)
    shipped = load_world()
    results = rm.simulate(on_world, progress=False, world=shipped)
    assert_identical(results, package_run)
    assert results.provenance["world_sha256"] == world_fingerprint(shipped)


def test_a_world_edited_after_loading_runs_as_it_is_at_the_run(package_run) -> None:
    """The scenario holds the World itself, not a copy: an edit after loading reaches the run, as an edit
    before `simulate(world=w)` does (the codes are unchanged, so nothing is checked again)."""
    world = load_world()
    scenario = load_scenario_from_dict(SMALL, world=world)
    world.zones["pollution_cost_usd_per_t"] *= 10.0
    results = rm.simulate(scenario, progress=False)
    assert_identical(results, rm.simulate(load_scenario_from_dict(SMALL), progress=False, world=world))
    assert results.provenance["world_sha256"] == world_fingerprint(world)
    assert not np.array_equal(results.year_arrays["damage:ig"], package_run.year_arrays["damage:ig"])


def test_a_zone_the_world_adds_runs_on_it() -> None:
    """The red-team's second case: a World with an ARCTIC zone, a scenario inspecting there. Loading it
    on that World checks the zone against it, and compiling (which failed with `KeyError: 'ARCTIC'`) runs
    on it."""
    world = _arctic()
    scenario = load_scenario_from_dict(ARCTIC_RUN, world=world)
    model = compile_scenario(scenario)
    assert model.zone_codes[-1] == "ARCTIC" and model.zone_intensity[-1] == 0.9
    assert model.severity.wreck_zone_factor[-1] == 2.0
    results = rm.simulate(scenario, progress=False)
    assert results.labels["zone"][-1] == "ARCTIC"
    assert results.provenance["world_sha256"] == world_fingerprint(world)


# ------------------------------------------------------------------------------------------------
# The scenario is checked against the World the run uses
# ------------------------------------------------------------------------------------------------
def _arctic_problem(info: pytest.ExceptionInfo[ScenarioError], world: World) -> None:
    [problem] = info.value.problems
    assert problem.path == ("sanctions", "enforcement", "zones", "ARCTIC")
    assert problem.file == f"scenario 'arctic' on the world data of {world.source}"
    assert "must be a zone of the world reference data" in problem.message


def test_a_zone_the_run_world_lacks_is_a_scenario_error() -> None:
    """Valid on its World, the scenario is run on another that lacks the zone: the loader's error, with the
    key path and the World's source, before anything is compiled."""
    scenario = load_scenario_from_dict(ARCTIC_RUN, world=_arctic())
    shipped = load_world()
    with pytest.raises(ScenarioError) as info:
        rm.simulate(scenario, progress=False, world=shipped)
    _arctic_problem(info, shipped)
    with pytest.raises(ScenarioError) as info:
        compile_scenario(scenario, world=shipped)
    _arctic_problem(info, shipped)


def test_a_zone_removed_from_the_world_after_loading_is_a_scenario_error() -> None:
    """The World the scenario remembers loses the zone in place: its content has changed since it was
    checked, so the run checks it again."""
    world = _arctic()
    scenario = load_scenario_from_dict(ARCTIC_RUN, world=world)
    world.zones.index = pd.Index(["POLAR" if z == "ARCTIC" else z for z in world.zones.index], name="zone")
    with pytest.raises(ScenarioError) as info:
        rm.simulate(scenario, progress=False)
    _arctic_problem(info, world)


def test_a_load_world_copy_edited_in_place_is_named_as_edited() -> None:
    """A `load_world()` copy keeps the package's folder as its source; edited in place, it is no longer
    that folder's data, and the problem says so rather than blaming the package's files."""
    world = load_world()
    world.zones.index = pd.Index(["RED" if z == "RED_SEA" else z for z in world.zones.index], name="zone")
    scenario = load_scenario_from_dict({**SMALL, "sanctions": {"enforcement": {"zones": {"RED_SEA": 0.9}}}})
    with pytest.raises(ScenarioError) as info:
        rm.simulate(scenario, progress=False, world=world)
    [problem] = info.value.problems
    assert problem.path == ("sanctions", "enforcement", "zones", "RED_SEA")
    no_longer = "its content no longer that of those files"
    assert problem.file == f"scenario 'small' on a World loaded from {world.source}, {no_longer}"


def test_a_scenario_checked_against_bare_codes_is_checked_on_the_package_data() -> None:
    """Codes alone (`WorldCodes`) are not a World to run on: the run uses the package's world data, and
    checks the scenario against it first."""
    shipped = load_world()
    codes = WorldCodes.from_world(_arctic())
    scenario = load_scenario_from_dict(ARCTIC_RUN, world=codes)
    assert scenario_world(scenario) is None
    with pytest.raises(ScenarioError) as info:
        compile_scenario(scenario)
    _arctic_problem(info, shipped)


# ------------------------------------------------------------------------------------------------
# The World is not a field, and it travels with every copy
# ------------------------------------------------------------------------------------------------
def test_the_world_is_in_no_dump_schema_or_hash(costlier: World) -> None:
    on_world, plain = load_scenario_from_dict(SMALL, world=costlier), load_scenario_from_dict(SMALL)
    assert on_world.model_dump() == plain.model_dump()
    assert scenario_hash(on_world) == scenario_hash(plain)
    assert "_world" not in str(type(plain).model_json_schema())


def test_the_world_is_not_in_equality(costlier: World) -> None:
    """A scenario is its fields: the World it remembers and what the loader checked are not compared
    (pydantic's own `__eq__` compares private attributes), so a copy or a pickled round trip equals its
    original; a field of another value, or another type, is unequal. The hash is pydantic's."""
    on_world, plain = load_scenario_from_dict(SMALL, world=costlier), load_scenario_from_dict(SMALL)
    assert on_world == plain
    assert on_world == copy.deepcopy(on_world) == pickle.loads(pickle.dumps(on_world))
    assert on_world != load_scenario_from_dict({**SMALL, "name": "other"}, world=costlier)
    assert on_world != on_world.simulation and on_world != SMALL
    assert type(plain).__hash__ is not None  # (pydantic's hash of a frozen model's fields)


def test_every_copy_keeps_the_world(costlier: World) -> None:
    """`with_overrides` (checked against the World too), `model_copy`, `copy.deepcopy` and pickling (a
    process pool's or Dask's workers get the World with the scenario, never the package's data in its
    place)."""
    world = _arctic()
    scenario = load_scenario_from_dict(ARCTIC_RUN, world=world)
    variant = with_overrides(scenario, {"sanctions.enforcement.zones.ARCTIC": 0.5})  # valid on ARCTIC only
    assert scenario_world(variant) is world
    assert compile_scenario(variant).zone_intensity[-1] == 0.5
    assert scenario_world(scenario.model_copy(update={"description": "x"})) is world
    for other in (copy.deepcopy(scenario), pickle.loads(pickle.dumps(scenario))):
        travelled = scenario_world(other)
        assert travelled is not None and travelled is not world
        assert world_fingerprint(travelled) == world_fingerprint(world)
        assert compile_scenario(other).zone_codes[-1] == "ARCTIC"
    small = load_scenario_from_dict(SMALL, world=costlier)
    assert_identical(
        rm.simulate(pickle.loads(pickle.dumps(small)), progress=False), rm.simulate(small, progress=False)
    )


# ------------------------------------------------------------------------------------------------
# simulate_together runs each on its World; a batch stores none but the package's
# ------------------------------------------------------------------------------------------------
def test_simulate_together_runs_each_scenario_on_its_world(costlier: World, package_run) -> None:
    on_world = load_scenario_from_dict(SMALL, world=costlier)
    together = rm.simulate_together([on_world, load_scenario_from_dict(SMALL)], progress=False)
    assert_identical(together[0], rm.simulate(on_world, progress=False))
    assert_identical(together[1], package_run)
    assert together[0].provenance["world_sha256"] == world_fingerprint(costlier)
    assert "world_sha256" not in together[1].provenance


def test_a_world_edited_between_the_runs_of_simulate_many_changes_none_of_them(package_run) -> None:
    """`simulate_many` compiles every run when it starts and assembles each `Results` from that model: a
    World edited while the first run is yielded leaves the second the run of the World as it was at the
    start, with that content's fingerprint (it named the edited content's, over the old numbers)."""
    world = load_world()
    before = world_fingerprint(world)
    first = load_scenario_from_dict(SMALL, world=world)
    second = load_scenario_from_dict({**SMALL, "name": "other"}, world=world)
    specs = [batch.make_spec("a", first, None), batch.make_spec("b", second, None)]
    out = []
    for _, results in batch.simulate_many(specs, share_world=1, progress=False):
        out.append(results)
        world.zones["pollution_cost_usd_per_t"] *= 10.0
    assert world_fingerprint(world) != before
    for results in out:
        assert results.provenance["world_sha256"] == before
        np.testing.assert_array_equal(results.year_arrays["damage:ig"], package_run.year_arrays["damage:ig"])


def test_a_batch_refuses_a_scenario_on_another_world(costlier: World, tmp_path: Path) -> None:
    """A stored run's identity covers the package's files, not a World in memory: `run_batch` says so and
    stores nothing, rather than running the scenario on the package's data."""
    spec = batch.make_spec("costlier", load_scenario_from_dict(SMALL, world=costlier), None)
    with pytest.raises(ValueError, match=r"costlier \(on .*\).*riskmodel\.simulate or simulate_together"):
        batch.run_batch([spec], tmp_path / "store", progress=False, echo=None)
    assert not (tmp_path / "store").exists()


def test_a_batch_takes_a_scenario_on_the_package_data_as_loaded() -> None:
    """A World of the package's content (`load_world()`, unedited) is the package's data: not refused."""
    spec = batch.make_spec("shipped", load_scenario_from_dict(SMALL, world=load_world()), None)
    batch._refuse_other_worlds([spec])
