"""Batch runs: find scenarios, add their baselines, run them resumably into the results store, compare
each with its baseline, and sweep a grid of parameter values.

In: scenario files and folders (or one scenario and a grid of `--set` values), a trial count and a seed,
an executor (`riskmodel.engine.executors`). Out: run folders in the store (`riskmodel.store`), comparison
tables (scenario − baseline, with common-random-number standard errors) and sweep tables. The commands
`riskmodel run`, `compare` and `sweep` are thin layers over these functions; notebooks call them alike.

How the work is spread: the chunks of trials of every scenario still to run form one ordered stream of
tasks on the executor (the compiled scenarios are shipped to the workers once), so workers stay busy
across scenario boundaries; each scenario's chunks are reduced in chunk order by `simulate`, which gives
bit-identical results on every executor. A scenario's folder is written as soon as its last chunk is in,
and until then every chunk received is kept on disk (`checkpoints`), so an interrupted batch loses only
the chunks still being computed, and the next run computes only the chunks it did not keep.
"""

from __future__ import annotations

import collections
import contextlib
import difflib
import itertools
import math
import re
import sys
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import metrics, store
from riskmodel.checkpoints import RunChunks, discard_chunks
from riskmodel.engine.chunk import (
    Chunk,
    ChunkResult,
    frame_key,
    join_key,
    make_chunks,
    obligations_key,
    run_chunk,
    run_chunk_group,
    table_key,
    world_key,
)
from riskmodel.engine.compile import CompiledModel
from riskmodel.engine.executors import Executor, InProcess
from riskmodel.engine.progress import Progress
from riskmodel.engine.simulate import compile_run, run_compiled, simulate
from riskmodel.payers import is_valid_source
from riskmodel.results import CONTRACT_FIELDS, TAIL_FIGURE, Comparison, Results
from riskmodel.scenario import Problem, Scenario, ScenarioError, load_scenario, with_overrides
from riskmodel.scenario.loader import SCENARIO_MAPPING, parse_value, scenario_world
from riskmodel.world import world_fingerprint

__all__ = [
    "DEFAULT_SWEEP_METRICS",
    "KEY_FIGURES",
    "NOT_SET",
    "REFERENCE_RUN",
    "BaselineComparisons",
    "RunOutcome",
    "RunSpec",
    "SweepTable",
    "baseline_file",
    "check_metrics",
    "shown_value",
    "discover",
    "each_specs",
    "joiner_profile",
    "joiner_rivals",
    "joiner_sets",
    "joiner_values",
    "key_deltas",
    "key_name",
    "load_or_run",
    "own_value",
    "parse_metric",
    "parse_set",
    "plan_runs",
    "run_batch",
    "simulate_many",
    "simulate_together",
    "sweep_each",
    "sweep_specs",
]

#: Rows of a comparison shown in the terminal after a batch (when present).
KEY_FIGURES = (
    "portfolio: ceded loss",
    "portfolio: premium",
    f"portfolio: {TAIL_FIGURE}",
    "payer:uncompensated",
    "payer:fund_1992",
    "payer:ig_pool",
    "payer:ig_gxl_layer1",
    "payer:domestic",
    "tonnage:ig",
    "base:ig_gxl_premium",
    "spills_7t",
    "detentions",
    "blocked_delayed",
    "blocked_permanent",
)
#: Metrics of a sweep table unless `--metrics` names others.
DEFAULT_SWEEP_METRICS = ("aal", "premium", "var99.5", "payer:uncompensated")


# ------------------------------------------------------------------------------------------ planning
@dataclass(frozen=True)
class RunSpec:
    """One scenario run of a batch.

    `name` is its folder in the store, `scenario` the effective scenario (its trials, seed and event
    setting are those of the run), `identity` its `store.run_hash`, `baseline` the name of the run it is
    compared with, `overrides` the values a sweep set (dotted path → value).
    """

    name: str
    scenario: Scenario
    file: Path | None
    trials: int
    seed: int
    keep_events: bool
    identity: str
    baseline: str | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)


def make_spec(
    name: str,
    scenario: Scenario,
    file: Path | None,
    *,
    trials: int | None = None,
    seed: int | None = None,
    keep_events: bool = False,
    baseline: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> RunSpec:
    """A `RunSpec` with the scenario's own trials and seed unless given."""
    n = trials or scenario.simulation.trials
    s = scenario.simulation.seed if seed is None else seed
    keep = keep_events or scenario.simulation.keep_events
    return RunSpec(
        name=name,
        scenario=store.effective_scenario(scenario, n, s, keep),
        file=file,
        trials=n,
        seed=s,
        keep_events=keep,
        identity=store.run_hash(scenario, n, s, keep),
        baseline=baseline,
        overrides=dict(overrides or {}),
    )


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The scenario files named: a file as given, a folder as every ``*.yaml`` and ``*.yml`` directly in
    it (sorted; sub-folders such as ``portfolios/`` are not searched). Raises `ScenarioError` for missing
    paths."""
    found: list[Path] = []
    problems = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
            if not files:
                problems.append(Problem(str(p), (), "is a folder without *.yaml or *.yml scenario files"))
            found.extend(files)
        elif p.is_file():
            found.append(p)
        else:
            problems.append(Problem(str(p), (), "no such scenario file or folder"))
    if problems:
        raise ScenarioError(problems)
    return list(dict.fromkeys(found))


def baseline_file(scenario: Scenario, file: Path) -> Path | None:
    """The file a scenario is compared with: its `baseline`, else its `extends` parent (relative to it)."""
    ref = scenario.baseline or scenario.extends
    return None if ref is None else (file.parent / ref)


def _load_all(files: Sequence[Path]) -> dict[Path, Scenario]:
    """Every file loaded, or one `ScenarioError` with the problems of all of them."""
    loaded: dict[Path, Scenario] = {}
    problems: list[Problem] = []
    for f in files:
        try:
            loaded[f] = load_scenario(f)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return loaded


def plan_runs(
    paths: Iterable[str | Path],
    *,
    trials: int | None = None,
    seed: int | None = None,
    keep_events: bool = False,
    baselines: bool = True,
) -> list[RunSpec]:
    """The runs of a batch, each baseline before the scenarios compared with it.

    Each scenario runs with `trials` and `seed` (default: its own); its baseline (`baseline_file`) runs
    once per batch with the same trials and seed, so the pair shares common random numbers. A run is
    named after its file; a second run of the same name gets a ``-2`` suffix. Raises `ScenarioError`
    listing every invalid file.
    """
    files = discover(paths)
    scenarios = _load_all(files)
    wanted: dict[Path, Path] = {}
    if baselines:
        for f, sc in scenarios.items():
            b = baseline_file(sc, f)
            if b is not None:
                if not b.is_file():
                    raise ScenarioError([Problem(str(f), ("baseline",), f"names {b}, which is not a file")])
                wanted[f] = b
        scenarios.update(_load_all([b for b in dict.fromkeys(wanted.values()) if b not in scenarios]))

    specs: list[RunSpec] = []
    index: dict[tuple[Path, int, int], int] = {}
    names: set[str] = set()

    def add(f: Path, n: int, s: int) -> str:
        key = (f.resolve(), n, s)
        if key not in index:
            name, k = f.stem, 2
            while name in names:
                name, k = f"{f.stem}-{k}", k + 1
            names.add(name)
            index[key] = len(specs)
            specs.append(make_spec(name, scenarios[f], f, trials=n, seed=s, keep_events=keep_events))
        return specs[index[key]].name

    for f in files:
        sc = scenarios[f]
        n = trials or sc.simulation.trials
        s = sc.simulation.seed if seed is None else seed
        base = add(wanted[f], n, s) if f in wanted else None
        add(f, n, s)
        i = index[(f.resolve(), n, s)]
        # compared with its baseline only when that runs first (not so in a cycle of baselines)
        if base is not None and index[(wanted[f].resolve(), n, s)] < i and specs[i].baseline is None:
            specs[i] = replace(specs[i], baseline=base)
    return specs


# ----------------------------------------------------------------------------------------- executing
@dataclass(frozen=True)
class _Models:
    """The compiled scenarios of a batch: the object shipped once to every worker."""

    models: tuple[CompiledModel, ...]


#: At most this many runs of a batch share their worlds (see `simulate_many`).
GROUP_RUNS = 8
#: A group's runs finish together, so their results are in memory at once: a group holds at most this
#: many bytes of results (reckoned by `_result_bytes`).
GROUP_RESULTS_BYTES = 2 * 2**30


def _result_bytes(m: CompiledModel) -> int:
    """About how many bytes a run's results hold: per trial-year, 8 bytes for each contract figure (the
    contracts and the portfolio), about 64 year arrays of the world model (ledger, statistics, bases),
    8 more per scheme and one per P&I class (rv_pool with the example portfolio: 1,096 bytes a
    trial-year, against 1,072 measured)."""
    per_trial_year = len(CONTRACT_FIELDS) * (len(m.contracts) + 1) + 64 + 8 * len(m.scheme_ids)
    per_trial_year += len(m.class_names)
    return 8 * per_trial_year * m.n_trials * m.n_years


def _run_batch_chunk(shared: _Models, task: tuple[tuple[int, ...], Chunk]) -> list[ChunkResult]:
    """One chunk of trials of the scenarios `task[0]`, which share their world when there are several (a
    module-level function, so workers can import it)."""
    ks, chunk = task
    if len(ks) == 1:
        return [run_chunk(shared.models[ks[0]], chunk)]
    return run_chunk_group([shared.models[k] for k in ks], chunk)


def _groups(models: Sequence[CompiledModel], size: int = GROUP_RUNS) -> list[tuple[int, ...]]:
    """Runs that draw the same world but perhaps for the years states join (`frame_key`) with the same
    trials and chunks, in groups of at most `size` runs and `GROUP_RESULTS_BYTES` of results (reckoned by
    `_result_bytes`), ordered by their first run; every other run is a group of its own. Runs that keep
    their event table run alone (their results are large).

    A frame's runs are packed so that each world is drawn in as few groups as can be: the runs of one
    `world_key` go into one group when they fit (first fit, the worlds with most runs first), and a world
    of more runs than a group holds fills groups of its own, with the runs of equal obligations and
    tables next to each other. Only runs linked by a world or a `join_key` (`_linked`) share a group:
    a group of unrelated runs would share nothing and only hold results longer."""
    cost = [_result_bytes(m) for m in models]

    def room(g: Sequence[int], ks: Sequence[int]) -> bool:
        return len(g) + len(ks) <= size and sum(cost[i] for i in (*g, *ks)) <= GROUP_RESULTS_BYTES

    frames: dict[tuple[str, int, int], list[int]] = {}
    groups: list[list[int]] = []
    for k, m in enumerate(models):
        fk = None if m.keep_events else frame_key(m)
        if fk is None:
            groups.append([k])
        else:
            frames.setdefault((fk, m.n_trials, m.chunk_trials), []).append(k)
    for members in frames.values():
        for linked in _linked([models[k] for k in members]):
            packed: list[list[int]] = []
            rest = []
            for world in linked:
                ks = [members[j] for j in world]
                while ks and not room([], ks):  # more than a group holds: groups of its own
                    n = next((n for n in range(len(ks) - 1, 1, -1) if room([], ks[:n])), 1)
                    packed.append(ks[:n])
                    ks = ks[n:]
                if ks:
                    rest.append(ks)
            for ks in sorted(rest, key=len, reverse=True):  # (a stable sort: ties in order of first run)
                g = next((g for g in packed if room(g, ks)), None)
                if g is None:
                    packed.append(list(ks))
                else:
                    g.extend(ks)
            groups.extend(packed)
    return sorted(tuple(sorted(g)) for g in groups)


def _baselines_first(groups: Sequence[tuple[int, ...]], specs: Sequence[RunSpec]) -> list[tuple[int, ...]]:
    """`groups` (of `_groups`, by index into `specs`) in the order they run: each after the groups that
    hold its runs' baselines (`RunSpec.baseline`, when among `specs`), so that a run is saved with its
    baseline's results at hand (summary.md's differences, `run_batch`); else, in a cycle (a group whose
    runs are baselines of another's and the other way round), in their order. The groups themselves, and
    so the work they share, are unchanged; runs of one group are in plan order, a baseline before the
    runs compared with it.

    >>> class Spec:
    ...     def __init__(self, name, baseline=None):
    ...         self.name, self.baseline = name, baseline
    >>> specs = [Spec("x"), Spec("base"), Spec("scenario", "base")]
    >>> _baselines_first([(0, 2), (1,)], specs)  # (the scenario shares its world with x, not its baseline)
    [(1,), (0, 2)]
    """
    holder = {specs[k].name: i for i, g in enumerate(groups) for k in g}
    needs = [
        {holder[b] for k in g if (b := specs[k].baseline) is not None and b in holder} - {i}
        for i, g in enumerate(groups)
    ]
    order: list[int] = []
    placed: set[int] = set()
    pending = list(range(len(groups)))
    while pending:
        i = next((i for i in pending if needs[i] <= placed), pending[0])
        pending.remove(i)
        placed.add(i)
        order.append(i)
    return [groups[i] for i in order]


def _linked(models: Sequence[CompiledModel]) -> list[list[list[int]]]:
    """The models (of one frame) in sets linked by an equal `world_key` (they share each block's world)
    or `join_key` (one takes from another the trials whose join years are equal), each set as its worlds
    (the models of one `world_key`); sets and worlds in the order of their first model, and in a world
    those of equal obligations, then table keys next to each other (each in the order of its first)."""
    keys = [(world_key(m), join_key(m), obligations_key(m), table_key(m)) for m in models]
    parent = list(range(len(models)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str | None], int] = {}
    for i, (world, join, _, _) in enumerate(keys):
        for key in (("world", world), ("join", join)):
            if key[1] is not None:
                parent[root(i)] = root(first.setdefault(key, i))
    rank: dict[str | None, int] = {}

    def order(i: int) -> tuple[int, ...]:
        _, _, owed, table = keys[i]
        return (*(rank.setdefault(key, i) for key in (owed, table)), i)

    sets: dict[int, dict[str | None, list[int]]] = {}
    for i in range(len(models)):
        sets.setdefault(root(i), {}).setdefault(keys[i][0], []).append(i)
    return [[sorted(world, key=order) for world in worlds.values()] for worlds in sets.values()]


#: One task of a batch as planned: a group of runs, a chunk, and the runs of the group that compute it
#: (the others have it kept from an interrupted batch: `checkpoints`).
_Planned = tuple[tuple[int, ...], Chunk, tuple[int, ...]]


class _Demux:
    """Chunk results of a stream of group tasks, handed out scenario by scenario: a group's results for
    the runs after the one being assembled wait here until their turn. A chunk a run has kept
    (`RunChunks`) is read back when its turn comes; one just computed is kept as soon as it arrives (for
    the runs `saving`)."""

    def __init__(
        self,
        stream: Iterator[list[ChunkResult]],
        plan: Sequence[_Planned],
        kept: Mapping[int, RunChunks],
        saving: Collection[int],
    ) -> None:
        self._stream = stream
        self._plan = iter(plan)
        self._tasks = [(computed, chunk) for _, chunk, computed in plan if computed]  # (as on the executor)
        self._kept = kept
        self._saving = saving
        self._waiting: dict[int, collections.deque[ChunkResult | Chunk]] = collections.defaultdict(
            collections.deque
        )

    def next_for(self, k: int) -> ChunkResult:
        while not self._waiting[k]:
            ks, chunk, computed = next(self._plan)
            parts = dict(zip(computed, self._next_results(), strict=True)) if computed else {}
            for kk in ks:
                part = parts.get(kk)
                if part is not None and kk in self._saving:
                    self._kept[kk].save(part)
                self._waiting[kk].append(chunk if part is None else part)
        item = self._waiting[k].popleft()
        return self._kept[k].load(item) if isinstance(item, Chunk) else item

    def _next_results(self) -> list[ChunkResult]:
        """The next task's results; when the stream stops (Ctrl-C, a failure) the results of later tasks it
        salvaged (`executors._windowed`) are kept on the way out."""
        try:
            return next(self._stream)
        except BaseException as exc:
            for i, results in getattr(exc, "salvaged", ()):
                computed, chunk = self._tasks[i]
                for kk, part in zip(computed, results, strict=True):
                    if kk in self._saving and (part.start, part.stop) == (chunk.start, chunk.stop):
                        with contextlib.suppress(OSError):  # (best effort: it is computed again)
                            self._kept[kk].save(part)
            raise


class _ChunkFeed:
    """The executor `run_compiled` sees inside a batch: it hands over scenario `k`'s chunk results, in
    chunk order, from the batch's single stream of tasks (computed on the real executor), so the `Results`
    are assembled exactly as `simulate` does on its own."""

    def __init__(self, demux: _Demux, k: int, name: str, bar: Progress) -> None:
        self._demux = demux
        self._k = k
        self.name = name
        self._bar = bar

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Chunk]) -> Iterator[Any]:
        for chunk in tasks:
            part = self._demux.next_for(self._k)
            if (part.start, part.stop) != (chunk.start, chunk.stop):
                raise RuntimeError(
                    f"batch stream out of step: got trials {part.start}-{part.stop}, "
                    f"expected {chunk.start}-{chunk.stop}"
                )
            self._bar.update(part.stop - part.start)
            yield part

    def close(self) -> None:
        pass


def simulate_many(
    specs: Sequence[RunSpec],
    executor: Executor | None = None,
    *,
    chunk_trials: int | None = None,
    progress: bool = True,
    share_world: int = GROUP_RUNS,
    checkpoints: Mapping[str, RunChunks] | None = None,
) -> Iterator[tuple[RunSpec, Results]]:
    """Simulate runs on one executor; yield each `(spec, Results)` as soon as it is complete.

    The results are those of `simulate(spec.scenario, ...)` alone, bit for bit, whatever the executor or
    `chunk_trials` (a multiple of 4,096; default each scenario's `simulation.chunk_trials`). Runs that
    draw the same world but perhaps for the years states join (equal `frame_key`, trials and chunks; up
    to `share_world` of them, 1 for none) are computed together chunk by chunk (`run_chunk_group`): a
    sweep point that changes only what comes after the world (scheme capital, quota share, contract
    terms) shares the world and more, and one that changes only a state's join probability computes only
    the trials whose join years change. Runs come group by group (`_groups`, ordered by their first run
    but after the groups holding their baselines where they can be: `_baselines_first`), so a group may
    bring later runs forward: callers that need the specs' order restore it. The results
    held at once are at most one group's. `checkpoints` (by run name, opened): the chunks a run has kept
    are read back instead of computed, and every chunk computed is kept as it arrives (`run_batch`).

    Every run is compiled once, when the generator starts: a World edited in place while runs are
    yielded changes none of them; each is the run of the World's content at the start, and its
    provenance names that content's `world_sha256`.
    """
    if not specs:
        return
    ex = executor or InProcess()
    # (each run compiled once, here: its Results are assembled from this model and name the World's
    # content as it was compiled, whatever is edited while the runs before it are yielded)
    runs = []
    for spec in specs:
        run = compile_run(spec.scenario, spec.trials, spec.seed, spec.keep_events)
        if chunk_trials is not None:
            run = replace(run, model=replace(run.model, chunk_trials=chunk_trials))
        runs.append(run)
    models = [run.model for run in runs]
    # runs that draw the same world, but perhaps for the join years, go chunk by chunk together
    # (baselines first where they can be: a run is then saved with its baseline's results at hand)
    groups = _baselines_first(_groups(models, share_world), specs)
    kept = {k: c for k, spec in enumerate(specs) if (c := (checkpoints or {}).get(spec.name)) is not None}
    plan: list[_Planned] = []
    saving: set[int] = set()  # the runs whose chunks are kept as they arrive
    for g in groups:
        chunks = make_chunks(models[g[0]].n_trials, models[g[0]].chunk_trials)
        for c in chunks:
            plan.append((g, c, tuple(k for k in g if not (k in kept and kept[k].has(c)))))
        # (a run of one chunk alone is saved as soon as its chunk is in: nothing to resume; in a group the
        # others' chunks wait while the runs are saved one after another)
        if len(g) > 1 or len(chunks) > 1:
            saving.update(k for k in g if k in kept)
    tasks = [(computed, c) for _, c, computed in plan if computed]
    bar = Progress(sum(m.n_trials for m in models), label="batch", enabled=progress)
    demux = _Demux(iter(ex.map(_run_batch_chunk, _Models(tuple(models)), tasks)), plan, kept, saving)
    name = getattr(ex, "name", type(ex).__name__)
    try:
        for g in groups:
            for k in g:
                spec = specs[k]
                results = run_compiled(
                    spec.scenario, runs[k], _ChunkFeed(demux, k, name, bar), progress=False
                )
                yield spec, results
                del results  # (not held while the next run is assembled)
    finally:
        bar.close()


def simulate_together(
    scenarios: Sequence[Scenario | str | Path],
    trials: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    *,
    progress: bool = True,
) -> list[Results]:
    """Simulate several scenarios, each as `simulate(scenario, trials, seed)` would, bit for bit, but
    together: variants that draw the same world share the work they have in common (`simulate_many`).
    A variant of contract terms (the same ceded columns) costs a tenth to a fifth of a run, one of a
    scheme's capital or reinsurance about two fifths, one of the states' join probabilities about a third
    of a run plus two thirds of the share of trials whose join years change (0.5-0.85 for one state's);
    a variant of the rest of the world, or a run that keeps its event table, a whole run.

    `scenarios`: a sequence (a list or tuple) of loaded scenarios or scenario files, even of one; one
    `Scenario` or path on its own is a `TypeError` saying so (`simulate` runs one), as is a mapping (give
    its values: the results are named by their scenarios, not by its keys). `trials` and `seed`
    override each one's own (give them, or keep the files' equal, for common random numbers). Each runs
    on the World it was validated against (`load_scenario(path, world=w)`), else the package's world
    data, as `simulate` runs it; runs on different world data share nothing. Returns the `Results` in
    the order given.
    """
    takes = (
        "simulate_together takes a sequence of scenarios, each a Scenario (riskmodel.load_scenario) or the "
        "path of a scenario file, e.g. [scenario, variant]"
    )
    kind = type(scenarios).__name__
    if isinstance(scenarios, Scenario | str | Path):
        raise TypeError(f"{takes}; got one {kind}: give [it] (or run it with riskmodel.simulate)")
    if isinstance(scenarios, Mapping):  # (iterating it gives its keys, which would be read as files)
        raise TypeError(
            f"{takes}; got a {kind}: give list(scenarios.values()), and have the results in that order, each "
            "named by its scenario (riskmodel.scenario.with_overrides(s, {'name': key}) renames one)"
        )
    if not isinstance(scenarios, Iterable):
        raise TypeError(f"{takes}; got {kind}")
    scenarios = list(scenarios)
    others = [s for s in scenarios if not isinstance(s, Scenario | str | Path)]
    if wrong := list(dict.fromkeys(type(s).__name__ for s in others)):
        hint = f" ({SCENARIO_MAPPING})" if any(isinstance(s, Mapping) for s in others) else ""
        raise TypeError(
            "simulate_together takes a sequence of scenarios, each a Scenario (riskmodel.load_scenario) "
            f"or the path of a scenario file; got {' and '.join(wrong)} among them{hint}"
        )
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    specs = [make_spec(f"{k}:{s.name}", s, None, trials=trials, seed=seed) for k, s in enumerate(loaded)]
    got = {spec.name: results for spec, results in simulate_many(specs, executor, progress=progress)}
    return [got[spec.name] for spec in specs]


@contextlib.contextmanager
def _started(executor: Executor | Callable[[], Executor] | None) -> Iterator[Executor | None]:
    """The executor to use: a factory is called here and closed on the way out; an executor (or None) is
    the caller's to close."""
    if callable(executor) and not hasattr(executor, "map"):
        ex = executor()
        try:
            yield ex
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: the work in flight is not wanted
            ex.close(abandon=True)
            raise
        ex.close()
    else:
        yield executor  # type: ignore[misc]


@dataclass
class RunOutcome:
    """What a batch did with one run: ``computed`` or ``up to date`` (skipped), where, how long."""

    spec: RunSpec
    run_dir: Path
    status: str
    seconds: float = 0.0


def _echo(message: str) -> None:
    """A line on stderr; in a terminal it first clears the progress line."""
    clear = "\r\033[K" if sys.stderr.isatty() else ""
    sys.stderr.write(f"{clear}{message}\n")
    sys.stderr.flush()


def run_batch(
    specs: Sequence[RunSpec],
    out: str | Path,
    executor: Executor | Callable[[], Executor] | None = None,
    *,
    force: bool = False,
    chunk_trials: int | None = None,
    progress: bool = True,
    on_results: Callable[[RunSpec, Results], None] | None = None,
    echo: Callable[[str], None] | None = _echo,
) -> list[RunOutcome]:
    """Run the batch into the store at `out`, skipping runs already there; returns one outcome per run.

    A run is skipped when its folder holds a manifest with the same identity (unless `force`). A finished
    run of another scenario file in the folder a run would take (a file of the same name elsewhere) is
    not replaced without `force`: `ScenarioError`, before any work, naming both; one of the same file
    with other settings is replaced, and `echo` says which and why first (`_replacements`). Temporary
    files left by a killed process are removed first. An `out` that is a stored run's folder or lies in
    one (the runs would be stored among its files) is a `ScenarioError` before any work
    (`store.overwrite_problem`). `executor` may be a factory, called (and closed
    afterwards) only when something needs computing. Each run is saved as soon as it is computed (runs
    that share their world come group by group, see `simulate_many`), with its baseline's results for
    summary.md's differences when the baseline is finished (in the store, or computed before it: groups
    run after those of their baselines unless in a cycle; then summary.md says the batch's
    comparison.csv and report.html have them); `on_results(spec, results)` is
    called for every run in plan order, with the results computed now or, for skipped runs and runs a
    group brought forward, read back from the store (so that only one run's results, or one group's, are
    held for it). Held besides: each baseline of runs still to save, without its event table, from when
    it is finished (or read from the store, once: `on_results` is given the same, unless the run kept
    its events) until its last scenario is saved and `on_results` has had it; about the size of its
    `arrays.npz` (`_result_bytes`: 5.5 GB for rv_pool at 1M trials). A finished run whose manifest
    names a baseline of another identity than its baseline's now is recomputed ("its baseline
    changed", `_baseline_changed`).

    The batch holds the lock of `out` (`store.store_lock`) to its last run saved from just after the
    check that `out` is no stored run's folder (`store.overwrite_problem`, which only reads), so before
    it removes temporary files or reads a stored run: another batch into `out` at the same time, from
    another process or another thread of this one, is refused with `store.StoreLockedError` before any
    work, and so is an `out` whose lock cannot be taken (a folder that cannot be written). The thread
    already holding the lock takes it again (`riskmodel run` holds it around its batch). A lock whose
    holder ended without freeing it (killed) is free: it is taken over, and `echo` says so.
    """
    _refuse_other_worlds(specs)
    out = Path(out)
    if (
        why := store.overwrite_problem(out, instead="another folder", option="`out`", resume=True)
    ) is not None:
        raise ScenarioError([Problem(str(out), (), why)])
    say = echo or (lambda message: None)
    with store.store_lock(out, say=say):
        return _run_locked(
            specs,
            out,
            executor,
            force=force,
            chunk_trials=chunk_trials,
            progress=progress,
            on_results=on_results,
            say=say,
        )


def _run_locked(
    specs: Sequence[RunSpec],
    out: Path,
    executor: Executor | Callable[[], Executor] | None,
    *,
    force: bool,
    chunk_trials: int | None,
    progress: bool,
    on_results: Callable[[RunSpec, Results], None] | None,
    say: Callable[[str], None],
) -> list[RunOutcome]:
    """`run_batch` once it holds the lock of `out`."""
    store.clean_temporaries(out)
    position = {s.name: i for i, s in enumerate(specs, 1)}
    if len(position) < len(specs):
        raise ValueError("run names of a batch must be unique (each is a folder of the store)")
    # why each run with a folder is computed again (a changed scenario or model, an interrupted run)
    stale = {
        s.name: "--force"
        if force
        else store.incomplete_reason(out / s.name, s.identity) or _baseline_changed(out, s, specs)
        for s in specs
        if (out / s.name).is_dir()
    }
    done = {name for name, reason in stale.items() if reason is None}
    todo = [s for s in specs if s.name not in done]
    # (raises for a run of another file: before any work)
    replacing, other_files = _replacements(todo, out, force)
    stale.update({name: why for name, (_, why) in replacing.items()})
    for name in done:  # (left by a batch stopped after the manifest was written)
        discard_chunks(out / name)
    checkpoints, resumed = _open_checkpoints(out, todo, chunk_trials, force)
    for name in other_files:  # (begun now: stopped before its first chunk, it resumes without --force)
        checkpoints[name].mark()
    total = len(specs)
    outcomes: dict[str, RunOutcome] = {}
    for spec in specs:
        if spec.name in done:
            run_dir = out / spec.name
            say(f"[{position[spec.name]}/{total}] {spec.name}: up to date in {run_dir}")
            outcomes[spec.name] = RunOutcome(spec, run_dir, "up to date")
            continue
        if spec.name in replacing:
            say(f"[{position[spec.name]}/{total}] {spec.name}: {replacing[spec.name][0]}")
        if spec.name in resumed:
            say(f"[{position[spec.name]}/{total}] {spec.name}: {resumed[spec.name]}")
    waiting = collections.deque(specs)  # runs not yet handed to `on_results`, in plan order
    pending = {s.name for s in specs}  # (their names)
    # the baselines of runs still to save, by how many: each held once finished, until the last is saved
    owed = collections.Counter(s.baseline for s in todo if s.baseline is not None)
    # (without their event table, which summary.md never reads: the rest is what `Comparison` needs)
    baselines: dict[str, Results] = {}

    def hold(name: str, results: Results) -> None:
        if owed[name] > 0 and name not in baselines:
            baselines[name] = replace(results, events=None)

    def release(name: str) -> None:
        """Forget a held baseline once no run still to save needs it and `on_results` has had it (which
        takes the held one, read once, unless the run kept its events)."""
        if owed[name] <= 0 and (on_results is None or name not in pending):
            baselines.pop(name, None)

    def baseline_of(spec: RunSpec) -> Results | None:
        """The finished results of `spec`'s baseline (read back from the store once if it was there
        before), None while it is not finished."""
        name = spec.baseline
        if name is None:
            return None
        if name in outcomes and name not in baselines:
            hold(name, store.load_results(out / name))
        found = baselines.get(name)
        owed[name] -= 1
        release(name)
        return found

    def hand_on(arrived: RunSpec | None = None, results: Results | None = None) -> None:
        """`on_results` for every run at the head of the plan that is in the store: the one that has just
        arrived from memory, the others (up to date, or brought forward by their group) read back, or a
        held baseline without events taken as it is."""
        while waiting and waiting[0].name in outcomes:
            spec = waiting.popleft()
            pending.discard(spec.name)
            if on_results is None:
                continue
            if spec is arrived:
                given = results
            elif spec.name in baselines and not spec.keep_events:
                given = baselines[spec.name]
            else:
                given = store.load_results(out / spec.name)
                hold(spec.name, given)
            release(spec.name)
            on_results(spec, given)

    hand_on()
    with _started(executor if todo else None) as ex:
        stream = simulate_many(
            todo, ex, chunk_trials=chunk_trials, progress=progress, checkpoints=checkpoints
        )
        try:
            clock = time.perf_counter()
            while True:
                try:
                    spec, results = next(stream)
                except StopIteration:
                    break
                except BrokenProcessPool as exc:
                    raise RuntimeError(
                        "a worker process died (out of memory?); finished runs are kept: rerun with fewer "
                        "--workers or a smaller --chunk-trials to resume"
                    ) from exc
                run_dir = out / spec.name
                store.save_run(
                    run_dir,
                    results,
                    spec.scenario,
                    identity=spec.identity,
                    scenario_file=spec.file,
                    baseline=None if spec.baseline is None else _baseline_entry(specs, spec.baseline),
                    baseline_results=baseline_of(spec),
                    extra={"overrides": dict(spec.overrides)} if spec.overrides else None,
                )
                hold(spec.name, results)  # (a baseline of runs still to save: held until the last is)
                if spec.name in checkpoints:
                    checkpoints[spec.name].discard()
                now = time.perf_counter()
                why = f" (recomputed: {stale[spec.name]})" if stale.get(spec.name) else ""
                if spec.name in resumed:
                    why = f" ({resumed[spec.name]})"
                took = f"{spec.trials:,} trials in {now - clock:,.1f} s"
                say(f"[{position[spec.name]}/{total}] {spec.name}: {took} → {run_dir}{why}")
                outcomes[spec.name] = RunOutcome(spec, run_dir, "computed", now - clock)
                clock = now
                hand_on(spec, results)
                del results
        finally:
            stream.close()
    if todo:
        computed = [o for o in outcomes.values() if o.status == "computed"]
        trials = sum(o.spec.trials for o in computed)
        seconds = sum(o.seconds for o in computed)
        say(f"computed {trials:,} trials in {seconds:,.1f} s ({trials / max(seconds, 1e-9):,.0f} trials/s)")
    return [outcomes[s.name] for s in specs]


def _replacements(
    todo: Sequence[RunSpec], out: Path, force: bool
) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """The finished runs in the store that the batch would replace, each with the line said before any
    work (which stored run, replaced by what) and why, in a few words for the line after it, and the
    names of those that are runs of another scenario file; raises `ScenarioError` for those, unless
    `force`.

    A run folder is named after its scenario file, so a file of the same name elsewhere (``other/p.yaml``
    after ``perils/p.yaml``) would take the folder of another scenario's run and delete it: refused,
    naming both, unless `force` (or the replacement was begun by an earlier batch, stopped: `run_batch`
    marks such a run begun in its checkpoints before any work, and it resumes as any run does). The
    same file with another trial count, seed or event setting, or edited since, replaces its run: said
    before the work starts. Folders without a readable manifest (interrupted), runs of another store
    format or model, and runs recomputed by `force` alone are left to the notes of `run_batch`.
    """
    problems: list[Problem] = []
    found: dict[str, tuple[str, str]] = {}
    other_files: set[str] = set()
    for spec in todo:
        run_dir = out / spec.name
        manifest = store.read_manifest(run_dir) if run_dir.is_dir() else None
        if manifest is None or manifest.get("run_hash") == spec.identity:
            continue
        stored = _stored_run(manifest)
        begun = RunChunks(run_dir, spec.identity).begun()
        if store.ran_another_file(manifest, spec.file, spec.scenario.model_dump(mode="json")):
            now = f"{spec.file} ({spec.trials:,} trials, seed {spec.seed})"
            if store.stored_scenario_path(manifest) is None:  # (a manifest of before the resolved path)
                said = (
                    f"holds the run of {stored}, a file its manifest names relative to the folder it ran "
                    f"from, whose contents differ from {spec.file}'s: it may be another file, or this one "
                    f"edited since. This batch would delete that run to store {now} there; if "
                    f"{spec.file} is that file, give --force once to replace the stored run, else give "
                    f"another --out for {spec.file}"
                )
            else:
                said = (
                    f"holds the run of another scenario file, {stored}, which this batch would delete "
                    f"to store {now} there{_named_after(spec)}; "
                    f"give another --out for {spec.file}, or --force to replace the stored run"
                )
            if not force and not begun:
                problems.append(
                    Problem(
                        str(run_dir),
                        (),
                        said,
                    )
                )
            else:
                other_files.add(spec.name)
                why = "--force" if force else "resuming the replacement an earlier batch began"
                found[spec.name] = (
                    f"replacing the run of {stored} stored in {run_dir} by {now} ({why})",
                    why,
                )
        elif not force and manifest.get("model_digest") == store.model_digest():
            why = _what_changed(manifest, spec)
            found[spec.name] = (f"replacing the run of {stored} stored in {run_dir}: {why}", why)
    if problems:
        raise ScenarioError(problems)
    return found, other_files


def _named_after(spec: RunSpec) -> str:
    """`` (a run folder is named after its file: 'p')`` for a run named after its scenario file (a
    sweep's point is named after the point: nothing to say)."""
    stem = Path(spec.file).stem if spec.file else None
    if stem is None or not (spec.name == stem or spec.name.startswith(f"{stem}-")):
        return ""
    return f" (a run folder is named after its file: {spec.name!r})"


def _stored_run(manifest: Mapping[str, Any]) -> str:
    """``/data/perils/p.yaml (40,960 trials, seed 42)``: a stored run as its manifest names it (its file
    resolved, when the manifest says where that is: `store.stored_scenario_path`)."""
    trials, seed = manifest.get("trials"), manifest.get("seed")
    count = f"{trials:,}" if isinstance(trials, int) else str(trials)
    file = store.stored_scenario_path(manifest) or manifest.get("scenario_file")
    return f"{file or 'a scenario without a file'} ({count} trials, seed {seed})"


def _what_changed(manifest: Mapping[str, Any], spec: RunSpec) -> str:
    """Why a stored run of the same file and model is not `spec`: ``8,192 trials then, 4,096 now``,
    ``seed 7 then, 8 now``, events kept now or no more, the scenario changed (its file, or one it extends
    or reads), else its fleet list's contents (the rest of a run's identity)."""
    changed = []
    if manifest.get("trials") != spec.trials:
        trials = manifest.get("trials")
        then = f"{trials:,}" if isinstance(trials, int) else str(trials)
        changed.append(f"{then} trials then, {spec.trials:,} now")
    if manifest.get("seed") != spec.seed:
        changed.append(f"seed {manifest.get('seed')} then, {spec.seed} now")
    if bool(manifest.get("keep_events")) != spec.keep_events:
        changed.append("events kept now" if spec.keep_events else "events no longer kept")
    dumped = spec.scenario.model_dump(mode="json")
    if store.scenario_without_settings(manifest.get("scenario")) != store.scenario_without_settings(dumped):
        source = f"its scenario file {spec.file}" if spec.file else "its scenario"
        changed.append(f"{source} (or a file it extends or reads) has changed since")
    if not changed:
        changed.append("its fleet list has changed since" if spec.scenario.fleet else "another run identity")
    return "; ".join(changed)


def _refuse_other_worlds(specs: Sequence[RunSpec]) -> None:
    """Raise `ValueError` naming the runs whose scenario carries a World of other content than the
    package's world data (`load_scenario(path, world=w)`): a stored run's identity (`store.run_hash`)
    covers the scenario and the package's files, not a World in memory, so such a run cannot be stored
    (nor run on the package's data in its place)."""
    other = {}
    for spec in specs:
        world = scenario_world(spec.scenario)
        if world is not None and not store.is_package_world(world_fingerprint(world)):
            other[spec.name] = world.source
    if other:
        runs = ", ".join(f"{name} (on {source})" for name, source in other.items())
        raise ValueError(
            f"a batch stores runs on the package's world data only, and these scenarios were validated "
            f"against another World: {runs}. Run them with riskmodel.simulate or simulate_together (their "
            "provenance names the World), or load them without world= to run on the package's data"
        )


def _open_checkpoints(
    out: Path, todo: Sequence[RunSpec], chunk_trials: int | None, force: bool
) -> tuple[dict[str, RunChunks], dict[str, str]]:
    """The checkpoints of the runs to compute (`checkpoints`), opened, and for each run that resumes from
    chunks an interrupted batch kept, a note saying so (none with `force`, which throws them away)."""
    opened, notes = {}, {}
    for spec in todo:
        grid = make_chunks(spec.trials, chunk_trials or spec.scenario.simulation.chunk_trials)
        chunks = RunChunks(out / spec.name, spec.identity)
        if force:
            chunks.discard()
        kept = chunks.open(grid)
        if kept:
            unreadable = f"; {chunks.unreadable} unreadable, computed again" if chunks.unreadable else ""
            notes[spec.name] = (
                f"resumed: {kept} of {len(grid)} chunks kept from an interrupted batch{unreadable}"
            )
        opened[spec.name] = chunks
    return opened, notes


def _baseline_changed(out: Path, spec: RunSpec, specs: Sequence[RunSpec]) -> str | None:
    """Why a finished run is not up to date though its identity is: "its baseline changed" when its
    manifest names a baseline of another identity than its baseline's in this batch (`RunSpec.baseline`),
    for its summary.md and manifest hold the differences from the old baseline. A run's identity covers
    its own scenario only, and a `baseline:` file the scenario does not extend may change alone.

    The run is recomputed (bit-identical: its identity is the same) rather than its summary.md and
    manifest rewritten: `store.save_run` stays the only writer of a run folder, and only runs that name a
    baseline they do not extend pay for it (a changed parent changes the run's own identity). A manifest
    that names no baseline has no difference to be wrong: None."""
    if spec.baseline is None:
        return None
    named = (store.read_manifest(out / spec.name) or {}).get("baseline")
    if not isinstance(named, Mapping) or named.get("identity") is None:
        return None
    now = _baseline_entry(specs, spec.baseline)["identity"]  # (what `save_run` would name now)
    return None if named["identity"] == now else "its baseline changed"


def _baseline_entry(specs: Sequence[RunSpec], name: str) -> dict[str, Any]:
    spec = next(s for s in specs if s.name == name)
    return {"run": name, "file": None if spec.file is None else str(spec.file), "identity": spec.identity}


# --------------------------------------------------------------------------------------- comparisons
def key_deltas(table: pd.DataFrame, figures: Sequence[str] = KEY_FIGURES) -> pd.DataFrame:
    """The rows of a `Comparison.table()` worth a first look: `KEY_FIGURES`, every scheme payer and every
    user peril's column."""
    keep = [f for f in table.index if f in figures or f.startswith(("payer:scheme:", "payer:peril:"))]
    order = {f: i for i, f in enumerate(figures)}
    return table.loc[sorted(keep, key=lambda f: order.get(f, len(order)))]


class BaselineComparisons:
    """Collects scenario − baseline comparisons as runs arrive in plan order (baselines first).

    Use as the `on_results` of `run_batch`; only the baselines are kept in memory.
    """

    def __init__(self, specs: Sequence[RunSpec]) -> None:
        self._needed = {s.baseline for s in specs if s.baseline}
        self._baselines: dict[str, Results] = {}
        self.tables: dict[tuple[str, str], pd.DataFrame] = {}
        #: per comparison, what keeps its runs from sharing random numbers (`Comparison.mismatches`)
        self.mismatches: dict[tuple[str, str], list[str]] = {}

    def __call__(self, spec: RunSpec, results: Results) -> None:
        if spec.name in self._needed:
            self._baselines[spec.name] = results
        if spec.baseline is not None:
            comparison = Comparison(results, self._baselines[spec.baseline])
            self.tables[(spec.name, spec.baseline)] = comparison.table()
            if mismatches := comparison.mismatches():
                self.mismatches[(spec.name, spec.baseline)] = mismatches

    def frame(self) -> pd.DataFrame:
        """Every comparison in long form: scenario, baseline, figure, means, difference and its errors."""
        frames = [
            pd.concat({(s, b): t}, names=["scenario_run", "baseline_run"]).reset_index()
            for (s, b), t in self.tables.items()
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def load_or_run(
    items: Sequence[str | Path],
    executor: Executor | Callable[[], Executor] | None = None,
    *,
    trials: int | None = None,
    seed: int | None = None,
    chunk_trials: int | None = None,
    progress: bool = True,
) -> list[Results]:
    """Results of each item: a run folder of the store (loaded), or a scenario file (run now).

    Files run with `trials` and `seed`, by default those of the first run folder among the items, else
    the first file's own, so that all the results share common random numbers. Raises `ScenarioError`
    for an item that is neither, an unfinished run folder, or an invalid scenario.
    """
    problems: list[Problem] = []
    loaded: dict[int, Results] = {}
    files: dict[int, Path] = {}
    for i, raw in enumerate(items):
        p = Path(raw)
        if p.is_dir():
            try:
                loaded[i] = store.load_results(p)
            except store.IncompleteRunError as exc:  # unfinished, damaged or of another store format
                problems.append(Problem(str(p), (), exc.reason))
        elif p.is_file():
            files[i] = p
        else:
            problems.append(Problem(str(p), (), "no such run folder or scenario file"))
    if problems:
        raise ScenarioError(problems)
    scenarios = _load_all(list(files.values()))
    first = next(iter(loaded.values()), None)
    if first is not None:
        trials = trials or first.n_trials
        seed = first.seed if seed is None else seed
    if files:
        # every file runs with the same trials and seed (the first file's by default): common random numbers
        own = scenarios[next(iter(files.values()))].simulation
        trials = trials or own.trials
        seed = own.seed if seed is None else seed
    specs = [make_spec(f"{i}_{f.stem}", scenarios[f], f, trials=trials, seed=seed) for i, f in files.items()]
    if specs:
        with _started(executor) as ex:
            index = {spec.name: k for k, spec in zip(files, specs, strict=True)}
            for spec, results in simulate_many(specs, ex, chunk_trials=chunk_trials, progress=progress):
                loaded[index[spec.name]] = results
    return [loaded[i] for i in range(len(items))]


# ---------------------------------------------------------------------------------------------- sweeps
def _split_values(text: str) -> list[str]:
    """Split on commas outside brackets and quotes: ``1,[RUS,VEN],'a,b'`` → three values."""
    parts, depth, quote, cur = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    parts.append(cur.strip())
    return parts


def parse_set(text: str) -> tuple[str, list[Any]]:
    """``PATH=V1,V2,...`` → (path, values); values read as YAML scalars (``500`` → 500, ``[RUS]``).

    >>> parse_set("schemes.rv_pool.capital_usd_m=500,1000")
    ('schemes.rv_pool.capital_usd_m', [500, 1000])
    """
    where = f"--set {text}"
    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise ScenarioError(
            [Problem(where, (), "must be PATH=V1,V2,... e.g. schemes.rv_pool.capital_usd_m=500,1000")]
        )
    raw = _split_values(values)
    if any(not v for v in raw):
        raise ScenarioError([Problem(where, (), "has an empty value between commas")])
    parsed = []
    for v in raw:
        try:
            parsed.append(parse_value(v))
        except ScenarioError as exc:
            raise ScenarioError([p.located(where, None) for p in exc.problems]) from None
    return path.strip(), parsed


def _slug(overrides: Mapping[str, Any], short: bool, word: Callable[[str, Any], Any] | None = None) -> str:
    """A point's folder name after its index: each path (by its last key when `short`) = its value (or
    `word` of the path and value, a `joiner_profile` "never" or "member")."""
    parts = []
    for path, value in overrides.items():
        key = path.rsplit(".", 1)[-1] if short else path
        parts.append(f"{key}={word(path, value) if word else value}")
    text = re.sub(r"[^A-Za-z0-9._=+-]+", "_", "_".join(parts))
    return text[:80]


def _named_by_set(problem: Problem, origin: str, overrides: Mapping[str, Any]) -> Problem:
    """A problem of a file that a ``--set`` value names (``--set portfolio=FILE``: the file is missing or
    invalid), with the ``--set`` that named it (and, for the file itself, what the value must be); other
    problems as they are."""
    if problem.file == origin or "portfolio" not in overrides:
        return problem
    named = f"named by --set portfolio={overrides['portfolio']}"
    if not problem.path:  # (the file itself: missing, unreadable, not a portfolio)
        named += "; allowed: the path of a portfolio file, relative to the current folder"
    return replace(problem, message=f"{problem.message} ({named})")


def _check_swept_paths(paths: Sequence[str]) -> None:
    """Each path swept once, and none inside another; raises `ScenarioError` otherwise."""
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise ScenarioError([Problem("--set", (), f"each PATH may be swept once: {', '.join(twice)}")])
    # a path inside another (portfolio and portfolio.contracts.x.limit_usd_m): which value wins would
    # depend on their order, so the points would not be what their labels say
    nested = [(a, b) for a in paths for b in paths if b.startswith(a + ".")]
    if nested:
        pairs = "; ".join(f"{b} lies inside {a}" for a, b in nested)
        raise ScenarioError(
            [Problem("--set", (), f"{pairs}: sweep one of them (or give whole values of {nested[0][0]})")]
        )


def _point_specs(
    scenario: Scenario,
    file: Path | None,
    points: Sequence[tuple[str, dict[str, Any]]],
    *,
    trials: int | None,
    seed: int | None,
    keep_events: bool,
) -> list[RunSpec]:
    """One run per point (its folder name and overrides; none: the scenario as written), every point
    validated before anything runs: a `ScenarioError` lists the problems of all of them."""
    specs: list[RunSpec] = []
    problems: list[Problem] = []
    for name, overrides in points:
        variant = scenario
        if overrides:
            origin = "--set " + ", ".join(f"{p}={v}" for p, v in overrides.items())
            try:
                variant = with_overrides(scenario, overrides, origin=origin)
            except ScenarioError as exc:
                # the same mistake at several points (a path, not a value, at fault) is said once
                said = {(q.path, q.message) for q in problems}
                found = [_named_by_set(p, origin, overrides) for p in exc.problems]
                problems.extend(p for p in found if (p.path, p.message) not in said)
                continue
        specs.append(
            make_spec(
                name, variant, file, trials=trials, seed=seed, keep_events=keep_events, overrides=overrides
            )
        )
    if problems:
        raise ScenarioError(problems)
    return specs


def key_name(path: str, paths: Sequence[str]) -> str:
    """A swept key as the sweep's terminal tables and its tornado chart (`plots.plot_swing`) name it: its
    last part when no other key of `paths` shares it, else the whole path.

    >>> key_name("schemes.a.capital_usd_m", ["schemes.a.capital_usd_m", "horizon.years"])
    'capital_usd_m'
    >>> key_name("schemes.a.capital_usd_m", ["schemes.a.capital_usd_m", "schemes.b.capital_usd_m"])
    'schemes.a.capital_usd_m'
    """
    leaf = path.rsplit(".", 1)[-1]
    return leaf if sum(p.rsplit(".", 1)[-1] == leaf for p in paths) == 1 else path


def _short_names(paths: Sequence[str]) -> bool:
    """Whether run folders may name each path by its last key (no two paths share it)."""
    leaves = [p.rsplit(".", 1)[-1] for p in paths]
    return len(set(leaves)) == len(leaves)


def sweep_specs(
    scenario: Scenario,
    file: Path | None,
    sets: Sequence[tuple[str, Sequence[Any]]],
    *,
    trials: int | None = None,
    seed: int | None = None,
    keep_events: bool = False,
) -> list[RunSpec]:
    """One run per point of the grid (the product of the `sets`), all with the same seed and trials, so
    the points share common random numbers. Every point is validated before anything runs: a
    `ScenarioError` lists the problems of all of them. See `each_specs` for one key at a time."""
    paths = [p for p, _ in sets]
    _check_swept_paths(paths)
    short = _short_names(paths)
    points = []
    for i, values in enumerate(itertools.product(*(v for _, v in sets))):
        overrides = dict(zip(paths, values, strict=True))
        points.append((f"{i:03d}_{_slug(overrides, short)}", overrides))
    return _point_specs(scenario, file, points, trials=trials, seed=seed, keep_events=keep_events)


#: The run folder of a one-at-a-time sweep's first point: the scenario as written (`each_specs`).
REFERENCE_RUN = "000_reference"


def each_specs(
    scenario: Scenario,
    file: Path | None,
    sets: Sequence[tuple[str, Sequence[Any]]],
    *,
    trials: int | None = None,
    seed: int | None = None,
    keep_events: bool = False,
) -> list[RunSpec]:
    """A one-at-a-time (tornado) sweep: the scenario as written (`REFERENCE_RUN`, no override), then for
    each of the `sets` in order one run per value with only that key changed; all with the same seed and
    trials, so every point shares common random numbers with the reference. A value equal to the
    scenario's own reproduces the reference's figures. Every point is validated before anything runs: a
    `ScenarioError` lists the problems of all of them.

    >>> import riskmodel as rm
    >>> s = rm.load_scenario("scenarios/rv_pool.yaml")
    >>> specs = each_specs(s, None, [("schemes.rv_pool.capital_usd_m", [500, 2000]),
    ...                              ("schemes.rv_pool.candidates.IRN.p_join", [0.2])])
    >>> [spec.name for spec in specs]
    ['000_reference', '001_capital_usd_m=500', '002_capital_usd_m=2000', '003_p_join=0.2']
    >>> specs[3].overrides, specs[3].scenario.schemes["rv_pool"].capital_usd_m
    ({'schemes.rv_pool.candidates.IRN.p_join': 0.2}, 1000.0)

    A candidate set to a `joiner_values` profile is named by it (``IRN=never``, ``IRN=member``). A point's
    name begins with its index, so another order of the `sets` renames the points (a run is known by its
    `identity`, not its name: a renamed point is run again under its new name).
    """
    paths = [p for p, _ in sets]
    _check_swept_paths(paths)
    short = _short_names(paths)

    def word(path: str, value: Any) -> Any:
        return joiner_profile(scenario, path, value) or value

    points: list[tuple[str, dict[str, Any]]] = [(REFERENCE_RUN, {})]
    for path, values in sets:
        for value in values:
            overrides = {path: value}
            points.append((f"{len(points):03d}_{_slug(overrides, short, word)}", overrides))
    return _point_specs(scenario, file, points, trials=trials, seed=seed, keep_events=keep_events)


def joiner_values(start_year: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two candidate profiles a joiner sweep gives each candidate state, in this order: never joins
    (``p_join`` 0), and a member from the scheme's `start_year` in every trial (``p_join`` 1 by that year:
    a yearly hazard of 1, so `adoption.cumulative_join_probability` is 1 from the start) unless another
    scheme takes the state first (`joiner_sets`, `joiner_rivals`). Each replaces the
    whole candidate entry, so the state's ``earliest_year``, ``conditions`` and ``schedule`` do not delay
    it (a schedule could not be given with p_join).

    >>> joiner_values(2026)
    ({'p_join': 0, 'by_year': 2026}, {'p_join': 1, 'by_year': 2026})
    """
    return {"p_join": 0, "by_year": start_year}, {"p_join": 1, "by_year": start_year}


_CANDIDATE_ENTRY = re.compile(r"^schemes\.([^.]+)\.candidates\.([^.]+)$")


def joiner_profile(scenario: Scenario, path: str, value: Any) -> str | None:
    """``"never"`` or ``"member"`` when `path` is a candidate's entry of a scheme of `scenario`
    (``schemes.<scheme>.candidates.<STATE>``) and `value` that scheme's `joiner_values` profile of the
    name; None otherwise.

    >>> import riskmodel as rm
    >>> s = rm.load_scenario("scenarios/rv_pool.yaml")
    >>> path = "schemes.rv_pool.candidates.IRN"
    >>> [joiner_profile(s, path, v) for v in (*joiner_values(2026), {"p_join": 1, "by_year": 2030})]
    ['never', 'member', None]
    """
    m = _CANDIDATE_ENTRY.match(path)
    if m is None or m.group(1) not in scenario.schemes:
        return None
    never, member = joiner_values(scenario.schemes[m.group(1)].start_year)
    return "never" if value == never else "member" if value == member else None


def joiner_sets(
    scenario: Scenario, scheme: str, *, origin: str = "--joiners"
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The sets of a one-at-a-time sweep of a scheme's candidate states (`each_specs`): for each candidate,
    in the order the scenario lists them, its entry ``schemes.<scheme>.candidates.<STATE>`` set to never
    joining, then to a member from the scheme's start year (`joiner_values`). Each state's swing
    (`SweepTable.swing`: the second point − the first) is then what its membership costs. A state others
    wait for (their ``conditions``) takes them with it when it never joins. Raises `ScenarioError`
    (located at `origin`, e.g. the scenario file) for a scheme the scenario does not have, or one without
    candidates, naming the scenario's schemes (and which have candidates).

    A state joins one scheme only (`adoption.join_years`): where another scheme of the scenario lists it
    too (`joiner_rivals`) and starts earlier, or in the same year and is listed first, that scheme takes
    it first in the trials where it joins it, so the "member" point has it a member in fewer than every
    trial; the sweep's tables say in how many (`SweepTable`'s note), and ``riskmodel sweep`` names the
    other schemes before it runs.

    >>> import riskmodel as rm
    >>> sets = joiner_sets(rm.load_scenario("scenarios/rv_pool.yaml"), "rv_pool")
    >>> [path.rsplit(".", 1)[-1] for path, _ in sets]  # (in the file's order)
    ['IRN', 'BLR', 'CUB', 'NIC', 'PRK', 'SYR', 'GAB', 'CMR', 'COM', 'SLE', 'CHN', 'IND', 'TUR', 'ARE']
    >>> sets[0]
    ('schemes.rv_pool.candidates.IRN', [{'p_join': 0, 'by_year': 2026}, {'p_join': 1, 'by_year': 2026}])
    """
    where = ("schemes", scheme)
    have = ", ".join(scenario.schemes) or "none"
    if scheme not in scenario.schemes:
        message = f"no scheme {scheme!r} to sweep the candidates of (--joiners; schemes: {have})"
        raise ScenarioError([Problem(origin, where, message)])
    s = scenario.schemes[scheme]
    if not s.candidates:
        with_candidates = ", ".join(k for k, v in scenario.schemes.items() if v.candidates) or "none"
        message = (
            "has no candidate states for --joiners to sweep (its founders are members throughout; "
            f"schemes: {have}; with candidates: {with_candidates})"
        )
        raise ScenarioError([Problem(origin, (*where, "candidates"), message)])
    never, member = joiner_values(s.start_year)
    return [(f"schemes.{scheme}.candidates.{state}", [dict(never), dict(member)]) for state in s.candidates]


def joiner_rivals(scenario: Scenario, scheme: str) -> dict[str, list[str]]:
    """Each candidate state of `scheme` that another scheme of `scenario` also lists (as a founder or a
    candidate), with those schemes in the scenario's order; states no other scheme lists are left out. A
    state joins one scheme only, so such a rival may take it first (`joiner_sets`).

    >>> import riskmodel as rm
    >>> joiner_rivals(rm.load_scenario("scenarios/rv_pool.yaml"), "rv_pool")
    {}
    """
    rivals: dict[str, list[str]] = {}
    for state in scenario.schemes[scheme].candidates:
        others = [
            name
            for name, other in scenario.schemes.items()
            if name != scheme and (state in other.candidates or state in other.founders)
        ]
        if others:
            rivals[state] = others
    return rivals


_QUANTILE = re.compile(r"^(t?var)(\d+(?:\.\d+)?)$")
_CONTRACT_METRICS = ("aal", "premium", "result")


@dataclass(frozen=True)
class _Metric:
    """A sweep metric: a mean of per-trial annual figures (with a paired difference), or a quantile."""

    name: str
    kind: str  # "mean", "var" or "tvar"
    level: float = math.nan


def parse_metric(name: str, contracts: Sequence[str]) -> _Metric:
    """Check a sweep metric name; raises `ScenarioError` saying what is allowed.

    Allowed: ``aal``, ``premium``, ``result`` (premium − loss), ``varP`` and ``tvarP`` (P in percent,
    of the annual loss in the policy year where the figure is largest: `metrics.worst_year`) — each
    optionally ``:CONTRACT`` (default the portfolio, and named so: ``aal`` is the metric
    ``aal:portfolio``, as the sweep table's column says) —,
    ``payer:COLUMN`` (mean annual amount paid), or any per-year statistic of the results (``spills_7t``,
    ``detentions``, ``base:ig_gxl_premium``, ...).
    """
    head, _, contract = name.partition(":")
    if head == "payer":
        if not is_valid_source(contract):
            raise ScenarioError([Problem("--metrics", (), f"{name!r}: {contract!r} is not a payer column")])
        return _Metric(name, "mean")
    m = _QUANTILE.match(head)
    if head in _CONTRACT_METRICS or m:
        if contract and contract != "portfolio" and contract not in contracts:
            allowed = ", ".join(["portfolio", *contracts])
            raise ScenarioError(
                [Problem("--metrics", (), f"{name!r}: no contract {contract!r} (allowed: {allowed})")]
            )
        named = f"{head}:{contract or 'portfolio'}"  # (the column says whose figure it is)
        if m:
            level = float(m.group(2)) / 100
            if not 0 < level < 1:
                allowed = "P in percent, above 0 and below 100 (e.g. var99.5)"
                raise ScenarioError([Problem("--metrics", (), f"{name!r}: the level must be {allowed}")])
            return _Metric(named, m.group(1), level)
        return _Metric(named, "mean")
    if not re.fullmatch(r"[A-Za-z0-9_:.-]+", name):
        raise ScenarioError([Problem("--metrics", (), f"{name!r} is not a metric name")])
    return _Metric(name, "mean")


def _annual(results: Results, metric: _Metric) -> np.ndarray | None:
    """Per-trial mean annual figure of a metric, or for a quantile metric the (n_trials, n_years) annual
    losses (None when the results do not have it)."""
    head, _, contract = metric.name.partition(":")
    if head in _CONTRACT_METRICS or metric.kind in ("var", "tvar"):
        c = results.contracts.get(contract or "portfolio")
        if c is None:
            return None
        x = {
            "premium": c["premium"] + c["reinstatement_premium"],
            "result": c["premium"] + c["reinstatement_premium"] - c["loss"],
        }.get(head, c["loss"])
        return x if metric.kind in ("var", "tvar") else x.mean(axis=1)
    x = results.year_arrays.get(metric.name)
    if x is None:
        return None
    return x.reshape(x.shape[0], x.shape[1], -1).sum(axis=2).mean(axis=1)


#: Trials of the run that checks metric names before a sweep.
_PROBE_TRIALS = 8


def _result_shape(scenario: Any) -> tuple[Any, ...]:
    """What decides the names of a run's results: its schemes, perils, contracts and whether it runs the
    world model (the values swept do not)."""
    contracts = tuple(sorted(scenario.portfolio.contracts)) if scenario.portfolio is not None else ()
    return (
        tuple(sorted(scenario.schemes)),
        tuple(sorted(scenario.perils)),
        contracts,
        scenario.simulation.world_model,
    )


def check_metrics(specs: Sequence[RunSpec], metrics_: Sequence[_Metric]) -> None:
    """Check, before a sweep runs, that every metric is in the results: on `_PROBE_TRIALS` trials of the
    first point, then, while one is still missing, of each point whose results are named differently
    (`_result_shape`); raises `ScenarioError` naming what is available."""
    todo = list(metrics_)
    available: set[str] = set()
    contracts: set[str] = set()
    probed: set[tuple[Any, ...]] = set()
    for spec in specs:
        if not todo:
            return
        shape = _result_shape(spec.scenario)
        if shape in probed:  # the same schemes, perils, contracts and world: the same result names
            continue
        probed.add(shape)
        results = simulate(spec.scenario, _PROBE_TRIALS, spec.seed, keep_events=False, progress=False)
        todo = [m for m in todo if _annual(results, m) is None]
        available |= set(results.year_arrays)
        contracts |= set(results.contracts)
    if not todo:
        return
    names = sorted(available)
    problems = []
    for m in todo:
        close = difflib.get_close_matches(m.name, names, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        problems.append(
            Problem(
                "--metrics",
                (),
                f"{m.name!r} is not in the results of this scenario; {hint}per-year statistics and payers: "
                f"{', '.join(names) or 'none'}; contract metrics (aal, premium, result, varP, tvarP) of: "
                f"{', '.join(sorted(contracts)) or 'none (no portfolio)'}",
            )
        )
    raise ScenarioError(problems)


#: A one-at-a-time sweep table's cell for a key the scenario leaves unset (absent or null: its default
#: applies), at the points that do not set it.
NOT_SET = "(not set in the scenario)"
#: The longest text of a cell of a swept value (a whole mapping, such as a candidate's entry) in a
#: one-at-a-time sweep's tables.
_CELL_CHARS = 60


def own_value(scenario: Scenario, path: str) -> Any:
    """The value of the resolved `scenario` at a dotted key `path` (as `with_overrides` reads it), or
    `NOT_SET` when the scenario has none there (an absent key or null: its default applies).

    >>> import riskmodel as rm
    >>> s = rm.load_scenario("scenarios/rv_pool.yaml")
    >>> own_value(s, "schemes.rv_pool.candidates.IRN.p_join"), own_value(s, "schemes.rv_pool.class_factor")
    (0.6, '(not set in the scenario)')
    """
    node: Any = scenario.model_dump(mode="python")
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif (
            isinstance(node, Mapping) and (key := next((k for k in node if str(k) == part), None)) is not None
        ):
            node = node[key]
        else:
            return NOT_SET
    return NOT_SET if node is None else node


def shown_value(value: Any) -> Any:
    """A swept value as a one-at-a-time sweep's tables show it: a number, text or truth value as it is;
    a list or mapping as short text, a mapping's unset entries (null, empty) and free text (a
    ``rationale``: words with spaces) left out, at most `_CELL_CHARS` characters.

    >>> shown_value(0.5), shown_value({"p_join": 0.6, "by_year": 2030, "schedule": None, "conditions": [],
    ...                  "rationale": "An ally of both founders."})
    (0.5, '{p_join: 0.6, by_year: 2030}')
    """
    if isinstance(value, int | float | str | bool):
        return value
    return _cell_text(value)[:_CELL_CHARS]


def _csv_value(value: Any) -> Any:
    """A swept value as ``sweep.csv`` and ``swing.csv`` keep it, whole: a number, text or truth value as it
    is, a list or mapping as its text (`str`), as a grid's columns have always been."""
    return value if isinstance(value, int | float | str | bool) else str(value)


def _cell_text(value: Any) -> str:
    if isinstance(value, Mapping):
        shown = (f"{k}: {_cell_text(v)}" for k, v in value.items() if not _unset(v))
        return "{" + ", ".join(shown) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_cell_text(v) for v in value) + "]"
    return str(value)


def _unset(value: Any) -> bool:
    """An entry a cell leaves out: null, empty, or free text."""
    return (
        value is None
        or (isinstance(value, list | tuple | Mapping | str) and not value)
        or (isinstance(value, str) and " " in value.strip())
    )


class SweepTable:
    """Rows of a sweep table as runs arrive (in the order of the specs): the swept values, each metric with
    its standard error, and its difference from the first point (of a grid, `sweep_specs`; of a
    one-at-a-time sweep, `each_specs`, the reference: the scenario as written) with the paired (CRN)
    standard error; a ``note`` where one trial holds more than half of a difference's variance
    (`riskmodel.display.dominant_trial_words`), where the two points cannot be paired (`_not_paired`: no
    difference) or do not share their random numbers (`_seeds_note`), and where a point that makes a
    candidate a member from its scheme's start did not in every trial (`_membership_note`). Of a
    one-at-a-time sweep, also each key's swing (`swing`)."""

    def __init__(self, specs: Sequence[RunSpec], metric_names: Sequence[str]) -> None:
        contracts = list(specs[0].scenario.portfolio.contracts) if specs[0].scenario.portfolio else []
        # (``aal`` and ``aal:portfolio`` are one metric, one column)
        self.metrics = list({m.name: m for m in (parse_metric(n, contracts) for n in metric_names)}.values())
        self.paths = list(dict.fromkeys(p for spec in specs for p in spec.overrides))
        #: A one-at-a-time sweep (`each_specs`): its first point sets nothing.
        self.one_at_a_time = not specs[0].overrides
        self._scenario = specs[0].scenario
        self._own = {p: own_value(specs[0].scenario, p) for p in self.paths} if self.one_at_a_time else {}
        # each key's first and last point (the swing is their difference)
        self._ends: dict[str, list[RunSpec]] = {}
        for spec in specs[1:] if self.one_at_a_time else ():
            (path,) = spec.overrides
            self._ends.setdefault(path, [spec, spec])[1] = spec
        self._first: dict[str, tuple[RunSpec, dict[str, np.ndarray]]] = {}
        self._reference: dict[str, np.ndarray] = {}
        self._reference_spec = specs[0]
        self._members: dict[str, str] = {}  # a point's `_membership_note`, for its key's swing
        self.rows: list[dict[str, Any]] = []
        self.swings: list[dict[str, Any]] = []
        self.missing: set[str] = set()

    def shown(self, path: str, value: Any) -> Any:
        """A swept value as the terminal shows it: a candidate's `joiner_profile` as ``never`` or ``member
        from <the scheme's start year>``, any other by `shown_value`."""
        word = joiner_profile(self._scenario, path, value)
        if word == "member":
            return f"member from {self._scenario.schemes[path.split('.')[1]].start_year}"
        return word or shown_value(value)

    def _value(self, spec: RunSpec, path: str) -> Any:
        return _csv_value(spec.overrides.get(path, self._own.get(path)))

    def __call__(self, spec: RunSpec, results: Results) -> None:
        row: dict[str, Any] = {"run": spec.name}
        for p in self.paths:
            row[p] = self._value(spec, p)
        first = not self.rows
        unpaired = _not_paired(self._reference_spec, spec)
        notes = [unpaired or _seeds_note(self._reference_spec, spec)]
        self._members[spec.name] = _membership_note(spec, results)
        notes.append(self._members[spec.name])
        per_trial: dict[str, np.ndarray] = {}
        for m in self.metrics:
            x = _annual(results, m)
            if x is None:
                self.missing.add(m.name)
                row.update({m.name: math.nan, f"{m.name}_se": math.nan})
                if m.kind != "mean":
                    row[f"{m.name}_year"] = math.nan
                continue
            if m.kind == "mean":
                per_trial[m.name] = x
                # (exactly 0 for a figure the same in every trial, a fixed premium, not its float noise:
                # as `Results.summary` and `Comparison.table` give it)
                row[m.name] = float(x.mean())
                row[f"{m.name}_se"] = float(metrics.standard_error(x, exact_zero=True))
                if first:
                    self._reference[m.name] = x
                ref = self._reference.get(m.name)
                if ref is not None and not unpaired and ref.shape == x.shape:
                    d = metrics.paired_difference(x, ref, exact_zero=True)
                    row[f"{m.name}_delta"], row[f"{m.name}_delta_se"] = d.mean, d.se
                    notes.append(_noted(f"{m.name}_delta", metrics.paired_deltas(x, ref, exact_zero=True)))
            else:  # the annual loss in the policy year where the figure is largest
                tail = metrics.worst_year(x, m.level, m.kind)
                row[m.name], row[f"{m.name}_se"] = tail.value, tail.se
                # (the first of years that tie; every year's figure is the same when `every_year`)
                row[f"{m.name}_year"] = int(results.years[tail.year])
        row["note"] = "; ".join(n for n in notes if n)
        self.rows.append(row)
        if self.one_at_a_time and not first:
            self._add_swing(spec, per_trial)

    def _add_swing(self, spec: RunSpec, per_trial: dict[str, np.ndarray]) -> None:
        """Keep a key's first point; at its last, add its swing (last − first; a key of one value: its
        point − the reference)."""
        (path,) = spec.overrides
        first, last = self._ends[path]
        if spec is first:
            self._first[path] = (spec, per_trial)
        if spec is not last:
            return
        start, before = self._first.pop(path)
        if start is spec:
            start, before = self._reference_spec, self._reference
        was = self._own[path] if start is self._reference_spec else start.overrides[path]
        row: dict[str, Any] = {
            "key": path,
            "from": self.shown(path, was),
            "to": self.shown(path, spec.overrides[path]),
            "from_value": _csv_value(was),
            "to_value": _csv_value(spec.overrides[path]),
            "from_run": start.name,
            "to_run": spec.name,
        }
        unpaired = _not_paired(start, spec)
        notes = [unpaired or _seeds_note(start, spec), self._members[start.name], self._members[spec.name]]
        for m in self.metrics:
            if m.kind != "mean":
                continue
            a, b = per_trial.get(m.name), before.get(m.name)
            if unpaired or a is None or b is None or a.shape != b.shape:
                row[f"{m.name}_swing"] = row[f"{m.name}_swing_se"] = math.nan
                if not unpaired:
                    notes.append(f"{m.name}_swing: not in the results of both points")
                continue
            d = metrics.paired_difference(a, b, exact_zero=True)
            row[f"{m.name}_swing"], row[f"{m.name}_swing_se"] = d.mean, d.se
            notes.append(_noted(f"{m.name}_swing", metrics.paired_deltas(a, b, exact_zero=True)))
        row["note"] = "; ".join(n for n in notes if n)
        self.swings.append(row)

    def frame(self) -> pd.DataFrame:
        """One row per point, in the order run (a quantile's policy year as a whole number); of a
        one-at-a-time sweep, a key's column gives the scenario's own value (`NOT_SET` where it has none)
        at the points that do not set it. A swept list or mapping is given whole, as text (`_csv_value`)."""
        frame = pd.DataFrame(self.rows)
        for m in self.metrics:
            if m.kind != "mean" and f"{m.name}_year" in frame:
                frame[f"{m.name}_year"] = frame[f"{m.name}_year"].astype("Int64")
        return frame

    def swing(self) -> pd.DataFrame:
        """Of a one-at-a-time sweep, each key's swing: the difference of every mean metric between the
        key's last and first value (a key of one value: between it and the reference), with its paired
        (CRN) standard error from the two points' per-trial annual figures (`metrics.paired_difference`)
        and a ``note`` where one trial holds more than half of its variance, where the points cannot be
        paired (other trials or horizons: no swing) or do not share their seed, and where a joiner's
        member point did not make it a member in every trial. Columns ``key``, ``from``, ``to`` (the
        values as the terminal shows them, `shown`: ``never``, ``member from 2026``), ``from_value``,
        ``to_value`` (whole, `_csv_value`), ``from_run``, ``to_run``, then ``<metric>_swing`` and
        ``<metric>_swing_se`` for each mean metric (a quantile, ``var99.5``, has no per-trial figure to
        pair: none), then ``note``. Rows in tornado order: by the size of the first mean metric's swing,
        largest first (one it cannot be computed for last). A `ValueError` for a grid sweep, which has no
        swing."""
        if not self.one_at_a_time:
            raise ValueError("a grid sweep (sweep_specs) has no swing; sweep one key at a time (each_specs)")
        means = [m.name for m in self.metrics if m.kind == "mean"]
        columns = ["key", "from", "to", "from_value", "to_value", "from_run", "to_run"]
        columns += [c for name in means for c in (f"{name}_swing", f"{name}_swing_se")]
        frame = pd.DataFrame(self.swings, columns=[*columns, "note"])
        if means and len(frame):
            size = frame[f"{means[0]}_swing"].abs()
            frame = frame.loc[size.sort_values(ascending=False, na_position="last", kind="stable").index]
        return frame.reset_index(drop=True)


def _horizon_text(spec: RunSpec) -> str:
    h = spec.scenario.horizon
    return f"{h.start_year}-{h.last_year}" if h.years > 1 else str(h.start_year)


def _not_paired(first: RunSpec, point: RunSpec) -> str:
    """Why two points' figures are not differenced trial by trial, "" when they are: another trial count
    (trial i of one is not trial i of the other) or another horizon (each figure a mean over other policy
    years: the difference would mix the change with the years)."""
    if first.trials != point.trials:
        return f"trials differ ({first.trials:,} vs {point.trials:,}): not paired"
    a, b = first.scenario.horizon, point.scenario.horizon
    if (a.start_year, a.years) != (b.start_year, b.years):
        return f"horizons differ ({_horizon_text(first)} vs {_horizon_text(point)}): not paired"
    return ""


def _seeds_note(first: RunSpec, point: RunSpec) -> str:
    """A note for two points of other seeds, "" for one seed: they share no random numbers, so the
    paired standard error of their difference is that of independent runs, not a CRN one (as
    `Comparison.mismatches` says)."""
    if first.seed == point.seed:
        return ""
    return (
        f"seeds differ ({first.seed} vs {point.seed}): the points do not share random numbers, so the s.e. "
        "is that of independent runs"
    )


def _member_trials(results: Results, scheme: str, state: str, year: int) -> tuple[int, int] | None:
    """In how many of the `results`' trials `state` is a member of `scheme` by calendar `year` (the
    results' membership arrays, `Results.members`), and of how many; None when the results have no such
    slot or the year is after their horizon."""
    join_year = results.trial_arrays.get("join_year")
    if join_year is None or results.slots.empty:
        return None
    slot = (results.slots["scheme"] == scheme).to_numpy() & (results.slots["state"] == state).to_numpy()
    index = max(year - results.start_year, 0)
    if not slot.any() or index >= results.n_years:
        return None
    member = join_year[:, int(np.flatnonzero(slot)[0])] <= index
    return int(member.sum()), int(member.size)


def _membership_note(spec: RunSpec, results: Results) -> str:
    """Where `spec` makes a candidate a member from its scheme's start (`joiner_profile` "member") and
    its `results` had it a member by that year in fewer than every trial, how many: a state joins one
    scheme only, and another that lists it (`joiner_rivals`) and starts earlier, or in the same year
    listed first, takes it first; "" otherwise."""
    for path, value in spec.overrides.items():
        if joiner_profile(spec.scenario, path, value) != "member":
            continue
        _, scheme, _, state = path.split(".")
        start = spec.scenario.schemes[scheme].start_year
        counted = _member_trials(results, scheme, state, start)
        if counted is None or counted[0] == counted[1]:
            continue
        members, trials = counted
        rivals = ", ".join(joiner_rivals(spec.scenario, scheme).get(state, ())) or "another scheme"
        return (
            f"{state} a member of {scheme} from {start} in {members:,} of {trials:,} trials "
            f"({members / trials:.1%}): a state joins one scheme only, and {rivals} took it first in the "
            "others"
        )
    return ""


def _noted(name: str, differences: np.ndarray) -> str:
    """``"<name>: <note>"`` when one trial holds more than half of the differences' variance, else ""."""
    from riskmodel.display import dominant_trial_words

    words = dominant_trial_words(differences)
    return f"{name}: {words}" if words else ""


def sweep_each(
    scenario: Scenario | str | Path,
    sets: Sequence[tuple[str, Sequence[Any]]],
    metric_names: Sequence[str] = DEFAULT_SWEEP_METRICS,
    *,
    trials: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: bool = True,
) -> SweepTable:
    """A one-at-a-time sweep in memory (nothing stored): `each_specs` run with `simulate_many` into a
    `SweepTable`, whose `frame` and `swing` are the tables `riskmodel sweep --each` prints. For a
    notebook: ``sweep_each(s, joiner_sets(s, "rv_pool"), trials=2000).swing()`` is what each candidate
    state's membership costs. The points' results are handed to the table in order and dropped."""
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    specs = each_specs(loaded, None, sets, trials=trials, seed=seed)
    table = SweepTable(specs, metric_names)
    order = {spec.name: k for k, spec in enumerate(specs)}
    waiting: dict[int, tuple[RunSpec, Results]] = {}
    for spec, results in simulate_many(specs, executor, progress=progress):
        waiting[order[spec.name]] = (spec, results)
        while len(table.rows) in waiting:  # (a group may bring later points forward)
            table(*waiting.pop(len(table.rows)))
    return table
