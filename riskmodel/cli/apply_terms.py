"""`riskmodel apply-terms`: apply a portfolio's contract terms to an event file (deterministic terms mode).

In: an event file (CSV or parquet, long format: ``trial, year, time, source, loss`` and optional
``event, segment, zone, flag, licensed, sanctioned_EU, sanctioned_UK, sanctioned_US``), a portfolio YAML
and optionally premium bases and attritional losses. Out: ``ylt`` and ``plt`` tables in the output
directory (riskmodel/tables.py; replacing files of those names, with a note; never a stored run's folder),
notes on stderr. Malformed input: one message naming the file, the row (header = row 1) and the column,
and exit code 2; ``--trials``/``--years`` must be whole numbers >= 1.
The work is `riskmodel.reinsurance.event_files.apply_terms_to_file`, whose module docstring states the
rules (codes, blank cells, default trials and years, empty files, premium bases).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from riskmodel.cli.run import path_arg, replaced_note

__all__ = ["EXIT_BAD_INPUT", "add_parser", "main", "run"]

EXIT_BAD_INPUT = 2


def _count_up_to(bound: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to `bound` (argparse turns the error into a usage message,
    exit 2)."""

    def count(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from 1 to {bound:,}, got {text!r}"
            ) from None
        if not 1 <= value <= bound:
            raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {bound:,}, got {text!r}")
        return value

    return count


_EPILOG = """\
event file columns (one row per event and payer column):
  trial, year        whole numbers >= 0 (year: policy-year index from 0)
  time               time within the policy year, in [0, 1): terms apply in time order
  source             payer column, e.g. ig_gxl_layer1, scheme:rv_pool, peril:storm
  loss               USD m, >= 0 and at most 1e9
  event              optional: rows with the same trial, year and event are one event
                     (default: the same trial, year and time)
  segment/zone/flag  optional codes of the world reference data, for cedant shares by segment,
                     zone or flag: segments.csv (e.g. VLCC), zones.csv (e.g. BALTIC), flag
                     states ISO alpha-3 (e.g. LBR), upper case; a blank cell means no code:
                     the contract's default share applies (a note counts such events).
                     A contract with a cedant share by a column the file lacks is an error.
  licensed, sanctioned_EU/UK/US   optional true/false, for sanctions clauses: a flag marks
                     the tanker, so it blocks no payment to third parties (the IG tower,
                     counterparty_hm, energy_property, the Funds, uncompensated)
Each column may appear once; a cell holds one value (not a list or struct). Rows in messages:
the header is row 1, the first data row row 2.

a run folder (--events runs/NAME of a run with --keep-events): its elt.parquet, attritional.parquet
and premium_bases.parquet, and the run's trials, years and materiality threshold (an xol attaching
below it, or a quota share's per-event limit below what a smaller event cedes, is refused);
--premium-base, --attritional, --trials and --years are refused with it. With
the run's portfolio it gives back the run's year loss table (exactly with --format parquet; CSV
rounds to the dollar); with other terms, what a run with them gives at the same seed.

trials and years: 0..N-1. Without --trials, N = the largest trial id in the file + 1, so
trials without events count as zero-loss only up to that id (a note says so): pass --trials
when the file leaves out zero-loss trials at the end. Likewise --years. A file with no
events means no losses with --trials, and is an error without it.

output folder (--out): ylt.csv and plt.csv (.parquet with --format parquet) are written there,
replacing files of these names (a note names them); a stored run's folder, or a folder in one, is
refused (the run's ylt.parquet and manifest are not written over). Sources of the event or attritional
file that no contract cedes get a note, with the contract source a misspelt one may mean.

premium base file: base, amount[, year][, trial]   (rated premiums; a base must be one a
                   contract uses or a premium base of the model, else an error)
attritional file:  source, amount[, year][, trial] (annual losses below materiality)
"""


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``apply-terms`` sub-command to a ``riskmodel`` argument parser (sets ``func=run``)."""
    from riskmodel.scenario.schema import MAX_TRIALS, MAX_YEARS

    p = subparsers.add_parser(
        "apply-terms",
        help="apply a portfolio's contract terms to an event file",
        description="Apply a portfolio's reinsurance terms, in event time order, to losses from an event "
        "file; write the ceded loss and reinstatement premium per trial, year and contract.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--events",
        required=True,
        type=path_arg,
        help="event file, .csv or .parquet; or a run folder of a run that kept its events (its elt.parquet, "
        "attritional losses, premium bases, trials and years)",
    )
    p.add_argument("--portfolio", required=True, type=path_arg, help="portfolio file, .yaml")
    p.add_argument(
        "--out",
        required=True,
        type=path_arg,
        help="output directory (not a stored run's folder); its ylt and plt files of the format are replaced",
    )
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="output format (default csv)")
    p.add_argument("--premium-base", type=path_arg, default=None, help="premium bases for rated premiums")
    p.add_argument("--attritional", type=path_arg, default=None, help="attritional annual losses by source")
    p.add_argument(
        "--trials",
        type=_count_up_to(MAX_TRIALS),
        default=None,
        help="number of trials N >= 1: trials 0..N-1 (default: the largest trial id in the file + 1)",
    )
    p.add_argument(
        "--years",
        type=_count_up_to(MAX_YEARS),
        default=None,
        help="number of policy years N >= 1: years 0..N-1 (default: the largest year in the file + 1)",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``apply-terms``; 0 on success, 2 on malformed input (message on stderr, no traceback)."""
    from riskmodel.reinsurance.event_files import apply_terms_to_file, apply_terms_to_run
    from riskmodel.store import MANIFEST

    events: Path = args.events
    existing = [p for p in (args.out / f"{name}.{args.format}" for name in ("ylt", "plt")) if p.is_file()]
    try:
        is_run = events.is_dir() and (events / MANIFEST).is_file()
        if is_run:  # a run folder brings its own files, trials and years
            given = [
                flag
                for flag, value in (
                    ("--premium-base", args.premium_base),
                    ("--attritional", args.attritional),
                    ("--trials", args.trials),
                    ("--years", args.years),
                )
                if value is not None
            ]
            if given:
                raise ValueError(
                    f"{events}: a run folder brings its own premium bases, attritional losses, trials and "
                    f"years: leave out {', '.join(given)} (or give its elt.parquet as an event file)"
                )
            result = apply_terms_to_run(events, args.portfolio, args.out, fmt=args.format)
        elif events.is_dir() and events.suffix.lower() not in (".parquet", ".pq"):  # (not a dataset)
            raise ValueError(
                f"{events}: is a folder, not a file nor a run folder (no {MANIFEST}): give a .csv or "
                ".parquet event file, or the folder of a run saved with --keep-events"
            )
        else:
            result = apply_terms_to_file(
                events,
                args.portfolio,
                args.out,
                fmt=args.format,
                premium_base_path=args.premium_base,
                attritional_path=args.attritional,
                n_trials=args.trials,
                n_years=args.years,
            )
    except (ValueError, OSError) as exc:  # EventFileError, pydantic's ValidationError, missing files
        print(f"riskmodel apply-terms: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if (replaced := replaced_note(args.out, existing)) is not None:
        print(replaced, file=sys.stderr)
    total = result.results.total
    n_trials, n_years = total.loss.shape
    print(
        f"{_count(len(result.contracts), 'contract')}, {_count(n_trials, 'trial')} x "
        f"{_count(n_years, 'year')}: "
        f"mean annual ceded loss {total.loss.mean():.6g}, reinstatement premium "
        f"{total.reinstatement_premium.mean():.6g} (USD m)"
    )
    for name, path in result.paths.items():
        print(f"wrote {name}: {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m riskmodel.cli.apply_terms --events E --portfolio P --out D``."""
    from riskmodel.cli import Parser

    parser = Parser(prog="riskmodel")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["apply-terms", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
