"""`riskmodel validate FILE...`: check scenario and portfolio files and list every problem.

In: paths of scenario or portfolio YAML files, or directories (every `*.yaml` / `*.yml` below them).
Out, file by file: every problem of an invalid file on stderr, one per line as `file:line: key.path: value
is not allowed: what is allowed`, or `ok: FILE (...)` for a valid one on stdout; then, on stdout, the
file's notes. A file that extends another shows the notes it does not share with its parent (its own, and
those its changes cause in what it inherits) and counts the others in one line, as the parent's
validation gives them (`--all-notes` prints them too): a child's errors come first, not after the notes
of every file above it. Exit 0 when every file is valid, 2 otherwise. The work is
`riskmodel.scenario.loader.validate_file`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskmodel.cli.run import path_arg
from riskmodel.scenario import Problem
from riskmodel.scenario.loader import Validation, extended_file, validate_file

EXIT_OK = 0
EXIT_INVALID = 2


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `validate` command to an argparse sub-parser set; returns its parser."""
    parser = subparsers.add_parser(
        "validate",
        help="check scenario and portfolio files, listing every problem",
        description="Check scenario and portfolio files (the kind is recognised from the keys: a portfolio "
        "file has `contracts:` at the top level). Lists every problem of every file with its line, key "
        "path, value and what is allowed. Exit 0 when all files are valid, 2 otherwise.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        type=path_arg,
        metavar="FILE",
        help="YAML files, or directories to search for *.yaml",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.add_argument(
        "--all-notes",
        action="store_true",
        help="also print the notes a file shares with the file it extends (by default counted in one line)",
    )
    parser.add_argument(
        "--kind", choices=("scenario", "portfolio"), default=None, help="check every file as this kind"
    )
    parser.set_defaults(func=run)
    return parser


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, directories replaced by the YAML files below them (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            out.append(path)
    return out


def summary(result: Validation) -> str:
    """One line about a valid file: what it is and its size."""
    if result.scenario is not None:
        s = result.scenario
        parts = [f"scenario {s.name!r}", f"{s.horizon.years} years from {s.horizon.start_year}"]
        parts.append(f"{len(s.schemes)} scheme{'s' if len(s.schemes) != 1 else ''}")
        if s.perils:
            parts.append(f"{len(s.perils)} peril{'s' if len(s.perils) != 1 else ''}")
        if s.portfolio is not None:
            parts.append(f"{len(s.portfolio.contracts)} contracts")
        return ", ".join(parts)
    if result.portfolio is not None:
        return f"portfolio {result.portfolio.name!r}, {len(result.portfolio.contracts)} contracts"
    return result.kind


def _note_key(note: Problem) -> tuple[str, str, str]:
    return (note.where, note.dotted_path, note.message)


def inherited_notes(
    path: Path, result: Validation, validated: Callable[[Path], Validation]
) -> tuple[Path | None, list[Problem]]:
    """The parent `path` extends and the notes of `result` that the parent's own validation gives too
    (word for word, at the same place); a note located in the parent that this file's changes cause
    (a contract of the parent's portfolio on a scheme the child removes) is not among them."""
    parent = extended_file(path) if result.kind == "scenario" and result.notes else None
    if parent is None:
        return None, []
    theirs = {_note_key(n) for n in validated(parent).notes}
    return parent, [n for n in result.notes if _note_key(n) in theirs]


def _print_note(note: Problem) -> None:
    print(f"{note.where}: note: {note.dotted_path}: {note.message}", flush=True)


def run(args: argparse.Namespace) -> int:
    """Validate every file; 0 when all are valid, 2 otherwise."""
    files = expand(list(args.paths))
    if not files:
        print("error: no YAML files found in " + ", ".join(map(str, args.paths)), file=sys.stderr)
        return EXIT_INVALID
    done: dict[Path, Validation] = {}

    def validated(path: Path, kind: Any = "scenario") -> Validation:
        """A file's validation, once per command (a parent is often among the files, or several's)."""
        key = path.resolve()
        if key not in done:
            done[key] = validate_file(path, kind=kind)
        return done[key]

    invalid = 0
    problems = 0
    for path in files:
        result = validated(path, args.kind)
        if not result.ok:
            invalid += 1
            problems += len(result.problems)
            for problem in result.problems:
                print(problem, file=sys.stderr, flush=True)
        elif not args.quiet:
            print(f"ok: {result.file} ({summary(result)})", flush=True)
        if args.quiet:
            continue
        parent, shared = (None, []) if args.all_notes else inherited_notes(path, result, validated)
        said = {_note_key(n) for n in shared}
        for note in result.notes:
            if _note_key(note) not in said:
                _print_note(note)
        if shared:
            assert parent is not None
            label = validated(parent).file
            n = len(shared)
            # not "`riskmodel validate PARENT` prints them": a parent that extends a file in turn counts
            # them too
            print(
                f"{result.file}: note: {n} note{'s' if n != 1 else ''} as in {label}, which it extends, not "
                f"repeated (--all-notes prints {'them' if n != 1 else 'it'})",
                flush=True,
            )
    if invalid:
        print(
            f"{invalid} of {len(files)} file{'s' if len(files) != 1 else ''} invalid, "
            f"{problems} problem{'s' if problems != 1 else ''}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    return EXIT_OK
