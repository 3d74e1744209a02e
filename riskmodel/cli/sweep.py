"""`riskmodel sweep SCENARIO --set PATH=V1,V2 ...`: run a grid of variants of one scenario.

In: a scenario file, one `--set` per swept key (a dotted path into the resolved scenario and its values),
the metrics to tabulate. Out: one run folder per grid point under `--out` (resumable, like `run`), and
one table, on stdout and in `--out/sweep.csv`: a row per grid point with the swept values, each metric
and its standard error, and its difference from the first point with the common-random-number standard
error (every point runs with the same seed). The terminal writes the errors as every table a person reads
does ("∞", "–", "<0.0005": `sweep_view`); the CSV keeps the numbers. A contract metric's column names its
contract, the portfolio's too (``aal:portfolio``), so that the CSV says whose figure it is. Invalid paths,
values, metrics or `--out`: exit 2 with the validation messages, before anything runs (metric names are
checked on a few trials of the first point). The work is `riskmodel.batch.sweep_specs` and `SweepTable`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from riskmodel.cli.run import (
    add_executor_options,
    check_out_folder,
    path_arg,
    print_frame,
    run_stored_batch,
    seed_value,
    trial_count,
    write_csv,
)

__all__ = ["add_parser", "run", "sweep_view"]

_EPILOG = """\
examples:
  riskmodel sweep scenarios/rv_pool.yaml --set schemes.rv_pool.capital_usd_m=500,1000,2000
  riskmodel sweep scenarios/rv_pool.yaml --set schemes.rv_pool.candidates.IRN.p_join=0.2,0.6 \\
      --set schemes.rv_pool.capital_usd_m=500,2000 --metrics aal var99.5 payer:uncompensated

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
        required=True,
        metavar="PATH=V1,V2,...",
        help="a dotted key path of the scenario and the values to sweep (repeat for a grid)",
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
    quantile's year of neither) "–", as the report writes one; `sweep.csv` keeps the numbers. A
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
    return view


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel sweep`; returns the exit code."""
    from riskmodel import batch
    from riskmodel.scenario import Problem, ScenarioError, load_scenario
    from riskmodel.store import SWEEP_FILE

    if not args.scenario.is_file():
        raise ScenarioError([Problem(str(args.scenario), (), _not_a_scenario_file(args.scenario))])
    out = args.out or Path("results") / f"sweep-{args.scenario.stem}"
    check_out_folder(out)
    scenario = load_scenario(args.scenario)
    sets = [batch.parse_set(text) for text in args.sets]
    conflicts = _option_conflicts(args, [path for path, _ in sets])
    if conflicts:
        raise ScenarioError(conflicts)
    names = [m for item in (args.metrics or batch.DEFAULT_SWEEP_METRICS) for m in item.split(",") if m]
    if not names:
        raise ScenarioError([Problem("--metrics", (), "names no metric (leave it out for the default set)")])
    specs = batch.sweep_specs(
        scenario, args.scenario, sets, trials=args.trials, seed=args.seed, keep_events=args.keep_events
    )
    table = batch.SweepTable(specs, names)
    if args.metrics:  # (the default metrics may be absent, e.g. payers of a perils-only book: a warning)
        batch.check_metrics(specs, table.metrics)
    run_stored_batch(specs, out, args, table)
    for name in sorted(table.missing):
        print(f"warning: metric {name!r} is not in the results; its column is empty", file=sys.stderr)
    frame = table.frame()
    first = specs[0]
    trials = f"{first.trials:,} trials each" if len({s.trials for s in specs}) == 1 else "trials as swept"
    seed = f"seed {first.seed}" if len({s.seed for s in specs}) == 1 else "seeds as swept"
    view = sweep_view(frame, [m.name for m in table.metrics])
    print_frame(
        view.set_index("run"), f"{args.scenario.stem}: {len(specs)} points, {trials}, {seed} ({UNITS})"
    )
    print(f"written: {write_csv(frame, out / SWEEP_FILE, index=False)}")
    return 0
