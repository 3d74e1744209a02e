"""`riskmodel compare RUN_A RUN_B`: the difference A − B of every figure, with its standard error.

In: two run folders of the results store, or scenario files (run on the spot with the same seed and
trials, so they share common random numbers), or one of each. Out: a table on stdout of each figure's
annual mean in A and B, the difference, its paired (common-random-number) standard error and, for
contrast, the standard error the same difference would have with independent seeds; `--out FILE.csv`
writes the table. The work is `riskmodel.batch.load_or_run` and `riskmodel.results.compare`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from riskmodel.cli.run import (
    add_executor_options,
    comparison_view,
    executor_factory,
    positive_int,
    print_frame,
    seed_value,
    write_csv,
)

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `compare` command to the `riskmodel` sub-parsers; returns its parser."""
    p = subparsers.add_parser(
        "compare",
        help="compare two runs (or scenarios): differences with common-random-number standard errors",
        description="Compare run A with run B (A − B): each a run folder of the results store or a "
        "scenario file, which is run now with the same seed and trials.",
    )
    p.add_argument("run_a", type=Path, metavar="RUN_A", help="run folder or scenario file (the scenario)")
    p.add_argument("run_b", type=Path, metavar="RUN_B", help="run folder or scenario file (the baseline)")
    p.add_argument("--trials", type=positive_int, default=None, help="trials of scenario files run now")
    p.add_argument("--seed", type=seed_value, default=None, help="seed of scenario files run now")
    p.add_argument("--out", type=Path, default=None, metavar="FILE.csv", help="also write the table as CSV")
    add_executor_options(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel compare`; returns the exit code."""
    from riskmodel import batch
    from riskmodel.results import compare
    from riskmodel.scenario import Problem, ScenarioError

    a, b = batch.load_or_run(
        [args.run_a, args.run_b],
        executor_factory(args),
        trials=args.trials,
        seed=args.seed,
        chunk_trials=args.chunk_trials,
        progress=sys.stderr.isatty(),
    )
    if a.n_trials != b.n_trials:
        raise ScenarioError(
            [
                Problem(
                    f"{args.run_a} and {args.run_b}",
                    (),
                    f"have {a.n_trials:,} and {b.n_trials:,} trials: a paired comparison needs the same "
                    "trials (rerun one with --trials)",
                )
            ]
        )
    if a.seed != b.seed:
        print(
            f"warning: seeds differ ({a.seed} and {b.seed}): the runs do not share random numbers, so "
            "read the independent s.e.",
            file=sys.stderr,
        )
    table = compare(a, b).table()
    title = (
        f"{a.scenario_name} − {b.scenario_name}: {a.n_trials:,} trials, seed {a.seed} "
        "(a year; USD m unless a count)"
    )
    print_frame(comparison_view(table), title)
    if args.out is not None:
        print(f"written: {write_csv(table, args.out)}")
    return 0
