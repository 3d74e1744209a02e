"""`riskmodel report RUN_DIR`: write the self-contained HTML report of a batch or of one run.

A thin layer over `riskmodel.report.write_report`: prints the path of the page written. Exit 0 on
success; 2 when the folder holds no finished run (the message says what to run first), when a run folder
cannot be read (the message names the folder and the file), or when `--out` cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_NO_RUNS = 2


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `report` command to an argparse sub-parser set; returns its parser."""
    parser = subparsers.add_parser(
        "report",
        help="write one self-contained HTML page of tables and figures for a batch or a run",
        description="Write report.html for RUN_DIR: a batch output folder of `riskmodel run` (every "
        "scenario in it, each compared with its baseline) or one scenario's run folder. The page embeds "
        "its figures and styles: it opens offline and can be mailed as one file.",
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="batch output folder or run folder")
    parser.add_argument(
        "--out", type=Path, default=None, help="the HTML file to write (default RUN_DIR/report.html)"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel report`; returns the exit code."""
    from riskmodel.cli.run import check_out_file
    from riskmodel.report import REPORT_FILE, NoRunsError, write_report
    from riskmodel.scenario import ScenarioError
    from riskmodel.store import IncompleteRunError

    target = args.out if args.out is not None else args.run_dir / REPORT_FILE
    if args.out is not None or args.run_dir.is_dir():
        try:
            check_out_file(target, REPORT_FILE)
        except ScenarioError as exc:
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            return EXIT_NO_RUNS
    try:
        if args.out is not None and args.run_dir.is_dir():
            args.out.parent.mkdir(parents=True, exist_ok=True)
        path = write_report(args.run_dir, args.out)
    except (NoRunsError, IncompleteRunError) as exc:  # no finished run; an unreadable or damaged one
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_RUNS
    print(path)
    return EXIT_OK
