"""The `riskmodel` command line: a thin dispatcher over the public API.

In: command-line arguments. Out: an exit code: 0 success; 2 invalid input (every problem listed on
stderr, no traceback); 1 any other failure (`error: <cause>` on stderr; `--debug` shows the traceback);
130 when interrupted (Ctrl-C), 143 when terminated (SIGTERM: stopped as Ctrl-C stops it). While a command
stops, SIGTERM is ignored and a second Ctrl-C says so; a third quits at once. The `riskmodel` program is
`console`; `main` serves callers in-process.

Each sub-command lives in `riskmodel/cli/<name>.py` with `add_parser(subparsers)` and `run(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, ClassVar

from riskmodel import __version__

#: Sub-command modules, in the order `riskmodel --help` lists them; modules not (yet) present are skipped.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "validate",
    "schema",
    "run",
    "compare",
    "sweep",
    "report",
    "apply_terms",
    "screen",
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM


def _available_modules() -> list[tuple[str, ModuleType | Exception]]:
    """Each sub-command module, or the exception that stopped it from importing."""
    found: list[tuple[str, ModuleType | Exception]] = []
    for name in SUBCOMMAND_MODULES:
        try:
            found.append((name, importlib.import_module(f"{__name__}.{name}")))
        except Exception as exc:  # a broken command must not take the others down
            found.append((name, exc))
    return found


def _broken_command(name: str, exc: Exception) -> Callable[[argparse.Namespace], int]:
    """A stand-in `run` for a sub-command whose module failed to import: it reports the cause."""

    def run(args: argparse.Namespace) -> int:
        raise RuntimeError(f"the {name!r} command could not be loaded: {type(exc).__name__}: {exc}") from exc

    return run


_GIVEN = "_options_given"  # (the namespace's record of the options given, removed once parsed)


class GivenOnce(argparse.Action):
    """The action of every option that takes a value (`store`): given twice, it is a usage error naming
    the option and both values. (argparse kept the last one, so `--trials 300 --trials 400` ran 400
    trials, and a second `--lists` dropped the files of the first, without a word.)"""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given: dict[str, Any] = vars(namespace).setdefault(_GIVEN, {})
        if self.dest in given:
            first, again = (_shown(v) for v in (given[self.dest], values))
            more = f"; list every value after one {option_string}" if isinstance(values, list) else ""
            raise argparse.ArgumentError(self, f"given twice ({first}, then {again}): give it once{more}")
        given[self.dest] = values
        setattr(namespace, self.dest, values)


def _shown(value: Any) -> str:
    """An option's value as typed: ``400``, ``results/a``, ``2026-01-31``, ``a.csv b.csv``."""
    if isinstance(value, list):
        return " ".join(map(str, value))
    return str(value)


class Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose options that take a value may each be given once (`GivenOnce`): the
    `riskmodel` parser and, through `add_subparsers`, every sub-command's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, GivenOnce)
        self.register("action", "store", GivenOnce)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, rest = super().parse_known_args(args, namespace)
        vars(parsed).pop(_GIVEN, None)
        return parsed, rest


def build_parser() -> argparse.ArgumentParser:
    """The `riskmodel` parser with every available sub-command."""
    parser = Parser(
        prog="riskmodel",
        description="Monte Carlo model of sanctions exposure and maritime insurance risk for reinsurers.",
        epilog="Scenario files are described in docs/scenarios.md; `riskmodel COMMAND --help` for details.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    parser.add_argument("--version", action="version", version=f"riskmodel {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in _available_modules():
        before = set(subparsers.choices)
        if isinstance(module, Exception):
            broken = subparsers.add_parser(name.replace("_", "-"), help=f"(unavailable: {module})")
            broken.set_defaults(func=_broken_command(name, module))
        else:
            module.add_parser(subparsers)
        for added in set(subparsers.choices) - before:
            sub = subparsers.choices[added]
            if sub.get_default("func") is None and not isinstance(module, Exception):
                sub.set_defaults(func=module.run)
            sub.add_argument(
                "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
            )
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interruption so that it stops a command as Ctrl-C does: what is saved stays
    saved, temporary files are removed and worker processes are stopped."""


class _Stops:
    """What `_stop` saw during one `main`: the stops (signal numbers), and whether it may raise."""

    seen: ClassVar[list[int]] = []
    quiet: ClassVar[bool] = False  # (once `main` puts the handlers back: a stop is recorded, not raised)


def _stop(signum: int, frame: object) -> None:
    """The first Ctrl-C or SIGTERM stops the command, as an exception, so that what is running cleans up
    on its way out (stops the workers, keeps what is done). Later SIGTERMs are ignored until `main`
    returns; a second Ctrl-C says the clean-up is under way (`_insist`) and a third quits at once. (A
    second Ctrl-C used to cut the clean-up short, which could leave the workers running, or print
    Python's traceback.) The stop is recorded, so that `main` returns its code even if the exception is
    swallowed on its way (an exception raised in a `__del__` is only printed)."""
    _Stops.seen.append(signum)
    # (only the signals `_stop` handles: a Ctrl-C this process ignores stays ignored)
    if signal.getsignal(signal.SIGTERM) is _stop:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if signal.getsignal(signal.SIGINT) is _stop:
        signal.signal(signal.SIGINT, _insist)
    if not _Stops.quiet:
        raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def _insist(signum: int, frame: object) -> None:
    """A second Ctrl-C while a command stops: the clean-up goes on; one more quits at once (the default
    action: what is saved stays saved, the pool's workers stop with the process, and the next run
    removes the temporary files left)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # (os.write: a print could be re-entered, if the signal came while the process printed to stderr)
    os.write(2, b"stopping: cleaning up (Ctrl-C again quits at once)\n")


_STOPS = (signal.SIGINT, signal.SIGTERM)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `riskmodel` with `argv` (default: `sys.argv[1:]`) and return the exit code.

    Ctrl-C and SIGTERM stop a command (`_stop`) and give exit codes 130 and 143; the handlers they had are
    put back on return. A Ctrl-C that this process was started to ignore (a background job) stays ignored.
    """
    return _with_stops(argv, restore=True)


def console() -> None:
    """The `riskmodel` program: `main`, then exit with its code, with Ctrl-C and SIGTERM ignored while the
    interpreter exits (it would put a handler written in Python back to the default action, and a late
    Ctrl-C would end the process by the signal: a status of -2 instead of 130)."""
    sys.exit(_with_stops(None, restore=False))


def _with_stops(argv: Sequence[str] | None, *, restore: bool) -> int:
    """`_main` with `_stop` handling Ctrl-C and SIGTERM, then the handlers they had put back (`_put_back`).

    A signal may land at any call or loop turn (Python runs pending handlers there): every one made while
    `_stop` may raise is inside the `try` that takes the stop; once the command is done `_stop` only
    records (`_Stops.quiet`, set by a plain assignment, where no handler runs), and the exit code is
    chosen once the handlers are back. They are put back too when an exception escapes the command
    (`--debug`): left in place, a later Ctrl-C or SIGTERM of the caller (a notebook, a test session)
    would be taken for a stop of this command."""
    _Stops.seen, _Stops.quiet = [], False
    installed: dict[int, Any] = {}
    stopped: KeyboardInterrupt | None = None  # (a stop before `_stop` was in place: the caller's handler)
    code = EXIT_OK
    try:
        try:
            for stop in _STOPS:
                handler = signal.getsignal(stop)
                # (None: a handler not set from Python, which could not be put back)
                if handler is not None and (stop != signal.SIGINT or handler is signal.default_int_handler):
                    installed[stop] = handler
            for stop in installed:  # (every one known first: one landing in between puts back them all)
                signal.signal(stop, _stop)
        except ValueError:  # not the main thread: leave the signals alone
            installed.clear()
        code = _main(argv)
    except KeyboardInterrupt as exc:
        stopped = exc
    finally:
        _Stops.quiet = True
        _put_back(installed, restore)
    if _Stops.seen:
        return _stopped(_Stops.seen[0] == signal.SIGTERM)
    return code if stopped is None else _stopped(isinstance(stopped, Terminated))


def _put_back(installed: dict[int, Any], restore: bool) -> None:
    """Put back the handlers `_with_stops` replaced, SIGINT's last (a caller's Ctrl-C then finds none of
    ours left); without `restore` (the program, about to exit), set ours to ignore instead, leaving the
    default action a third Ctrl-C asked for."""
    for stop, handler in reversed(installed.items()):
        if restore:
            signal.signal(stop, handler)
        elif signal.getsignal(stop) in (_stop, _insist):
            signal.signal(stop, signal.SIG_IGN)


def _stopped(terminated: bool) -> int:
    """The exit code of a stopped command, with its one word on stderr."""
    print("terminated" if terminated else "interrupted", file=sys.stderr)
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    from riskmodel.scenario.errors import ScenarioError  # (here: loading it may be interrupted)

    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_INVALID
    debug = bool(getattr(args, "debug", False))
    try:
        return int(args.func(args) or EXIT_OK)
    except SystemExit as exc:  # a command that calls sys.exit: keep its code (and its message)
        if isinstance(exc.code, int):
            return exc.code
        if exc.code:
            print(exc.code, file=sys.stderr)
        return EXIT_FAILURE if exc.code else EXIT_OK
    except ScenarioError as exc:
        if debug:
            raise
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        # The reader of our output went away (e.g. `riskmodel schema | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if debug:
            raise
        print(f"error: {one_line_cause(exc)} (rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILURE


def one_line_cause(exc: BaseException) -> str:
    """`KeyError: 'x'`, `OSError: [Errno 2] No such file...`: the first line of an exception."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
