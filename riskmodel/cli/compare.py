"""`riskmodel compare RUN_A RUN_B`: the difference A − B of every figure, with its standard error.

In: two run folders of the results store, or scenario files (run on the spot with the same seed and
trials, so they share common random numbers), or one of each. Out: a table on stdout of each figure's
annual mean in A and B, the difference, its paired (common-random-number) standard error and, for
contrast, the standard error the same difference would have with independent seeds; `--out FILE.csv`
(or `FILE.parquet`; another suffix is refused) writes the table with each row's unit, z and p-value (the
declared table ``comparison``, docs/outputs.md). The work is `riskmodel.batch.load_or_run` and
`riskmodel.results.Comparison`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from riskmodel.cli.run import (
    add_executor_options,
    check_out_file,
    comparison_title,
    comparison_view,
    executor_factory,
    path_arg,
    print_frame,
    run_folder_error,
    seed_value,
    trial_count,
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
    p.add_argument("run_a", type=path_arg, metavar="RUN_A", help="run folder or scenario file (the scenario)")
    p.add_argument("run_b", type=path_arg, metavar="RUN_B", help="run folder or scenario file (the baseline)")
    p.add_argument("--trials", type=trial_count, default=None, help="trials of scenario files run now")
    p.add_argument("--seed", type=seed_value, default=None, help="seed of scenario files run now")
    p.add_argument(
        "--out",
        type=path_arg,
        default=None,
        metavar="FILE.csv|FILE.parquet",
        help="also write the table, as CSV or parquet by the name's suffix (another suffix is refused): the "
        "declared table `comparison`, docs/outputs.md",
    )
    add_executor_options(p)
    p.set_defaults(func=run)
    return p


#: Files `compare` refuses by their name: tables and other outputs, never a scenario (a scenario file may
#: have any name, as `run` reads it).
NOT_SCENARIO_SUFFIXES = (
    ".csv",
    ".tsv",
    ".xlsx",
    ".xlsm",
    ".xls",
    ".parquet",
    ".json",
    ".jsonl",
    ".npz",
    ".html",
)


def _run_folder_problems(paths: list[Path]) -> list[Any]:
    """Problems of the run folders among `paths` that are not finished runs: no manifest (a batch folder,
    an interrupted run) or an unreadable one; and of the files that are not scenario files by their name
    (a fleet list, a table of results: read as a scenario, the message would be about YAML)."""
    from riskmodel import store
    from riskmodel.scenario import Problem

    problems = []
    for p in paths:
        if p.is_file() and p.suffix.lower() in NOT_SCENARIO_SUFFIXES:
            problems.append(
                Problem(
                    str(p),
                    (),
                    f"is a {p.suffix.lower()} file, not a run folder or a scenario file; allowed: a run "
                    f"folder of the results store (a folder holding {store.MANIFEST}) or a scenario file "
                    "(YAML)",
                )
            )
        if not p.is_dir():
            continue
        try:
            store.load_manifest(p)
        except store.CorruptRunError as exc:
            problems.append(Problem(str(p), (), exc.reason))
        except store.IncompleteRunError as exc:
            runs = sorted(q.name for q in p.iterdir() if q.is_dir() and (q / store.MANIFEST).is_file())
            reason = (
                f"is a batch folder, not a run folder: give one of its runs ({', '.join(runs)})"
                if runs
                else exc.reason
            )
            problems.append(Problem(str(p), (), reason))
        else:
            # every file against the manifest's size and SHA-256, as `report` checks a batch's runs
            if (damage := store.damage_error(p)) is not None:
                problems.append(Problem(str(p), (), damage.reason))
    return problems


def _label(path: str | Path) -> str:
    """A run's column label: its run folder's name, or its scenario file's without the suffix."""
    p = Path(path)
    return p.resolve().name if p.is_dir() else p.stem


def _out_problems(out: Path, example: str) -> list[Any]:
    """Why `out` may not be `--out`'s table, or []: in a stored run's folder, or a batch's own file
    (`store.overwrite_problem`), checked first, so that a folder given is told a file name it may write
    (`example`, ``<a>_vs_<b>.csv``: not comparison.csv, a batch folder's own); a folder, a place that
    cannot be written, or a suffix other than .csv or .parquet."""
    from riskmodel import store
    from riskmodel.scenario import Problem, ScenarioError

    why = store.overwrite_problem(out, instead="a file outside the run folder")
    if why is not None:
        return [Problem(str(out), (), why)]
    try:
        check_out_file(out, example)
    except ScenarioError as exc:
        return list(exc.problems)
    if out.suffix.lower() not in (".csv", ".parquet"):
        return [
            Problem(
                str(out),
                (),
                f"--out takes a .csv (or .parquet) file name, e.g. {example}: the file is written in the "
                "format its suffix names",
            )
        ]
    return []


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel compare`; returns the exit code."""
    from riskmodel import batch, store
    from riskmodel.results import Comparison
    from riskmodel.scenario import Problem, ScenarioError

    problems = _run_folder_problems([args.run_a, args.run_b])
    given = [f"--{o.replace('_', '-')}" for o in ("trials", "seed", "chunk_trials") if getattr(args, o, None)]
    if given and all(Path(p).is_dir() for p in (args.run_a, args.run_b)):
        problems.append(
            Problem(
                f"{args.run_a} and {args.run_b}",
                (),
                f"are run folders, already computed: {' and '.join(given)} would not change them (they set "
                "the runs of scenario files compared now); leave them out, or rerun the batch",
            )
        )
    if args.out is not None:
        problems.extend(_out_problems(Path(args.out), f"{_label(args.run_a)}_vs_{_label(args.run_b)}.csv"))
    if problems:
        raise ScenarioError(problems)
    try:
        a, b = batch.load_or_run(
            [args.run_a, args.run_b],
            executor_factory(args),
            trials=args.trials,
            seed=args.seed,
            chunk_trials=args.chunk_trials,
            progress=sys.stderr.isatty(),
        )
    except store.IncompleteRunError as exc:  # a run folder whose results are missing or damaged
        raise run_folder_error(exc) from None
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
    comparison = Comparison(a, b)
    for message in comparison.mismatches():
        print(f"warning: {message}", file=sys.stderr)
    table = comparison.table()
    labels = (_label(args.run_a), _label(args.run_b))
    view = comparison_view(table, labels)
    name_a, name_b = view.columns[:2]  # (the runs as the columns name them, as `run`'s title does)
    print_frame(view, comparison_title((name_a, name_b), a.n_trials, a.seed))
    if args.out is not None:
        from riskmodel.tables import write_table

        # (the table declared as `comparison`, as `run` writes a batch's: the two runs named in each row)
        rows = table.reset_index().assign(scenario_run=labels[0], baseline_run=labels[1])
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        print(f"written: {write_table('comparison', rows, args.out)}")
    return 0
