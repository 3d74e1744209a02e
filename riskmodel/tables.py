"""Output tables, each declared once as data; writers, readers and docs/outputs.md derive from it.

In: pandas frames built by the engine, `riskmodel.metrics` and the deterministic terms mode. Out: CSV or
parquet files whose columns, dtypes and number formats are those declared here, and the Markdown of
docs/outputs.md (`render_docs`; regenerate with ``python -m riskmodel.tables > docs/outputs.md``).

Names follow the Oasis Open Results Data (ORD) standard where it has one: PLT (period loss table), ALT
(average loss table), EPT (exceedance probability table, with the ORD EPType codes 1 OEP, 2 OEP TVaR,
3 AEP, 4 AEP TVaR); the YLT (year loss table), the payer ledger and the sanctions exposure table are our
own. Column names are snake_case rather than ORD's CamelCase.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.metrics import EP_TYPE_NAMES, HORIZON_TOTAL
from riskmodel.reinsurance.terms import BLOCS

__all__ = [
    "TABLES",
    "Column",
    "TableSpec",
    "conform",
    "empty_frame",
    "nearest_existing",
    "read_table",
    "render_docs",
    "spec",
    "write_table",
]

MONEY = "%.6f"  # USD m to the dollar
RATIO = "%.8g"
INT = "%d"
TEXT = "%s"
FLAG = "%s"


@dataclass(frozen=True)
class Column:
    """One column: name, numpy dtype (``object`` for text), description and CSV format."""

    name: str
    dtype: str
    description: str
    fmt: str

    @property
    def is_text(self) -> bool:
        return self.dtype == "object"


@dataclass(frozen=True)
class TableSpec:
    """One output table: file stem, title, what a row is, its key and its columns."""

    name: str
    title: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _cols(*rows: tuple[str, str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*r) for r in rows)


_TRIAL = ("trial", "int64", "Global trial index (0-based).", INT)
_YEAR_WORDS = (
    "Policy year: in files its index, 0 = the horizon's start year (`start_year` in the run's manifest.json; "
    "an event file's own index in apply-terms outputs); in `Results` frames the calendar year"
)
_YEAR = ("year", "int64", f"{_YEAR_WORDS}.", INT)
_YEAR_OR_HORIZON = (
    "year",
    "int64",
    f"{_YEAR_WORDS}; {HORIZON_TOTAL} = the horizon total in both (losses summed over its years; for an OEP, "
    "the horizon's largest event).",
    INT,
)
_CONTRACT = ("contract", "object", "Contract id from the portfolio file.", TEXT)
_SOURCE = ("source", "object", "Payer column (cession source), see riskmodel/payers.py.", TEXT)

_EP_CODES = ", ".join(f"{k} {v}" for k, v in EP_TYPE_NAMES.items())

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "ylt",
            "YLT: year loss table",
            "One row per trial, policy year and contract: what the contract cedes and earns. Portfolio "
            "figures are sums of these rows per trial and year, never sums of quantiles.",
            ("trial", "year", "contract"),
            _cols(
                _TRIAL,
                _YEAR,
                _CONTRACT,
                (
                    "loss",
                    "float64",
                    "Ceded loss paid by the reinsurer (its participation), USD m; includes "
                    "delayed sanctions blocks, excludes permanent ones.",
                    MONEY,
                ),
                ("premium", "float64", "Annual premium (fixed or rate × premium base), USD m.", MONEY),
                (
                    "reinstatement_premium",
                    "float64",
                    "Reinstatement premiums earned in the year, USD m.",
                    MONEY,
                ),
                ("result", "float64", "premium + reinstatement_premium − loss, USD m.", MONEY),
                (
                    "max_event_loss",
                    "float64",
                    "Largest ceded event of the year (basis of the OEP), USD m.",
                    MONEY,
                ),
                (
                    "blocked_delayed",
                    "float64",
                    "Ceded loss blocked by sanctions and licensed later (still in `loss`), USD m.",
                    MONEY,
                ),
                (
                    "blocked_permanent",
                    "float64",
                    "Ceded loss blocked by sanctions for good (kept by the cedant, not in `loss`), USD m.",
                    MONEY,
                ),
            ),
        ),
        TableSpec(
            "plt",
            "PLT: period loss table",
            "One row per event and contract with a recovery or a reinstatement premium, in time order "
            "within each trial-year (ORD PLT; a period is one policy year of one trial). Events with nothing "
            "ceded are omitted, and so are the attritional losses a quota share or stop loss cedes in "
            "aggregate: a trial-year's rows sum to its `ylt` loss less that attritional cession.",
            ("contract", "trial", "year", "event"),
            _cols(
                _TRIAL,
                _YEAR,
                (
                    "event",
                    "int64",
                    "Event id (the event file's `event`, or the event's order of appearance).",
                    INT,
                ),
                ("time", "float64", "Time of the event within the policy year, in [0, 1).", "%.8f"),
                _CONTRACT,
                (
                    "loss",
                    "float64",
                    "Ceded loss paid on this event, after the aggregate terms, participation "
                    "and permanent sanctions blocks, USD m.",
                    MONEY,
                ),
                (
                    "reinstatement_premium",
                    "float64",
                    "Reinstatement premium due on this event's recovery, USD m.",
                    MONEY,
                ),
            ),
        ),
        TableSpec(
            "elt",
            "ELT: event loss table with the payer split",
            "One row per event and payer column with a loss (long format): who pays how much of each event. "
            "The same layout is the input of `riskmodel apply-terms`.",
            ("trial", "year", "event", "source"),
            _cols(
                _TRIAL,
                _YEAR,
                (
                    "event",
                    "int64",
                    "The event's row in the run's event table: unique in the run, whatever the chunks.",
                    INT,
                ),
                ("time", "float64", "Time of the event within the policy year, in [0, 1).", "%.8f"),
                _SOURCE,
                ("loss", "float64", "Amount this payer bears for the event, USD m.", MONEY),
                ("segment", "object", "Fleet segment of the vessel (empty for perils without one).", TEXT),
                ("zone", "object", "Sea zone of the event (empty for perils without one).", TEXT),
                ("flag", "object", "Flag state, ISO3 (empty for perils without one).", TEXT),
                (
                    "licensed",
                    "bool",
                    "A sanctions block of this event is licensed and paid later (a delayed block).",
                    FLAG,
                ),
                *(
                    (
                        f"sanctioned_{bloc}",
                        "bool",
                        f"A payment for the tanker of this event by a payer answering to the {bloc} is "
                        "exposed to sanctions (designated vessel or scheme); not for payments to third "
                        "parties (riskmodel/payers.py `THIRD_PARTY_SOURCES`).",
                        FLAG,
                    )
                    for bloc in BLOCS
                ),
            ),
        ),
        TableSpec(
            "attritional",
            "Attritional losses: each source's losses below the materiality threshold",
            "One row per trial, policy year and payer column with losses below the materiality threshold "
            "(summed; they are not in the event loss table). With `elt` and `premium_bases` it is the input "
            "of `riskmodel apply-terms` (`--attritional`).",
            ("trial", "year", "source"),
            _cols(
                _TRIAL,
                _YEAR,
                _SOURCE,
                ("amount", "float64", "Sum of the source's losses below the threshold, USD m.", MONEY),
            ),
        ),
        TableSpec(
            "premium_bases",
            "Premium bases of the run",
            "One row per trial, policy year and premium base: what a contract rated on the base multiplies "
            "its rate by (`riskmodel apply-terms --premium-base`).",
            ("trial", "year", "base"),
            _cols(
                _TRIAL,
                _YEAR,
                (
                    "base",
                    "object",
                    "Premium base: `ig_gxl_premium`, `hm_western_premium`, `scheme_premium:<id>`, ....",
                    TEXT,
                ),
                ("amount", "float64", "The base's amount, USD m.", MONEY),
            ),
        ),
        TableSpec(
            "alt",
            "ALT: average loss table",
            "Average annual ceded loss with its Monte Carlo error, per contract, per policy year and for the "
            "horizon total (ORD ALT/ALCT).",
            ("contract", "year"),
            _cols(
                _CONTRACT,
                _YEAR_OR_HORIZON,
                ("n_trials", "int64", "Number of trials.", INT),
                (
                    "mean_loss",
                    "float64",
                    "Average annual loss (AAL), USD m; on the horizon row the mean horizon total.",
                    MONEY,
                ),
                (
                    "sd_loss",
                    "float64",
                    "Standard deviation over trials of the annual loss (the horizon total), USD m.",
                    MONEY,
                ),
                (
                    "standard_error",
                    "float64",
                    "Monte Carlo standard error of the mean: sd_loss / √n_trials.",
                    MONEY,
                ),
                ("relative_error", "float64", "standard_error / mean_loss.", RATIO),
                (
                    "ci_lower",
                    "float64",
                    "Lower end of the normal confidence interval of the mean (at least 0: the losses are "
                    "never negative), USD m.",
                    MONEY,
                ),
                (
                    "ci_upper",
                    "float64",
                    "Upper end of the normal confidence interval of the mean, USD m.",
                    MONEY,
                ),
                ("converged", "bool", "standard_error ≤ the relative error asked for × mean_loss.", FLAG),
            ),
        ),
        TableSpec(
            "ept",
            "EPT: exceedance probability table",
            "Loss at each return period, per contract, per policy year and for the horizon total, with EP "
            f"type codes as in ORD ({_EP_CODES}). OEP from each year's largest ceded event, AEP from annual "
            "totals; the loss is the lower quantile at 1 − 1/return_period and TVaR the mean beyond it.",
            ("contract", "year", "ep_type", "return_period"),
            _cols(
                _CONTRACT,
                _YEAR_OR_HORIZON,
                ("ep_type", "int64", f"EP type (ORD EPType): {_EP_CODES}.", INT),
                (
                    "return_period",
                    "float64",
                    "Return period in years, on the horizon row in horizons (exceedance probability "
                    "1/return_period).",
                    "%g",
                ),
                ("loss", "float64", "Loss (or TVaR) at the return period, USD m.", MONEY),
                (
                    "ci_lower",
                    "float64",
                    "Lower end of the confidence interval (order statistics for OEP/AEP, -inf if "
                    "unbounded; normal with the TVaR standard error for the TVaRs, at least 0), USD m.",
                    MONEY,
                ),
                (
                    "ci_upper",
                    "float64",
                    "Upper end of the confidence interval, USD m; inf if too few trials (a limit several "
                    "trials reach is no ceiling: it stays inf at a point mass at the top too).",
                    MONEY,
                ),
                (
                    "converged",
                    "bool",
                    "The standard error (for OEP/AEP the interval's half-width over the normal z) ≤ the "
                    "relative error asked for × loss.",
                    FLAG,
                ),
            ),
        ),
        TableSpec(
            "metrics",
            "Summary metrics with errors and convergence",
            "AAL, SD, probability of any loss, VaR and TVaR at chosen levels, per contract (and portfolio), "
            "per policy year and for the horizon total, each with a standard error, an interval and a "
            "convergence verdict.",
            ("contract", "year", "metric", "level"),
            _cols(
                _CONTRACT,
                _YEAR_OR_HORIZON,
                (
                    "metric",
                    "object",
                    "aal, sd, prob_any_loss, var or tvar; on the horizon rows (-1), of the horizon total: "
                    "aal is the mean total of the horizon's years, not an annual average.",
                    TEXT,
                ),
                ("level", "float64", "Level p of var and tvar (empty otherwise).", RATIO),
                ("estimate", "float64", "The metric, USD m (a probability for prob_any_loss).", MONEY),
                (
                    "standard_error",
                    "float64",
                    "Monte Carlo standard error (for var: interval half-width / z, exactly 0 where both "
                    "ends are one point mass the trials reach; infinite where the trials cannot bound the "
                    "quantile above, for var and tvar alike, a point mass at the top or not; for "
                    "prob_any_loss √(p(1 − p)/n), at a share of 0 or 1 the Wilson interval's "
                    "half-width / z).",
                    MONEY,
                ),
                (
                    "ci_lower",
                    "float64",
                    "Lower end of the confidence interval: for var the order statistics', for "
                    "prob_any_loss Wilson's score interval's (within 0 and 1, exactly 0 at a share of "
                    "0), for aal, sd and tvar the normal estimate − z × standard_error, at least 0.",
                    MONEY,
                ),
                (
                    "ci_upper",
                    "float64",
                    "Upper end of the confidence interval, as ci_lower's (prob_any_loss's at most 1, "
                    "exactly 1 at a share of 1).",
                    MONEY,
                ),
                ("converged", "bool", "standard_error ≤ the relative error asked for × |estimate|.", FLAG),
            ),
        ),
        TableSpec(
            "payer_ledger",
            "Payer ledger: who pays for incidents",
            "Mean amount each payer column bears in each policy year and over the whole horizon (the horizon "
            "row sums its years: divide by the number of years for an annual average), over all events "
            "(material and attritional).",
            ("year", "payer"),
            _cols(
                _YEAR_OR_HORIZON,
                ("payer", "object", "Payer column, see riskmodel/payers.py.", TEXT),
                (
                    "mean_paid",
                    "float64",
                    "Mean amount borne in the policy year (on the horizon row, over the horizon), USD m.",
                    MONEY,
                ),
                ("sd_paid", "float64", "Standard deviation over trials, USD m.", MONEY),
                ("standard_error", "float64", "Monte Carlo standard error of mean_paid, USD m.", MONEY),
                ("share_of_damage", "float64", "mean_paid / mean total damage of all payers.", RATIO),
            ),
        ),
        TableSpec(
            "sanctions_exposure",
            "Sanctions exposure",
            "Per contract and policy year: premium and limit linked to sanctioned or at-risk tonnage, and "
            "ceded claims blocked by sanctions clauses (delayed and permanent apart). The horizon row sums "
            "the years' premium and blocks; its limit stays annual.",
            ("contract", "year"),
            _cols(
                _CONTRACT,
                _YEAR_OR_HORIZON,
                (
                    "exposed_premium",
                    "float64",
                    "Mean premium from sanctioned or at-risk tonnage in the year (on the horizon row, over "
                    "the horizon), USD m.",
                    MONEY,
                ),
                (
                    "exposed_limit",
                    "float64",
                    "Most the line pays in a year on sanctioned or at-risk sources (its annual limit × the "
                    "share of such sources; inf when unlimited), USD m; annual on the horizon row too.",
                    MONEY,
                ),
                (
                    "mean_blocked_delayed",
                    "float64",
                    "Mean ceded loss blocked and licensed later in the year (on the horizon row, over the "
                    "horizon), USD m.",
                    MONEY,
                ),
                (
                    "mean_blocked_permanent",
                    "float64",
                    "Mean ceded loss blocked for good in the year (on the horizon row, over the horizon), "
                    "USD m.",
                    MONEY,
                ),
                ("prob_any_block", "float64", "Share of trials with any blocked ceded loss.", RATIO),
            ),
        ),
        TableSpec(
            "comparison",
            "Comparison: a scenario against the run it is compared with",
            "One row per figure of either run: its annual mean in each run, the difference with its "
            "common-random-number (paired) standard error, the standard error it would have with "
            "independent seeds, and how far it is beyond its error. A figure only one run has (a scheme's "
            "payers, a contract the other does not write) counts as zero in the other. Each row's unit says "
            "what it is in and whose figure it is: the contracts' and the portfolio's are the reinsurer's "
            "share, the payers', premium and tonnage bases and counts the whole market's.",
            ("scenario_run", "baseline_run", "figure"),
            _cols(
                ("scenario_run", "object", "The run whose figures are `scenario` (A − B: A).", TEXT),
                (
                    "baseline_run",
                    "object",
                    "The run it is compared with: in a batch the scenario's `baseline:`, else the scenario "
                    "it extends (A − B: B).",
                    TEXT,
                ),
                (
                    "figure",
                    "object",
                    "`<contract>: ceded loss`, `<contract>: premium` (with its reinstatement premium), "
                    "`portfolio: 1-in-200 annual loss`, `payer:<column>`, `base:<premium or tonnage base>`, "
                    "`tonnage:<P&I class>`, `spills_7t`, `detentions`, or the claims blocked by sanctions at "
                    "the direct links, `blocked_delayed` (paid late under a licence) and `blocked_permanent` "
                    "(what the payers would have paid but for the block).",
                    TEXT,
                ),
                (
                    "unit",
                    "object",
                    "The figure's unit and whose it is: `USD m a year (reinsurer's share)`, `USD m a year "
                    "(market, 100%)`, `million GT` (tonnage and tonnage bases), `spills a year`, ....",
                    TEXT,
                ),
                (
                    "scenario",
                    "float64",
                    "The scenario run's figure, its annual mean over trials and policy years as its summary "
                    "gives it (the 1-in-200: in its worst policy year), in `unit`.",
                    MONEY,
                ),
                ("baseline", "float64", "The other run's figure, in `unit`.", MONEY),
                ("difference", "float64", "scenario − baseline.", MONEY),
                (
                    "standard_error",
                    "float64",
                    "Monte Carlo standard error of the difference with common random numbers (over the "
                    "trials' paired differences; for the 1-in-200 a paired bootstrap); exactly 0 for a "
                    "difference the same in every trial (for the 1-in-200: in every resample).",
                    MONEY,
                ),
                (
                    "independent_standard_error",
                    "float64",
                    "The standard error the same difference would have with independent seeds, for contrast.",
                    MONEY,
                ),
                (
                    "z",
                    "float64",
                    "difference / standard_error; 0 for no difference without Monte Carlo error, ±inf for a "
                    "difference without it (a fixed premium's change), NaN for an infinite error or none.",
                    RATIO,
                ),
                (
                    "p_value",
                    "float64",
                    "Two-sided p-value of z under the normal distribution: 1 for no difference without "
                    "Monte Carlo error, 0 for a difference without it; NaN for an infinite error (too few "
                    "trials to bound it) or with one trial.",
                    RATIO,
                ),
                (
                    "note",
                    "object",
                    "Empty, or where one trial holds more than half of the paired differences' variance "
                    "(`metrics.largest_trial_share`, runs of 1,000 trials or more) that share and the "
                    "difference without that trial: the standard error, z and p_value are mostly that "
                    "trial's (a heavy tail sampled once).",
                    TEXT,
                ),
            ),
        ),
    )
}


def spec(name: str) -> TableSpec:
    """The declaration of table ``name``; a KeyError lists the known tables."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r} (known: {', '.join(TABLES)})") from None


def empty_frame(name: str) -> pd.DataFrame:
    """A frame with no rows and the declared columns and dtypes."""
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in spec(name).columns})


def _dtype_ok(column: Column, series: pd.Series) -> bool:
    kind = np.dtype(column.dtype).kind
    if column.is_text:
        return pd.api.types.is_string_dtype(series.dtype) or series.dtype == object
    if kind == "f":
        return pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype)
    if kind == "i":
        return pd.api.types.is_integer_dtype(series.dtype)
    if kind == "b":
        return pd.api.types.is_bool_dtype(series.dtype)
    return False


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The frame in the declared column order and dtypes; a ValueError if columns or dtypes disagree."""
    table = spec(name)
    missing = [c for c in table.names if c not in df.columns]
    extra = [c for c in df.columns if c not in table.names]
    if missing or extra:
        raise ValueError(f"table {name!r}: missing columns {missing}, unexpected columns {extra}")
    wrong = [
        f"{c.name} ({df[c.name].dtype}, declared {c.dtype})"
        for c in table.columns
        if not _dtype_ok(c, df[c.name])
    ]
    if wrong:
        raise ValueError(f"table {name!r}: columns of the wrong dtype: {', '.join(wrong)}")
    out = df[table.names].copy()
    for c in table.columns:
        if not c.is_text:
            out[c.name] = out[c.name].astype(c.dtype)
    return out


def _csv_text(frame: pd.DataFrame, table: TableSpec) -> pd.DataFrame:
    """Floats and booleans formatted as declared (vectorised per column), text as is."""
    out = {}
    for c in table.columns:
        values = frame[c.name].to_numpy()
        if c.is_text:
            out[c.name] = frame[c.name]
        elif np.dtype(c.dtype).kind == "b":
            out[c.name] = np.where(values, "true", "false")
        elif np.dtype(c.dtype).kind == "i":
            out[c.name] = values
        else:
            out[c.name] = np.char.mod(c.fmt, values) if values.size else values.astype(str)
    return pd.DataFrame(out, index=frame.index)


def nearest_existing(path: str | Path) -> Path:
    """`path` or its nearest ancestor that exists (the current folder for a relative path): where an output
    folder would be created, and so what decides whether it can be (a file there cannot hold one)."""
    path = Path(path)
    for p in (path, *path.parents):
        if p.exists():
            return p
    return Path(".")


def write_table(name: str, df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as table ``name`` to ``path`` (``.csv`` or ``.parquet`` by suffix), atomically.

    Columns and dtypes are checked against the declaration and put in its order; CSV numbers use the
    declared formats. The file is written under a temporary name in the same directory, then renamed,
    so an interrupted run never leaves a partial file.
    """
    table = spec(name)
    path = Path(path)
    frame = conform(name, df)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: unsupported table format {suffix!r} (use .csv or .parquet)")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if suffix == ".csv":
            _csv_text(frame, table).to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


#: Columns a table gained after files of it were written, with the value an older file's rows read as:
#: `read_table` fills them in (a comparison.csv of an earlier version has no notes).
ADDED_COLUMNS: dict[str, dict[str, object]] = {"comparison": {"note": ""}}


def read_table(name: str, path: str | Path) -> pd.DataFrame:
    """Read table ``name`` from a ``.csv`` or ``.parquet`` file written by `write_table`, as declared (a
    column the table gained since the file was written, `ADDED_COLUMNS`, read as its value there)."""
    table = spec(name)
    path = Path(path)
    if path.suffix.lower() == ".csv":
        dtypes = {
            c.name: str if c.is_text or np.dtype(c.dtype).kind == "b" else c.dtype for c in table.columns
        }
        df = pd.read_csv(
            path,
            dtype=dtypes,
            keep_default_na=False,
            na_values={c.name: ["", "nan", "NaN"] for c in table.columns if np.dtype(c.dtype).kind == "f"},
        )
        for c in table.columns:
            if np.dtype(c.dtype).kind == "b" and c.name in df.columns:
                df[c.name] = df[c.name].str.lower().eq("true")
    else:
        df = pd.read_parquet(path)
    for column, value in ADDED_COLUMNS.get(name, {}).items():
        if column not in df.columns:
            df[column] = value
    return conform(name, df)


#: Where each table is written (docs/outputs.md): a run folder is `riskmodel run`'s or `riskmodel sweep`'s
#: (`store.save_run`); apply-terms writes CSV or parquet (`--format`).
WRITTEN: dict[str, str] = {
    "ylt": "`ylt.parquet` in a run folder; `ylt.csv` or `ylt.parquet` from `riskmodel apply-terms`; "
    "`Results.ylt()` (calendar years; `ylt(contract)` one contract's rows)",
    "plt": "`plt.csv` or `plt.parquet` from `riskmodel apply-terms`",
    "elt": "`elt.parquet` in a run folder of a run that kept its events (`--keep-events`); `Results.elt()` "
    "gives the same events wide (one row per event, a `payer:<source>` column per source, and the event's "
    "attributes: `pi_class`, the tanker's P&I class, `zone`, `coastal_state`, `type`, `cause`, `gt`, "
    "its damage components and sanctions flags; the coded attributes as pandas categoricals of names)",
    "attritional": "`attritional.parquet` in a run folder of a run that kept its events (`--keep-events`)",
    "premium_bases": "`premium_bases.parquet` in a run folder of a run that kept its events "
    "(`--keep-events`)",
    "alt": "`alt.csv` in a run folder, when the scenario has a portfolio (every contract's rows and the "
    "portfolio's); `Results.alt(contract)` one contract's (or the portfolio's) rows, with calendar years",
    "ept": "`ept.csv` in a run folder, when the scenario has a portfolio (every contract's rows and the "
    "portfolio's); `Results.ep_table(contract)` one contract's (or the portfolio's) rows, with calendar "
    "years and, after the declared columns, `ep_type_name` (the EP type's name)",
    "metrics": "no command writes it: `Results.metrics(contract)` gives one contract's (or the portfolio's) "
    "rows, with calendar years (`write_table` writes a file of them)",
    "payer_ledger": "`ledger.csv` in a run folder (`Results.ledger()` gives it wide: a column per policy "
    "year and the annual `mean` over them, no horizon row)",
    "sanctions_exposure": "`sanctions.csv` in a run folder; `Results.sanctions_by_contract("
    "every_contract=True)` (without it, the rows of the contracts that have a figure, then the "
    "portfolio's: the others are named in its `attrs`)",
    "comparison": "`comparison.csv` at the top of a batch's `--out` (`riskmodel run`: each scenario against "
    "its baseline); `riskmodel compare RUN_A RUN_B --out FILE.csv` (one pair; or `FILE.parquet`); "
    "`Comparison.table()` gives one pair's indexed by `figure`, without the two run columns, its caption in "
    '`attrs["caption"]`',
}


def render_docs() -> str:
    """The Markdown of docs/outputs.md, generated from `TABLES`."""
    lines = [
        "# Output tables",
        "",
        "<!-- Generated by `python -m riskmodel.tables > docs/outputs.md` from riskmodel/tables.py; "
        "do not edit by hand (tests/test_tables.py checks it is in sync). -->",
        "",
        "Every table is declared once in `riskmodel/tables.py`: its columns, numpy dtypes, CSV number "
        "formats and descriptions. Writers check frames against the declaration and write CSV or parquet "
        "(by file suffix) under a temporary name, then rename. Money is in USD millions. Names follow the "
        "Oasis ORD standard where it has one (PLT, ALT, EPT and its EP type codes).",
        "",
        "## EP type codes (ORD EPType)",
        "",
        "| code | EP type |",
        "|---:|---|",
        *(f"| {k} | {v} |" for k, v in EP_TYPE_NAMES.items()),
        "",
        "Quantiles are lower quantiles (the smallest loss x with F(x) ≥ p, no interpolation); "
        "TVaR = VaR + E[(X − VaR)+]/(1 − p). See `riskmodel/metrics.py`.",
        "",
    ]
    for t in TABLES.values():
        lines += [
            f"## `{t.name}` — {t.title}",
            "",
            t.description,
            "",
            f"Written as: {WRITTEN[t.name]}. Key: {', '.join(f'`{k}`' for k in t.key)}.",
            "",
            "| column | dtype | CSV format | description |",
            "|---|---|---|---|",
            *(
                f"| `{c.name}` | {'str' if c.is_text else c.dtype} | `{c.fmt}` | {c.description} |"
                for c in t.columns
            ),
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render_docs())
