"""The same seed and trials give bit-identical results on every executor and with every chunk size, and
two scenarios run with the same seed share common random numbers (MODEL.md sections 1 and 13)."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskmodel import batch
from riskmodel.engine.executors import DaskExecutor, InProcess, ProcessPool
from riskmodel.results import Results, compare
from riskmodel.scenario import load_scenario, load_scenario_from_dict, with_overrides

PERILS = {
    "name": "Perils only",
    "horizon": {"start_year": 2026, "years": 2},
    "simulation": {"trials": 12288, "seed": 5, "chunk_trials": 4096, "world_model": False},
    "perils": {
        "storm": {
            "frequency": {"distribution": "negative_binomial", "mean": 1.5, "cv": 1.2},
            "severity": {"distribution": "pareto", "threshold_usd_m": 5, "alpha": 1.4, "cap_usd_m": 2000},
        },
        "quake": {
            "frequency": {"distribution": "poisson", "mean": 0.2},
            "severity": {"distribution": "lognormal", "mean_usd_m": 80, "cv": 2.0},
        },
    },
    "portfolio": {
        "name": "Test book",
        "contracts": {
            "cat_xol": {
                "source": ["peril:storm", "peril:quake"],
                "type": "xol",
                "attachment_usd_m": 20,
                "limit_usd_m": 100,
                "aggregate_limit_usd_m": 200,
                "reinstatements": [{"rate": 1.0}],
                "premium": {"fixed_usd_m": 8},
            },
            "stop_loss": {
                "source": "peril:storm",
                "type": "stop_loss",
                "attachment_usd_m": 30,
                "limit_usd_m": 50,
                "premium": {"fixed_usd_m": 2},
            },
        },
    },
}
#: The world model runs with a one-year horizon and without its (large) event table here, to keep the
#: suite fast; the perils scenario checks the event table on every executor.
SHORT = {"horizon.years": 1}


def assert_identical(a: Results, b: Results) -> None:
    """Every array of the two results, bit for bit and dtype for dtype."""
    assert_same_arrays(a, b)
    pd.testing.assert_frame_equal(a.slots, b.slots)


def assert_same_arrays(a: Any, b: Any) -> None:
    """The contract, year, trial and event arrays of two results (`Results` or `ChunkResult`), bit for bit
    and dtype for dtype."""
    assert a.contracts.keys() == b.contracts.keys()
    assert (a.events is None) == (b.events is None)
    groups = [
        ("year_arrays", a.year_arrays, b.year_arrays),
        ("trial_arrays", a.trial_arrays, b.trial_arrays),
        ("events", a.events or {}, b.events or {}),
        *((f"contract {cid}", a.contracts[cid], b.contracts[cid]) for cid in a.contracts),
    ]
    for where, x, y in groups:
        assert x.keys() == y.keys(), where
        for k in x:
            assert x[k].dtype == y[k].dtype, (where, k)
            assert np.array_equal(x[k], y[k], equal_nan=True), (where, k)


def run(
    scenario, executor, chunk_trials: int, trials: int | None = None, keep_events: bool = True
) -> Results:
    """One scenario through the batch path (`simulate_many`) on an executor."""
    spec = batch.make_spec("run", scenario, None, trials=trials, keep_events=keep_events)
    [(_, results)] = batch.simulate_many([spec], executor, chunk_trials=chunk_trials, progress=False)
    return results


@pytest.fixture(scope="module")
def perils():
    return load_scenario_from_dict(PERILS)


@pytest.fixture(scope="module")
def rv_pool():
    return with_overrides(load_scenario("scenarios/rv_pool.yaml"), SHORT)


@pytest.fixture(scope="module")
def perils_reference(perils):
    return run(perils, InProcess(), 4096)


@pytest.fixture(scope="module")
def rv_pool_reference(rv_pool):
    return run(rv_pool, InProcess(), 8192, trials=8192, keep_events=False)


@pytest.fixture(scope="module")
def dask_cluster():
    with DaskExecutor(local_workers=2) as ex:
        yield ex


def test_chunk_size_does_not_change_any_number(perils, perils_reference):
    assert_identical(perils_reference, run(perils, InProcess(), 8192))
    assert_identical(perils_reference, run(perils, InProcess(), 12288))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_process_pool_gives_the_in_process_results(perils, perils_reference, workers):
    with ProcessPool(workers) as ex:
        assert_identical(perils_reference, run(perils, ex, 4096))


def test_a_dask_cluster_gives_the_in_process_results(perils, perils_reference, dask_cluster):
    assert_identical(perils_reference, run(perils, dask_cluster, 8192))


def _ignores_ctrl_c() -> bool:
    import signal

    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_a_local_dask_clusters_processes_ignore_ctrl_c(dask_cluster):
    """Ctrl-C at a terminal reaches the whole process group: the LocalCluster's worker processes ignore it
    (each printed a traceback), and the batch stops them itself; so do workers that restart. (Its nannies
    run in this process, which still answers it.)"""
    assert not _ignores_ctrl_c()
    assert list(dask_cluster.client.run(_ignores_ctrl_c).values()) == [True, True]
    dask_cluster.client.restart()
    assert list(dask_cluster.client.run(_ignores_ctrl_c).values()) == [True, True]


def test_the_world_model_is_identical_across_executors_and_chunk_sizes(rv_pool, rv_pool_reference):
    """8,192 trials of rv_pool in one chunk in this process, and in two chunks on a pool of 2 workers."""
    with ProcessPool(2) as ex:
        assert_identical(rv_pool_reference, run(rv_pool, ex, 4096, trials=8192, keep_events=False))


def test_a_run_of_fewer_trials_is_the_first_trials_of_a_longer_run(rv_pool, rv_pool_reference):
    """Trial i's draws do not depend on how many trials run: 4,096 + 700 trials (a short last block, whose
    candidates and background claims are drawn for its 700 trials only) are the reference's first
    4,796 trials, bit for bit."""
    n = 4096 + 700
    short = run(rv_pool, InProcess(), 8192, trials=n, keep_events=False)
    for where, mine, ref in [
        ("year_arrays", short.year_arrays, rv_pool_reference.year_arrays),
        ("trial_arrays", short.trial_arrays, rv_pool_reference.trial_arrays),
        *((f"contract {c}", short.contracts[c], rv_pool_reference.contracts[c]) for c in short.contracts),
    ]:
        assert mine.keys() == ref.keys(), where
        for k in mine:
            assert np.array_equal(mine[k], ref[k][:n], equal_nan=True), (where, k)


def assert_first_years(short: Results, long: Results) -> None:
    """`short` (a horizon of h years) is `long`'s first h policy years, bit for bit: every year array,
    every contract's, and each state's join year where it falls within the short horizon."""
    h = short.n_years
    assert long.n_years > h and np.array_equal(short.years, long.years[:h])
    groups = [
        ("year_arrays", short.year_arrays, long.year_arrays),
        *((f"contract {c}", short.contracts[c], long.contracts[c]) for c in short.contracts),
    ]
    for where, mine, ref in groups:
        assert mine.keys() == ref.keys(), where
        for k in mine:
            assert np.array_equal(mine[k], ref[k][:, :h], equal_nan=True), (where, k)
    assert short.trial_arrays.keys() == long.trial_arrays.keys()
    for k, mine in short.trial_arrays.items():
        ref = long.trial_arrays[k]
        if k == "join_year":  # h or later: not a member within h years, in either run
            mine, ref = np.minimum(mine, h), np.minimum(ref, h)
        assert np.array_equal(mine, ref), ("trial_arrays", k)


@pytest.mark.parametrize("years", [1, 3])
def test_a_shorter_horizon_is_the_first_years_of_a_longer_run(years):
    """Every draw made per policy year is keyed by the year or follows every earlier year's in its
    stream: the candidates, the background claims, the designations, detentions and recapitalisations,
    a user peril's counts and its events' identities. So a run of rv_pool with a user peril beside the
    world model (schemes that join, designations, capital; a short block of 700 trials) over 1 or 3 years
    is the 5-year run's first years. (Each of those streams once drew a (trial, year) array in trial-major
    order, which moved every draw when the horizon changed.)"""
    peril = {"perils": {"storm": PERILS["perils"]["storm"]}}
    cat = {**PERILS["portfolio"]["contracts"]["cat_xol"], "source": "peril:storm"}
    base = with_overrides(load_scenario("scenarios/rv_pool.yaml"), {**peril, "portfolio.contracts.cat": cat})
    n = 700
    long, short = (
        run(with_overrides(base, {"horizon.years": h}), InProcess(), 4096, trials=n, keep_events=False)
        for h in (5, years)
    )
    assert long.year_arrays["payer:peril:storm"][:, :years].any()  # the peril's events are compared too
    assert_first_years(short, long)


def test_a_shorter_horizon_of_perils_alone_is_the_first_years_over_blocks_and_chunks():
    """Without the world model, over two blocks in two chunks of 4,096 (the second chunk's peril events
    start at block 1, so their identities count from its first global trial) and a short last block: 2
    policy years are the 5-year run's first 2."""
    perils = load_scenario_from_dict(PERILS)
    n = 4096 + 300
    long, short = (
        run(with_overrides(perils, {"horizon.years": h}), InProcess(), 4096, trials=n, keep_events=False)
        for h in (5, 2)
    )
    assert long.year_arrays["payer:peril:quake"][4096:, :2].any()  # the second block's events are compared
    assert_first_years(short, long)


def test_a_batch_of_scenarios_on_one_pool_gives_each_its_own_results(perils, perils_reference):
    """Chunks of two scenarios interleave in one stream of tasks; each is reduced on its own."""
    calm = with_overrides(perils, {"perils.quake": None, "simulation.trials": 4096})
    specs = [
        batch.make_spec("calm", calm, None, keep_events=True),
        batch.make_spec("perils", perils, None, keep_events=True),
    ]
    with ProcessPool(2) as ex:
        got = {s.name: r for s, r in batch.simulate_many(specs, ex, chunk_trials=4096, progress=False)}
    assert_identical(perils_reference, got["perils"])
    assert_identical(run(calm, InProcess(), 4096), got["calm"])


def test_common_random_numbers_make_the_rv_pool_comparison_precise(rv_pool, rv_pool_reference):
    """rv_pool against the baseline with the same seed: the paired standard error of the difference in
    uncompensated damage, and in the example portfolio's annual ceded loss, must be at least 3 times
    smaller than with independent seeds. The standard
    error with independent seeds is √(Var a / n + Var b / n): what a baseline run with another seed gives."""
    baseline = with_overrides(load_scenario("scenarios/baseline.yaml"), SHORT)
    with ProcessPool(2) as ex:
        base = run(baseline, ex, 4096, trials=8192, keep_events=False)
    table = compare(rv_pool_reference, base).table()
    for figure in ("payer:uncompensated", "portfolio: ceded loss"):  # the example portfolio's annual loss
        row = table.loc[figure]
        assert row["standard_error"] > 0, figure
        assert row["standard_error"] * 3 <= row["independent_standard_error"], figure


def test_keeping_the_event_table_changes_no_number(rv_pool):
    """The payer ledger is summed per stream of events, so whether the event table is kept (every payer
    column merged into it) or not (only the ceded ones) changes no bit of any result."""
    kept = run(rv_pool, InProcess(), 4096, trials=4096, keep_events=True)
    lean = run(rv_pool, InProcess(), 4096, trials=4096, keep_events=False)
    assert kept.events is not None and lean.events is None
    for k in lean.year_arrays:
        assert np.array_equal(kept.year_arrays[k], lean.year_arrays[k], equal_nan=True), k
    # a kept table comes with each payer's attritional losses (for the run folder), nothing else more
    extra = {k for k in kept.year_arrays if k.startswith("attritional:")}
    assert extra and kept.year_arrays.keys() - extra == lean.year_arrays.keys()
    for cid in lean.contracts:
        for f in lean.contracts[cid]:
            assert np.array_equal(kept.contracts[cid][f], lean.contracts[cid][f]), (cid, f)


def test_executors_yield_many_tasks_in_order_through_their_window(dask_cluster):
    """More tasks than the window of tasks in flight (twice the workers): every result comes, in order."""
    tasks = list(range(23))
    expected = [10 + t for t in tasks]
    assert list(dask_cluster.map(operator.add, 10, tasks)) == expected
    with ProcessPool(2) as pool:
        assert list(pool.map(operator.add, 10, tasks)) == expected


def test_a_one_contract_portfolio_is_its_contract_on_every_executor(perils):
    """The portfolio of one contract is a read-only view of the contract's figures, in this process and
    from a process pool alike."""
    one = with_overrides(perils, {"portfolio.contracts.stop_loss": None, "simulation.trials": 8192})
    here = run(one, InProcess(), 4096)
    with ProcessPool(2) as ex:
        there = run(one, ex, 4096)
    assert_identical(here, there)
    for res in (here, there):
        for f, v in res.contracts["portfolio"].items():
            assert not v.flags.writeable, f
            assert np.shares_memory(v, res.contracts["cat_xol"][f]), f


def test_a_scheme_moves_only_the_events_of_the_tonnage_it_takes():
    """MODEL.md 1 and 6: the baseline and rv_pool (the same seed) have the same cover shares before the
    scheme's uptake, so an event of both (the same trial, year and time: its time is a uniform of the
    candidate) has rv_pool's scheme as its class or else its baseline class; and an event of the
    baseline that keeps its class in rv_pool is an event of rv_pool. (With the scheme's slot after the
    four base classes, its take moved every class boundary above the class it took from: about 2% of
    common events changed base class, domestic to none, western fixed to domestic, IG to western fixed.)"""
    years = {"horizon.years": 2}
    tables = {}
    for name in ("baseline", "rv_pool"):
        scenario = with_overrides(load_scenario(f"scenarios/{name}.yaml"), years)
        results = run(scenario, InProcess(), 4096, trials=1024)
        e = results.elt(["trial", "year", "time", "type", "pi_class"])
        # (the class as text: each run's categorical has its own classes, rv_pool's scheme among them)
        tables[name] = e[e["type"] != ""].set_index(["trial", "year", "time"])["pi_class"].astype(str)
    base, rv = tables["baseline"], tables["rv_pool"]
    assert base.index.is_unique and rv.index.is_unique
    common = base.index.intersection(rv.index)
    moved = rv.loc[common] == "scheme:rv_pool"
    assert len(common) > 100_000 and moved.sum() > 1_000, (len(common), moved.sum())
    assert not base.str.startswith("scheme").any()
    pd.testing.assert_series_equal(rv.loc[common][~moved], base.loc[common][~moved])
    # rv_pool's events in a base class are all baseline events (only a scheme's take adds events)
    assert rv[~rv.str.startswith("scheme")].index.isin(base.index).all()
