"""Runs of a batch that draw the same world share it: each block's world is drawn once for the group, and
every run's results are those it gets alone, bit for bit (issue 7: a sweep point costs less than the
first run)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

import riskmodel
from riskmodel import batch, waterfall
from riskmodel.engine import chunk as chunk_mod
from riskmodel.engine.chunk import (
    DAMAGE_FIELDS,
    TABLE_FIELDS,
    WORLD_FIELDS,
    ceded_sources,
    damage_key,
    frame_key,
    join_key,
    make_chunks,
    obligations_key,
    run_chunk,
    run_chunk_group,
    table_key,
    world_key,
)
from riskmodel.engine.executors import InProcess, ProcessPool
from riskmodel.engine.simulate import compile_scenario, simulate
from riskmodel.scenario import load_scenario, with_overrides
from tests.test_reproducibility import assert_identical, assert_same_arrays

SHORT = {"horizon.years": 1}
TRIALS = 4096


@pytest.fixture(scope="module")
def rv_pool():
    return with_overrides(load_scenario("scenarios/rv_pool.yaml"), SHORT)


class _Spy:
    """A compiled model that records which of its fields are read."""

    def __init__(self, model) -> None:
        self._model = model
        self.read: set[str] = set()

    def __getattr__(self, name: str):
        self.read.add(name)
        return getattr(self._model, name)


def test_the_world_reads_only_the_fields_of_its_key(rv_pool):
    """`_world_block` must not read a field left out of `WORLD_FIELDS`: two models equal in those fields
    but not in that one would share a world they should not."""
    spy = _Spy(compile_scenario(rv_pool, TRIALS, 3))
    chunk_mod._world_block(spy, 0, 1024, {}, {})
    assert spy.read, "the spy saw nothing: the check would pass vacuously"
    assert spy.read - {"world_model"} <= set(WORLD_FIELDS), spy.read - set(WORLD_FIELDS)


def test_the_damage_reads_only_the_fields_of_its_key(rv_pool):
    """Likewise `_slice_events` (a slice's events, damage and sanctions status) and `DAMAGE_FIELDS`."""
    model = compile_scenario(rv_pool, TRIALS, 3)
    world = chunk_mod._world_block(model, 0, 1024, {}, {})
    spy = _Spy(model)
    events = chunk_mod._slice_events(spy, world, 0, 256)
    assert events.trial.size > 0 and spy.read
    assert spy.read <= {*WORLD_FIELDS, *DAMAGE_FIELDS}, spy.read - {*WORLD_FIELDS, *DAMAGE_FIELDS}
    assert spy.read & set(DAMAGE_FIELDS)


def test_the_event_table_reads_only_the_fields_of_its_key(rv_pool):
    """Likewise the waterfall and the event loss table of a slice (`_world_slice`, `_event_table`) and
    `TABLE_FIELDS`: the contracts enter only through the columns they cede, passed in, never read."""
    model = compile_scenario(rv_pool, TRIALS, 3)
    world = chunk_mod._world_block(model, 0, 1024, {}, {})
    spy = _Spy(model)
    ya: dict = {}
    ceded = ceded_sources(model)
    streams, attritional, material = chunk_mod._world_slice(spy, world, 0, 256, ya, ceded)
    elt, _ = chunk_mod._event_table(spy, streams, 0, 256, 0, attritional, material, world.bases, ya, ceded)
    assert elt.n_events > 0 and set(elt.losses) == ceded
    allowed = {*WORLD_FIELDS, *DAMAGE_FIELDS, *TABLE_FIELDS}
    assert spy.read <= allowed, spy.read - allowed
    assert spy.read & set(TABLE_FIELDS) and "contracts" not in spy.read


def test_the_table_key_tells_apart_what_changes_the_table(rv_pool):
    base = compile_scenario(rv_pool, TRIALS, 3)
    terms = compile_scenario(
        with_overrides(rv_pool, {"portfolio.contracts.tanker_hull_xol.attachment_usd_m": 2.0}), TRIALS, 3
    )
    assert table_key(terms) == table_key(base)  # other terms on the same columns: the same table
    capital = compile_scenario(with_overrides(rv_pool, {"schemes.rv_pool.capital_usd_m": 2000}), TRIALS, 3)
    assert damage_key(capital) == damage_key(base) and table_key(capital) != table_key(base)
    # the scheme's capital does not change what each event's insurer owes; its per-event limit does
    assert obligations_key(capital) == obligations_key(base) == obligations_key(terms)
    limit = with_overrides(rv_pool, {"schemes.rv_pool.per_event_limit_usd_m": 100})
    assert obligations_key(compile_scenario(limit, TRIALS, 3)) != obligations_key(base)
    # a contract ceding another column needs that column in the table
    xol = base.contracts["tanker_hull_xol"]
    other = sorted(ceded_sources(base) - set(xol.sources))[0]
    more = replace(base, contracts={**base.contracts, "x": replace(xol, id="x", sources=(other, "owner"))})
    assert table_key(more) != table_key(base)


def test_the_world_key_tells_apart_what_changes_the_world(rv_pool):
    base = world_key(compile_scenario(rv_pool, TRIALS, 3))
    after_world = with_overrides(rv_pool, {"schemes.rv_pool.capital_usd_m": 2000})
    assert world_key(compile_scenario(after_world, TRIALS, 3)) == base
    assert world_key(compile_scenario(rv_pool, TRIALS, 4)) != base  # another seed
    uptake = with_overrides(rv_pool, {"schemes.rv_pool.uptake.share": 0.3})
    assert world_key(compile_scenario(uptake, TRIALS, 3)) != base


def test_a_group_draws_each_world_once_and_gives_each_run_its_own_results(rv_pool, monkeypatch):
    variants = [
        rv_pool,
        with_overrides(rv_pool, {"schemes.rv_pool.capital_usd_m": 2000}),
        with_overrides(rv_pool, {"schemes.rv_pool.uptake.share": 0.3}),  # another world
        with_overrides(rv_pool, {"schemes.rv_pool.reinsurance.quota_share": 0.8}),
        with_overrides(rv_pool, {"portfolio.contracts.tanker_hull_xol.attachment_usd_m": 2.0}),
    ]
    models = [compile_scenario(s, 2 * TRIALS, 3) for s in variants]
    assert batch._groups(models) == [(0, 1, 3, 4), (2,)]
    # cut in two, the contract-terms variant goes with run 0 (they share the event table)
    assert batch._groups(models, size=2) == [(0, 4), (1, 3), (2,)]
    # a group's results are in memory at once: runs too large to hold together are not grouped
    per_trial = batch._result_bytes(models[0]) // models[0].n_trials
    two = batch.GROUP_RESULTS_BYTES // (2 * per_trial)  # trials of which two runs fit, not three
    assert batch._groups([replace(m, n_trials=two) for m in models]) == [(0, 4), (1, 3), (2,)]
    one = batch.GROUP_RESULTS_BYTES // per_trial - 1
    assert batch._groups([replace(m, n_trials=one) for m in models]) == [(i,) for i in range(5)]
    [c] = make_chunks(2 * TRIALS, 2 * TRIALS)
    alone = [run_chunk(m, c) for m in models]
    # the reckoning of a run's result size is within a quarter of what the first run's results hold
    held = sum(v.nbytes for v in alone[0].year_arrays.values())
    held += sum(v.nbytes for figures in alone[0].contracts.values() for v in figures.values())
    assert abs(per_trial * c.stop - held) <= 0.25 * held, (per_trial * c.stop, held)

    drawn = []
    world_block = chunk_mod._world_block

    def counting(m, block, *args):
        drawn.append((world_key(m), block))
        return world_block(m, block, *args)

    damaged = []
    slice_events = chunk_mod._slice_events

    def counting_damage(m, world, a, b):
        damaged.append((damage_key(m), a, b))
        return slice_events(m, world, a, b)

    tabled = []
    world_slice = chunk_mod._world_slice

    def counting_tables(m, world, a, b, *args):
        tabled.append((table_key(m), a, b))
        return world_slice(m, world, a, b, *args)

    owed = []
    obligations = waterfall.obligations

    def counting_obligations(record, params):
        owed.append(record.trial.size)
        return obligations(record, params)

    # both where a group computes them to share and where `route_events` computes its own
    monkeypatch.setattr(chunk_mod, "obligations", counting_obligations)
    monkeypatch.setattr(waterfall, "obligations", counting_obligations)
    monkeypatch.setattr(chunk_mod, "_world_block", counting)
    monkeypatch.setattr(chunk_mod, "_slice_events", counting_damage)
    monkeypatch.setattr(chunk_mod, "_world_slice", counting_tables)
    together = run_chunk_group(models, c)
    # two blocks, two distinct worlds: four draws for five runs of two blocks (ten alone)
    assert sorted(drawn) == sorted({(world_key(m), b) for m in models for b in (0, 1)})
    assert len(drawn) == 4
    # the damage of each slice of each block once per distinct world: runs 0, 1, 3 and 4 share theirs
    keys = [damage_key(m) for m in models]
    assert keys[0] == keys[1] == keys[3] == keys[4] != keys[2]
    assert len({k for k, _, _ in damaged}) == 2
    assert len(damaged) == 2 * len(set(damaged))  # two blocks with the same slices
    # the waterfall and event table of each slice once per distinct table: runs 0 and 4 (other terms on
    # the same columns) share theirs, the capital and quota share runs do not
    tables = [table_key(m) for m in models]
    assert tables[0] == tables[4] and len(set(tables)) == 4
    assert len({k for k, _, _ in tabled}) == 4
    assert len(tabled) == 2 * len(set(tabled))
    # the obligations of each slice once for runs 0, 1, 3 and 4 (runs 1 and 3 change only the scheme's
    # capital and quota share, run 4 shares run 0's table) and once for run 2: as often as the damage
    assert len({obligations_key(models[i]) for i in (0, 1, 3, 4)}) == 1
    assert len(owed) == len(damaged) > 0
    # the shared table gave run 4 its own terms: its hull XoL differs from run 0's
    xol = [r.contracts["tanker_hull_xol"]["loss"] for r in (together[0], together[4])]
    assert not np.array_equal(*xol)
    for a, b in zip(alone, together, strict=True):
        assert_same_arrays(a, b)
    # the shared world's and table's arrays are copied: changing one run's result leaves the other's alone
    # (a chunk of one slice, whose results are not joined from parts; runs 0 and 1 share a world, runs 0
    # and 4 also an event table)
    [one_slice] = make_chunks(256, TRIALS)
    n_events = chunk_mod._world_block(models[0], 0, 256, {}, {}).ev.trial.size
    assert len(chunk_mod._slices(256, n_events)) == 1
    for pair in ((0, 1), (0, 4)):
        _assert_no_shared_memory(*run_chunk_group([models[i] for i in pair], one_slice), pair)


def _assert_no_shared_memory(first, second, label: object = None) -> None:
    """No array of one `ChunkResult` shares memory with the other's: changing one leaves the other alone."""
    for kind in ("year_arrays", "trial_arrays"):
        for k, v in getattr(first, kind).items():
            assert not np.shares_memory(v, getattr(second, kind)[k]), (label, kind, k)
    for cid, figures in first.contracts.items():
        for f, v in figures.items():
            assert not np.shares_memory(v, second.contracts[cid][f]), (label, cid, f)


@pytest.mark.parametrize("keep_events", [False, True])
def test_a_shared_event_table_carries_the_perils_and_the_kept_events(keep_events):
    """A world-model scenario with a peril (`spill_stress`): a contract-terms variant shares the event
    table, peril events included, and gets its own results and kept events; a variant of the peril's
    frequency shares the damage but not the table. Each equals its run alone."""
    base = with_overrides(load_scenario("scenarios/spill_stress.yaml"), SHORT)
    variants = [
        base,
        with_overrides(base, {"portfolio.contracts.rv_pool_retro.participation": 0.2}),
        with_overrides(base, {"perils.gof_aframax_spill.frequency.mean": 0.5}),
    ]
    models = [compile_scenario(s, TRIALS, 3, keep_events) for s in variants]
    assert table_key(models[0]) == table_key(models[1]) != table_key(models[2])
    assert damage_key(models[0]) == damage_key(models[2])
    [c] = make_chunks(TRIALS, TRIALS)
    alone = [run_chunk(m, c) for m in models]
    together = run_chunk_group(models, c)
    for a, b in zip(alone, together, strict=True):
        assert_same_arrays(a, b)
    # the perils reach the table: the scheme reinsurer's ledger differs between base and the variant
    ledger = "payer:scheme_reinsurance:rv_pool"
    assert not np.array_equal(together[0].year_arrays[ledger], together[2].year_arrays[ledger])
    retro = [r.contracts["rv_pool_retro"]["loss"] for r in together[:2]]
    assert not np.array_equal(*retro)


@pytest.fixture(scope="module")
def sweep(rv_pool):
    """A capital sweep with a run of another world between its points, a join-probability point after
    them, and each run's results alone."""
    variants = {
        "a": rv_pool,
        "other": with_overrides(rv_pool, {"schemes.rv_pool.uptake.share": 0.3}),
        "b": with_overrides(rv_pool, {"schemes.rv_pool.capital_usd_m": 2000}),
        "c": with_overrides(rv_pool, {"schemes.rv_pool.candidates.IRN.p_join": 0.2}),
    }
    specs = [batch.make_spec(k, s, None, trials=2 * TRIALS, seed=3) for k, s in variants.items()]
    alone = {}
    for spec in specs:
        [(_, alone[spec.name])] = batch.simulate_many(
            [spec], InProcess(), chunk_trials=TRIALS, progress=False, share_world=1
        )
    return specs, alone


def test_a_batch_saves_each_run_as_its_group_brings_it_and_hands_them_on_in_plan_order(
    sweep, tmp_path, monkeypatch
):
    """A batch of a, another world, and b (a's world): a and b are computed together and saved as they
    come, before the other world's run; the runs reach `on_results` in plan order, b read back from the
    store, each equal to its run alone. The results waiting in the batch are only those of the group at
    hand (not b's while the other world's run is assembled)."""
    specs, alone = sweep
    said: list[str] = []
    seen: list[str] = []
    groups = {0: (0, 2), 2: (0, 2), 1: (1,)}  # by run: its group (runs a, other, b of the batch)
    next_for = batch._Demux.next_for

    def only_its_group_waits(demux, k):
        part = next_for(demux, k)
        assert {j for j, parts in demux._waiting.items() if parts} <= set(groups[k]), k
        return part

    monkeypatch.setattr(batch._Demux, "next_for", only_its_group_waits)

    def check(spec, results) -> None:
        seen.append(spec.name)
        assert_identical(alone[spec.name], results)

    outcomes = batch.run_batch(
        specs[:3],
        tmp_path,
        InProcess(),
        chunk_trials=TRIALS,
        progress=False,
        echo=said.append,
        on_results=check,
    )
    assert [o.spec.name for o in outcomes] == ["a", "other", "b"] and seen == ["a", "other", "b"]
    assert [line.split(":")[0] for line in said[:3]] == ["[1/3] a", "[3/3] b", "[2/3] other"], said


@pytest.mark.parametrize("executor", ["in-process", "pool"])
def test_a_sweep_in_a_batch_gives_the_results_of_each_run_alone(sweep, executor):
    """The sweep goes through `simulate_many` as one group of three runs (in two chunks); each run equals
    its run alone. The group comes first, and the run of another world between them after it."""
    specs, alone = sweep
    ex = InProcess() if executor == "in-process" else ProcessPool(2)
    with ex:
        got = list(batch.simulate_many(specs, ex, chunk_trials=TRIALS, progress=False))
    assert [s.name for s, _ in got] == ["a", "b", "c", "other"]
    for spec, results in got:
        assert_identical(alone[spec.name], results)


def test_simulate_together_gives_each_variant_its_run_alone_and_draws_the_world_once(rv_pool, monkeypatch):
    """The notebook API: a base, a contract-terms what-if and a capital what-if at one seed, each equal to
    its `simulate` alone, with the world of each block drawn once for all three."""
    variants = [
        rv_pool,
        with_overrides(rv_pool, {"portfolio.contracts.war_xol.attachment_usd_m": 20.0}),
        with_overrides(rv_pool, {"schemes.rv_pool.capital_usd_m": 2000}),
    ]
    alone = [simulate(s, trials=TRIALS, seed=3, progress=False) for s in variants]
    drawn = []
    world_block = chunk_mod._world_block

    def counting(m, block, *args):
        drawn.append(block)
        return world_block(m, block, *args)

    monkeypatch.setattr(chunk_mod, "_world_block", counting)
    together = riskmodel.simulate_together(variants, trials=TRIALS, seed=3, progress=False)
    assert drawn == [0]  # one block, one world for the three
    assert [r.scenario_name for r in together] == [s.name for s in variants]
    for a, b in zip(alone, together, strict=True):
        assert_identical(a, b)
    assert not np.array_equal(
        together[0].contracts["war_xol"]["loss"], together[1].contracts["war_xol"]["loss"]
    )
    # scenario files are read as `simulate` reads them
    [from_file] = riskmodel.simulate_together(
        ["scenarios/rv_pool.yaml"], trials=TRIALS, seed=3, progress=False
    )
    assert_identical(simulate("scenarios/rv_pool.yaml", trials=TRIALS, seed=3, progress=False), from_file)


def test_a_join_probability_variant_computes_only_the_trials_whose_join_years_change(monkeypatch):
    """Runs that differ in a state's join probability (the same `join_key`) go in one group: the later
    one computes its event stages only on the trials whose join years differ from the first's and takes
    the others' results from it. Each run equals its run alone, bit for bit (three policy years). A
    capital variant of the first shares its world (and is computed in full); the same capital with the
    other join probability is computed from it, sharing its world with the second run; a change too
    small to move any join year computes no trial at all."""
    base = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {"horizon.years": 3})
    irn = "schemes.rv_pool.candidates.IRN.p_join"
    p = base.schemes["rv_pool"].candidates["IRN"].p_join
    variants = [
        base,
        with_overrides(base, {irn: 0.2}),
        with_overrides(base, {"schemes.rv_pool.capital_usd_m": 2000}),
        with_overrides(base, {irn: 0.2, "schemes.rv_pool.capital_usd_m": 2000}),
        with_overrides(base, {irn: p + 1e-12}),
    ]
    models = [compile_scenario(s, 2 * TRIALS, 3) for s in variants]
    assert len({frame_key(m) for m in models}) == 1
    assert join_key(models[0]) == join_key(models[1]) == join_key(models[4]) != join_key(models[2])
    assert join_key(models[2]) == join_key(models[3])
    assert world_key(models[2]) == world_key(models[0]) and world_key(models[3]) == world_key(models[1])
    assert world_key(models[4]) != world_key(models[0])  # (else run 4 would share run 0's world)
    assert batch._groups(models) == [(0, 1, 2, 3, 4)]
    [c] = make_chunks(2 * TRIALS, 2 * TRIALS)
    alone = [run_chunk(m, c) for m in models]
    computed = []
    world_rows = chunk_mod._world_rows

    def counting(world, trials, n):
        computed.append(trials)
        return world_rows(world, trials, n)

    monkeypatch.setattr(chunk_mod, "_world_rows", counting)
    together = run_chunk_group(models, c)
    for a, b in zip(alone, together, strict=True):
        assert_same_arrays(a, b)
    # runs 1 (from run 0) and 3 (from run 2) on some of the trials of each of two blocks, the same ones;
    # run 2 shares run 0's world and is computed in full; run 4 computes no trial
    assert len(computed) == 4 and all(0 < t.size < TRIALS for t in computed), [t.size for t in computed]
    assert np.array_equal(computed[0], computed[1]) and np.array_equal(computed[2], computed[3])
    changed = np.concatenate([computed[0], computed[2] + TRIALS])
    joins = [r.trial_arrays["join_year"] for r in together]
    assert (joins[0][changed] != joins[1][changed]).any(axis=1).all()
    assert np.array_equal(np.delete(joins[0], changed, axis=0), np.delete(joins[1], changed, axis=0))
    assert np.array_equal(joins[0], joins[4])
    # the event stages' results of the changed trials are run 1's own: its scheme's claims differ there
    scheme = [r.year_arrays["payer:scheme:rv_pool"] for r in together[:2]]
    assert not np.array_equal(scheme[0][changed], scheme[1][changed])
    # a join-probability variant whose world a model computed in full draws (here the same join
    # probability with more capital) shares that world and is computed in full, not from run 0
    [one_block] = make_chunks(TRIALS, TRIALS)
    computed.clear()
    with_capital = compile_scenario(variants[3], 2 * TRIALS, 3)
    got = run_chunk_group([models[0], models[1], with_capital], one_block)
    assert computed == []
    assert_same_arrays(run_chunk(models[1], one_block), got[1])
    # the results of a run computed on some trials are its own arrays (none shared with its donor's)
    _assert_no_shared_memory(*run_chunk_group(models[:2], one_block))


def test_a_frame_larger_than_a_group_is_cut_where_its_runs_share_least(rv_pool):
    """Runs of one frame beyond a group's size go into groups so that each world is drawn in as few
    groups as can be, whatever the runs' order in the batch; runs linked by nothing share no group."""
    irn, capital = "schemes.rv_pool.candidates.IRN.p_join", "schemes.rv_pool.capital_usd_m"
    attachment = "portfolio.contracts.tanker_hull_xol.attachment_usd_m"
    variants = [
        rv_pool,
        with_overrides(rv_pool, {irn: 0.2, capital: 2000}),
        with_overrides(rv_pool, {capital: 2000}),
        with_overrides(rv_pool, {irn: 0.2}),
        with_overrides(rv_pool, {attachment: 2.0}),
    ]
    models = [compile_scenario(s, TRIALS, 3) for s in variants]
    assert len({frame_key(m) for m in models}) == 1
    worlds = [world_key(m) for m in models]
    assert worlds[0] == worlds[2] == worlds[4] != worlds[1] == worlds[3]

    def worlds_drawn(groups: list[tuple[int, ...]]) -> int:
        return sum(len({worlds[k] for k in g}) for g in groups)

    def fewest(size: int) -> int:  # every cut of the five runs into groups of at most `size`, searched
        best = len(models)
        for labels in itertools.product(range(len(models)), repeat=len(models)):
            cut = [tuple(k for k in range(len(models)) if labels[k] == g) for g in set(labels)]
            if all(len(g) <= size for g in cut):
                best = min(best, worlds_drawn(cut))
        return best

    for size in (2, 3):
        got = batch._groups(models, size=size)
        assert sorted(k for g in got for k in g) == list(range(5)) and all(len(g) <= size for g in got)
        assert worlds_drawn(got) == fewest(size), (size, got)
    assert worlds_drawn([(0, 1, 2), (3, 4)]) == 4 > fewest(3)  # (the batch's order, cut in threes)
    # run 0's world with the terms variant next to it (the same event table), then the capital variant
    assert batch._groups(models, size=3) == [(0, 2, 4), (1, 3)]
    assert batch._groups(models, size=2) == [(0, 4), (1, 3), (2,)]
    # a run of another world and other join odds than every other run shares nothing with them: a group
    # of its own, even with room in theirs
    lone = [*models[:3], compile_scenario(with_overrides(rv_pool, {irn: 0.3, capital: 500}), TRIALS, 3)]
    assert batch._groups(lone, size=4) == [(0, 1, 2), (3,)]
