"""`simulate`: compile a scenario, run its chunks of trials on an executor, reduce them in order.

In: a `Scenario` (or a path to one), the trial count and seed (default: the scenario's), an executor
(default: in-process), whether to keep the event loss table, the world data (default: the World the
scenario was validated against, else the package's). Out: a `Results`.

The reduction copies each chunk's result into arrays over all the trials, at the chunk's rows, as it
arrives (`_Reduction`), so the same scenario, seed and trial count give bit-identical results whatever
the executor, the number of workers or the chunk size.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

import riskmodel
from riskmodel import metrics
from riskmodel.arguments import not_an_int, shown, whole_number
from riskmodel.engine.chunk import Chunk, ChunkResult, make_chunks, run_chunk, run_chunk_parts
from riskmodel.engine.compile import CompiledModel, compile_model
from riskmodel.engine.executors import Executor, InProcess
from riskmodel.engine.progress import Progress
from riskmodel.engine.random import BLOCK_TRIALS
from riskmodel.reinsurance.terms import ContractTerms
from riskmodel.results import CONTRACT_FIELDS, Results
from riskmodel.scenario.errors import format_number
from riskmodel.scenario.loader import SCENARIO_MAPPING, check_on_world, scenario_hash, scenario_world
from riskmodel.scenario.schema import MAX_TRIALS, Scenario
from riskmodel.world import World, world_fingerprint
from riskmodel.world.fingerprint import shared_world_fingerprint
from riskmodel.world.loader import shared_world

__all__ = ["compile_scenario", "simulate"]


def compile_scenario(
    scenario: Scenario,
    trials: int | None = None,
    seed: int | None = None,
    keep_events: bool | None = None,
    *,
    world: World | None = None,
) -> CompiledModel:
    """The compiled model `simulate` runs (exposed for batch runs that ship it to workers once), on
    `world` as it is now (default: the World the scenario was validated against, else the package's
    world data). Raises `ScenarioError` when the scenario names a code `world` lacks (`check_on_world`)."""
    return compile_run(scenario, trials, seed, keep_events, world=world).model


def _run_world(scenario: Scenario, world: World | None) -> tuple[World, str | None, bool]:
    """The World a run of `scenario` uses, its `world_fingerprint`, and whether the provenance names it:
    `world` when given, else the World the scenario was validated against (`scenario_world`), else the
    package's world data, compiled on the process's own World (`shared_world`, not a copy: the engine
    does not edit it) with its fingerprint computed once."""
    if world is None:
        world = scenario_world(scenario)
    if world is None:
        shared = shared_world()
        return shared, shared_world_fingerprint(shared), False
    return world, world_fingerprint(world), True


def check_arguments(
    *,
    trials: object = None,
    seed: object = None,
    executor: object = None,
    keep_events: object = None,
    chunk_trials: object = None,
    world: object = None,
) -> None:
    """Raise `ValueError` or `TypeError` naming the argument of `simulate` that is wrong and what is
    allowed (the scenario schema's bounds); None keeps the scenario's setting."""
    n, s, c = whole_number(trials), whole_number(seed), whole_number(chunk_trials)
    if trials is not None and (n is None or not 1 <= n <= MAX_TRIALS):
        got = repr(trials) if n is not None else not_an_int(trials)
        raise ValueError(f"trials must be an int from 1 to {MAX_TRIALS:,}, got {got}")
    if seed is not None and (s is None or not 0 <= s < 2**63):
        got = repr(seed) if s is not None else not_an_int(seed)
        raise ValueError(f"seed must be an int from 0 to 2**63 - 1, got {got}")
    if keep_events is not None and not isinstance(keep_events, bool | np.bool_):
        raise TypeError(f"keep_events must be True, False or None, got {keep_events!r}")
    if chunk_trials is not None and (c is None or c < BLOCK_TRIALS or c % BLOCK_TRIALS):
        raise ValueError(
            f"chunk_trials must be a positive multiple of {BLOCK_TRIALS:,}, got {chunk_trials!r}"
        )
    if world is not None and not isinstance(world, World):
        raise TypeError(f"world must be a riskmodel.world.World (load_world()) or None, got {world!r}")
    if executor is not None and not callable(getattr(executor, "map", None)):
        raise TypeError(
            "executor must be one of riskmodel.engine.executors (InProcess, ProcessPool, DaskExecutor), "
            f"got {executor!r}"
        )


def simulate(
    scenario: Scenario | str | Path,
    trials: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    *,
    keep_events: bool | None = None,
    chunk_trials: int | None = None,
    progress: bool = True,
    world: World | None = None,
) -> Results:
    """Simulate a scenario and return its `Results`.

    Parameters
    ----------
    scenario : a loaded `Scenario` or the path of a scenario file. (A scenario as a mapping is
        `load_scenario_from_dict`'s to load: here it is a `TypeError` that says so.)
    trials, seed : override the scenario's `simulation.trials` and `simulation.seed`.
    executor : where the chunks run (`riskmodel.engine.executors`); default in-process.
    keep_events : keep the event loss table (`Results.elt()`); default the scenario's setting.
    chunk_trials : override the chunk size (a multiple of 4,096); results do not depend on it.
    progress : show a progress line on stderr for runs longer than a few seconds.
    world : the world data to run on, as it is when `simulate` is called: a `World` from
        `riskmodel.world.load_world()`, perhaps edited in place. Default: the World the scenario was
        validated against (`load_scenario(path, world=w)`), else the package's world data. On a World,
        given or remembered, the run's provenance names its source and `world_sha256`, the fingerprint
        of its content; a scenario naming a code the World lacks is a `ScenarioError` before the run.
    """
    check_arguments(
        trials=trials,
        seed=seed,
        executor=executor,
        keep_events=keep_events,
        chunk_trials=chunk_trials,
        world=world,
    )
    if not isinstance(scenario, Scenario):
        if not isinstance(scenario, str | Path):
            hint = f": {SCENARIO_MAPPING}" if isinstance(scenario, Mapping) else ""
            raise TypeError(
                "scenario must be a Scenario (riskmodel.load_scenario) or the path of a scenario file, "
                f"got {shown(scenario, 40)}{hint}"
            )
        from riskmodel.scenario import load_scenario

        scenario = load_scenario(scenario, world=world)
    started = dt.datetime.now(dt.UTC)
    run = compile_run(scenario, trials, seed, keep_events, world=world)
    if chunk_trials is not None:
        run = replace(run, model=replace(run.model, chunk_trials=chunk_trials))
    return run_compiled(scenario, run, executor or InProcess(), progress=progress, started=started)


@dataclass(frozen=True)
class CompiledRun:
    """A scenario's compiled model with the World it was compiled on as the provenance names it:
    `world_source` and `world_sha256` (the fingerprint of the content compiled), `named` when the run
    names its World (given or remembered: not the package's own)."""

    model: CompiledModel
    world_source: str
    world_sha256: str | None
    named: bool


def compile_run(
    scenario: Scenario,
    trials: int | None = None,
    seed: int | None = None,
    keep_events: bool | None = None,
    *,
    world: World | None = None,
) -> CompiledRun:
    """`compile_scenario` with what the provenance says of the World compiled on, taken at the compile:
    a batch compiles its runs up front and assembles each one's `Results` later (`run_compiled`), and a
    World edited in between must not be named for a model compiled before the edit."""
    run_world, world_sha256, named = _run_world(scenario, world)
    check_on_world(scenario, run_world, world_sha256)
    model = compile_model(scenario, run_world, trials=trials, seed=seed, _world_sha256=world_sha256)
    if keep_events is not None:
        model = replace(model, keep_events=keep_events)
    return CompiledRun(model, run_world.source, world_sha256, named)


def run_compiled(
    scenario: Scenario,
    run: CompiledRun,
    ex: Executor,
    *,
    progress: bool = True,
    started: dt.datetime | None = None,
) -> Results:
    """Run a compiled model's chunks on `ex`, reduce them in order and return its `Results` (`simulate`
    after the compile; `riskmodel.batch.simulate_many` for each run it compiled up front)."""
    started = started or dt.datetime.now(dt.UTC)
    model = run.model
    chunks = make_chunks(model.n_trials, model.chunk_trials)
    bar = Progress(model.n_trials, label=scenario.name, enabled=progress)
    # (the joined year arrays and event columns are in order of name, whatever the chunks gave)
    joined = _Reduction(model.n_trials, _portfolio_alias(model))
    try:
        for part in _results(ex, model, chunks):
            joined.add(part)
            bar.update(part.stop - part.start)
            del part  # (its arrays are copied: free them before the next chunk runs)
    finally:
        bar.close()
    joined.finish()
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
    if run.named:
        provenance["world_source"] = run.world_source
        provenance["world_sha256"] = run.world_sha256
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
        notes=(*model.notes, *unreached_notes(model, joined.contracts, joined.year_arrays)),
        provenance=provenance,
        contract_exposure={  # (of the sources the scenario produces: a contract on none is not written)
            cid: metrics.contract_exposure(
                [s for s in t.sources if s in model.sources],
                t.effective_aggregate_limit * t.participation if t.participation else 0.0,
            )
            for cid, t in model.contracts.items()
        },
    )


def unreached_notes(
    model: CompiledModel,
    contracts: dict[str, dict[str, np.ndarray]],
    year_arrays: dict[str, np.ndarray],
) -> list[str]:
    """A note for each contract the scenario writes that ceded nothing in any trial-year of the run and had
    nothing blocked either (a layer attaching above anything its sources produced, as a war XoL at 80 on
    war hull losses of a few million): its figures are all zeros, which a reader takes for a result unless
    told. Not for a contract on no source of the scenario (compiled as "not written", noted there) or with
    no participation; its sources' largest year says which it is, nothing there or nothing high enough."""
    notes = []
    for cid, terms in model.contracts.items():
        c = contracts.get(cid)
        sources = [s for s in terms.sources if s in model.sources]
        if c is None or not sources or terms.participation == 0:
            continue
        if np.any(c["loss"]) or np.any(c["blocked_permanent"]):
            continue
        which = f"source{'s' if len(sources) > 1 else ''} {', '.join(sources)}"
        years = f"{model.n_years} year{'s' if model.n_years != 1 else ''}"
        trials = f"{model.n_trials:,} trial{'s' if model.n_trials != 1 else ''}"
        run = f"no loss in any of the {trials} × {years} of this run"
        largest = float(np.max(sum(year_arrays.get(f"payer:{s}", np.zeros(1)) for s in sources)))
        if largest <= 0:
            notes.append(f"contract {cid}: {run}: its {which} bore none")
            continue
        share = f", the cedant's share {terms.cedant_share:g}" if terms.share_by is None else ""
        notes.append(
            f"contract {cid}: {run}, though its {which} bore losses (the largest year: USD {largest:,.1f}m "
            f"for the whole market{share}): {_unreached_why(terms)} (more trials may reach it)"
        )
    return notes


def _unreached_why(terms: ContractTerms) -> str:
    """What may keep a contract whose sources bore losses from ceding any: its annual aggregate deductible
    when it has one (it retains that much of each year's total), else its attachment, else the cedant's
    share."""
    attachment, aad = format_number(terms.attachment), format_number(terms.aad)
    if terms.kind != "stop_loss" and terms.aad > 0:
        parts = f" (the parts of events above its USD {attachment}m attachment)" if terms.attachment else ""
        what = f"every year's total ceded to it{parts}"
        return f"its annual aggregate deductible of USD {aad}m is perhaps above {what}"
    if terms.kind in ("xol", "stop_loss") and terms.attachment > 0:
        per, what = ("per occurrence", "event") if terms.kind == "xol" else ("a year", "year's total")
        return f"it attaches at USD {attachment}m {per}, perhaps above every {what} ceded to it"
    return "the cedant's share of them may be nothing where they fell"


def _portfolio_alias(model: CompiledModel) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The portfolio's figures of a one-contract portfolio: the contract's (`_Reduction` makes them views)."""
    if len(model.contracts) != 1:
        return {}
    [cid] = model.contracts
    return {("contract", "portfolio", f): ("contract", cid, f) for f in CONTRACT_FIELDS}


def _results(ex: Executor, model: CompiledModel, chunks: Sequence[Chunk]) -> Iterator[ChunkResult]:
    """The chunks' results as they come: in this process, each part of a chunk as soon as it is computed
    (`run_chunk_parts`); on another executor, a chunk at a time."""
    if type(ex) is InProcess:
        for chunk in chunks:
            yield from run_chunk_parts(model, chunk)
    else:
        yield from ex.map(run_chunk, model, chunks)


class _Reduction:
    """The chunk results of one run, joined along the trials as they arrive.

    In: `add` each `ChunkResult`, covering trials [0, n_trials) once in all, in any order; then `finish`.
    Out: `contracts`, `year_arrays`, `trial_arrays` over all the trials and `events` (the chunks' event
    tables in trial order), as concatenating the chunks in trial order would give them:

    - each array is allocated once (zeros) and each chunk's array copied to the chunk's rows, so the chunk
      can be freed at once; a chunk's array whose bits are all zero is not copied (its rows hold zeros
      already), which leaves the memory of an all-zero result untouched. A run of one chunk keeps the
      chunk's arrays as they are.
    - an array named in `alias` repeats another's values (the portfolio of a one-contract portfolio is
      its contract: `apply_portfolio`): it is not copied, and becomes a read-only view of the other's
      joined array, whatever the executor.
    - an array missing from some chunk is zero at its rows (year and contract arrays as float64 or wider,
      as the concatenation with float64 zeros made them).
    - the year arrays and the event columns are in order of name, whatever the executor or the chunks.
    """

    def __init__(self, n_trials: int, alias: dict[tuple[str, ...], tuple[str, ...]] | None = None) -> None:
        self.n_trials = n_trials
        self.contracts: dict[str, dict[str, np.ndarray]] = {}
        self.year_arrays: dict[str, np.ndarray] = {}
        self.trial_arrays: dict[str, np.ndarray] = {}
        self.events: dict[str, np.ndarray] | None = None
        # ("contract", id, field), ("year", name) or ("trial", name) → the joined array
        self._arrays: dict[tuple[str, ...], np.ndarray] = {}
        self._alias = dict(alias or {})  # array → the array whose values it repeats (a read-only view of it)
        self._seen: dict[tuple[str, ...], int] = {}  # array → chunks holding it
        self._events: dict[int, dict[str, np.ndarray]] = {}  # chunk start → its event table
        self._parts = 0
        self._rows = 0

    def add(self, part: ChunkResult) -> None:
        """Copy one chunk's arrays to its rows (its event table is kept as it is)."""
        items = [
            (("contract", cid, f), v) for cid, fields in part.contracts.items() for f, v in fields.items()
        ]
        items += [(("year", k), v) for k, v in part.year_arrays.items()]
        items += [(("trial", k), v) for k, v in part.trial_arrays.items()]
        rows = slice(part.start, part.stop)
        whole = part.start == 0 and part.stop == self.n_trials
        for where, value in items:
            self._seen[where] = self._seen.get(where, 0) + 1
            if where in self._alias:
                continue
            out = self._arrays.get(where)
            if out is None and whole and len(value) == self.n_trials:
                self._arrays[where] = value  # one chunk holds every trial: its array is the result
                continue
            if out is None:
                out = self._arrays[where] = np.zeros((self.n_trials, *value.shape[1:]), dtype=value.dtype)
            elif np.result_type(out.dtype, value.dtype) != out.dtype:
                out = self._arrays[where] = out.astype(np.result_type(out.dtype, value.dtype))
            if _any_bit(value):
                out[rows] = value
        if part.events is not None:
            self._events[part.start] = part.events
        self._parts += 1
        self._rows += part.stop - part.start

    def finish(self) -> None:
        """Check that every trial came once and lay the arrays out by kind."""
        if self._rows != self.n_trials:
            raise RuntimeError(f"the chunk results cover {self._rows} trials, expected {self.n_trials}")
        for where, count in self._seen.items():
            if count < self._parts and where[0] != "trial" and where not in self._alias:  # (zeros elsewhere)
                a = self._arrays[where]
                self._arrays[where] = a.astype(np.result_type(a.dtype, np.float64), copy=False)
        for where, target in self._alias.items():
            view = self._arrays[target].view()
            view.flags.writeable = False
            self._arrays[where] = view
        year = {}
        for where in self._seen:  # (in order of first appearance)
            a = self._arrays[where]
            if where[0] == "contract":
                self.contracts.setdefault(where[1], {})[where[2]] = a
            elif where[0] == "year":
                year[where[1]] = a
            else:
                self.trial_arrays[where[1]] = a
        self.year_arrays = {k: year[k] for k in sorted(year)}
        parts = [self._events[start] for start in sorted(self._events)]
        if len(parts) == 1 and self._parts == 1:
            self.events = {k: parts[0][k] for k in sorted(parts[0])}
        elif parts:
            parts = [p for p in parts if p]
            keys = list(dict.fromkeys(k for p in parts for k in p))
            self.events = {
                k: np.concatenate([p.get(k, np.zeros(p["trial"].size)) for p in parts]) for k in sorted(keys)
            }


def _any_bit(a: np.ndarray) -> bool:
    """Whether any element of `a` has a bit set (so that −0.0 counts, unlike `a.any()`)."""
    if a.dtype.kind == "f" and a.flags.c_contiguous:
        return bool(a.view(f"u{a.dtype.itemsize}").any())
    return bool(a.any()) if a.dtype.kind in "biu" else True
