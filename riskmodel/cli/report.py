"""`riskmodel report RUN_DIR`: write the self-contained HTML report of a batch or of one run.

A thin layer over `riskmodel.report.write_report`: prints the path of the page written, and a warning
on stderr for each run whose baseline run is not in the folder (the page shows "–" for its comparison:
no comparison, which a reader must not take for no difference). Exit 0 on success (with or without
such warnings); 2 when the folder holds no finished run (the message says what to run first), when a
run folder cannot be read (the message names the folder and the file), or when `--out` cannot be written,
is not an .html (.htm) name, lies in a stored run's folder (whose files it would change), or is a batch's
own file (`store.BATCH_FILES`): but for the ``report.html`` of the folder reported, where the page goes
by default (a run's page, not in another run's folder nor over its batch's page). Runs a batch's page
leaves out (unfinished or damaged) are named on stderr too, as the page names them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from riskmodel.cli.run import path_arg

EXIT_OK = 0
EXIT_NO_RUNS = 2
#: What `--out` may end in: the report is an HTML page.
HTML_SUFFIXES = (".html", ".htm")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `report` command to an argparse sub-parser set; returns its parser."""
    parser = subparsers.add_parser(
        "report",
        help="write one self-contained HTML page of tables and figures for a batch or a run",
        description="Write report.html for RUN_DIR: a batch output folder of `riskmodel run` (every "
        "scenario in it, each compared with its baseline) or one scenario's run folder. The page embeds "
        "its figures and styles: it opens offline and can be mailed as one file.",
    )
    parser.add_argument("run_dir", type=path_arg, metavar="RUN_DIR", help="batch output folder or run folder")
    parser.add_argument(
        "--out",
        type=path_arg,
        default=None,
        metavar="FILE.html",
        help="the HTML file to write, .html or .htm (default RUN_DIR/report.html); not in a stored run's "
        "folder nor a batch's report.html, but for RUN_DIR/report.html",
    )
    parser.set_defaults(func=run)
    return parser


def no_run_there(folder: Path) -> str:
    """Why a run expected at `folder` is not there, in a few words: no such folder, a file in its place, an
    empty folder, or a folder of other files (`report.holds_run_files`: without a run's manifest, results
    or arrays, nor a stopped batch's chunks). The warning said "no folder" of a folder that was there,
    empty."""
    from riskmodel.checkpoints import CHUNKS
    from riskmodel.store import ARRAYS, MANIFEST, METADATA

    if folder.is_dir():
        if not any(folder.iterdir()):
            return f"the folder {folder} is empty"
        return f"the folder {folder} holds no run: no {MANIFEST}, {METADATA}, {ARRAYS} or {CHUNKS}/"
    if folder.exists():
        return f"{folder} is a file, not a run folder"
    return f"no folder {folder}"


def left_out(run_dir: Path, finished: list[Path], unfinished: list[tuple[Path, str]]) -> list[str]:
    """Warnings, one per run the report of `run_dir` leaves out (`unfinished`, as `report.find_runs` gives
    them: interrupted, damaged, of another store format), with the reason the page gives for it ("Runs
    left out"), so that a report printed without a word is one of every run."""
    store_dir = run_dir.parent if finished[:1] == [run_dir] else run_dir
    return [
        f"warning: {store_dir}: run left out of the report: {folder.name} ({why}); rerun the batch into "
        f"{store_dir} to redo it"
        for folder, why in unfinished
    ]


def missing_baselines(run_dir: Path, finished: list[Path], unfinished: list[tuple[Path, str]]) -> list[str]:
    """Warnings, one per run of the report of `run_dir` (a batch folder, or one run folder; `finished`
    and `unfinished` its runs, as `report.find_runs` gives them) whose manifest names a baseline run
    (`report.named_baseline`) that is not among the finished runs: the folder is gone or holds no run
    (`no_run_there`), or the run is unfinished or damaged. The page compares that run with nothing, and
    says so: a warning here for each such sentence of the page.
    """
    from riskmodel.report import named_baseline
    from riskmodel.store import read_manifest

    store_dir = run_dir.parent if finished[:1] == [run_dir] else run_dir
    shown = {p.name for p in finished}
    left_out = {p.name: why for p, why in unfinished}
    out = []
    for folder in finished:
        base = named_baseline(read_manifest(folder) or {})
        if base is None or base == folder.name or base in shown:
            continue
        why = left_out.get(base)
        state = f"unfinished or damaged: {why}" if why else no_run_there(store_dir / base)
        out.append(
            f"warning: {store_dir}: {folder.name} is compared with no baseline: its baseline run {base!r} "
            f"is missing ({state}); the report shows '–' where the difference would be (no comparison, "
            f"not no difference); rerun the batch into {store_dir} to restore {base!r}"
        )
    return out


def _page_name(folder: Path, own: Path) -> str:
    """The file name suggested for a `folder` given as ``--out`` (`own` the report.html of the folder
    reported): ``report.html``, unless that is a page it may not replace there (the batch's, when one run
    is reported), then ``<run>_report.html``."""
    from riskmodel.store import REPORT_FILE, overwrite_problem

    if overwrite_problem(folder / REPORT_FILE, allowed=own) is None:
        return REPORT_FILE
    return f"{own.parent.name}_{REPORT_FILE}"


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel report`; returns the exit code."""
    from riskmodel.cli.run import check_out_file
    from riskmodel.report import REPORT_FILE, NoRunsError, find_runs, write_report
    from riskmodel.scenario import ScenarioError
    from riskmodel.store import IncompleteRunError, overwrite_problem

    args.run_dir = args.run_dir.absolute()  # (`report .` in a run folder: its parent holds the batch)
    own = args.run_dir / REPORT_FILE  # (the one report.html it may write: the folder reported's)
    target = args.out if args.out is not None else own
    if args.out is not None or args.run_dir.is_dir():
        # (where it may not write first, so that a folder given as --out is told a file name it may write:
        # the run folder reported is told its own report.html, another run's is refused as a run folder)
        why = overwrite_problem(target, instead="a file outside the run folder", allowed=own)
        if why is not None and target.resolve() != args.run_dir.resolve():
            print(f"error: {target}: {why}", file=sys.stderr)
            return EXIT_NO_RUNS
        try:
            check_out_file(target, _page_name(target, own))
        except ScenarioError as exc:
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            return EXIT_NO_RUNS
        if target.suffix.lower() not in HTML_SUFFIXES:
            print(
                f"error: {target}: --out takes an .html (or .htm) file name, e.g. {REPORT_FILE}: the report "
                "is an HTML page",
                file=sys.stderr,
            )
            return EXIT_NO_RUNS
    try:
        if args.out is not None and args.run_dir.is_dir():
            args.out.parent.mkdir(parents=True, exist_ok=True)
        found = find_runs(args.run_dir)  # (every run's files checked against their digests: once)
        path = write_report(args.run_dir, args.out, found=found)
    except (NoRunsError, IncompleteRunError) as exc:  # no finished run; an unreadable or damaged one
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_RUNS
    for warning in [*left_out(args.run_dir, *found), *missing_baselines(args.run_dir, *found)]:
        print(warning, file=sys.stderr)
    print(path)
    return EXIT_OK
