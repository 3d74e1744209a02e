"""`riskmodel run`: run scenarios (files or folders of them) and their baselines into the results store.

In: scenario files and folders, trial count and seed overrides, where to run (in-process, a local process
pool, a Dask cluster), the store folder. Out: one folder per run under `--out` (docs/batch.md), a progress
line on stderr, and a summary on stdout: each scenario against its baseline (key differences with their
common-random-number standard errors). Rerunning skips runs already in the store and resumes a stopped
run from the chunks it kept. The work is
`riskmodel.batch`; this module only reads options and prints.

Also home of the options and printing shared by `compare` and `sweep`.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from riskmodel.display import error_texts, fixed, not_written_cells

__all__ = [
    "add_executor_options",
    "add_parser",
    "check_out_file",
    "check_out_folder",
    "comparison_title",
    "comparison_view",
    "creation_problem",
    "executor_factory",
    "locked_store",
    "path_arg",
    "positive_int",
    "print_frame",
    "replaced_note",
    "trial_count",
    "run",
    "run_folder_error",
    "scheduler_address",
    "seed_value",
    "write_csv",
]

_EPILOG = """\
examples:
  riskmodel run scenarios/ --trials 20000 --out results/main
  riskmodel run scenarios/rv_pool.yaml --workers 8 --keep-events
  riskmodel run scenarios/ --scheduler tcp://10.0.0.5:8786 --trials 1000000

A folder means every *.yaml and *.yml directly in it. Each scenario's baseline (its `baseline:`, else
its `extends:` parent) runs once per batch with the same trials and seed. Runs whose folder already holds
a manifest of the same scenario, seed and trials are skipped (--force recomputes them). See
docs/batch.md.
"""


# ------------------------------------------------------------------------------------ shared helpers
def positive_int(text: str) -> int:
    """An argparse type: a whole number ≥ 1 (``1_000_000`` and ``1e6`` accepted)."""
    try:
        value = float(text.replace("_", "")) if "e" in text.lower() else int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not math.isfinite(value):  # ('1e400' reads as infinity)
        raise argparse.ArgumentTypeError(f"too large for a number: {text!r}")
    if value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(value)


def trial_count(text: str) -> int:
    """An argparse type: a number of trials, 1 to the schema's `MAX_TRIALS` (``1e6`` accepted)."""
    from riskmodel.scenario.schema import MAX_TRIALS

    value = positive_int(text)
    if value > MAX_TRIALS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TRIALS:,} (simulation.trials), got {text!r}")
    return value


def worker_count(text: str) -> int:
    """An argparse type: local worker processes, 1 to `riskmodel.arguments.max_workers()`, the bound of
    the API's executors (`WORKERS_PER_CPU` per CPU: a process beyond the CPUs adds its memory and no speed,
    and a typo such as ``--workers 800`` would start hundreds of processes before the first chunk ends)."""
    from riskmodel.arguments import WORKERS_PER_CPU, max_workers

    value = positive_int(text)
    ceiling = max_workers()
    if value > ceiling:
        raise argparse.ArgumentTypeError(
            f"must be at most {ceiling} ({WORKERS_PER_CPU} per CPU of this machine, which has "
            f"{os.cpu_count() or 1}), got {text!r}"
        )
    return value


def seed_value(text: str) -> int:
    """An argparse type: a seed, a whole number from 0 to 2**63 − 1."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63 - 1, got {text!r}")
    return value


def _chunk_trials(text: str) -> int:
    """An argparse type: trials per work unit, a multiple of the random-number block up to the schema's
    `MAX_TRIALS` (as simulation.chunk_trials)."""
    value = positive_int(text)
    from riskmodel.scenario.schema import BLOCK_TRIALS, MAX_TRIALS

    if value > MAX_TRIALS:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_TRIALS:,} (simulation.chunk_trials), got {text!r}"
        )
    if value % BLOCK_TRIALS:
        raise argparse.ArgumentTypeError(
            f"must be a multiple of {BLOCK_TRIALS} (the random-number block), got {value}"
        )
    return value


def scheduler_address(text: str) -> str:
    """An argparse type: a Dask scheduler address such as ``tcp://10.0.0.5:8786`` or ``host:8786``, by the
    rule and in the words of the API's executor (`riskmodel.arguments.scheduler_address_problem`); not an
    in-process cluster's ``inproc://`` address, which only the process that made it can reach."""
    from riskmodel.arguments import scheduler_address_problem

    problem = scheduler_address_problem(text, in_process=False)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text.strip()


def path_arg(text: str) -> Path:
    """An argparse type: a path that is not empty. (`Path("")` is the current folder: an empty ``--out``
    would write there, an empty input path would read it.) argparse names the option in its message.

    >>> path_arg("results/main")
    PosixPath('results/main')
    """
    if not text.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: must be a path, not empty (write . for the current folder)"
        )
    return Path(text)


def creation_problem(anchor: Path) -> str | None:
    """Why nothing can be created in the existing folder `anchor`, in a few words (`strerror`), or None.

    Tried, not guessed: a folder is made in `anchor` and removed at once. (Permission bits do not tell,
    for root or on a read-only or virtual file system such as /proc.)
    """
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".riskmodel-probe-", dir=anchor))
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def _writable_problems(path: Path, option: str, what: str) -> list[Any]:
    """Why the folder `path` (to be created if missing) cannot hold `what`, as `Problem`s (none if it can)."""
    from riskmodel.scenario import Problem
    from riskmodel.tables import nearest_existing

    anchor = nearest_existing(path)
    if not anchor.is_dir():
        return [
            Problem(
                str(path),
                (),
                f"cannot be created: {anchor} is a file, not a folder; give another {option} for {what}",
            )
        ]
    if not os.access(anchor, os.W_OK | os.X_OK):
        return [
            Problem(
                str(path), (), f"cannot be written: no permission to write in {anchor}; give another {option}"
            )
        ]
    reason = creation_problem(anchor)
    if reason is not None:
        return [
            Problem(
                str(path),
                (),
                f"cannot be written: nothing can be created in {anchor} (the system answers: {reason}); "
                f"give another {option} for {what}, in a folder you can write to",
            )
        ]
    return []


def check_out_folder(path: Path, option: str = "--out") -> None:
    """Check, before any work, that the store folder `path` exists or can be created, and can be written,
    and is no stored run's folder nor in one, nor a batch's own file (`store.overwrite_problem`: the runs
    would be stored among that run's files; a batch folder is the store of its batch, where it resumes);
    raises `ScenarioError` (exit 2) saying what is wrong."""
    from riskmodel.scenario import Problem, ScenarioError
    from riskmodel.store import overwrite_problem

    what = "the results store"
    why = overwrite_problem(path, instead="another folder", option=option, resume=True)
    if why is not None:
        problems = [Problem(str(path), (), why)]
    elif path.exists() and not path.is_dir():
        problems = [
            Problem(
                str(path),
                (),
                f"is a file, not a folder: {option} names the folder of {what}; give another folder "
                "or remove the file",
            )
        ]
    else:
        problems = _writable_problems(path, option, what)
    if problems:
        raise ScenarioError(problems)


def check_out_file(path: Path, example: str, option: str = "--out") -> None:
    """Check, before any work, that the output file `path` can be written (its folder exists or can be
    created, and is writable; `path` is not a folder); raises `ScenarioError` (exit 2) saying what is
    wrong. `example` is a file name suggested when `path` is a folder."""
    from riskmodel.scenario import Problem, ScenarioError

    if path.is_dir():
        problems = [Problem(str(path), (), f"is a folder: {option} takes a file name, e.g. {path / example}")]
    else:
        problems = _writable_problems(path.parent, option, str(path.name))
    if problems:
        raise ScenarioError(problems)


def replaced_note(out: Path, existing: list[Path]) -> str | None:
    """The note of a command that writes its tables into the folder `out` (`apply-terms`, `screen`) when
    files of their names were there (`existing`, listed before writing): they are written over, as the
    command's help says, and the note says which, so that nothing is replaced without a word. None when
    nothing was there.

    >>> replaced_note(Path("out"), [Path("out/ylt.csv"), Path("out/plt.csv")]).split(" (")[0]
    'note: out: replaced the ylt.csv and plt.csv that were there'
    """
    if not existing:
        return None
    names = [p.name for p in existing]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    that = "that was" if len(names) == 1 else "that were"
    return (
        f"note: {out}: replaced the {listed} {that} there (a folder's tables of these names are written "
        "over; give another --out to keep them)"
    )


def run_folder_error(exc: Exception) -> Exception:
    """A `ScenarioError` (exit 2) for an unfinished or corrupt run folder of the store
    (`riskmodel.store.IncompleteRunError`): the folder, what is wrong with it and what to do."""
    from riskmodel.scenario import Problem, ScenarioError

    run_dir = getattr(exc, "run_dir", None)
    reason = getattr(exc, "reason", None)
    if run_dir is None or reason is None:
        return ScenarioError([Problem(None, (), str(exc))])
    return ScenarioError([Problem(str(run_dir), (), str(reason))])


@contextlib.contextmanager
def locked_store(out: Path) -> Iterator[None]:
    """Hold the lock of the store folder `out` (`store.store_lock`) for the rest of a command that writes
    runs or a batch's own files there (`run`, `sweep`): from before its batch to its last table, so that
    another command into `out` neither computes beside it nor writes its tables from this one's runs. A
    folder another command holds, or whose lock cannot be taken, is a `ScenarioError` (exit 2) naming the
    holder or the cause and what to do; a lock taken over from a process that ended without freeing it
    (killed) is said on stderr."""
    from riskmodel import store
    from riskmodel.scenario import Problem, ScenarioError

    try:
        with store.store_lock(out, say=lambda message: print(f"note: {message}", file=sys.stderr)):
            yield
    except store.StoreLockedError as exc:
        raise ScenarioError([Problem(str(exc.folder), (), exc.reason)]) from None


def run_stored_batch(specs: list[Any], out: Path, args: argparse.Namespace, on_results: Any) -> list[Any]:
    """`batch.run_batch` with the command's executor, chunking and --force, a progress line on a terminal;
    a stored run that reads back damaged becomes the command's error. The runs' model notes (a contract
    that cedes nothing or earns no premium in a scenario, ...) are printed to stderr at the end, each once
    with the runs it concerns (they are also in each run's summary.md and manifest)."""
    from riskmodel import batch, store

    notes: dict[str, list[str]] = {}

    def collect(spec: Any, results: Any) -> None:
        for note in results.notes:
            notes.setdefault(note, []).append(spec.name)
        on_results(spec, results)

    try:
        outcomes = batch.run_batch(
            specs,
            out,
            executor_factory(args),
            force=args.force,
            chunk_trials=args.chunk_trials,
            progress=sys.stderr.isatty(),
            on_results=collect,
        )
    except store.IncompleteRunError as exc:  # a run in the store that reads back damaged
        raise run_folder_error(exc) from None
    except KeyboardInterrupt:  # (Ctrl-C or SIGTERM: the command's exit code follows)
        # (--force again would recompute what this command saved and throw its chunks away)
        again = "again without --force" if args.force else "again"
        print(
            f"stopped: the runs saved and the chunks received so far are kept in {out}; "
            f"run the same command {again} to resume",
            file=sys.stderr,
        )
        raise
    for note, runs in notes.items():
        print(f"note: {', '.join(runs)}: {note}", file=sys.stderr)
    return outcomes


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """`--workers`, `--scheduler`, `--dask-local` and `--chunk-trials`."""
    g = parser.add_argument_group("where to run (results are identical on every executor)")
    where = g.add_mutually_exclusive_group()  # (one executor: --workers would be ignored on Dask)
    where.add_argument(
        "--workers",
        type=worker_count,
        default=None,
        metavar="K",
        help="local worker processes, at most 4 per CPU (default: one per CPU; 1 runs in this process)",
    )
    where.add_argument(
        "--scheduler",
        type=scheduler_address,
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster at [tcp://]HOST:PORT, e.g. tcp://host:8786",
    )
    where.add_argument(
        "--dask-local", type=worker_count, default=None, metavar="N", help="start a local Dask cluster of N"
    )
    g.add_argument(
        "--chunk-trials",
        type=_chunk_trials,
        default=None,
        metavar="T",
        help="trials per work unit, a multiple of 4096 (default: the scenario's simulation.chunk_trials)",
    )


def executor_factory(args: argparse.Namespace) -> Callable[[], Any]:
    """A function that starts the executor the options ask for (called only when there is work)."""

    def start() -> Any:
        from riskmodel.engine.executors import make_executor

        if args.scheduler or args.dask_local:
            try:
                import dask.distributed  # noqa: F401
            except ImportError:
                raise RuntimeError(
                    "Dask is not installed: pip install 'riskmodel[dask]' (here and on every worker)"
                ) from None
        return make_executor(args.workers, args.scheduler, args.dask_local)

    return start


def _number(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return fixed(v)
    return str(v)


def print_frame(df: Any, title: str = "", file: Any = None) -> None:
    """Print a frame as an aligned plain-text table (numbers to 3 decimals, thousands separated)."""
    out = file or sys.stdout
    if title:
        print(title, file=out)
    text = df.to_string(formatters={c: _number for c in df.columns}) if len(df) else "(no rows)"
    print(text, file=out)
    print(file=out)


def write_csv(df: Any, path: str | Path, index: bool = True) -> Path:
    """Write a frame as CSV atomically (temporary name, then rename)."""
    from riskmodel.store import atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda f: f.write(df.to_csv(index=index).encode()))


def comparison_title(names: tuple[str, str], trials: int, seed: int) -> str:
    """The title of a comparison printed in the terminal (`run`'s and `compare`'s): the two runs, their
    trials and seed, and the units and bases of its rows (`results.COMPARISON_BASIS`, the caption of
    `Comparison.table` and of the report's table)."""
    from riskmodel.results import COMPARISON_BASIS

    return (
        f"{names[0]} − {names[1]}: {trials:,} trials, seed {seed} ({COMPARISON_BASIS}; s.e. with common "
        "random numbers and, for contrast, independent)"
    )


def comparison_view(table: Any, names: tuple[str, str] | None = None) -> Any:
    """A comparison table with short column names for the terminal: the columns a reader is shown
    (`results.COMPARISON_SHOWN`), the two runs' named by their `names` (scenario, comparator:
    ``("spill_stress", "rv_pool")``, not "scenario" and "baseline": the comparator need not be the batch's
    baseline); two equal names become ``A: name`` and ``B: name``. The standard errors are written by
    `display.fixed_error`: one too small to show is "<0.0005", not 0.000, which is kept for a difference
    the same in every trial; one that rests on one trial has the table's ``note`` beside it. A contract
    one run's portfolio lacks reads "not written" in that run's column
    (``attrs["not_written"]`` of `Comparison.table`; the frame counts it 0)."""
    from riskmodel.results import COMPARISON_SHOWN

    notes = table.get("note")
    table = table[list(COMPARISON_SHOWN)]
    a, b = names or ("scenario", "baseline")
    if a == b:
        a, b = f"A: {a}", f"B: {b}"
    # an error is float noise against the larger of the row's figures (two equal premiums' difference is
    # 0, its independent error the noise of each run's mean), not only against the difference
    level = table[["scenario", "baseline", "difference"]].abs().max(axis=1)
    errors = {c: error_texts(table[c], level) for c in ("standard_error", "independent_standard_error")}
    if notes is not None:  # an error that rests on one trial says so beside it
        errors["standard_error"] = [
            f"{e} ({n})" if n else e for e, n in zip(errors["standard_error"], notes, strict=True)
        ]
    table = table.assign(**errors)
    if any(table.attrs.get("not_written", {}).values()):
        table = not_written_cells(table)
    return table.rename(
        columns={
            "scenario": a,
            "baseline": b,
            "standard_error": "CRN s.e.",
            "independent_standard_error": "indep. s.e.",
        }
    )


# ------------------------------------------------------------------------------------------- command
def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `run` command to the `riskmodel` sub-parsers; returns its parser."""
    p = subparsers.add_parser(
        "run",
        help="run scenarios and their baselines into the results store",
        description="Run each scenario (a file, or every *.yaml and *.yml in a folder) and its baseline, "
        "write one folder per run under --out, and print each scenario against its baseline. Runs already "
        "in the store are skipped; a batch stopped part-way resumes from the chunks it had received.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenarios", nargs="+", type=path_arg, metavar="SCENARIO_OR_DIR")
    p.add_argument(
        "--trials", type=trial_count, default=None, help="trials per run (default: the scenario's)"
    )
    p.add_argument(
        "--seed", type=seed_value, default=None, help="seed of every run (default: the scenario's)"
    )
    p.add_argument(
        "--out", type=path_arg, default=Path("results"), help="results store folder (default results/)"
    )
    p.add_argument("--keep-events", action="store_true", help="also keep the event loss table (elt.parquet)")
    p.add_argument("--report", action="store_true", help="write the batch's HTML report (report.html)")
    p.add_argument(
        "--force",
        action="store_true",
        help="recompute runs already in the store (and drop kept chunks); needed to replace the run of "
        "another scenario file of the same name",
    )
    add_executor_options(p)
    p.set_defaults(func=run)
    return p


def _headline(results: Any, manifest: Any) -> Any:
    """The rows of a run's summary printed after it (the portfolio's and the payers'), as summary.md has
    them (`store.summary_cells`: "<0.0005" for an error too small to show, a full-limit 1-in-200 in
    words)."""
    from riskmodel.store import summary_cells

    s = summary_cells(results, manifest)
    keep = [f for f in s.index if f.startswith(("portfolio:", "payer uncompensated", "payer peril:"))]
    return s.loc[keep, ["unit", "mean", "standard_error"]].rename(columns={"standard_error": "s.e."})


def _write_report(out: Path) -> None:
    """The batch's HTML page (every run in `out`, each against its baseline), when the module exists."""
    try:
        from riskmodel.report import write_report
    except ModuleNotFoundError as exc:
        if exc.name != "riskmodel.report":
            raise
        print("--report: riskmodel.report is not available; no report written", file=sys.stderr)
        return
    print(f"report: {write_report(out)}")


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel run`; returns the exit code."""
    from riskmodel import batch

    check_out_folder(Path(args.out))
    specs = batch.plan_runs(args.scenarios, trials=args.trials, seed=args.seed, keep_events=args.keep_events)
    with locked_store(Path(args.out)):
        return _run_planned(args, specs)


def _run_planned(args: argparse.Namespace, specs: list[Any]) -> int:
    """`run` of the planned `specs` once it holds the store's lock (`locked_store`): the batch, then what
    it prints and writes beside its runs (comparison.csv, report.html)."""
    from riskmodel import batch

    comparisons = batch.BaselineComparisons(specs)
    headlines: dict[str, Any] = {}

    def collect(spec: batch.RunSpec, results: Any) -> None:
        comparisons(spec, results)
        if spec.baseline is None:
            from riskmodel.store import load_manifest

            headlines[spec.name] = (spec, _headline(results, load_manifest(Path(args.out) / spec.name)))

    outcomes = run_stored_batch(specs, args.out, args, collect)
    computed = sum(o.status == "computed" for o in outcomes)
    runs = f"{len(outcomes)} run{'s' if len(outcomes) != 1 else ''}"
    print(f"{runs} in {args.out}: {computed} computed, {len(outcomes) - computed} up to date.\n")
    from riskmodel.results import BASIS

    for name, (spec, table) in headlines.items():
        print_frame(
            table,
            f"{name}: {spec.trials:,} trials, seed {spec.seed} (annual means with their s.e.; the 1-in-200 "
            f"annual loss in its worst policy year, and with the policy years pooled; {BASIS})",
        )
    for (name, base), table in comparisons.tables.items():
        for message in comparisons.mismatches.get((name, base), []):
            print(f"warning: {name} − {base}: {message}", file=sys.stderr)
        spec = next(s for s in specs if s.name == name)
        title = comparison_title((name, base), spec.trials, spec.seed)
        print_frame(comparison_view(batch.key_deltas(table), (name, base)), title)
    if comparisons.tables:
        from riskmodel.store import COMPARISON_FILE
        from riskmodel.tables import write_table

        path = write_table("comparison", comparisons.frame(), Path(args.out) / COMPARISON_FILE)
        print(f"every comparison figure: {path}")
    if args.report:
        _write_report(Path(args.out))
    return 0
