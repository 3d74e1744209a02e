"""Checks of the public API's arguments, one function per kind of argument.

In: an argument's value and its name. Out: the value as the callee uses it (a float, a tuple of floats, an
int), or an error raised at the public method's entry: a `TypeError` for the wrong kind of value (a string
where a number is asked), a `ValueError` for a value of the right kind out of bounds, each naming the
argument, what was given and what is allowed. Never a silent default, never an error from deep inside
(``'float' object is not iterable``).

- `whole_number`: an int (a numpy integer too; not a bool, not a float), or None; `not_an_int` the value
  an int argument refuses, for its message (a float with what an int is: 5.0 is a whole number, but not
  an int).
- `check_level`, `check_levels`: a probability level in (0, 1) (VaR, TVaR, a confidence level); one, or a
  sequence of them, each once. A float narrower than a double (numpy's float32) is the decimal it shows.
- `check_rel_error`: a relative error, a finite number > 0.
- `check_return_periods`: return periods, finite numbers > 1, each once.
- `check_workers`: local worker processes, 1 to `max_workers()` (`WORKERS_PER_CPU` per CPU), as the
  command line's ``--workers``.
- `check_scheduler_address`: a Dask scheduler address, ``[protocol://]HOST:PORT`` or an in-process
  cluster's ``inproc://...``, as the command line's ``--scheduler`` (`scheduler_address_problem` is the
  rule and its words, for both; the command line, a process of its own, refuses ``inproc://``).

The checks that need a run (a contract id, a policy year, a statistic's name) are `Results` methods.
"""

from __future__ import annotations

import numbers
import os
import re
from collections.abc import Iterable

import numpy as np

__all__ = [
    "WORKERS_PER_CPU",
    "check_level",
    "check_levels",
    "check_rel_error",
    "check_return_periods",
    "check_scheduler_address",
    "check_workers",
    "max_workers",
    "not_an_int",
    "scheduler_address_problem",
    "shown",
    "whole_number",
]

#: The most local worker processes per CPU (`check_workers`, the command line's ``--workers`` and
#: ``--dask-local``): a process beyond the CPUs adds its memory (about half a GiB for the world model's
#: 4,096-trial block) and no speed, and a typo such as 800 would start hundreds of processes before the
#: first chunk ends.
WORKERS_PER_CPU = 4


def max_workers() -> int:
    """The most local worker processes `check_workers` accepts: `WORKERS_PER_CPU` per CPU."""
    return WORKERS_PER_CPU * (os.cpu_count() or 1)


def shown(value: object, limit: int = 80) -> str:
    """A wrong value (its repr, shortened to `limit` characters) and its type, for a message.

    >>> shown("0.99"), shown(2.5), shown({"name": "x", "extends": "base.yaml"}, 20)
    ("'0.99' (a str)", '2.5 (a float)', "{'name': 'x', 'exte… (a dict)")
    """
    text = repr(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    kind = type(value).__name__
    return f"{text} ({'an' if kind[:1] in 'aeiou' else 'a'} {kind})"


def _as_double(value: object) -> float:
    """A real number as a float: a float narrower than a double (numpy's float32, float16) as the decimal
    it shows, its shortest repr (`np.float32(0.99)` is 0.99, not 0.9900000095367432, which would move a
    quantile's rank: 200 × p > 198); any other as `float` gives it.

    >>> _as_double(np.float32(0.99)), _as_double(np.float16(0.5)), _as_double(0.1 + 0.2), _as_double(3)
    (0.99, 0.5, 0.30000000000000004, 3.0)
    """
    if isinstance(value, np.floating) and np.finfo(value.dtype).bits < 64:
        return float(np.format_float_positional(value, unique=True, trim="-"))
    return float(value)  # type: ignore[arg-type]


def _once(values: tuple[float, ...], names: list[str], what: str) -> tuple[float, ...]:
    """`values`, refused with a `ValueError` naming the value and both places when one is given twice (a
    duplicate level or return period would give duplicate rows)."""
    first: dict[float, str] = {}
    for value, name in zip(values, names, strict=True):
        if value in first:
            raise ValueError(f"{name} is {value!r}, as {first[value]}: give each {what} once")
        first[value] = name
    return values


def _is_real(value: object) -> bool:
    """A real number: an int or a float, numpy's too; not a bool (a flag, not an amount), not a string."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def whole_number(value: object) -> int | None:
    """`value` as an int when it is of an integer type (a numpy integer too; a bool is not, nor a float
    such as 2027.0, which may hide a truncation), else None.

    >>> whole_number(3), whole_number(np.int64(3)), whole_number(3.0), whole_number(True), whole_number("3")
    (3, 3, None, None, None)
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def not_an_int(value: object) -> str:
    """A value an int argument refuses (`whole_number` None), for the end of its message ("got ..."):
    `shown`, and for a float what an int is. A float is refused even when whole (a year of 2027.5 would
    be truncated, and a count of trials computed as a float may be 4095.999...), and "must be a whole
    number, got 5.0" read as wrong of a number that is whole: every int check says "an int" and, of a
    float, this.

    >>> not_an_int(5.0), not_an_int("5")
    ('5.0 (a float; an int is a whole number written without a decimal point: 5, not 5.0)', "'5' (a str)")
    """
    text = shown(value)
    if isinstance(value, float | np.floating):
        return f"{text[:-1]}; an int is a whole number written without a decimal point: 5, not 5.0)"
    return text


#: What `check_level` allows.
LEVEL = "a number between 0 and 1, exclusive, such as 0.995"


def check_level(value: object, name: str = "level") -> float:
    """A probability level (of VaR or TVaR, or a confidence level): a real number in (0, 1), as a float.

    >>> check_level(0.995)
    0.995
    >>> check_level("0.99", "tail")
    Traceback (most recent call last):
    ...
    TypeError: tail must be a number between 0 and 1, exclusive, such as 0.995, got '0.99' (a str)
    """
    if not _is_real(value):
        raise TypeError(f"{name} must be {LEVEL}, got {shown(value)}")
    p = _as_double(value)
    if not 0.0 < p < 1.0:  # (NaN too)
        raise ValueError(f"{name} must be {LEVEL}, got {value!r}")
    return p


def check_levels(value: object, name: str = "levels") -> tuple[float, ...]:
    """Probability levels: one level (`check_level`), or a sequence of them (a list, a tuple, an array; may
    be empty), each given once (a level given twice is a `ValueError` naming both places), as a tuple of
    floats.

    >>> check_levels(0.99), check_levels([0.99, np.float64(0.995)]), check_levels(())
    ((0.99,), (0.99, 0.995), ())
    >>> check_levels([0.99, 1.0])
    Traceback (most recent call last):
    ...
    ValueError: levels[1] must be a number between 0 and 1, exclusive, such as 0.995, got 1.0
    """
    if _is_real(value):
        return (check_level(value, name),)
    if isinstance(value, str | bytes) or not isinstance(value, Iterable) or np.ndim(value) == 0:
        raise TypeError(f"{name} must be a level or a sequence of levels, each {LEVEL}, got {shown(value)}")
    items = list(value)  # (once: a generator is spent by reading)
    names = [f"{name}[{i}]" for i in range(len(items))]
    return _once(tuple(check_level(p, n) for p, n in zip(items, names, strict=True)), names, "level")


def check_rel_error(value: object, name: str = "rel_error") -> float:
    """A relative error (the largest standard error a figure may have as a share of itself to count as
    converged): a finite number > 0, as a float.

    >>> check_rel_error(0.05)
    0.05
    >>> check_rel_error(-1)
    Traceback (most recent call last):
    ...
    ValueError: rel_error must be a finite number greater than 0 (...), got -1
    """
    allowed = "a finite number greater than 0 (0.05: a standard error of at most 5% of the figure)"
    if not _is_real(value):
        raise TypeError(f"{name} must be {allowed}, got {shown(value)}")
    x = float(value)  # type: ignore[arg-type]
    if not (np.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return x


def check_return_periods(value: object, name: str = "return_periods") -> tuple[float, ...]:
    """Return periods: one, or a non-empty sequence of them, each a finite number > 1 (in years, or in
    horizons on a horizon's rows: a probability of exceedance 1/T below 1 and above 0) and given once, as
    floats (a float narrower than a double as the decimal it shows, as `check_level`).

    >>> check_return_periods(200), check_return_periods([2, 1.5])
    ((200.0,), (2.0, 1.5))
    >>> check_return_periods([100, float("inf")])
    Traceback (most recent call last):
    ...
    ValueError: return_periods[1] must be a finite number greater than 1 (200: 1 in 200), got inf
    """
    allowed = "a finite number greater than 1 (200: 1 in 200)"
    if _is_real(value):
        values, names = [value], [name]
    elif isinstance(value, str | bytes) or not isinstance(value, Iterable) or np.ndim(value) == 0:
        raise TypeError(
            f"{name} must be a return period or a sequence of them, each {allowed}, got {shown(value)}"
        )
    else:
        values = list(value)
        names = [f"{name}[{i}]" for i in range(len(values))]
        if not values:
            raise ValueError(f"{name} must name at least one return period, each {allowed}, got {value!r}")
    out = []
    for t, label in zip(values, names, strict=True):
        if not _is_real(t):
            raise TypeError(f"{label} must be {allowed}, got {shown(t)}")
        if not (np.isfinite(float(t)) and float(t) > 1.0):
            raise ValueError(f"{label} must be {allowed}, got {t!r}")
        out.append(_as_double(t))
    return _once(tuple(out), names, "return period")


def check_workers(value: object, name: str = "workers", *, none: str = "None for one per CPU") -> int | None:
    """A number of local worker processes: an int from 1 to `max_workers()`, or None (what None means to
    the caller, `none`, is named in the message). 0 or a negative number is no number of processes.

    >>> check_workers(2), check_workers(None)
    (2, None)
    """
    if value is None:
        return None
    ceiling = max_workers()
    allowed = (
        f"an int from 1 to {ceiling} ({WORKERS_PER_CPU} per CPU of this machine, which has "
        f"{os.cpu_count() or 1}), or {none}"
    )
    n = whole_number(value)
    if n is None:
        raise TypeError(f"{name} must be {allowed}, got {not_an_int(value)}")
    if not 1 <= n <= ceiling:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return n


#: A Dask scheduler address: ``[tcp|tls|ws|wss|ucx|ucxx://]HOST:PORT``, the port from 1 to 65535; an
#: IPv6 host in brackets, with its scope (``[fe80::1%eth0]:8786``) if it has one. These are the
#: protocols of a scheduler in another process, which Dask's client reaches by host and port.
_SCHEDULER_ADDRESS = re.compile(
    r"^(?:(?:tcp|tls|ws|wss|ucx|ucxx)://)?"
    r"(\[[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?\]|[A-Za-z0-9._-]+):(\d{1,5})$"
)
#: The address of a scheduler in this process (``LocalCluster(processes=False)``'s
#: ``inproc://192.0.2.2/27528/1``: host, process id, listener), which only this process can reach.
_IN_PROCESS_ADDRESS = re.compile(r"^inproc://[^/\s]+/\d+/\d+$")
#: What `scheduler_address_problem` asks for, in its words.
SCHEDULER_ADDRESS = "[tcp://]HOST:PORT, e.g. tcp://10.0.0.5:8786 (the address `dask scheduler` prints)"


def scheduler_address_problem(text: str, *, in_process: bool = True) -> str | None:
    """Why `text` is not a Dask scheduler address (``[protocol://]HOST:PORT``: ``tcp://10.0.0.5:8786``,
    ``host:8786``, ``ucxx://h:8786``, ``[fe80::1%eth0]:8786``; or, with `in_process`, an in-process
    cluster's ``inproc://HOST/PID/N``), in the words the command line's ``--scheduler`` and
    `check_scheduler_address` both give; None when it is one (spaces around it aside). The command line
    runs in a process of its own, which another's ``inproc://`` address cannot reach: it passes
    ``in_process=False``, and such an address is refused in words that say so.

    >>> scheduler_address_problem("tcp://10.0.0.5:8786") is None, scheduler_address_problem("[::1]:8786")
    (True, None)
    >>> scheduler_address_problem("inproc://192.0.2.2/27528/1") is None
    True
    >>> scheduler_address_problem("tcp://host")[:50]
    "not a scheduler address: 'tcp://host'; give [tcp:/"
    """
    stripped = text.strip()
    if _IN_PROCESS_ADDRESS.match(stripped):
        if in_process:
            return None
        return (
            f"{text!r} is the address of an in-process cluster (inproc://), which only the Python process "
            f"that made it can reach, not this command; give {SCHEDULER_ADDRESS}"
        )
    m = _SCHEDULER_ADDRESS.match(stripped)
    if m and 0 < int(m.group(2)) < 65536:
        return None
    return f"not a scheduler address: {text!r}; give {SCHEDULER_ADDRESS}"


def check_scheduler_address(value: object, name: str = "address", *, none: str = "None") -> str | None:
    """A Dask scheduler address (`scheduler_address_problem`), without the spaces around it, or None (what
    None means to the caller, `none`, is named in the message): a `TypeError` for what is not a string,
    a `ValueError` for a string of another form.

    >>> check_scheduler_address(" tcp://10.0.0.5:8786 "), check_scheduler_address(None)
    ('tcp://10.0.0.5:8786', None)
    >>> check_scheduler_address("10.0.0.5")
    Traceback (most recent call last):
    ...
    ValueError: address: not a scheduler address: '10.0.0.5'; give [tcp://]HOST:PORT, e.g. ...
    """
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TypeError(
            f"{name} must be a Dask scheduler address {SCHEDULER_ADDRESS}, or {none}, got {shown(value)}"
        )
    problem = scheduler_address_problem(value)
    if problem is not None:
        raise ValueError(f"{name}: {problem}")
    return value.strip()
