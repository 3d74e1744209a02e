"""`riskmodel screen`: screen a fleet list against sanctions lists and write the exposure report.

A thin layer over `riskmodel.screening`: reads the files, calls `screen`, writes the tables to `--out`
and prints the headline exposure. Exit 0 on success; 2 on invalid input, with every problem listed
(file, row, column, value, what is allowed) and no traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from riskmodel.cli.run import creation_problem, path_arg, replaced_note
from riskmodel.screening import ScreeningResult, read_fleet, read_lists, screen
from riskmodel.screening.fleet import (
    FIRST_AS_OF,
    ISO_DATE,
    LAST_AS_OF,
    InputRowsError,
    default_world,
    parse_iso_date,
)
from riskmodel.screening.screen import (
    EXPOSURE_CATEGORIES,
    FLAG_CHANGE_WINDOW_ALLOWED,
    FLAG_CHANGE_WINDOW_DAYS,
    MAX_FLAG_CHANGE_WINDOW_DAYS,
    REGIME_CATEGORIES,
    RISK_REASONS,
    TABLES,
    output_dir_problem,
    stored_run_problem,
)
from riskmodel.tables import nearest_existing

EXIT_OK = 0
EXIT_INVALID_INPUT = 2
#: The headline categories: the exposure categories (in their order, the order an underwriter reads them:
#: designations by IMO, then by regime, indented; by name only; by name and flag with another IMO,
#: probably another ship; designated insurers, then low-confidence insurer matches; at-risk profiles, then
#: by reason, indented) but the book, printed first, and `any_concern`.
_HEADLINE = tuple(c for c in EXPOSURE_CATEGORIES if c not in ("book", "any_concern"))
_INDENTED = frozenset({*REGIME_CATEGORIES, *RISK_REASONS})


def _date(text: str) -> dt.date:
    allowed = f"allowed: a date YYYY-MM-DD from {FIRST_AS_OF.isoformat()} to {LAST_AS_OF.isoformat()}"
    try:
        date = parse_iso_date(text)
    except ValueError:
        what = "no such day" if ISO_DATE.fullmatch(text) else "not a date"
        raise argparse.ArgumentTypeError(f"{what}: {text!r}; {allowed}") from None
    if not FIRST_AS_OF <= date <= LAST_AS_OF:
        raise argparse.ArgumentTypeError(
            f"screening date {text} out of range (fleet lists hold vessels built from {FIRST_AS_OF.year}); "
            f"{allowed}"
        )
    return date


def _window_days(text: str) -> int:
    """An argparse type: the flag-change window, a whole number of days from 1 to 36,500."""
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(
            f"not a number of days: {text!r}; allowed: {FLAG_CHANGE_WINDOW_ALLOWED}"
        )
    if days > MAX_FLAG_CHANGE_WINDOW_DAYS:
        raise argparse.ArgumentTypeError(
            f"{text} days is out of range; allowed: {FLAG_CHANGE_WINDOW_ALLOWED}"
        )
    return days


def _out_dir(text: str) -> Path:
    """An argparse type: the output folder, not empty (the current folder is ``.``), that is or can be made
    a folder, that can be written, and that is no stored run's folder nor in one (`stored_run_problem`:
    the tables would be written among the run's files)."""
    path = path_arg(text)
    problem = output_dir_problem(path) or stored_run_problem(path)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    reason = creation_problem(nearest_existing(path))
    if reason is not None:
        raise argparse.ArgumentTypeError(
            f"{path}: cannot be written: nothing can be created in {nearest_existing(path)} (the system "
            f"answers: {reason}); allowed: a folder you can write to for the output tables (created if "
            "missing)"
        )
    return path


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `screen` command to an argparse sub-parser set; returns its parser."""
    parser = subparsers.add_parser(
        "screen",
        help="screen a fleet list against sanctions lists and report the exposure",
        description="Screen a fleet list (CSV or Excel) against sanctions lists read from local files and "
        "write vessels.csv, matches.csv, exposure.csv and list_problems.csv. See docs/screening.md.",
    )
    parser.add_argument("--fleet", required=True, type=path_arg, help="fleet list (.csv or .xlsx)")
    parser.add_argument(
        "--lists",
        required=True,
        nargs="+",
        type=path_arg,
        help="vessel lists: simple CSV or OpenSanctions JSON lines",
    )
    parser.add_argument(
        "--insurers",
        nargs="+",
        type=path_arg,
        default=[],
        help="designated insurers (.csv with a name column, or .txt)",
    )
    parser.add_argument(
        "--out", required=True, type=_out_dir, help="folder for the output tables (created if missing)"
    )
    parser.add_argument(
        "--as-of",
        type=_date,
        default=None,
        help=f"screening date, YYYY-MM-DD from {FIRST_AS_OF.isoformat()} (default today)",
    )
    parser.add_argument(
        "--flag-change-days",
        type=_window_days,
        default=FLAG_CHANGE_WINDOW_DAYS,
        help="a flag change this many days before the screening date or later is an at-risk profile; "
        f"{FLAG_CHANGE_WINDOW_ALLOWED} (default {FLAG_CHANGE_WINDOW_DAYS})",
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run `riskmodel screen`; returns the exit code."""
    as_of = args.as_of or dt.date.today()
    try:
        world = default_world()
        fleet = read_fleet(args.fleet, world=world, current_year=as_of.year)
        lists = read_lists(args.lists, args.insurers)
        result = screen(fleet, lists, world=world, as_of=as_of, flag_change_window_days=args.flag_change_days)
    except InputRowsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID_INPUT
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    existing = [p for p in (args.out / f"{name}.csv" for name in TABLES) if p.is_file()]
    paths = result.write(args.out)
    n_entries = len(lists.vessels.drop_duplicates(["source", "line", "list"]))
    n_organisations = lists.organisations["name_norm"].nunique()
    print(headline(result, n_entries=n_entries, n_organisations=n_organisations))
    print("Wrote " + ", ".join(str(p) for p in paths))
    if (replaced := replaced_note(args.out, existing)) is not None:
        print(replaced, file=sys.stderr)
    return EXIT_OK


def headline(result: ScreeningResult, *, n_entries: int, n_organisations: int) -> str:
    """The few lines an underwriter reads first: the book and the headline categories."""
    total = result.exposure[result.exposure["by"] == "total"].set_index("category")
    vessels = result.vessels
    n_vessels, n_rows = vessels["imo"].nunique(), len(vessels)
    covers = f" ({n_rows} rows: a ship under several covers counts once)" if n_rows != n_vessels else ""
    lines = [
        f"Screened {n_vessels} vessels{covers} of {vessels['cedant'].nunique()} cedant(s) against "
        f"{n_entries} list entries and {n_organisations} designated organisation names, "
        f"as of {result.as_of.isoformat()}.",
        f"  {'category':<36} {'vessels':>7}  {'sum insured':>12}  {'premium':>9}  (USD m)",
    ]
    for category in ("book", *_HEADLINE):
        row = total.loc[category]
        label = f"  {category}" if category in _INDENTED else category
        lines.append(
            f"  {label:<36} {int(row['vessels']):>7}  {row['sum_insured_usd_m']:>12.1f}  "
            f"{row['premium_usd_m']:>9.2f}"
        )
    later = result.matches[result.matches["listed_after_as_of"]]
    if not later.empty:
        lines.append(
            f"{len(later)} match(es) with list entries dated after the screening date, not counted as "
            "designations at that date: see matches.csv (listed_after_as_of)"
        )
    if not result.list_problems.empty:
        lines.append(
            f"{len(result.list_problems)} list entry problem(s) (invalid IMO, unknown or missing flag, a "
            "list of no known regime, a column not read): see list_problems.csv"
        )
    lines += _fleet_warnings(vessels)
    unknown = sorted(set(vessels.loc[~vessels["pi_provider_recognised"], "pi_provider"].dropna()))
    if unknown:
        lines.append(
            f"{len(unknown)} P&I provider name(s) not recognised, counted as class 'none' (give a pi_class "
            f"column to set them): {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}"
        )
    return "\n".join(lines)


def _fleet_warnings(vessels: pd.DataFrame) -> list[str]:
    """Lines on fleet rows the screening reads but cannot fully trust: IMOs whose rows disagree on the
    ship, and names that can match no list entry by name."""
    lines = []
    conflicting = vessels[vessels["conflicting_rows"] != ""]
    if not conflicting.empty:
        rows = conflicting.groupby("imo")["row"].agg(lambda r: ", ".join(map(str, sorted(r))))
        shown = "; ".join(f"IMO {imo:07d} rows {r}" for imo, r in rows.head(5).items())
        lines.append(
            f"{len(rows)} IMO number(s) whose rows disagree on name, flag or year built (a ship's findings "
            f"hold in all its rows; check the fleet list): {shown}{' ...' if len(rows) > 5 else ''}; see "
            "vessels.csv (conflicting_rows)"
        )
    unmatchable = vessels[vessels["name_unmatchable"]]
    if not unmatchable.empty:
        shown = ", ".join(f"row {row} {name!r}" for row, name in unmatchable[["row", "name"]].head(5).values)
        lines.append(
            f"{len(unmatchable)} vessel name(s) without Latin letters, screened by IMO only (transliterate "
            f"them: ВОЛГА as VOLGA): {shown}{' ...' if len(unmatchable) > 5 else ''}"
        )
    return lines
