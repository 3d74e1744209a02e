"""`simulate`: compile a scenario, run its chunks of trials on an executor, reduce them in order.

In: a `Scenario` (or a path to one), the trial count and seed (default: the scenario's), an executor
(default: in-process), whether to keep the event loss table. Out: a `Results`.

The reduction concatenates chunk results in chunk order, so the same scenario, seed and trial count
give bit-identical results whatever the executor, the number of workers or the chunk size.
"""

from __future__ import annotations

import datetime as dt
import platform
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import riskmodel
from riskmodel.engine.chunk import join_results, make_chunks, run_chunk
from riskmodel.engine.compile import CompiledModel, compile_model
from riskmodel.engine.executors import Executor, InProcess
from riskmodel.engine.progress import Progress
from riskmodel.results import Results
from riskmodel.scenario.loader import scenario_hash
from riskmodel.scenario.schema import Scenario
from riskmodel.world import load_world

__all__ = ["compile_scenario", "simulate"]


def compile_scenario(
    scenario: Scenario, trials: int | None = None, seed: int | None = None, keep_events: bool | None = None
) -> CompiledModel:
    """The compiled model `simulate` runs (exposed for batch runs that ship it to workers once)."""
    model = compile_model(scenario, load_world(), trials=trials, seed=seed)
    if keep_events is not None:
        model = replace(model, keep_events=keep_events)
    return model


def simulate(
    scenario: Scenario | str | Path,
    trials: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    *,
    keep_events: bool | None = None,
    chunk_trials: int | None = None,
    progress: bool = True,
) -> Results:
    """Simulate a scenario and return its `Results`.

    Parameters
    ----------
    scenario : a loaded `Scenario` or the path of a scenario file.
    trials, seed : override the scenario's `simulation.trials` and `simulation.seed`.
    executor : where the chunks run (`riskmodel.engine.executors`); default in-process.
    keep_events : keep the event loss table (`Results.elt()`); default the scenario's setting.
    chunk_trials : override the chunk size (a multiple of 4,096); results do not depend on it.
    progress : show a progress line on stderr for runs longer than a few seconds.
    """
    if not isinstance(scenario, Scenario):
        from riskmodel.scenario import load_scenario

        scenario = load_scenario(scenario)
    started = dt.datetime.now(dt.UTC)
    model = compile_scenario(scenario, trials, seed, keep_events)
    if chunk_trials is not None:
        model = replace(model, chunk_trials=chunk_trials)
    chunks = make_chunks(model.n_trials, model.chunk_trials)
    ex = executor or InProcess()
    bar = Progress(model.n_trials, label=scenario.name, enabled=progress)
    parts = []
    try:
        for part in ex.map(run_chunk, model, chunks):
            parts.append(part)
            bar.update(part.stop - part.start)
    finally:
        bar.close()
    joined = join_results(parts)
    provenance = {
        "package_version": riskmodel.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "seed": model.seed,
        "trials": model.n_trials,
        "chunk_trials": model.chunk_trials,
        "executor": getattr(ex, "name", type(ex).__name__),
        "started": started.isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat(),
    }
    slots = pd.DataFrame(
        {
            "scheme": [model.scheme_ids[s] for s in model.adoption.scheme_of_slot],
            "state": [model.state_codes[i] for i in model.adoption.state_of_slot],
            "founder": model.slot_scheme_founder,
        }
    )
    return Results(
        scenario_name=scenario.name,
        start_year=model.start_year,
        n_years=model.n_years,
        n_trials=model.n_trials,
        seed=model.seed,
        contracts=joined.contracts,
        year_arrays=joined.year_arrays,
        trial_arrays=joined.trial_arrays,
        class_names=model.class_names,
        scheme_ids=model.scheme_ids,
        slots=slots,
        events=joined.events,
        labels={
            "state": model.state_codes,
            "zone": model.zone_codes,
            "segment": model.segment_codes,
            "type": model.type_codes,
            "class": model.class_names,
        },
        notes=model.notes,
        provenance=provenance,
    )
