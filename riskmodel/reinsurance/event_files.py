"""Deterministic terms mode: a portfolio's contract terms on an event loss file from another model.

In: an event file (``.csv`` or ``.parquet``) in long format, one row per event and source,
``trial, year, time, source, loss`` (+ optional ``event``, ``segment``, ``zone``, ``flag``, ``licensed``,
``sanctioned_EU``, ``sanctioned_UK``, ``sanctioned_US``); optionally annual files of premium bases
(``base, amount[, year][, trial]``) and attritional losses (``source, amount[, year][, trial]``); and a
portfolio (YAML path, loaded `Portfolio` or `ContractTerms`). Every value is checked; a malformed file
raises `EventFileError` naming the file, the row (spreadsheet convention: the header is row 1, the first
data row is row 2; a parquet file is numbered the same way) and the column. Each column may appear once;
a cell holds one value (a parquet list or struct is an error). Losses and amounts are USD m, finite, >= 0
and at most `MAX_LOSS_USD_M` (1e9); trials, years and event ids are whole numbers, never true/false.
An annual file has no other columns. An event file may carry columns of its own, which are not read (a
note names them), but a column spelt almost like one of its columns that it lacks (``sanctioned_eu``,
``licenced``) is an error with a did-you-mean: read as the user's own, it would leave every flag unset.
The sanctions flags mark the tanker of an event, as in the world model: a clause blocks no payment from
a source that pays third parties (`payers.THIRD_PARTY_SOURCES`: the IG tower, ``counterparty_hm``,
``energy_property``, the Funds, ``uncompensated``). A run folder's ``elt.parquet``, ``attritional.parquet``
and ``premium_bases.parquet`` (`riskmodel.store.event_inputs`) are such files.

Codes: ``segment``, ``zone`` and ``flag`` hold codes of the world reference data (`riskmodel.world`):
fleet segments (``segments.csv``, e.g. ``VLCC``), zones (``zones.csv``, e.g. ``BALTIC``) and flag states
(ISO 3166-1 alpha-3, ``states.csv``), exactly as written there (upper case); anything else is an error
with a did-you-mean. A blank cell means the event has no code: a cedant share by that column gives it
the contract's ``default`` share, and a note counts such events. A contract whose cedant share is by a
column the file lacks is an error.

Trials and years: trials run from 0 to ``n_trials - 1`` and years from 0 to ``n_years - 1``; without
``n_trials`` (``--trials``) the trials are 0 to the largest trial id in the file, so trials after it
with no events are not counted (the notes say so: pass ``n_trials`` when the file leaves out trailing
zero-loss trials); likewise years. An event file with no rows is a valid "no losses" input only with
``n_trials``; without it the number of trials is unknown, which is an error.

Premium bases: a base the file names must be one a contract uses, or a premium base of the model
(``ig_gxl_premium``, ``hm_western_premium``, ``scheme_premium:<id>``; then a note says no contract uses
it); any other base is an error listing the bases the portfolio's contracts use.

The file becomes an `EventLossTable`, the portfolio's terms are applied in event time order by
`riskmodel.reinsurance.terms` (`apply_portfolio`), and `apply_terms_to_file` writes the year loss table
(``ylt``: per trial, year and contract) and the period loss table (``plt``: per event and contract with a
recovery), both declared in `riskmodel.tables`; `ylt_frame` and `plt_frame` build them from
`ContractYearLosses`. This is the `riskmodel apply-terms` command (`riskmodel.cli.apply_terms`).

This module imports `riskmodel.reinsurance.terms`, never the reverse: the contract maths knows no files.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from riskmodel.payers import THIRD_PARTY_SOURCES, all_source_names_hint, is_valid_source
from riskmodel.reinsurance.terms import (
    BLOCS,
    SHARE_BY,
    ContractTerms,
    ContractYearLosses,
    EventLossTable,
    PortfolioYearLosses,
    absent_sources,
    apply_portfolio,
    as_written,
    portfolio_terms,
    validate_portfolio,
    with_listings,
    written_on,
)
from riskmodel.scenario.errors import misspelt_columns
from riskmodel.scenario.schema import MAX_TRIALS, MAX_USD_M, MAX_YEARS

if TYPE_CHECKING:
    from riskmodel.scenario.schema import Portfolio

__all__ = [
    "EVENT_COLUMNS",
    "MAX_LOSS_USD_M",
    "REQUIRED_EVENT_COLUMNS",
    "ApplyTermsResult",
    "EventFileError",
    "apply_terms_to_file",
    "apply_terms_to_run",
    "event_loss_table_from_frame",
    "plt_frame",
    "read_annual_file",
    "read_event_file",
    "unceded_note",
    "ylt_frame",
]


# -------------------------------------------------------------------------------------- input files
class EventFileError(ValueError):
    """A malformed input file; the message names the file, the row (header = row 1) and the column.

    `more` counts the other rows with the same problem, `then` adds what the column's other rows hold (other
    bad values, other unknown names); `also` holds the file's problems in other columns
    (each on its own line of the message), so that one reading of a large file lists them all.
    """

    def __init__(
        self,
        label: str,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        more: int = 0,
        then: str = "",
        also: Sequence[EventFileError] = (),
    ):
        where = [label]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        if more:
            problem += f" (and {more:,} more row{'s' if more > 1 else ''} like it)"
        problem += then
        text = ", ".join(where) + ": " + problem
        if also:
            text += "".join(f"\n{e}" for e in also)
        super().__init__(text)
        self.label, self.problem, self.row, self.column = label, problem, row, column
        self.also = tuple(also)

    @classmethod
    def of(cls, problems: Sequence[EventFileError]) -> EventFileError:
        """One error for several: the first, with the others listed after it."""
        first = problems[0]
        return cls(first.label, first.problem, row=first.row, column=first.column, also=problems[1:])


class _Collect:
    """Gathers the problems of checks that do not depend on each other: `run` gives a check's value, or
    None when it found a problem; `done` raises them all at once."""

    def __init__(self) -> None:
        self.problems: list[EventFileError] = []

    def run(self, check: Callable[..., Any], *args: Any) -> Any:
        try:
            return check(*args)
        except EventFileError as exc:
            self.problems.append(exc)
            return None

    def done(self) -> None:
        if self.problems:
            raise EventFileError.of(self.problems)


REQUIRED_EVENT_COLUMNS: tuple[str, ...] = ("trial", "year", "time", "source", "loss")
_CODE_COLUMNS = SHARE_BY
_BOOL_COLUMNS = ("licensed", *(f"sanctioned_{b}" for b in BLOCS))
#: Every column an event file may have (the run's event table has exactly these).
EVENT_COLUMNS: tuple[str, ...] = (*REQUIRED_EVENT_COLUMNS, "event", *_CODE_COLUMNS, *_BOOL_COLUMNS)
#: The spellings of a true/false cell, (true, false) pairs, in any case; the error lists every one.
_BOOL_SPELLINGS = (("true", "false"), ("t", "f"), ("yes", "no"), ("y", "n"), ("1", "0"), ("1.0", "0.0"))
_TRUE = {t for t, _ in _BOOL_SPELLINGS}
_FALSE = {f for _, f in _BOOL_SPELLINGS}
_BOOL_ALLOWED = (
    "true or false, or "
    + ", ".join(f"{t}/{f}" for t, f in _BOOL_SPELLINGS[1:])
    + ", in any case (TRUE, Yes, Y ...)"
)
#: The largest loss (or annual amount) a file may give, USD m, the ceiling of the money fields of scenario
#: files. Beyond it sums do not overflow, but mean nothing either: the largest real figures are about 1e4
#: USD m. Without it a loss of 1e308 overflows the layer arithmetic to infinite results.
MAX_LOSS_USD_M = MAX_USD_M
_INT64_END = 2**63  # (a whole number at or above it would wrap to a negative one in int64)
#: Event ids are read through float64, exact below 2^53: two larger ids could merge into one event.
_EVENT_ID_END = 2**53


def read_event_file(path: str | Path) -> pd.DataFrame:
    """Read an event file (``.csv`` or ``.parquet``) as is; `event_loss_table_from_frame` checks it."""
    return _read_frame(Path(path), required=REQUIRED_EVENT_COLUMNS)


def _row(df: pd.DataFrame, i: int) -> int:
    """The row number of data row ``i`` (0-based) of ``df`` in messages, as a spreadsheet shows it: the
    header is row 1, blank rows count (`_read_frame` keeps their numbers in ``df.attrs["rows"]``)."""
    rows = df.attrs.get("rows")
    return int(rows[i]) if rows is not None else int(i) + 2


def _read_frame(path: Path, *, required: Sequence[str]) -> pd.DataFrame:
    """The file's table, its columns named as written (stripped), each name once; `required` (the columns
    the file type needs) is named when the file is empty."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise EventFileError(str(path), "file not found")
    if path.is_dir() and suffix not in (".parquet", ".pq"):
        raise EventFileError(str(path), "is a folder, not a file: give a .csv or .parquet file")
    try:
        if suffix == ".csv":
            options: dict[str, Any] = {
                "dtype": str,
                "keep_default_na": False,
                "na_values": [],
                "skipinitialspace": True,
                "skip_blank_lines": False,  # blank rows are dropped below, keeping the rows' numbers
            }
            from riskmodel.screening.fleet import (
                NotUtf8Error,
                OtherSeparatorError,
                comma_separated,
                decode_utf8,
            )

            try:
                text = decode_utf8(path.read_bytes(), str(path))
                comma_separated(text, str(path), instead="or give a .parquet file")
            except (NotUtf8Error, OtherSeparatorError) as exc:
                raise EventFileError(str(path), exc.problem.message, row=exc.problem.row) from None
            header = pd.read_csv(io.StringIO(text), header=None, nrows=1, **options)  # the names as written
            with warnings.catch_warnings():  # rows longer than the header would be dropped or shifted
                warnings.simplefilter("error", pd.errors.ParserWarning)
                df = pd.read_csv(io.StringIO(text), index_col=False, **options)
            if len(header):
                df.columns = [str(c) for c in header.iloc[0].tolist()][: len(df.columns)]
        elif suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        else:
            raise EventFileError(str(path), f"unsupported file type {suffix!r}: use .csv or .parquet")
    except EventFileError:
        raise
    except pd.errors.ParserWarning:
        raise EventFileError(
            str(path), "has rows with more fields than its header names: give one value per column"
        ) from None
    except FileNotFoundError:
        raise EventFileError(str(path), "file not found") from None
    except pd.errors.EmptyDataError:
        raise EventFileError(
            str(path), f"is empty: give a header row naming its columns (required: {', '.join(required)})"
        ) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        if suffix != ".csv":
            _unique_columns(_parquet_columns(path), str(path))  # (pyarrow's own words name its internals)
        from riskmodel.screening.fleet import UNCLOSED_QUOTE, unclosed_quote_row

        if (row := unclosed_quote_row(exc)) is not None:
            raise EventFileError(str(path), UNCLOSED_QUOTE, row=row) from None
        raise EventFileError(str(path), f"cannot be read: {exc}") from None
    df.columns = [str(c).strip() for c in df.columns]
    # columns with neither a name nor a value (trailing separators, as spreadsheets export them) are dropped
    blank = [
        k
        for k, name in enumerate(df.columns)
        if name == "" and df.iloc[:, k].map(lambda v: v is None or str(v).strip() in ("", "nan")).all()
    ]
    if blank:
        df = df.iloc[:, [k for k in range(df.shape[1]) if k not in blank]]
    # blank rows (no value in any cell) are skipped; every other row keeps its number as a spreadsheet
    # shows it (header = row 1)
    numbers = np.arange(len(df)) + 2
    if suffix == ".csv" and len(df):
        # (column by column: a Python call per cell cost 1.5 s a million rows, 4x the read itself)
        empty = df.apply(lambda c: c.fillna("").astype(str).str.strip()).eq("").all(axis=1).to_numpy()
        df, numbers = df[~empty], numbers[~empty]
    df.attrs["rows"] = numbers
    _unique_columns(df.columns, str(path))
    return df


def _unique_columns(names: Sequence[str], label: str) -> None:
    """Each column name once (names stripped, as `_read_frame` strips them)."""
    seen: dict[str, int] = {}
    for k, name in enumerate((str(n).strip() for n in names), start=1):
        if name in seen:
            raise EventFileError(
                label,
                f"columns {seen[name]} and {k} are both named {name!r}; each column may appear once",
                column=name,
            )
        seen[name] = k


def _parquet_columns(path: Path) -> list[str]:
    """The column names of a parquet file as written, or none when its schema cannot be read either."""
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names) if path.is_file() else []
    except (OSError, ValueError):
        return []


def _unread_columns(df: pd.DataFrame, known: Sequence[str], label: str) -> tuple[str, ...]:
    """The file's columns that are not among `known`, in file order. A column that looks like a known one
    the file lacks (`misspelt_columns`: ``sanctioned_eu`` for ``sanctioned_EU``, ``licenced`` for
    ``licensed``) is an error naming it: read as an unknown column it would leave the known one out."""
    misspelt = misspelt_columns(df.columns, known, set(df.columns))
    if misspelt:
        name, meant = misspelt[0]
        raise EventFileError(
            label,
            f"column {name!r} is not a column this file type reads but looks like {meant!r}, which the "
            f"file lacks: rename it {meant!r}, or give a column of your own a name unlike these "
            f"(columns: {', '.join(known)})",
            column=name,
        )
    return tuple(c for c in df.columns if c not in known)


def _has_losses(elt: EventLossTable, sources: Sequence[str]) -> bool:
    return bool((elt.summed(sources) != 0).any())


def _show(value: Any) -> str:
    """A file value for a message: strings quoted, numbers plain (never a numpy repr)."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _bad(mask: np.ndarray) -> tuple[int, int]:
    """The first row flagged in `mask` (0-based) and how many more are."""
    rows = np.flatnonzero(mask)
    return int(rows[0]), int(rows.size - 1)


def _numeric(df: pd.DataFrame, column: str, label: str, what: str = "a number") -> np.ndarray:
    """The column as float64; missing, NaN, non-numeric and infinite values are errors (the first row of
    the first kind found, how many more rows are of that kind, and how many hold another bad value), and
    so is a true/false column (pandas would read it as 0 and 1). `what` names what the column holds."""
    raw = df[column]
    if pd.api.types.is_bool_dtype(raw.dtype) and raw.notna().any():
        i, more = _bad(raw.notna().to_numpy())
        raise EventFileError(
            label, f"true/false value {raw.iloc[i]}, not {what}", row=_row(df, i), column=column, more=more
        )
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        rows = np.flatnonzero(bad)
        text = raw.iloc[rows].astype("string").fillna("").str.strip().to_numpy(dtype=object)
        kind = np.where(
            text == "",
            0,
            np.where(np.char.lower(text.astype(str)) == "nan", 1, np.where(np.isinf(values[rows]), 2, 3)),
        )
        i, first = int(rows[0]), int(kind[0])
        problem = {
            0: "missing value",
            1: "NaN is not allowed (missing value?)",
            2: f"infinite value {text[0]!r}",
            3: f"{text[0]!r} is not a number",
        }[first]
        if first == 3 and (
            nested := _nested(raw.iloc[i])
        ):  # (a parquet list or struct, as other columns say)
            problem = f"{nested}, not {what}"
        same = int((kind == first).sum()) - 1
        other = rows.size - 1 - same
        then = f"; {other:,} more row{'s' if other > 1 else ''} with another value that is not a number"
        raise EventFileError(
            label, problem, row=_row(df, i), column=column, more=same, then=then if other else ""
        )
    return values


def _whole(df: pd.DataFrame, column: str, label: str, below: int = _INT64_END) -> np.ndarray:
    """The column as int64: whole numbers >= 0 and below `below` (checked before the conversion, which
    would wrap a number beyond int64 to a negative one)."""
    values = _numeric(df, column, label, what="a whole number >= 0")
    bad = (values != np.floor(values)) | (values < 0)
    if bad.any():
        i, more = _bad(bad)
        problem = f"{_show(df[column].iloc[i])} is not a whole number >= 0"
        raise EventFileError(label, problem, row=_row(df, i), column=column, more=more)
    over = values >= float(below)
    if over.any():
        i, more = _bad(over)
        problem = f"{column} {_shown_whole(df[column].iloc[i])} is beyond the largest allowed, {below - 1:,}"
        raise EventFileError(label, problem, row=_row(df, i), column=column, more=more)
    return values.astype(np.int64)


def _shown_whole(value: Any) -> str:
    """A large whole number of a file as written (a CSV cell's digits, not their float64 rounding)."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float):
        return str(int(value)) if value < 2**53 else f"{value:g}"
    return str(value).strip()


def _text(df: pd.DataFrame, column: str, label: str, what: str, allowed: str) -> np.ndarray:
    """The column as stripped strings, "" where missing (each distinct value converted once: a run's
    event table repeats a few dozen names over millions of rows). A cell holding several values (a
    parquet list or struct) is an error: it is not `what`, `allowed` says what is."""
    try:
        codes, uniques = pd.factorize(df[column], use_na_sentinel=True)
    except TypeError:  # (unhashable cells: looked for only then, a Python call per cell)
        kinds = np.array([_nested(v) for v in df[column]], dtype=object)  # (the error path only)
        bad = np.array([k is not None for k in kinds], dtype=bool)
        if not bad.any():
            raise
        i = _first_bad(bad)
        more = int((kinds == kinds[i]).sum()) - 1
        problem = f"{kinds[i]}, not {what}; allowed: {allowed}"
        raise EventFileError(label, problem, row=_row(df, i), column=column, more=more) from None
    cleaned = np.array([*(str(u).strip() for u in uniques), ""], dtype=object)
    return cleaned[codes]  # (a missing cell has code -1: the "" at the end)


def _nested(value: Any) -> str | None:
    """What a cell holding several values is ("a list", "a struct"), or None for a single value."""
    if isinstance(value, dict):
        return "a struct"
    if isinstance(value, list | tuple | np.ndarray):
        return "a list"
    try:
        hash(value)
    except TypeError:
        return f"a {type(value).__name__}"
    return None


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` for strings, by hashing (sorting millions of strings is
    slow): the distinct values sorted, and each value's index among them."""
    codes, uniques = pd.factorize(values)
    names = np.asarray(uniques, dtype=str)
    order = np.argsort(names, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return names[order], rank[codes]


def _boolean(df: pd.DataFrame, column: str, label: str) -> np.ndarray:
    raw = df[column]
    if pd.api.types.is_bool_dtype(raw.dtype) and not raw.hasnans:  # (else: a null cell is '', as in a CSV)
        return raw.to_numpy(dtype=bool)
    text = np.char.lower(_text(df, column, label, "true/false", _BOOL_ALLOWED).astype(str))
    is_true, is_false = np.isin(text, list(_TRUE)), np.isin(text, list(_FALSE))
    bad = ~(is_true | is_false)
    if bad.any():
        i, more = _bad(bad)
        problem = f"{_show(raw.iloc[i]) if text[i] else repr('')} is not true/false; allowed: {_BOOL_ALLOWED}"
        raise EventFileError(label, problem, row=_row(df, i), column=column, more=more)
    return is_true


_CODE_FILES = {"segment": "segments.csv", "zone": "zones.csv", "flag": "states.csv"}


def _world_codes(column: str) -> dict[str, int]:
    """Name -> code (its index in the world reference data, as the simulation codes it) of a code column."""
    from riskmodel.world.loader import load_world

    world = load_world()
    names = {"segment": world.segment_codes, "zone": world.zone_codes, "flag": world.state_codes}[column]
    return {name: i for i, name in enumerate(names)}


def _unknown_code(column: str, name: str, table: Mapping[str, int]) -> str:
    """The problem text for a code the table lacks: the allowed codes and a did-you-mean."""
    import difflib

    known = list(table)
    upper = {k.upper(): k for k in known}
    if name.upper() in upper:
        close = [upper[name.upper()]]
    elif column == "flag" and len(known) > 50:
        from riskmodel.world.loader import load_world

        close = [c for c in load_world().suggest_state(name) if c in table]
    else:
        close = difflib.get_close_matches(name.upper(), known, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    return f"unknown {column} {name!r}{hint}; allowed: {_allowed_codes(column, table)}"


def _allowed_codes(column: str, table: Mapping[str, int]) -> str:
    """The codes a code column allows, in words (the states by their standard: there are about 200)."""
    known = list(table)
    if column == "flag" and len(known) > 50:
        allowed = (
            f"an ISO 3166-1 alpha-3 code of the {len(known)} states of the world reference data "
            f"({_CODE_FILES[column]}), upper case"
        )
    else:
        allowed = ", ".join(known)
    return f"{allowed}, or a blank cell for none"


def _ids(df: pd.DataFrame, column: str, label: str, n: int | None, bound: int) -> np.ndarray:
    """A trial or year column: whole numbers below the model's bound and the number asked for."""
    ids = _whole(df, column, label, below=bound)
    if n is not None and (ids >= n).any():
        i, more = _bad(ids >= n)
        problem = f"{column} {ids[i]} >= the {n} {column}s asked for"
        raise EventFileError(label, problem, row=_row(df, i), column=column, more=more)
    return ids


def _in_year(df: pd.DataFrame, label: str) -> np.ndarray:
    """The time column: the fraction of the year, in [0, 1)."""
    time = _numeric(df, "time", label)
    bad = (time < 0) | (time >= 1)
    if bad.any():
        i, more = _bad(bad)
        raise EventFileError(
            label, f"time {time[i]:g} is outside [0, 1)", row=_row(df, i), column="time", more=more
        )
    return time


def _losses(df: pd.DataFrame, label: str) -> np.ndarray:
    """The loss column: finite, >= 0 and at most `MAX_LOSS_USD_M`."""
    return _money(df, "loss", label, "losses")


def _money(df: pd.DataFrame, column: str, label: str, plural: str) -> np.ndarray:
    """A column of USD m amounts: finite, >= 0 and at most `MAX_LOSS_USD_M` (`plural` names them)."""
    values = _numeric(df, column, label)
    if (values < 0).any():
        i, more = _bad(values < 0)
        raise EventFileError(
            label, f"negative {column} {values[i]:g}", row=_row(df, i), column=column, more=more
        )
    if (values > MAX_LOSS_USD_M).any():
        i, more = _bad(values > MAX_LOSS_USD_M)
        raise EventFileError(
            label,
            f"{column} {values[i]:.12g} is above the largest allowed, {MAX_LOSS_USD_M:,.0f} ({plural} are in "
            "USD m)",
            row=_row(df, i),
            column=column,
            more=more,
        )
    return values


def _unknown_names(values: np.ndarray, unknown: Sequence[str]) -> tuple[int, int, str]:
    """The first row holding an unknown name, how many more rows hold that name, and the other unknown
    names (up to five, in order of appearance) as a clause of the message."""
    i = _first_bad(np.isin(values, unknown))
    more = int((values == values[i]).sum()) - 1
    others = [name for name in unknown if name != values[i]]
    shown = ", ".join(map(repr, others[:5])) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    return i, more, f"; also unknown: {shown}" if others else ""


def _known_sources(df: pd.DataFrame, source: np.ndarray, names: np.ndarray, label: str) -> None:
    """Every source a payer column: `names` are the column's distinct values (`_sorted_codes`)."""
    unknown = [str(name) for name in names if not is_valid_source(str(name))]
    if unknown:
        i, more, others = _unknown_names(source, unknown)
        raise EventFileError(
            label,
            f"unknown source {source[i]!r} (allowed: {all_source_names_hint()})",
            row=_row(df, i),
            column="source",
            more=more,
            then=others,
        )


def _known_codes(df: pd.DataFrame, column: str, table: Mapping[str, int], label: str) -> np.ndarray:
    """A code column's names ("" for a blank cell), each a code of `table`."""
    values = _text(df, column, label, "a code", _allowed_codes(column, table))
    unknown = [name for name in pd.unique(values) if name and name not in table]
    if unknown:
        i, more, others = _unknown_names(values, unknown)
        problem = _unknown_code(column, str(values[i]), table)
        raise EventFileError(label, problem, row=_row(df, i), column=column, more=more, then=others)
    return values


@dataclass(frozen=True, eq=False)
class _ParsedEvents:
    elt: EventLossTable
    event_id: np.ndarray  # per event: the file's event id, or the event's order of first appearance
    codes: dict[str, dict[str, int]]  # per code column in the file: name -> code
    columns: frozenset[str]
    repeated: int  # rows whose event already has a row of the same source (their losses are summed)
    ignored: tuple[str, ...] = ()  # columns of the file that are not event-file columns (not read)


def _events_from_frame(
    df: pd.DataFrame,
    *,
    label: str,
    n_trials: int | None,
    n_years: int | None,
    codes: Mapping[str, Mapping[str, int]] | None = None,
    attritional: Mapping[str, np.ndarray] | None = None,
    premium_base: Mapping[str, np.ndarray] | None = None,
) -> _ParsedEvents:
    for name, n in (("n_trials", n_trials), ("n_years", n_years)):
        if n is not None and (isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1):
            raise ValueError(f"{name} must be a whole number >= 1, got {n!r}")
    ignored = _unread_columns(df, EVENT_COLUMNS, label)
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in df.columns]
    if missing:
        raise EventFileError(
            label,
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            f"(required: {', '.join(REQUIRED_EVENT_COLUMNS)})",
        )
    df = df.reset_index(drop=True)
    # the columns' own problems, each column checked whatever the others hold
    found = _Collect()
    trial = found.run(_ids, df, "trial", label, n_trials, MAX_TRIALS)
    year = found.run(_ids, df, "year", label, n_years, MAX_YEARS)
    time = found.run(_in_year, df, label)
    loss = found.run(_losses, df, label)
    source = _text(df, "source", label, "a source name", all_source_names_hint())
    names, source_idx = _sorted_codes(source)
    found.run(_known_sources, df, source, names, label)
    has_event = "event" in df.columns
    event = found.run(_whole, df, "event", label, _EVENT_ID_END) if has_event else None
    code_tables: dict[str, dict[str, int]] = {}
    code_names: dict[str, np.ndarray] = {}
    for column in _CODE_COLUMNS:
        table = dict(codes[column]) if codes and column in codes else _world_codes(column)
        code_tables[column] = table  # (also without the column: a contract's shares name its codes)
        if column in df.columns:
            code_names[column] = found.run(_known_codes, df, column, table, label)
    flag_rows = {c: found.run(_boolean, df, c, label) for c in _BOOL_COLUMNS if c in df.columns}
    found.done()
    if n_trials is None:
        if not trial.size:
            raise EventFileError(
                label,
                "no events, so the number of trials is unknown: pass the number of trials "
                "(--trials N) to read it as N trials without losses",
            )
        n_trials = int(trial.max()) + 1
    if n_years is None:
        n_years = int(year.max()) + 1 if year.size else 1

    key_last = event if event is not None else time
    keys = pd.DataFrame({"trial": trial, "year": year, "k": key_last})
    event_of_row = keys.groupby(["trial", "year", "k"], sort=False).ngroup().to_numpy()
    n_events = int(event_of_row.max()) + 1 if event_of_row.size else 0
    first_row = np.zeros(n_events, np.int64)
    first_row[event_of_row[::-1]] = np.arange(event_of_row.size)[::-1]

    def per_event(values: np.ndarray, column: str) -> np.ndarray:
        """The value of each event, which every row of the event must repeat."""
        first = values[first_row]
        differs = values != first[event_of_row]
        if differs.any():
            i, more = _bad(differs)
            raise EventFileError(
                label,
                f"{_show(values[i])} differs from {_show(first[event_of_row[i]])} on row "
                f"{_row(df, first_row[event_of_row[i]])} of the same event",
                row=_row(df, i),
                column=column,
                more=more,
            )
        return first

    ev_time = found.run(per_event, time, "time")
    event_codes: dict[str, np.ndarray] = {}
    for column in _CODE_COLUMNS:
        if column not in code_names:
            event_codes[column] = np.full(n_events, -1, np.int64)
            continue
        names_of_event = found.run(per_event, code_names[column], column)
        if names_of_event is not None:
            mapped = pd.Series(names_of_event, dtype=object).map(code_tables[column])
            event_codes[column] = mapped.fillna(-1).to_numpy(np.int64)  # blank: -1
    flags = {c: found.run(per_event, rows, c) for c, rows in flag_rows.items()}
    found.done()

    losses = {
        str(name): np.bincount(
            event_of_row[source_idx == k], weights=loss[source_idx == k], minlength=n_events
        )
        for k, name in enumerate(names)
    }
    elt = EventLossTable(
        trial=trial[first_row],
        year=year[first_row],
        time=ev_time,
        losses=losses,
        segment=event_codes["segment"],
        zone=event_codes["zone"],
        flag=event_codes["flag"],
        sanctioned={b: flags[f"sanctioned_{b}"] for b in BLOCS if f"sanctioned_{b}" in flags},
        licensed=flags.get("licensed", np.zeros(n_events, bool)),
        attritional=dict(attritional or {}),
        premium_base=dict(premium_base or {}),
        trial_offset=0,
        n_trials=n_trials,
        n_years=n_years,
        unflagged_sources=THIRD_PARTY_SOURCES,  # (the flags mark the tanker, as in the world model)
    )
    elt.validate()
    event_id = event[first_row] if event is not None else np.arange(n_events, dtype=np.int64)
    pair = event_of_row.astype(np.int64) * len(names) + source_idx
    repeated = int(pair.size - pd.unique(pair).size)
    return _ParsedEvents(elt, event_id, code_tables, frozenset(df.columns), repeated, ignored)


def event_loss_table_from_frame(
    df: pd.DataFrame,
    *,
    label: str = "events",
    n_trials: int | None = None,
    n_years: int | None = None,
    codes: Mapping[str, Mapping[str, int]] | None = None,
    attritional: Mapping[str, np.ndarray] | None = None,
    premium_base: Mapping[str, np.ndarray] | None = None,
) -> EventLossTable:
    """Build a table from a long-format frame (one row per event and source), checking every value.

    Columns: ``trial``, ``year``, ``time``, ``source``, ``loss`` and optionally ``event`` (rows with the
    same trial, year and event are one event; without it, the same trial, year and time), ``segment``,
    ``zone``, ``flag`` (names, coded by ``codes[column]`` or else by the world reference data; blank: no
    code, -1), ``licensed`` and ``sanctioned_<bloc>``. Trials run from 0 to ``n_trials - 1`` (default: the
    largest trial id in the frame; an empty frame needs ``n_trials``), years likewise. Raises
    `EventFileError` naming ``label``, the row (header = row 1, first data row = row 2) and the column.

    >>> df = pd.DataFrame({"trial": [0, 0], "year": [0, 0], "time": [0.1, 0.4],
    ...                    "source": ["ig_pool", "ig_pool"], "loss": [8.0, 20.0]})
    >>> event_loss_table_from_frame(df).losses["ig_pool"]
    array([ 8., 20.])
    """
    return _events_from_frame(
        df,
        label=label,
        n_trials=n_trials,
        n_years=n_years,
        codes=codes,
        attritional=attritional,
        premium_base=premium_base,
    ).elt


def read_annual_file(
    path: str | Path,
    key: str,
    *,
    trial_offset: int = 0,
    n_trials: int,
    n_years: int,
    fill: float,
    check_name: Callable[[str], str | None] | None = None,
) -> dict[str, np.ndarray]:
    """Read a year-level input (premium bases with ``key="base"``, attritional losses with ``key="source"``).

    Columns: ``key``, ``amount`` and optionally ``year`` and ``trial``; in a file without the ``year``
    (``trial``) column each row applies to every year (trial); where the column is given, every row needs
    a value. Cells no row names take ``fill`` (NaN for premium bases, so a gap is an error when a
    contract uses the base). Sources must be payer columns; ``check_name(name)`` returns what is wrong
    with a name (an error naming its first row) or None. Returns key -> (n_trials, n_years) float64.
    """
    path = Path(path)
    label = str(path)
    df = _read_frame(path, required=(key, "amount")).reset_index(drop=True)
    columns = (key, "amount", "year", "trial")
    unknown = _unread_columns(df, columns, label)
    if unknown:
        raise EventFileError(
            label,
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} (columns: "
            f"{key}, amount, and optionally year and trial)",
            column=unknown[0],
        )
    missing = [c for c in (key, "amount") if c not in df.columns]
    if missing:
        raise EventFileError(
            label, f"missing column {', '.join(map(repr, missing))} (required: {key}, amount)"
        )
    if key == "source":
        names = _text(df, key, label, "a source name", all_source_names_hint())
    else:
        from riskmodel.scenario.checks import PREMIUM_BASES

        names = _text(df, key, label, "a premium base", ", ".join(PREMIUM_BASES) + ", scheme_premium:<id>")
    amount = _money(df, "amount", label, "amounts")
    for name in dict.fromkeys(map(str, names)):
        problem = None
        if key == "source" and not is_valid_source(name):
            problem = f"unknown source {name!r} (allowed: {all_source_names_hint()})"
        elif check_name is not None:
            problem = check_name(name)
        if problem:
            raise EventFileError(label, problem, row=_row(df, _first_bad(names == name)), column=key)
    has_trial, has_year = "trial" in df.columns, "year" in df.columns
    rows_t = _whole(df, "trial", label, trial_offset + MAX_TRIALS) - trial_offset if has_trial else None
    rows_y = _whole(df, "year", label, MAX_YEARS) if has_year else None
    if rows_t is not None and ((rows_t < 0) | (rows_t >= n_trials)).any():
        i = _first_bad((rows_t < 0) | (rows_t >= n_trials))
        raise EventFileError(
            label, "trial outside the trials of the event file", row=_row(df, i), column="trial"
        )
    if rows_y is not None and (rows_y >= n_years).any():
        i = _first_bad(rows_y >= n_years)
        raise EventFileError(
            label,
            f"year {rows_y[i]} >= the {n_years} years of the event file",
            row=_row(df, i),
            column="year",
        )
    cell_key = pd.DataFrame(
        {"k": names, "t": -1 if rows_t is None else rows_t, "y": -1 if rows_y is None else rows_y}
    )
    dup = cell_key.duplicated().to_numpy()
    if dup.any():
        i = _first_bad(dup)
        raise EventFileError(
            label, f"{key} {names[i]!r} is given twice for the same trial and year", row=_row(df, i)
        )
    out: dict[str, np.ndarray] = {}
    for name in np.unique(names.astype(str)):
        sel = names == name
        arr = np.full((n_trials, n_years), fill)
        t_idx = slice(None) if rows_t is None else rows_t[sel]
        y_idx = slice(None) if rows_y is None else rows_y[sel]
        if rows_t is None and rows_y is None:
            if sel.sum() > 1:
                raise EventFileError(label, f"{key} {name!r} is given twice", row=_row(df, _first_bad(sel)))
            arr[:, :] = amount[sel][0]
        elif rows_t is None:
            arr[:, y_idx] = amount[sel][None, :]
        elif rows_y is None:
            arr[t_idx, :] = amount[sel][:, None]
        else:
            arr[t_idx, y_idx] = amount[sel]
        out[str(name)] = arr
    return out


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _out_dir(out_dir: Path) -> None:
    """Check that the output folder is a folder, or can be made one, and is not a stored run's folder nor
    in one, whose ``ylt.parquet`` (and manifest) the tables would change (before any work is done)."""
    from riskmodel.store import overwrite_problem
    from riskmodel.tables import nearest_existing

    path = nearest_existing(out_dir)
    if not path.is_dir():
        where = "" if path == out_dir else f" (in the output folder {str(out_dir)!r})"
        raise EventFileError(
            str(path), f"is a file, not a folder{where}: give a folder for the output tables"
        )
    why = overwrite_problem(out_dir, instead="another folder for the output tables (ylt, plt)")
    if why is not None:
        raise EventFileError(str(out_dir), why)


def unceded_note(
    kind: str, sources: Collection[str], path: str | Path, contracts: Sequence[ContractTerms]
) -> str | None:
    """The note on the `sources` of a file (`kind`: its event sources, its attritional sources) that no
    contract cedes, each with the contract source the file lacks that it may be a misspelling of (a
    ``peril:strom`` for the contracts' ``peril:storm``: its losses go nowhere, and the contract cedes
    nothing); None when every source is ceded. (A run folder's files hold every payer column of the run,
    ceded or not: its caller gives no such note.)

    >>> c = ContractTerms("l1", ("peril:storm",), attachment=25, limit=50)
    >>> unceded_note("source", ["peril:strom", "owner"], "e.csv", [c])
    "sources 'peril:strom' (did you mean 'peril:storm'?), 'owner' in e.csv are ceded by no contract"
    >>> unceded_note("attritional source", ["peril:storm"], "a.csv", [c]) is None
    True
    """
    from riskmodel.scenario.errors import suggestion

    ceded = {s for c in contracts for s in c.sources}
    unused = [s for s in dict.fromkeys(sources) if s not in ceded]
    if not unused:
        return None
    lacked = sorted(ceded - set(sources))  # (what a misspelt source was meant to be: not in the file)
    shown = ", ".join(f"{s!r}{suggestion(s, lacked)}" for s in unused)
    many = len(unused) > 1
    return f"{kind}{'s' if many else ''} {shown} in {path} {'are' if many else 'is'} ceded by no contract"


def _premium_base_check(contracts: Sequence[ContractTerms]) -> Callable[[str], str | None]:
    """What is wrong with a base in the premium base file: None for a base a contract uses or one the model
    knows (then a note), else the problem, listing the bases the contracts use."""
    from riskmodel.scenario.checks import PREMIUM_BASES, is_premium_base

    used = sorted({c.premium_base for c in contracts if c.premium_rate is not None and c.premium_base})

    def check(name: str) -> str | None:
        if name in used or is_premium_base(name):
            return None
        if used:
            uses = "the portfolio's contracts use " + ", ".join(map(repr, used))
        else:
            uses = "no contract of the portfolio has a rated premium"
        known = ", ".join(PREMIUM_BASES) + ", scheme_premium:<id>"
        return f"unknown premium base {name!r}: {uses} (premium bases of the model: {known})"

    return check


def _check_materiality(contracts: Sequence[ContractTerms], threshold: float, label: str) -> None:
    """Refuse a per-occurrence XoL that would miss the layer losses of events below `threshold`, and a
    quota share whose per-event limit is below what such an event cedes (as a scenario does)."""
    from riskmodel.scenario.checks import (
        default_world_codes,
        quota_share_limit_problem,
        xol_materiality_problem,
    )

    retention = default_world_codes().ig_retention
    for c in contracts:
        share = max([c.cedant_share, *c.shares.values()])
        if c.kind == "quota_share" and math.isfinite(c.limit):
            key, value = "limit_usd_m", f"limit {c.limit:g}"
            problem = quota_share_limit_problem(
                c.sources, c.limit, share, threshold, retention, quota=c.quota or 1.0, run=True
            )
        elif c.kind == "xol":
            key, value = "attachment_usd_m", f"attachment {c.attachment:g}"
            problem = xol_materiality_problem(c.sources, c.attachment, share, threshold, retention, run=True)
        else:
            continue
        if problem:
            raise EventFileError(
                label,
                f"contracts.{c.id}.{key}: {value} {problem}; the run's event table holds only events of at "
                f"least USD {threshold:g}m",
            )


def _third_party_flag_notes(elt: EventLossTable, contracts: Sequence[ContractTerms], path: Path) -> list[str]:
    """A note per sanctions clause whose contract cedes flagged losses it does not block: a flag marks the
    tanker, so payments to third parties (`payers.THIRD_PARTY_SOURCES`) are never blocked."""
    notes = []
    for c in contracts:
        flags = elt.sanctioned.get(c.reinsurer_bloc or "")
        if not c.sanctions_clause or flags is None or not flags.any():
            continue
        spared = sorted(s for s in c.sources if s in THIRD_PARTY_SOURCES and s in elt.losses)
        n = int(sum(((elt.losses[s] > 0) & flags).sum() for s in spared))
        if n:
            notes.append(
                f"contract {c.id!r}: {n} flagged loss{'es' if n > 1 else ''} on {', '.join(spared)} in "
                f"{path} {'are' if n > 1 else 'is'} not blocked by its sanctions clause: a "
                f"sanctioned_{c.reinsurer_bloc} flag marks the tanker, and these sources pay third parties "
                "(the Funds, the other ship, the claimants, the IG tower for a counterparty)"
            )
    return notes


def apply_terms_to_run(
    run_dir: str | Path,
    portfolio: str | Path | Portfolio | Sequence[ContractTerms],
    out_dir: str | Path,
    *,
    fmt: Literal["csv", "parquet"] = "csv",
) -> ApplyTermsResult:
    """`apply_terms_to_file` on a run folder saved with its events (`riskmodel.store.event_inputs`): its
    event table, attritional losses and premium bases, with the run's trials, years and materiality
    threshold. With the run's own portfolio it writes the run's year loss table again (to the dollar in
    CSV, value for value in parquet); with other terms, what a run with them would give at the same seed.
    """
    from riskmodel.store import event_inputs

    run = event_inputs(run_dir)
    result = apply_terms_to_file(
        run["events"],
        portfolio,
        out_dir,
        fmt=fmt,
        premium_base_path=run["premium_base"],
        attritional_path=run["attritional"],
        n_trials=run["n_trials"],
        n_years=run["n_years"],
        materiality_usd_m=run["materiality_usd_m"],
        run_folder=True,
        scenario_sources=run["sources"],
        listed=run["listed"],
    )
    if not run["same_model"]:
        result.notes.append(
            f"{run_dir} was computed by another version of the model: its events are re-priced under this "
            "version's rules for contract terms, so its own portfolio may not give back its year loss table"
        )
    return result


@dataclass(eq=False)
class ApplyTermsResult:
    """What `apply_terms_to_file` wrote and computed."""

    paths: dict[str, Path]
    notes: list[str]
    results: PortfolioYearLosses
    contracts: list[ContractTerms]


def apply_terms_to_file(
    events_path: str | Path,
    portfolio: str | Path | Portfolio | Sequence[ContractTerms],
    out_dir: str | Path,
    *,
    fmt: Literal["csv", "parquet"] = "csv",
    premium_base_path: str | Path | None = None,
    attritional_path: str | Path | None = None,
    n_trials: int | None = None,
    n_years: int | None = None,
    materiality_usd_m: float | None = None,
    run_folder: bool = False,
    scenario_sources: Collection[str] | None = None,
    listed: Mapping[str, Collection[str]] | None = None,
) -> ApplyTermsResult:
    """Deterministic terms mode: apply a portfolio to an event file and write the YLT and PLT.

    ``portfolio`` is a portfolio YAML path (read with `riskmodel.scenario.load_portfolio`), a loaded
    `Portfolio`, or `ContractTerms`. Writes ``ylt.<fmt>`` (per trial, year and contract: ceded loss,
    premium, reinstatement premium, …) and ``plt.<fmt>`` (per event and contract with a recovery), both
    declared in `riskmodel.tables`. The output folder and the event file are checked before the portfolio
    is read; malformed input raises `EventFileError` (the module docstring states the rules). Notes say
    when ``n_trials``/``n_years`` were taken from the file, which events take a default cedant share for
    a blank code, which premium bases no contract uses, and which contract sources are absent from the
    file (they cede nothing).

    ``materiality_usd_m``: the file holds only events whose damage reached this threshold (a run's event
    table): a per-occurrence XoL attaching below it on a source of the world model is an error, as in a
    scenario (`riskmodel.scenario.checks.xol_materiality_problem`). ``run_folder``: the inputs are a run
    folder's (`apply_terms_to_run`): no notes on its premium bases and attritional sources that the
    portfolio does not use. ``scenario_sources``: the payer columns the run's scenario produces: as in the
    run, a contract on none of them is not written (no premium), and a rated contract on a premium base
    the run does not have (its premium base file holds every base of the run) earns none. ``listed``:
    bloc → the payer columns whose payee that bloc lists (the run's `scenario_listings`): a contract of
    that bloc with a sanctions clause has them blocked on every event, as in the run. A bare event file
    (no run folder) carries no listing: pass `listed` to apply one.
    """
    from riskmodel import tables

    events_path, out_dir = Path(events_path), Path(out_dir)
    _out_dir(out_dir)
    parsed = _events_from_frame(
        _read_frame(events_path, required=REQUIRED_EVENT_COLUMNS),
        label=str(events_path),
        n_trials=n_trials,
        n_years=n_years,
    )
    share_by: dict[str, tuple[str | None, tuple[str, ...]]]  # contract → (code column, sources)
    portfolio_label = str(portfolio) if isinstance(portfolio, str | Path) else "portfolio"
    if isinstance(portfolio, Sequence) and not isinstance(portfolio, str):
        share_by = {c.id: (c.share_by, tuple(c.sources)) for c in portfolio}
    else:
        if isinstance(portfolio, str | Path):
            from riskmodel.scenario import load_portfolio

            portfolio = load_portfolio(Path(portfolio))
        share_by = {
            cid: (getattr(c.cedant_share, "by", None), tuple(c.sources))
            for cid, c in portfolio.contracts.items()
        }
    for cid, (by, sources) in share_by.items():
        # (a contract whose sources have no loss in the file needs no codes: it cedes nothing here)
        if by is not None and by not in parsed.columns and _has_losses(parsed.elt, sources):
            raise EventFileError(
                str(events_path),
                f"missing column {by!r}, which contract {cid!r} needs: its cedant share is by {by} "
                f"(add a {by} column; a blank cell takes the contract's default share)",
            )
    contracts: list[ContractTerms]
    if isinstance(portfolio, Sequence) and not isinstance(portfolio, str):
        contracts = list(portfolio)
    else:
        contracts = portfolio_terms(portfolio, parsed.codes)
    if listed:
        contracts = [with_listings(c, listed) for c in contracts]
    if materiality_usd_m is not None:
        _check_materiality(contracts, materiality_usd_m, portfolio_label)
    elt = parsed.elt
    dims = {"n_trials": elt.n_trials, "n_years": elt.n_years}
    notes: list[str] = []
    from riskmodel.store import EVENT_FILES, MANIFEST

    if (
        not run_folder
        and events_path.name == EVENT_FILES["events"]
        and (events_path.parent / MANIFEST).is_file()
    ):
        notes.append(
            f"{events_path} is a run folder's event table: give the folder (--events {events_path.parent}) "
            "to take its attritional losses, premium bases, trials and years with it"
        )
    if n_trials is None:
        notes.append(
            f"--trials not given: {_count(elt.n_trials, 'trial')}, 0..{elt.n_trials - 1}, up to the largest "
            f"trial id in {events_path}; trials without events count as zero-loss only up to that id, so "
            "if the file leaves out zero-loss trials at the end the means are overstated: pass --trials"
        )
    if n_years is None:
        notes.append(
            f"--years not given: {_count(elt.n_years, 'policy year')}, "
            f"0..{elt.n_years - 1}, up to the largest year in {events_path}; pass --years if later years "
            "have no events"
        )
    if premium_base_path is not None:
        elt.premium_base = read_annual_file(
            premium_base_path, "base", fill=np.nan, check_name=_premium_base_check(contracts), **dims
        )
        used = {c.premium_base for c in contracts if c.premium_rate is not None}
        unused = [repr(b) for b in elt.premium_base if b not in used]
        if unused and not run_folder:
            notes.append(
                f"premium base{'s' if len(unused) > 1 else ''} {', '.join(unused)} in {premium_base_path} "
                f"{'are' if len(unused) > 1 else 'is'} used by no contract"
            )
    if not run_folder and (note := unceded_note("source", elt.losses, events_path, contracts)):
        notes.append(note)
    if attritional_path is not None:
        elt.attritional = read_annual_file(attritional_path, "source", fill=0.0, **dims)
        if not run_folder and (
            note := unceded_note("attritional source", elt.attritional, attritional_path, contracts)
        ):
            notes.append(note)
    unwritten: set[str] = set()  # (contracts on none of the run's columns: said once, here)
    if scenario_sources is not None:  # (the run's rule, so its own portfolio gives back its year loss table)
        written = [as_written(c, scenario_sources, elt.premium_base, "the run's scenario") for c in contracts]
        contracts = [c for c, _ in written]
        notes += [why for _, why in written if why is not None]
        unwritten = {c.id for c in contracts if not written_on(c, scenario_sources)}
    for c in validate_portfolio(contracts):
        if c.premium_rate is not None:
            base = elt.premium_base.get(c.premium_base or "")
            if base is None:
                raise EventFileError(
                    str(premium_base_path or events_path),
                    f"contract {c.id!r} has a premium rate on base {c.premium_base!r}, which is not given "
                    "(pass a premium base file with columns base, amount[, year][, trial])",
                )
            if np.isnan(base).any():
                t, y = np.argwhere(np.isnan(base))[0]
                raise EventFileError(
                    str(premium_base_path),
                    f"premium base {c.premium_base!r} has no amount for trial {t + elt.trial_offset}, "
                    f"year {y}",
                )
    for c in contracts:
        if c.share_by is not None and c.share_by in parsed.columns:
            own = elt.summed(c.sources) > 0  # only the contract's own events take its share
            blank = int(((getattr(elt, c.share_by) < 0) & own).sum())
            if blank:
                notes.append(
                    f"contract {c.id!r}: {blank} event{'s' if blank > 1 else ''} in {events_path} "
                    f"{'have' if blank > 1 else 'has'} a blank {c.share_by}; the default cedant share "
                    f"{c.cedant_share:g} applies"
                )

    from riskmodel.scenario.checks import portfolio_notes

    book = {
        "contracts": {
            c.id: {
                "type": c.kind,
                "participation": c.participation,
                "quota": c.quota,
                "inures": list(c.inures),
                "limit_usd_m": c.limit,
                "aggregate_limit_usd_m": c.aggregate_limit,
                "reinstatements": [{"rate": r} for r in c.reinstatement_rates],
            }
            for c in contracts
        }
    }
    notes += [f"{portfolio_label}: {p.dotted_path}: {p.message}" for p in portfolio_notes(book)]
    if parsed.ignored:
        notes.append(
            f"{events_path}: column{'s' if len(parsed.ignored) > 1 else ''} "
            f"{', '.join(map(repr, parsed.ignored))} {'are' if len(parsed.ignored) > 1 else 'is'} not read "
            f"(an event file's columns: {', '.join(EVENT_COLUMNS)})"
        )
    if parsed.repeated and "event" not in parsed.columns:
        notes.append(
            f"{_count(parsed.repeated, 'row')} of {events_path} "
            f"{'repeats' if parsed.repeated == 1 else 'repeat'} the source of an earlier row at the "
            "same trial, year and time: rows at one time are one occurrence, so their losses are summed "
            "(give an event column to keep events apart)"
        )
    unflagged: dict[str, list[str]] = {}
    for c in contracts:
        if c.sanctions_clause and c.reinsurer_bloc is not None and c.reinsurer_bloc not in elt.sanctioned:
            unflagged.setdefault(c.reinsurer_bloc, []).append(repr(c.id))
    if not run_folder:  # (a run's own table: the engine's rule, nothing to explain)
        notes += _third_party_flag_notes(elt, contracts, events_path)
    notes += [
        f"{events_path} has no sanctioned_{bloc} column: the sanctions clauses answering to the {bloc} "
        f"(contract{'s' if len(ids) > 1 else ''} {', '.join(ids)}) block nothing"
        for bloc, ids in unflagged.items()
    ]
    notes += [
        f"contract {cid!r}: source {s!r} has no losses in {events_path}; it cedes nothing from it"
        for cid, missing in absent_sources(elt, contracts).items()
        if cid not in unwritten  # (said above)
        for s in missing
    ]
    results = apply_portfolio(elt, contracts, keep_event_ceded=True)

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EventFileError(
            str(out_dir), f"cannot create the output folder: {exc.strerror or exc}"
        ) from None
    paths = {
        "ylt": out_dir / f"ylt.{fmt}",
        "plt": out_dir / f"plt.{fmt}",
    }
    tables.write_table("ylt", ylt_frame(results, trial_offset=elt.trial_offset), paths["ylt"])
    tables.write_table("plt", plt_frame(results, elt, event_id=parsed.event_id), paths["plt"])
    return ApplyTermsResult(paths, notes, results, contracts)


# ------------------------------------------------------------------------------------- output tables
def ylt_frame(results: Mapping[str, ContractYearLosses], *, trial_offset: int = 0) -> pd.DataFrame:
    """Year loss table (`riskmodel.tables` "ylt"): a row per trial, year and contract, contracts in order."""
    frames = []
    for cid, r in results.items():
        n_trials, n_years = r.loss.shape
        frames.append(
            pd.DataFrame(
                {
                    "trial": np.repeat(np.arange(n_trials, dtype=np.int64) + trial_offset, n_years),
                    "year": np.tile(np.arange(n_years, dtype=np.int64), n_trials),
                    "contract": cid,
                    "loss": r.loss.ravel(),
                    "premium": r.premium.ravel(),
                    "reinstatement_premium": r.reinstatement_premium.ravel(),
                    "result": r.result.ravel(),
                    "max_event_loss": r.max_event_loss.ravel(),
                    "blocked_delayed": r.blocked_delayed.ravel(),
                    "blocked_permanent": r.blocked_permanent.ravel(),
                }
            )
        )
    if not frames:
        from riskmodel import tables

        return tables.empty_frame("ylt")
    return pd.concat(frames, ignore_index=True)


def plt_frame(
    results: Mapping[str, ContractYearLosses], elt: EventLossTable, *, event_id: np.ndarray | None = None
) -> pd.DataFrame:
    """Period loss table (`riskmodel.tables` "plt"): events with a recovery or a reinstatement premium.

    Needs results computed with ``keep_event_ceded=True``. Rows in (contract, trial, year, time) order.
    """
    from riskmodel import tables

    order = elt._order
    ids = np.arange(elt.n_events, dtype=np.int64) if event_id is None else np.asarray(event_id, np.int64)
    frames = []
    for cid, r in results.items():
        if r.event_ceded is None or r.event_reinstatement_premium is None:
            raise ValueError(f"contract {cid!r}: computed without keep_event_ceded=True")
        loss = order.sort(r.event_ceded)
        rp = order.sort(r.event_reinstatement_premium)
        keep = (loss > 0) | (rp > 0)
        frames.append(
            pd.DataFrame(
                {
                    "trial": order.sort(elt.trial)[keep],
                    "year": order.sort(elt.year)[keep],
                    "event": order.sort(ids)[keep],
                    "time": order.sort(elt.time)[keep],
                    "contract": cid,
                    "loss": loss[keep],
                    "reinstatement_premium": rp[keep],
                }
            )
        )
    if not frames:
        return tables.empty_frame("plt")
    return pd.concat(frames, ignore_index=True)
