"""`riskmodel sweep SCENARIO --set PATH=V1,V2 ...`: run a grid of variants of one scenario, or with `--each`
(or `--joiners SCHEME`) one key at a time.

In: a scenario file, one `--set` per swept key (a dotted path into the resolved scenario and its values),
the metrics to tabulate. Out: one run folder per grid point under `--out` (resumable, like `run`), and
one table, on stdout and in `--out/sweep.csv`: a row per grid point with the swept values, each metric
and its standard error, and its difference from the first point with the common-random-number standard
error (every point runs with the same seed). The terminal writes the errors as every table a person reads
does ("∞", "–", "<0.0005": `sweep_view`); the CSV keeps the numbers. A contract metric's column names its
contract, the portfolio's too (``aal:portfolio``), so that the CSV says whose figure it is. Invalid paths,
values, metrics or `--out`: exit 2 with the validation messages, before anything runs (metric names are
checked on a few trials of the first point). The work is `riskmodel.batch.sweep_specs` and `SweepTable`.

With `--each` the points are the scenario as written (``000_reference``) and then, for each `--set` in
order, one point per value with only that key changed; the differences are from the reference, and a
second table, on stdout and in `--out/swing.csv`, gives each key's swing (its last value's point − its
first's, with the paired standard error), largest first. `--joiners SCHEME` adds, before the `--set`
keys, each candidate state of the scheme: never joining, then a member from the scheme's start year
(`batch.joiner_sets`), so its swing is what that state's membership costs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from riskmodel.cli.run import (
    add_executor_options,
    check_out_folder,
    locked_store,
    path_arg,
    print_frame,
    run_stored_batch,
    seed_value,
    trial_count,
    write_csv,
)

__all__ = ["add_parser", "each_view", "run", "sweep_view", "swing_view"]

_EPILOG = """\
examples:
  riskmodel sweep scenarios/rv_pool.yaml --set schemes.rv_pool.capital_usd_m=500,1000,2000
  riskmodel sweep scenarios/rv_pool.yaml --set schemes.rv_pool.candidates.IRN.p_join=0.2,0.6 \\
      --set schemes.rv_pool.capital_usd_m=500,2000 --metrics aal var99.5 payer:uncompensated
  riskmodel sweep scenarios/rv_pool.yaml --each --set schemes.rv_pool.capital_usd_m=500,2000 \\
      --set schemes.rv_pool.correlation=0,0.8
  riskmodel sweep scenarios/rv_pool.yaml --joiners rv_pool --metrics payer:uncompensated aal premium

--each (one at a time, a tornado): the scenario as written (point 000_reference), then for each --set in
order one point per value with only that key changed (a value equal to the scenario's own gives the
reference's figures exactly). _delta is the difference from the reference; a key's column shows the
scenario's own value where the point does not set it (sweep.csv: the whole value; the terminal: short). A
second table (swing.csv) gives each key's swing, its last value's point − its first's (a key of one value:
− the reference) for each mean metric with its paired s.e., largest first by the first metric's (from,
to: the values as shown; from_value, to_value: whole). A grid sweep into the same --out removes it.

--joiners SCHEME (implies --each): before the --set keys, each candidate state of SCHEME in the file's
order, set to never joining ({p_join: 0}) and then to a member from the scheme's start year
({p_join: 1, by_year: START}, its earliest_year, conditions and schedule dropped), points named
001_IRN=never, 002_IRN=member: its swing is what its membership moves (its own exports, flag and ports).
A state joins one scheme only:
where another scheme lists it too and starts earlier (or in the same year, listed first), it may take the
state first; the command names such schemes, and the member point's note gives the trials in which the
state was a member. A --set of the scheme's candidates (or of schemes, schemes.SCHEME) may not be given
with it. Point names begin with their index: another order of --set renames (and recomputes) the points.

not paired: points of other trials or horizons have no _delta or swing ("–"), and the note says why;
points of other seeds are differenced, with a note (no common random numbers: an independent s.e.).

note: where one trial holds more than half of the variance of a difference (_delta, _swing), the note
column says so, with the difference without that trial (from 1,000 trials).

metrics: aal, premium, result (premium - loss), varP and tvarP (P in percent, of the annual loss in the
policy year where the figure is largest, named in varP:CONTRACT_year), each optionally :CONTRACT
(default the portfolio: the column of aal is aal:portfolio); payer:COLUMN (mean annual amount paid); or
any per-year statistic of the results (spills_7t, detentions, base:ig_gxl_premium, ...). Metric names
are checked before the sweep runs (on a few trials of the first point).

The trials, seed and event setting can be swept like any key (--set simulation.trials=4096,8192); --trials,
--seed and --keep-events set them for every point, so each may not be given with a --set of its key.
"""

#: What the sweep table's figures are (its title in the terminal).
UNITS = (
    "a year; USD m unless a count; the :portfolio and :CONTRACT columns (aal:portfolio) are the reinsurer's "
    "share (its line on each contract), the payer: columns the whole market at 100%; _delta = difference "
    "from the first point, with its CRN s.e."
)
#: The same of a one-at-a-time sweep (`--each`; `batch.REFERENCE_RUN` is its first point).
EACH_UNITS = UNITS.replace(
    "from the first point", "from the reference (000_reference: the scenario as written)"
)
#: What the swing table's figures are (its title in the terminal, after the metric it is sorted by).
SWING_UNITS = (
    "each key's swing: its last value's point − its first's (a key of one value: − the reference), the "
    "mean metrics in the units of the sweep table, with the CRN s.e. of the two points' trials"
)

#: What a joining state's swing measures (`--joiners`), said under its table: an underwriter read a large
#: importer's small swing in the IG GXL base as "its joining does not matter to the IG".
JOINER_READING = (
    "a state's swing is what its membership moves in the model: its own export trades' carriage taken up "
    "by the scheme, its flag certifying the scheme's cover and its ports accepting it (docs/model.md §3); "
    "it moves no other state's tankers, so an importer's swing is small"
)

#: Options that set a simulation key for every point, and the key: not both.
_OPTION_KEYS = (("trials", "--trials", "simulation.trials"), ("seed", "--seed", "simulation.seed"))


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `sweep` command to the `riskmodel` sub-parsers; returns its parser."""
    p = subparsers.add_parser(
        "sweep",
        help="run a grid of variants of a scenario and tabulate metrics against the swept values",
        description="Run every combination of the --set values as a variant of SCENARIO (same seed and "
        "trials, so differences between points are precise) and tabulate the chosen metrics.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", type=path_arg, metavar="SCENARIO")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="PATH=V1,V2,...",
        help="a dotted key path of the scenario and the values to sweep (repeat for a grid, or with --each "
        "one key at a time)",
    )
    p.add_argument(
        "--each",
        action="store_true",
        help="one key at a time: the scenario as written, then one point per value of each --set with only "
        "that key changed; also writes each key's swing (swing.csv)",
    )
    p.add_argument(
        "--joiners",
        default=None,
        metavar="SCHEME",
        help="sweep each candidate state of SCHEME one at a time, never joining and a member from the "
        "scheme's start (implies --each)",
    )
    p.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        metavar="METRIC",
        help="metrics of the table (default: aal premium var99.5 payer:uncompensated)",
    )
    p.add_argument(
        "--trials",
        type=trial_count,
        default=None,
        help="trials per point (default: the scenario's); not with --set simulation.trials=..., which "
        "sweeps them",
    )
    p.add_argument(
        "--seed",
        type=seed_value,
        default=None,
        help="seed of every point (default: the scenario's); not with --set simulation.seed=...",
    )
    p.add_argument(
        "--out", type=path_arg, default=None, help="store folder (default results/sweep-<scenario>)"
    )
    p.add_argument(
        "--keep-events",
        action="store_true",
        help="also keep each point's event loss table; not with --set simulation.keep_events=...",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="recompute points already in the store; needed to replace the points of another scenario file",
    )
    add_executor_options(p)
    p.set_defaults(func=run)
    return p


def _option_conflicts(args: argparse.Namespace, paths: Sequence[str]) -> list[Any]:
    """Options that would override a swept simulation key for every point (`--trials` with
    ``--set simulation.trials=...``): the table would show values the points did not run with."""
    from riskmodel.scenario import Problem

    given = [(getattr(args, attr) is not None, option, key) for attr, option, key in _OPTION_KEYS]
    given.append((bool(args.keep_events), "--keep-events", "simulation.keep_events"))
    return [
        Problem(
            f"--set {key}",
            (),
            f"sweeps {key}, which {option} sets for every point: give one of them (drop {option} to "
            f"sweep the values, or drop the --set to run every point with {option})",
        )
        for on, option, key in given
        if on and key in paths
    ]


def _not_a_scenario_file(path: Path) -> str:
    """Why `path`, which is not a file, is no scenario to sweep: a run folder (a run's results, whose
    manifest names the scenario file it ran), another folder, or nothing at all."""
    from riskmodel import store

    if not path.is_dir():
        return "no such scenario file"
    if (path / store.MANIFEST).is_file():
        manifest = store.read_manifest(path) or {}
        ran = store.stored_scenario_path(manifest) or manifest.get("scenario_file")
        of = f"; it ran the scenario file {ran}" if ran else ""
        return f"is a run folder (a run's results{of}); sweep takes a scenario file (YAML)"
    return "is a folder; sweep takes one scenario file (YAML)"


def sweep_view(frame: Any, metric_names: Sequence[str]) -> Any:
    """The sweep table (`batch.SweepTable.frame`) as the terminal prints it: each standard error
    written by `display.error_texts` ("∞" where the trials cannot bound it, "–" where there is none,
    "<0.0005" when too small to show), as the comparison's and summary's errors are, and a figure the
    table lacks (a metric not in the results, a difference from a first point of another horizon, a
    quantile's year of neither) "–", as the report writes one; `sweep.csv` keeps the numbers. The
    ``note`` column is left out when no row has a note (`sweep.csv` keeps it). A
    difference's error is float noise against the larger of its figures (the point's, the first point's,
    the difference), as in the comparison.

    >>> import math, pandas as pd
    >>> f = pd.DataFrame({"run": ["a", "b"], "aal:portfolio": [2.0, 2.5], "aal:portfolio_se": [0.1, 2e-5],
    ...     "aal:portfolio_delta": [0.0, math.nan], "aal:portfolio_delta_se": [0.0, math.nan],
    ...     "var99.5:portfolio": [9.0, 12.0], "var99.5:portfolio_se": [math.inf, 0.5]})
    >>> sweep_view(f, ["aal:portfolio", "var99.5:portfolio"]).iloc[1, 1:].to_list()
    [2.5, '<0.0005', '–', '–', 12.0, '0.500']
    >>> sweep_view(f, ["var99.5:portfolio"])["var99.5:portfolio_se"].to_list()
    ['∞', '0.500']
    """
    import pandas as pd

    from riskmodel.display import NO_ERROR, error_texts

    view = frame.copy()
    for name in metric_names:
        figures = [c for c in (name, f"{name}_delta", f"{name}_year") if c in frame]
        for column in figures:  # (a figure the table lacks: "–")
            view[column] = frame[column].astype(object).where(frame[column].notna(), NO_ERROR)
        if f"{name}_se" in frame:
            view[f"{name}_se"] = error_texts(frame[f"{name}_se"], frame[name])
        if f"{name}_delta_se" in frame:
            first = pd.Series(frame[name].iloc[0], index=frame.index)
            level = pd.concat([frame[name], first, frame[f"{name}_delta"]], axis=1).abs().max(axis=1)
            view[f"{name}_delta_se"] = error_texts(frame[f"{name}_delta_se"], level)
    return _without_empty_note(view)


def _without_empty_note(view: Any) -> Any:
    """A terminal table without its ``note`` column when no row has a note (the CSV keeps it)."""
    if "note" in view and not view["note"].fillna("").astype(str).ne("").any():
        return view.drop(columns=["note"])
    return view


def each_view(view: Any, paths: Sequence[str], changed: Sequence[Mapping[str, Any]]) -> Any:
    """A one-at-a-time sweep's table (`sweep_view` of it) as the terminal prints it: the columns of the
    swept `paths`, all but one of which hold the scenario's own value at each point, as one ``set`` column
    giving what each point `changed` (its overrides, each value by `batch.shown_value`, or as the caller
    words it, `batch.SweepTable.shown`: ``never``; none at the reference: "(as written)"), each key by
    `batch.key_name`; `sweep.csv` keeps a column per key.

    >>> import pandas as pd
    >>> v = pd.DataFrame({"run": ["000_reference", "001_p_join=0"], "a.x.p_join": [0.6, 0],
    ...     "a.y.capital_usd_m": [1000, 1000], "aal:portfolio": [2.0, 1.5]})
    >>> shown = each_view(v, ["a.x.p_join", "a.y.capital_usd_m"], [{}, {"a.x.p_join": 0}])
    >>> shown.columns.to_list(), shown["set"].to_list()
    (['run', 'set', 'aal:portfolio'], ['(as written)', 'p_join=0'])
    """
    from riskmodel.batch import key_name, shown_value

    out = view.drop(columns=list(paths))
    words = [
        ", ".join(f"{key_name(p, paths)}={shown_value(v)}" for p, v in overrides.items()) or "(as written)"
        for overrides in changed
    ]
    out.insert(1, "set", words)
    return out


def swing_view(swing: Any, metric_names: Sequence[str], paths: Sequence[str]) -> Any:
    """The swing table (`batch.SweepTable.swing`) as the terminal prints it: each key by
    `batch.key_name`, the errors written as every table does (`display.error_texts`), a swing that
    could not be computed (points not paired: the note says why) "–", without the whole values and the
    run columns (swing.csv keeps them).

    >>> import math, pandas as pd
    >>> s = pd.DataFrame({"key": ["a.trials"], "from": ["128"], "to": ["256"], "from_value": [128],
    ...     "to_value": [256], "from_run": ["001"], "to_run": ["002"], "aal_swing": [math.nan],
    ...     "aal_swing_se": [math.nan], "note": ["trials differ (128 vs 256): not paired"]})
    >>> swing_view(s, ["aal"], ["a.trials"]).iloc[0].to_list()
    ['trials', '128', '256', '–', '–', 'trials differ (128 vs 256): not paired']
    """
    from riskmodel.batch import key_name
    from riskmodel.display import NO_ERROR, error_texts

    view = swing.drop(columns=["from_value", "to_value", "from_run", "to_run"])
    view["key"] = [key_name(path, paths) for path in swing["key"]]
    for name in metric_names:
        column = f"{name}_swing"
        if column in swing:
            view[column] = swing[column].astype(object).where(swing[column].notna(), NO_ERROR)
        if f"{column}_se" in swing:
            view[f"{column}_se"] = error_texts(swing[f"{column}_se"], swing[column])
    return _without_empty_note(view)


def _check_some_key(args: argparse.Namespace) -> None:
    """A `ScenarioError` when neither `--set` nor `--joiners` names a key to sweep."""
    from riskmodel.scenario import Problem, ScenarioError

    if not args.sets and args.joiners is None:
        what = "--each sweeps the --set keys one at a time: give" if args.each else "give"
        raise ScenarioError(
            [
                Problem(
                    "--set",
                    (),
                    f"no key to sweep: {what} at least one --set PATH=V1,V2,... (e.g. "
                    "schemes.rv_pool.capital_usd_m=500,1000), or --joiners SCHEME to sweep a scheme's "
                    "candidate states",
                )
            ]
        )


def _swept(args: argparse.Namespace, scenario: Any, sets: list[tuple[str, list[Any]]]) -> list[Any]:
    """The keys to sweep: `--joiners`' candidates (`batch.joiner_sets`) before the `--set` keys; a
    `ScenarioError` for a `--set` of a candidate `--joiners` sweeps."""
    from riskmodel import batch
    from riskmodel.scenario import Problem, ScenarioError

    if args.joiners is None:
        return sets
    joined = batch.joiner_sets(scenario, args.joiners, origin=str(args.scenario))
    candidates = f"schemes.{args.joiners}.candidates"
    clash = [
        Problem(
            "--set",
            tuple(path.split(".")),
            f"{_clash_words(path, candidates, args.joiners)}: drop this "
            "--set, or drop --joiners and sweep the candidates you want with --set ... --each",
        )
        for path, _ in sets
        if path == candidates or path.startswith(candidates + ".") or candidates.startswith(path + ".")
    ]
    if clash:
        raise ScenarioError(clash)
    for state, rivals in batch.joiner_rivals(scenario, args.joiners).items():
        print(
            f"note: {state} is also listed by {', '.join(rivals)}; a state joins one scheme only, so where "
            f"one of them starts before {args.joiners} (or in its year, listed before it) it takes {state} "
            f"first, and {state}'s member point has it a member of {args.joiners} in fewer than every "
            "trial (the tables' note says in how many)",
            file=sys.stderr,
        )
    return [*joined, *sets]


def _clash_words(path: str, candidates: str, scheme: str) -> str:
    """What a `--set` of `path` does to the candidates `--joiners` sweeps (``schemes.X.candidates``)."""
    sweeps = f"whose candidates --joiners {scheme} sweeps (each never joining, then a member from the start)"
    if path == candidates:
        return f"sets the candidates of {scheme}, {sweeps}"
    if path.startswith(candidates + "."):
        return f"sets a candidate of {scheme}, {sweeps}"
    return f"sets all of {path}, the candidates of {scheme} among it, {sweeps}"


def _drop_stale_swing(out: Path) -> None:
    """Remove a ``swing.csv`` an earlier one-at-a-time sweep wrote into `out`, which a grid sweep does not
    rewrite (it would describe other points): only a plain file whose header is a swing table's; anything
    else there by that name is left, with a warning."""
    from riskmodel.store import SWING_FILE

    path = out / SWING_FILE
    if not path.exists() and not path.is_symlink():
        return
    header = ""
    if path.is_file() and not path.is_symlink():
        with path.open(encoding="utf-8", errors="replace") as f:
            header = f.readline()
    if header.startswith("key,from,to,"):
        path.unlink()  # (one call: the file is there whole or gone)
        print(f"removed: {path} (the swing table of an earlier --each sweep into {out})", file=sys.stderr)
    else:
        print(
            f"warning: {path} is not this sweep's (a grid has no swing table) and was left as it is",
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel sweep`; returns the exit code."""
    from riskmodel import batch
    from riskmodel.scenario import Problem, ScenarioError, load_scenario

    if not args.scenario.is_file():
        raise ScenarioError([Problem(str(args.scenario), (), _not_a_scenario_file(args.scenario))])
    out = args.out or Path("results") / f"sweep-{args.scenario.stem}"
    check_out_folder(out)
    each = bool(args.each or args.joiners is not None)
    sets = [batch.parse_set(text) for text in args.sets]
    _check_some_key(args)
    scenario = load_scenario(args.scenario)
    sets = _swept(args, scenario, sets)
    conflicts = _option_conflicts(args, [path for path, _ in sets])
    if conflicts:
        raise ScenarioError(conflicts)
    names = [m for item in (args.metrics or batch.DEFAULT_SWEEP_METRICS) for m in item.split(",") if m]
    if not names:
        raise ScenarioError([Problem("--metrics", (), "names no metric (leave it out for the default set)")])
    make_specs = batch.each_specs if each else batch.sweep_specs
    specs = make_specs(
        scenario, args.scenario, sets, trials=args.trials, seed=args.seed, keep_events=args.keep_events
    )
    table = batch.SweepTable(specs, names)
    if args.metrics:  # (the default metrics may be absent, e.g. payers of a perils-only book: a warning)
        batch.check_metrics(specs, table.metrics)
    with locked_store(out):
        return _run_and_tabulate(args, out, specs, table, each)


def _run_and_tabulate(args: argparse.Namespace, out: Path, specs: list[Any], table: Any, each: bool) -> int:
    """`sweep` of the planned `specs` once it holds the store's lock (`locked_store`): the batch, then its
    tables on stdout and in sweep.csv (and swing.csv, `each`)."""
    from riskmodel.store import SWEEP_FILE, SWING_FILE

    run_stored_batch(specs, out, args, table)
    for name in sorted(table.missing):
        print(f"warning: metric {name!r} is not in the results; its column is empty", file=sys.stderr)
    frame = table.frame()
    first = specs[0]
    trials = f"{first.trials:,} trials each" if len({s.trials for s in specs}) == 1 else "trials as swept"
    seed = f"seed {first.seed}" if len({s.seed for s in specs}) == 1 else "seeds as swept"
    metric_names = [m.name for m in table.metrics]
    view = sweep_view(frame, metric_names)
    if each:
        changed = [{p: table.shown(p, v) for p, v in s.overrides.items()} for s in specs]
        view = each_view(view, table.paths, changed)
    units = EACH_UNITS if each else UNITS
    print_frame(
        view.set_index("run"), f"{args.scenario.stem}: {len(specs)} points, {trials}, {seed} ({units})"
    )
    print(f"written: {write_csv(frame, out / SWEEP_FILE, index=False)}")
    if not each:
        _drop_stale_swing(out)
    if each:
        swing = table.swing()
        means = [m.name for m in table.metrics if m.kind == "mean"]
        order = f"largest {means[0]} swing first" if means else "no mean metric: no swing"
        print()
        print_frame(
            swing_view(swing, means, table.paths).set_index("key"),
            f"{args.scenario.stem}: {SWING_UNITS}; {order}",
        )
        print(f"written: {write_csv(swing, out / SWING_FILE, index=False)}")
        if args.joiners is not None:
            print(f"note: {JOINER_READING}")
    from riskmodel.metrics import DOMINANCE_MIN_TRIALS

    if min(s.trials for s in specs) < DOMINANCE_MIN_TRIALS:
        # (the note column is empty then whatever the trials hold: an underwriter found swings at 512
        # trials resting 60-70% on one trial, their order among states set by it)
        print(
            f"note: below {DOMINANCE_MIN_TRIALS:,} trials the note column does not say where one trial "
            "holds most of a difference's variance (it is not judged); run more trials before ranking "
            "points by their differences"
        )
    return 0
