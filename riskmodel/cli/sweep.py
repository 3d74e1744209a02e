"""`riskmodel sweep SCENARIO --set PATH=V1,V2 ...`: run a grid of variants of one scenario.

In: a scenario file, one `--set` per swept key (a dotted path into the resolved scenario and its values),
the metrics to tabulate. Out: one run folder per grid point under `--out` (resumable, like `run`), and
one table, on stdout and in `--out/sweep.csv`: a row per grid point with the swept values, each metric
and its standard error, and its difference from the first point with the common-random-number standard
error (every point runs with the same seed). Invalid paths or values: exit 2 with the validation
messages, before anything runs. The work is `riskmodel.batch.sweep_specs` and `SweepTable`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from riskmodel.cli.run import (
    add_executor_options,
    executor_factory,
    positive_int,
    print_frame,
    seed_value,
    write_csv,
)

__all__ = ["add_parser", "run"]

_EPILOG = """\
examples:
  riskmodel sweep scenarios/rv_pool.yaml --set schemes.rv_pool.capital_usd_m=500,1000,2000
  riskmodel sweep scenarios/rv_pool.yaml --set schemes.rv_pool.candidates.IRN.p_join=0.2,0.6 \\
      --set schemes.rv_pool.capital_usd_m=500,2000 --metrics aal var99.5 payer:uncompensated

metrics: aal, premium, result (premium - loss), varP and tvarP (P in percent, of the mean annual loss),
each optionally :CONTRACT (default the portfolio); payer:COLUMN (mean annual amount paid); or any
per-year statistic of the results (spills_7t, detentions, base:ig_gxl_premium, ...).
"""


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
    p.add_argument("scenario", type=Path, metavar="SCENARIO")
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
        "--trials", type=positive_int, default=None, help="trials per point (default: the scenario's)"
    )
    p.add_argument(
        "--seed", type=seed_value, default=None, help="seed of every point (default: the scenario's)"
    )
    p.add_argument("--out", type=Path, default=None, help="store folder (default results/sweep-<scenario>)")
    p.add_argument("--keep-events", action="store_true", help="also keep each point's event loss table")
    p.add_argument("--force", action="store_true", help="recompute points already in the store")
    add_executor_options(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel sweep`; returns the exit code."""
    from riskmodel import batch
    from riskmodel.scenario import Problem, ScenarioError, load_scenario

    if not args.scenario.is_file():
        raise ScenarioError([Problem(str(args.scenario), (), "no such scenario file")])
    scenario = load_scenario(args.scenario)
    sets = [batch.parse_set(text) for text in args.sets]
    names = [m for item in (args.metrics or batch.DEFAULT_SWEEP_METRICS) for m in item.split(",") if m]
    specs = batch.sweep_specs(
        scenario, args.scenario, sets, trials=args.trials, seed=args.seed, keep_events=args.keep_events
    )
    table = batch.SweepTable(specs, names)
    out = args.out or Path("results") / f"sweep-{args.scenario.stem}"
    batch.run_batch(
        specs,
        out,
        executor_factory(args),
        force=args.force,
        chunk_trials=args.chunk_trials,
        progress=sys.stderr.isatty(),
        on_results=table,
    )
    for name in sorted(table.missing):
        print(f"warning: metric {name!r} is not in the results; its column is empty", file=sys.stderr)
    frame = table.frame()
    first = specs[0]
    print_frame(
        frame.set_index("run"),
        f"{args.scenario.stem}: {len(specs)} points, {first.trials:,} trials each, seed {first.seed} "
        "(a year; _delta = difference from the first point, with its CRN s.e.)",
    )
    print(f"written: {write_csv(frame, out / 'sweep.csv', index=False)}")
    return 0
