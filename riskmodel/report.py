"""The HTML report of a run: one self-contained page of tables and figures.

In: a batch folder (one run folder per scenario, `riskmodel.store` layout) or a single run folder. Out:
``report.html`` in that folder (or where asked): the headline table of every scenario with its difference
from the baseline, the scenarios' EP curves on one chart (of a policy year: each in the year of its
1-in-200 annual loss), and per scenario its run identity, headline figures, comparison with the baseline
(common-random-number standard errors), EP curves of that policy year and of the horizon with their
intervals, contracts, who pays, who joins, the market and sanctions exposure, each mean with its Monte
Carlo standard error.

The page needs nothing else: figures are PNG images embedded as base64 ``data:`` URIs, styles are inline,
there are no scripts and no links out of the page, so it can be mailed or archived as one file. Every
number comes from the `Results` that `riskmodel.store.load_results` reads back and from the run's tables
(`sanctions.csv`), through the same functions as the notebooks (`Results.summary`, `riskmodel.compare`,
`riskmodel.plots`). The page and the notebooks' sentences word a paired difference by one rule
(`riskmodel.display.describe_difference`, which this module re-exports), and a trend in the number of
joiners by another (`riskmodel.display.trend_shape`, re-exported too).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import riskmodel
from riskmodel import metrics, plots
from riskmodel.display import (
    MATERIAL_SHARE,
    TREND_RHO,
    describe_difference,
    dominant_trial_words,
    event_cap,
    fixed,
    fixed_error,
    is_material_difference,
    not_written_cells,
    point_mass_words,
    trend_shape,
)
from riskmodel.ig_exit import IG_EXIT_READING
from riskmodel.payers import perils_sentence
from riskmodel.results import (
    ANNUAL_AVERAGE,
    BASIS,
    COMPARISON_BASIS,
    COMPARISON_SHOWN,
    EVERY_YEAR_ALIKE,
    POOLED_TAIL_FIGURE,
    TAIL_FIGURE,
    TVAR_FIGURE,
    Comparison,
    Results,
)
from riskmodel.solvency import SCHEMES_CAPTION, scheme_solvency_words
from riskmodel.store import REPORT_FILE  # (the page's name in a batch or run folder: store.BATCH_FILES)

__all__ = [
    "LOSS_RATIO",
    "MATERIAL_SHARE",
    "REPORT_FILE",
    "TREND_RHO",
    "NoRunsError",
    "Run",
    "contracts_table",
    "damage_by_class_table",
    "describe_difference",
    "ep_by_year",
    "ep_extract",
    "find_runs",
    "glossary_table",
    "ledger_table",
    "headline_table",
    "holds_run_files",
    "ig_exit_rows",
    "is_material_difference",
    "joiners_table",
    "named_baseline",
    "perils_sentence",
    "render_report",
    "sanctions_annual",
    "scheme_solvency_words",
    "trend_shape",
    "write_report",
]

#: Return periods of the EP table shown per scenario (years).
REPORT_RETURN_PERIODS = (10, 50, 100, 200, 250, 500)
_DPI = 100


class NoRunsError(FileNotFoundError):
    """The folder given to the report holds no finished run (or does not exist)."""


@dataclass
class Run:
    """One scenario run of the report: its folder name, results and manifest."""

    name: str
    results: Results
    manifest: Mapping[str, Any] = field(default_factory=dict)
    sanctions: pd.DataFrame | None = None
    _comparison: Comparison | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def baseline_run(self) -> str | None:
        """The folder name of the run this one is compared with (`named_baseline` of its manifest)."""
        return named_baseline(self.manifest)

    def comparison(self, base: Run) -> Comparison:
        """This run against `base` (its baseline), made once: the headline and the run's section read the
        same table (and its bootstrap)."""
        if self._comparison is None or self._comparison.baseline is not base.results:
            self._comparison = Comparison(self.results, base.results)
        return self._comparison


def named_baseline(manifest: Mapping[str, Any]) -> str | None:
    """The folder name of the run a run is compared with: its manifest's ``baseline.run``; None when it
    names none (a baseline run, or a manifest without a usable name there).

    The page and `riskmodel report`'s warnings both read a run's baseline here: the page says that a
    baseline is not in it exactly when the command warns.
    """
    named = manifest.get("baseline")
    base = named.get("run") if isinstance(named, Mapping) else None
    return base if isinstance(base, str) and base else None


# ------------------------------------------------------------------------------------------ loading
def holds_run_files(folder: Path) -> bool:
    """Whether `folder` holds a run, finished or not: any of its manifest, results or arrays, or the chunks
    a batch stopped part-way keeps to resume from (`checkpoints.CHUNKS`). An empty folder, a folder of
    other files or no folder at all holds none; a report neither shows it nor lists it as unfinished
    (`find_runs`), and `riskmodel report` says which it is."""
    from riskmodel.checkpoints import CHUNKS
    from riskmodel.store import ARRAYS, MANIFEST, METADATA

    return (
        any((folder / name).is_file() for name in (MANIFEST, METADATA, ARRAYS)) or (folder / CHUNKS).is_dir()
    )


def _left_out(runs: Iterable[tuple[Path | str, str]]) -> str:
    """``rv_pool (arrays.npz is missing), brics (no manifest.json: ...)``: runs a report leaves out."""
    return ", ".join(f"{Path(name).name} ({why})" for name, why in runs)


def find_runs(path: str | Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(finished run folders, unfinished ones with the reason) of a batch folder, or of a single run folder.

    A run folder holds ``manifest.json`` once it is finished (`riskmodel.store`); a folder with results
    but no manifest was interrupted, and one whose files do not match its manifest is damaged
    (`store.incomplete_reason`). A single run folder comes first, followed by the runs beside it that
    it is compared with in turn (`_with_its_baselines`). Raises `NoRunsError` when ``path`` holds no
    finished run.
    """
    from riskmodel.store import MANIFEST, incomplete_reason

    root = Path(path)
    if root.exists() and not root.is_dir():
        raise NoRunsError(f"{root}: is a file, not a folder (give a batch output folder or one run folder)")
    if not root.is_dir():
        raise NoRunsError(f"{root}: no such folder (give a batch output folder or one run folder)")
    if (root / MANIFEST).is_file():
        return _with_its_baselines(root)
    finished, unfinished = [], []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        reason = incomplete_reason(sub)
        if reason is None:
            finished.append(sub)
        elif holds_run_files(sub):
            unfinished.append((sub, reason))
    if not finished:
        raise NoRunsError(
            f"{root}: no finished run folder here (a run folder holds {MANIFEST}); "
            "run `riskmodel run SCENARIOS --out FOLDER` first"
            + (f"; left out: {_left_out(unfinished)}" if unfinished else "")
        )
    return finished, unfinished


def _with_its_baselines(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """A run folder and the runs beside it that it is compared with, in turn: its baseline, that run's
    baseline, and so on, each checked as a batch's runs are (`store.incomplete_reason`). The chain ends
    at a run without a baseline, at a baseline with no run beside (no folder, or one without a run's files:
    `holds_run_files`), or at an unfinished or damaged one
    (returned with its reason): the report then says that baseline is missing, as it does for a batch.
    (With the run's baseline only, the page said the baseline of that one was missing, when it was
    there beside.)"""
    from riskmodel.store import damage_error, incomplete_reason, read_manifest

    if (damage := damage_error(root)) is not None:  # (the run asked for, checked as its baselines are)
        raise damage
    beside = root.absolute().parent  # (`report .` in a run folder: "." has no parent of its own)
    finished, seen = [root], {root.absolute().name}
    while (base := named_baseline(read_manifest(finished[-1]) or {})) is not None and base not in seen:
        folder = beside / base
        if not holds_run_files(folder):  # (no folder, or an empty one: no run, as in a batch)
            break
        reason = incomplete_reason(folder)
        if reason is not None:
            return finished, [(folder, reason)]
        finished.append(folder)
        seen.add(base)
    return finished, []


def _load_run(folder: Path) -> Run:
    from riskmodel.store import load_results, read_manifest
    from riskmodel.tables import read_table

    sanctions_csv = folder / "sanctions.csv"
    return Run(
        name=folder.name,
        results=load_results(folder),
        manifest=read_manifest(folder) or {},
        sanctions=read_table("sanctions_exposure", sanctions_csv) if sanctions_csv.is_file() else None,
    )


def write_report(
    run_dir_or_batch_dir: str | Path,
    out: str | Path | None = None,
    *,
    found: tuple[list[Path], list[tuple[Path, str]]] | None = None,
) -> Path:
    """Write the HTML report of a batch folder (every scenario in it) or of one run folder.

    Parameters
    ----------
    run_dir_or_batch_dir : the ``--out`` folder of `riskmodel run` (one sub-folder per scenario), or one
        scenario's run folder.
    out : the HTML file to write; default ``report.html`` in ``run_dir_or_batch_dir``.
    found : `find_runs` of the folder when the caller has it already (it checks every file of every run
        against its manifest's digest: done once).

    Returns
    -------
    The path of the page written. Each run is compared with the run its manifest names as baseline
    when that run is in the same batch folder. The page of one run folder shows the runs beside it that
    it is compared with, in turn (its baseline, the baseline of that, ...), as `find_runs` gives them.
    """
    root = Path(run_dir_or_batch_dir)
    finished, unfinished = found if found is not None else find_runs(root)
    runs = [_load_run(p) for p in finished]
    title = f"riskmodel report: {root.resolve().name}"
    page = render_report(runs, title=title, unfinished=[(p.name, why) for p, why in unfinished])
    target = Path(out) if out is not None else root / REPORT_FILE
    from riskmodel.store import atomic_write  # a temporary name with this process's id, renamed when whole

    return atomic_write(target, lambda f: f.write(page.encode("utf-8")))


# ------------------------------------------------------------------------------------------ figures
def _figure(draw: Callable[[Figure], object], alt: str, figsize: tuple[float, float] = (8.0, 4.5)) -> str:
    """Draw on a new (pyplot-free) figure; return it as an <img> with a base64 PNG data URI."""
    fig = Figure(figsize=figsize, layout="constrained")
    draw(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="figure" alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}">'


def _on_axes(plot: Callable[..., Axes], *args: Any, **kw: Any) -> Callable[[Figure], object]:
    return lambda fig: plot(*args, ax=fig.subplots(), **kw)


# ------------------------------------------------------------------------------------------- tables
def _fmt(v: Any, digits: int = 3) -> str:
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        return fixed(v, digits)
    return str(v)


def _table(
    df: pd.DataFrame, *, table_id: str | None = None, caption: str | None = None, digits: int = 3
) -> str:
    """An HTML table of a frame (index as the first column), every cell escaped."""
    frame = df.reset_index() if (df.index.name or any(df.index.names)) else df
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    labels = [str(c) for c in frame.columns]
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for label, v in zip(labels, row, strict=True):
            numeric = isinstance(v, int | float | np.integer | np.floating) and not isinstance(
                v, bool | np.bool_
            )
            text = str(v) if label == "year" else _fmt(v, digits)  # a year label is not a quantity
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{html.escape(table_id, quote=True)}"' if table_id else ""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table{ident}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# -------------------------------------------------------------------------------------------- words
def _with_se(mean: float, se: float) -> str:
    """``6.519 ± <0.0005``: the figure and its standard error (`display.fixed_error`), or the figure alone
    when it has none (too few trials)."""
    return f"{fixed(mean)} ± {fixed_error(se, mean)}" if np.isfinite(se) else fixed(mean)


def _mean_error_cell(mean: float, se: float) -> str:
    """ "mean ± standard error" (`_with_se`: an error too small to show reads "± <0.0005"), and without
    "± 0" a figure the same in every trial (an error of exactly 0: a block no trial has, a fixed premium)."""
    return fixed(mean) if se == 0 else _with_se(mean, se)


def _difference_level(row: pd.Series) -> float:
    """The figure a paired difference's float noise is of: the larger of the two runs' figures it is
    taken between (or the difference itself), for `fixed_error`'s test of an error that is only noise."""
    return max(abs(float(row["scenario"])), abs(float(row["baseline"])), abs(float(row["difference"])))


def _comparison_cells(table: pd.DataFrame) -> pd.DataFrame:
    """`Comparison.table` for the page: its two standard errors as text (`display.fixed_error`), so that
    an error too small to show reads "<0.0005", not "0.000" (a premium's difference of −0.000465 ± 2.7e-06
    read "0.000 | 0.000 | 0.000", as if the same in every trial); "–" for none (one trial), "∞" where the
    trials cannot bound it, as the terminal and summary.md write them, with the row's ``note`` beside a
    paired error that rests on one trial; "not written" for the figures of a contract that run's portfolio
    lacks (`display.not_written_cells`), as the terminal."""
    out = not_written_cells(table).astype(object)
    for col in ("standard_error", "independent_standard_error"):
        out[col] = [fixed_error(float(row[col]), _difference_level(row)) for _, row in table.iterrows()]
    if "note" in out:  # an error that rests on one trial says so beside it (and the column goes)
        cells = zip(out["standard_error"], out["note"], strict=True)
        out["standard_error"] = [f"{e} ({n})" if n else e for e, n in cells]
        out = out.drop(columns="note")
    return out


def _with_errors(means: pd.DataFrame, errors: pd.DataFrame) -> pd.DataFrame:
    """`means` with each cell of a column that `errors` has (same rows) as "mean ± standard error"
    (`_mean_error_cell`)."""
    out = means.astype(object)
    for col in means.columns.intersection(errors.columns):
        cells = zip(means[col], errors[col].reindex(means.index), strict=True)
        out[col] = [_mean_error_cell(m, se) for m, se in cells]
    return out


def _summary_value(summary: pd.DataFrame, figure: str) -> tuple[float, float] | None:
    if figure not in summary.index:
        return None
    row = summary.loc[figure]
    return float(row["mean"]), float(row["standard_error"])


def _tail_cell(row: pd.Series, point_mass: str | None = None) -> str:
    """A summary's 1-in-200 row as a cell: the value ± its standard error, and its policy year ("in each
    policy year" when the same in all, `EVERY_YEAR_ALIKE`: "in every year" read as lost every year); on a
    point mass (`point_mass_words`) the words in place of "± 0.000"."""
    year = "each policy year" if row["year_basis"] == EVERY_YEAR_ALIKE else row["year"]
    if point_mass is not None:
        return f"{fixed(row['mean'])} in {year}: {point_mass}"
    return f"{_with_se(row['mean'], row['standard_error'])} in {year}"


def _pooled_tail_cell(row: pd.Series, point_mass: str | None = None) -> str:
    """A summary's pooled 1-in-200 row (`POOLED_TAIL_FIGURE`) as a cell: the value ± its standard error,
    of no one year; on a point mass (`point_mass_words`, the share of all policy years) the words in place
    of "± 0.000", as `_tail_cell`."""
    if point_mass is not None:
        return f"{fixed(row['mean'])}: {point_mass}"
    return _with_se(row["mean"], row["standard_error"])


def _portfolio_point_mass(run: Run, tail: pd.Series) -> str | None:
    """The portfolio's 1-in-200 on a point mass in words (`point_mass_words`), as the contracts table
    words a contract's: with the limit of its one contract when it has one (the portfolio is then that
    contract), else the most one event ceded."""
    contracts = [c for c in run.results.contracts if c != "portfolio"]
    cap = event_cap(run.manifest, contracts[0]) if len(contracts) == 1 else None
    return point_mass_words(run.results, "portfolio", tail, cap)


def headline_table(runs: Iterable[Run], by_name: Mapping[str, Run]) -> pd.DataFrame:
    """One row per scenario: the portfolio's headline figures (± standard error) and its difference from
    the run it is compared with (named in "compared with") with the common-random-number standard error."""
    rows = []
    for run in runs:
        r = run.results
        s = r.summary()
        row: dict[str, Any] = {"scenario": run.name, "trials": r.n_trials}
        for label, figure in (
            ("expected ceded loss (USD m a year)", "portfolio: ceded loss"),
            ("premium incl. reinstatements (USD m a year)", "portfolio: premium"),
            ("1-in-200 annual loss (USD m, largest of the policy years')", f"portfolio: {TAIL_FIGURE}"),
            ("1-in-200 annual loss (USD m, policy years pooled)", f"portfolio: {POOLED_TAIL_FIGURE}"),
            ("TVaR 99.5% annual loss (USD m, largest of the policy years')", f"portfolio: {TVAR_FIGURE}"),
            ("uncompensated damage (USD m a year)", "payer uncompensated"),
            ("spills ≥ 7 t a year", "spills_7t"),
        ):
            v = _summary_value(s, figure)
            if v is None:
                row[label] = "–"
            elif figure.endswith((TAIL_FIGURE, TVAR_FIGURE)):
                row[label] = _tail_cell(s.loc[figure], _portfolio_point_mass(run, s.loc[figure]))
            elif figure.endswith(POOLED_TAIL_FIGURE):
                row[label] = _pooled_tail_cell(s.loc[figure], _portfolio_point_mass(run, s.loc[figure]))
            else:  # (an error that rests on one trial says so beside it, as in the summary's tables)
                note = s.loc[figure, "note"]
                row[label] = _with_se(*v) + (f" ({note})" if note else "")
        base = _baseline_of(run, by_name)
        row["compared with"] = base.name if base is not None else "–"
        row["difference in ceded loss (USD m a year)"] = _difference(run, by_name)
        portfolio_rows = s[s.index.str.startswith("portfolio: ")]
        converged = "–" if not len(portfolio_rows) else "yes" if portfolio_rows["converged"].all() else "no"
        row["portfolio figures converged (5%)"] = converged
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario")


#: The column of `ig_exit_rows` with each figure's difference from the run named in "compared with".
IG_EXIT_DIFFERENCE = "difference (± common-random-number s.e.)"


#: Beside a difference from a run of another seed or horizon: its error is that of independent runs.
_NOT_PAIRED = " (not paired: see the run's section)"


def ig_exit_rows(runs: Iterable[Run], by_name: Mapping[str, Run]) -> pd.DataFrame:
    """The headline section's block of the tonnage and premium leaving the IG: `ig_exit.ig_exit_table` of
    each run, indexed by (scenario, figure), with the run it is compared with and the difference from it
    (`IG_EXIT_DIFFERENCE`, "–" without a comparable baseline). Empty when no run has the world model."""
    from riskmodel.ig_exit import ig_exit_table

    frames = {}
    for run in runs:
        base = _baseline_of(run, by_name)
        against = base.name if base is not None else "–"
        if base is not None and base.results.n_trials == run.results.n_trials:
            cmp = run.comparison(base)
            t = ig_exit_table(run.results, cmp.table(), base.name)
            t = t.rename(columns={f"difference from {base.name}": IG_EXIT_DIFFERENCE})
            if not cmp.shares_random_numbers:  # (another seed or horizon: the error is not a CRN one)
                against += _NOT_PAIRED
        else:
            t = ig_exit_table(run.results).assign(**{IG_EXIT_DIFFERENCE: "–"})
        if not t.empty:
            t.insert(2, "compared with", against)
            frames[run.name] = t
    return pd.concat(frames, names=["scenario", "figure"]) if frames else pd.DataFrame()


#: The money basis of every figure, the first lines of the glossary (`glossary_table`).
MONEY_BASIS = {
    "USD m": "millions of US dollars of 2025 (no inflation over the horizon)",
    "reinsurer's share / market, 100%": BASIS,
    "annual average": "each trial's mean over its policy years, averaged over the trials",
    f"year {metrics.HORIZON_TOTAL}": "in a run folder's tables (alt.csv, ept.csv, metrics, sanctions.csv), "
    "the row of the horizon total: losses summed over the policy years (an OEP: the horizon's largest "
    "event), return periods counted in horizons",
}


def glossary_table() -> pd.DataFrame:
    """The page's glossary: the money basis (`MONEY_BASIS`), then every payer column and column pattern
    (`payers.PAYER_DESCRIPTIONS`, ``<id>`` for a scheme's or peril's id) and the terms beside them
    (`payers.PAYER_TERMS`), indexed by ``term``."""
    from riskmodel.payers import PAYER_DESCRIPTIONS, PAYER_TERMS

    payers = {name.replace("{id}", "<id>"): words for name, words in PAYER_DESCRIPTIONS.items()}
    terms = MONEY_BASIS | payers | PAYER_TERMS
    return pd.DataFrame({"term": list(terms), "meaning": list(terms.values())}).set_index("term")


def joiners_table(results: Results) -> tuple[pd.DataFrame, str]:
    """`Results.by_joiners` for the page: per group of trials (by the number of candidate states that are
    members by the last policy year) its share of the trials and each figure as mean ± standard error,
    the first figure's annual TVaR (of a policy year, the group's trial-years pooled) named with it, and a
    sentence of the permutation tests' p-values; a figure is said to differ between the groups when its
    p-value is below 0.05 *and* its groups' means spread by at least `MATERIAL_SHARE` of its mean. Each
    figure's verdict also says whether it has a rising or falling trend in the number of joiners
    (Spearman's rank correlation, p below 0.05 *and* |ρ| at least `TREND_RHO`), a weak one (p below 0.05,
    |ρ| under it) or none: groups that differ need not rise with the joins. Empty (and "") for a run
    without candidates."""
    t = results.by_joiners()
    if t.empty:
        return t, ""
    out = pd.DataFrame(index=t.index)
    out["trials"] = [
        f"{n:,} ({share:.0%})" for n, share in zip(t["trials"], t["share_of_trials"], strict=True)
    ]
    for f in t.attrs["p_value"]:
        out[f"{f} (USD m a year)"] = [
            _with_se(m, se) for m, se in zip(t[f"{f}: mean"], t[f"{f}: standard_error"], strict=True)
        ]
        for c in [c for c in t.columns if c.startswith(f"{f}: TVaR ") and not c.endswith("standard_error")]:
            out[f"annual {c.removeprefix(f'{f}: ')} of {f} (USD m, a policy year)"] = [
                _with_se(m, se) if np.isfinite(m) else "–"
                for m, se in zip(t[c], t[f"{c} standard_error"], strict=True)
            ]
    if "scheme tonnage (million GT)" in t:
        out["scheme tonnage (million GT)"] = [fixed(v, 1) for v in t["scheme tonnage (million GT)"]]
    n = results.n_trials
    words = []
    for f, p in t.attrs["p_value"].items():
        if not np.isfinite(p):
            continue
        means = t[f"{f}: mean"]
        level = abs(float((means * t["trials"]).sum()) / n)
        spread = float(means.max() - means.min())
        differ = p < 0.05 and spread >= MATERIAL_SHARE * level
        verdict = (
            "the groups differ"
            if differ
            else "beyond chance, but by under 1% of the figure"
            if p < 0.05
            else "no difference beyond chance"
        )
        trend = t.attrs["trend"][f]
        if np.isfinite(trend.p_value):
            trending = trend.p_value < 0.05
            shape = trend_shape(trend)
            joint = "but" if trending and p >= 0.05 else "with" if differ or trending else "and"
            verdict += (
                f", {joint} {shape} in the number of joiners: Spearman ρ {fixed(trend.rho, 2, sign=True)}, "
                f"p {_p_value(trend.p_value)}"
            )
        words.append(f"{f}: p {_p_value(p)} ({verdict})")
    return out, "; ".join(words)


def _p_value(p: float) -> str:
    return "≤ 0.001" if p <= 0.001 else f"= {p:.2g}"


_CONTRACT_ROWS = ("ceded loss", "premium", TAIL_FIGURE, POOLED_TAIL_FIGURE)


def _worst_year_bias_words(horizons: Iterable[int]) -> str:
    """How far the largest of the policy years' 1-in-200 estimates may lie above the figure when the years
    are alike, for each horizon of more than one policy year (`metrics.worst_year_bias`), the largest
    first; "" for none. The section's caption and the headline's say it in these words.

    >>> _worst_year_bias_words([5])
    'by up to about 1.2 standard errors for 5 policy years'
    >>> _worst_year_bias_words([2, 5, 1, 5]), _worst_year_bias_words([1])
    ('by up to about 1.2 standard errors for 5 policy years, 0.6 for 2', '')
    """
    years = sorted({n for n in horizons if n > 1}, reverse=True)
    if not years:
        return ""
    sizes = [fixed(metrics.worst_year_bias(n), 1) for n in years]
    rest = "".join(f", {size} for {n}" for size, n in zip(sizes[1:], years[1:], strict=True))
    return f"by up to about {sizes[0]} standard errors for {years[0]} policy years{rest}"


def _contract_figures(results: Results) -> list[str]:
    """The summary's rows of the contracts and the portfolio: the contracts table's and the headline's."""
    return [f"{cid}: {what}" for cid in results.contracts for what in (*_CONTRACT_ROWS, TVAR_FIGURE)]


#: The contracts table's loss ratio column: its denominator in its name.
LOSS_RATIO = "loss ratio (on premium + reinstatement premium)"


def _not_written(results: Results, contract: str) -> str | None:
    """ "not written" for a contract with no loss and no premium in any trial-year that a note of the run
    says is not written (none of its sources in the scenario), "nothing ceded or earned" for one with
    none and no such note, None for any other."""
    c = results.contracts[contract]
    if any(np.any(c[f]) for f in ("loss", "premium", "reinstatement_premium")):
        return None
    noted = any(n.startswith(f"contract {contract}:") and "not written" in n for n in results.notes)
    return "not written" if noted else "nothing ceded or earned"


def contracts_table(
    results: Results, summary: pd.DataFrame | None = None, manifest: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Per contract (and the portfolio): expected loss, premium, reinstatement premium and the 1-in-200
    annual loss of the worst policy year with their standard errors, beside it the 1-in-200 with the policy
    years pooled (`POOLED_TAIL_FIGURE`), the loss ratio on the premium with its reinstatement premium
    (`LOSS_RATIO`: the summary's ``premium`` row), and whether the summary's loss, premium and 1-in-200
    converged. A 1-in-200 on a point mass is worded (`point_mass_words`, with the contract's limit from
    the terms in the run's `manifest`); a contract the scenario does not write says so (`_not_written`)
    in place of its figures."""
    s = results.summary() if summary is None else summary
    rows = []
    for cid in results.contracts:
        loss, prem, tail, pooled = (s.loc[f"{cid}: {what}"] for what in _CONTRACT_ROWS)
        c = results.contracts[cid]
        absent = _not_written(results, cid) if cid != "portfolio" else None
        if absent is not None:
            rows.append(
                {"contract": cid, "expected loss": absent}
                | dict.fromkeys(
                    (
                        "premium",
                        "reinstatement premium",
                        LOSS_RATIO,
                        TAIL_FIGURE,
                        POOLED_TAIL_FIGURE,
                        "converged (5%)",
                    ),
                    "–",
                )
            )
            continue
        cap = event_cap(manifest or {}, cid)
        words = point_mass_words(results, cid, tail, cap)
        rows.append(
            {
                "contract": cid,
                "expected loss": _with_se(loss["mean"], loss["standard_error"]),
                # (without "± 0.000" where the same in every trial, as in the who-pays table)
                "premium": _mean_error_cell(*results.annual_mean(c["premium"])),
                "reinstatement premium": _mean_error_cell(*results.annual_mean(c["reinstatement_premium"])),
                LOSS_RATIO: f"{loss['mean'] / prem['mean']:.0%}" if prem["mean"] > 0 else "–",
                TAIL_FIGURE: _tail_cell(tail, words),
                POOLED_TAIL_FIGURE: _pooled_tail_cell(pooled, point_mass_words(results, cid, pooled, cap)),
                "converged (5%)": bool(loss["converged"] and prem["converged"] and tail["converged"]),
            }
        )
    return pd.DataFrame(rows).set_index("contract") if rows else pd.DataFrame()


def _baseline_of(run: Run, by_name: Mapping[str, Run]) -> Run | None:
    base = run.baseline_run
    if base is None or base == run.name or base not in by_name:
        return None
    return by_name[base]


def _compared_with(run: Run, base: Run | None) -> str:
    """The meta line's sentence on the run's baseline (HTML): whether the two share their random numbers,
    or that the baseline its manifest names is not in the report (deleted, unfinished or damaged)."""
    if base is None:
        named = run.baseline_run
        if named is None or named == run.name:
            return ""
        return (
            f" Its baseline <b>{html.escape(named)}</b> is not in this report: no comparison is shown, and a "
            "'–' in its place means no comparison, not no difference (rerun the batch to restore it)."
        )
    name = f"<b>{html.escape(base.name)}</b>"
    cmp = run.comparison(base)
    mismatches = cmp.mismatches()
    if not mismatches:
        return f" Compared with {name} (same seed, trials and horizon: common random numbers)."
    text = "; ".join(mismatches)
    # (other portfolios alone: the runs still share their random numbers)
    paired = " (same seed, trials and horizon: common random numbers)" if cmp.shares_random_numbers else ""
    return f" Compared with {name}{paired}, but " + html.escape(text if text.endswith(".") else text + ".")


def _difference(run: Run, by_name: Mapping[str, Run]) -> str:
    base = _baseline_of(run, by_name)
    if base is None:
        return "–"
    if base.results.n_trials != run.results.n_trials:
        return "not comparable"
    if "portfolio" not in run.results.contracts:
        return "–"
    # (a baseline without a portfolio cedes nothing, as in the comparison table)
    cmp = run.comparison(base)
    d = cmp.table().loc["portfolio: ceded loss"]
    unpaired = _NOT_PAIRED if not cmp.shares_random_numbers else ""
    se = d["standard_error"]
    error = (
        f" ± {fixed_error(se, _difference_level(d))}"
        if np.isfinite(se)
        else " with no standard error to judge it by (too few trials)"
    )
    if np.isfinite(se) and not is_material_difference(d["difference"], se):
        error += " (within 2 SE: not distinguishable from zero)"
    return f"{fixed(d['difference'], sign=True)}{error}{unpaired}"


def ep_extract(results: Results, contract: str = "portfolio", year: int | None = None) -> pd.DataFrame:
    """OEP and AEP at `REPORT_RETURN_PERIODS` with their 95% intervals (USD m): of one policy year, or with
    `year` None of the horizon (return periods then count horizons when it has several years)."""
    curves = plots.ep_curves(results, contract, year, REPORT_RETURN_PERIODS)
    curves = curves[curves["return_period"] <= results.n_trials]
    rp = f"return period ({plots.return_period_unit(results, year)})"
    out = curves.rename(columns={"ep_type": "EP", "return_period": rp})
    out = out.rename(columns={"loss": "loss (USD m)", "ci_lower": "95% lower", "ci_upper": "95% upper"})
    out[rp] = out[rp].astype(int)
    return out.reset_index(drop=True)


#: The columns `ep_by_year` gives each policy year.
EP_BY_YEAR_FIGURES = ("loss (USD m)", "95% lower", "95% upper")


def ep_by_year(results: Results, contract: str = "portfolio") -> pd.DataFrame:
    """OEP and AEP at `REPORT_RETURN_PERIODS` (in years) of each policy year side by side, with their 95%
    order-statistic intervals (USD m; an end too few trials can bound is NaN): rows (EP, return period),
    columns (policy year, `EP_BY_YEAR_FIGURES`). The figures of the EPT's rows of each year
    (`Results.ep_table`, `metrics.ep_curve`); the summary's 1-in-200 annual loss is the largest of the
    years' AEP at 200 years."""
    frames = {}
    for year in results.years:
        e = ep_extract(results, contract, int(year)).set_index(["EP", "return period (years)"])
        frames[str(year)] = e[list(EP_BY_YEAR_FIGURES)]
    return pd.concat(frames, axis=1)


def _ep_by_year_cells(table: pd.DataFrame) -> pd.DataFrame:
    """`ep_by_year` for the page: one column per policy year, each cell "loss [lower, upper]" ("–" for an
    end the trials cannot bound)."""
    loss, lower, upper = EP_BY_YEAR_FIGURES
    out = pd.DataFrame(index=table.index)
    for year in table.columns.get_level_values(0).unique():
        t = table[year]
        ends = zip(t[loss], t[lower], t[upper], strict=True)
        out[year] = [f"{fixed(v)} [{_fmt(lo)}, {_fmt(hi)}]" for v, lo, hi in ends]
    return out


#: Where the split of who pays by the causing tanker's P&I class is to be had: it needs each event's class
#: beside its payers, which only the event table holds (the year arrays carry the damage by class alone).
BY_CLASS_NEEDS_EVENTS = (
    "What is left uncompensated, and what falls on the IG clubs' tower or on our lines, by the causing "
    "tanker's class needs each event's payers beside its class: the event table, which a batch keeps only "
    "with --keep-events (elt.parquet); notebook 05 splits each payer's losses by the tanker's class from it"
)


def damage_by_class_table(results: Results, baseline: Results | None = None) -> pd.DataFrame:
    """The damage of the events whose tanker holds each P&I class (``damage:<class>`` of the year arrays:
    every head, pollution, statutory, wreck, hull, the other ship's hull, infrastructure and crew, the
    whole market at 100%), USD m a year: the run's annual average ± its Monte Carlo standard error
    (``scenario``) and, with a `baseline` of the same trials, the baseline's (``baseline``) and the
    ``difference`` ± its common-random-number standard error (`metrics.paired_difference` of the trials'
    annual averages, as `Comparison.table`), each error that rests on one trial with its note
    (`display.dominant_trial_words`). A class only one run has (a scheme's) counts 0 in the other.
    Indexed by ``P&I class of the causing tanker``; empty without the world model. Who pays for it by
    class needs the event table (`BY_CLASS_NEEDS_EVENTS`).

    >>> import numpy as np, pandas as pd
    >>> def run(name, ig):  # (two trials, one policy year: 10 and 30 of IG tankers' damage, 5 of none)
    ...     year = {"damage:ig": np.array([[10.0], [30.0]]) + ig, "damage:none": np.full((2, 1), 5.0)}
    ...     return Results(name, 2026, 1, 2, 1, {}, year, {}, ("ig", "none"), (), pd.DataFrame())
    >>> t = damage_by_class_table(run("scheme", 2.0), run("baseline", 0.0))
    >>> t.loc["ig"].to_list()  # (the difference 2 in both trials: no Monte Carlo error)
    ['22.000 ± 10.000', '20.000 ± 10.000', '+2.000 ± 0.000']
    >>> t.loc["none"].to_list()
    ['5.000', '5.000', '0.000 ± 0.000']
    """
    runs = [results] if baseline is None or baseline.n_trials != results.n_trials else [results, baseline]
    classes = list(dict.fromkeys(c for r in runs for c in r.class_names))
    rows = []
    for cls in classes:
        per_trial = []
        for r in runs:
            x = r.year_arrays.get(f"damage:{cls}")
            per_trial.append(np.zeros(r.n_trials) if x is None else x.mean(axis=1))
        if all(r.year_arrays.get(f"damage:{cls}") is None for r in runs):
            continue
        row: dict[str, str] = {"P&I class of the causing tanker": cls}
        for r, x in zip(runs, per_trial, strict=True):
            mean, se = float(x.mean()), float(metrics.standard_error(x, exact_zero=True))
            cell = _mean_error_cell(mean, se)
            note = dominant_trial_words(x)
            row["scenario" if r is results else "baseline"] = f"{cell} ({note})" if note else cell
        if len(runs) == 2:
            a, b = per_trial
            d = metrics.paired_difference(a, b, exact_zero=True)
            level = max(abs(float(a.mean())), abs(float(b.mean())), abs(d.mean))
            cell = f"{fixed(d.mean, sign=True)} ± {fixed_error(d.se, level)}"
            note = dominant_trial_words(metrics.paired_deltas(a, b, exact_zero=True))
            row["difference"] = f"{cell} ({note})" if note else cell
        rows.append(row)
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows).set_index("P&I class of the causing tanker")


def ledger_table(results: Results) -> pd.DataFrame:
    """The report's who-pays table: each payer that pays anything, its mean amount per policy year and
    on average a year (``mean``) with their Monte Carlo standard errors (`Results.ledger_standard_errors`:
    the average's over the trials, whose years are not independent draws), as "mean ± standard error"
    cells (USD m, the whole market)."""
    ledger = results.ledger()
    ledger = ledger[ledger["mean"] != 0]
    out = _with_errors(ledger, results.ledger_standard_errors())
    out.columns = [str(c) for c in out.columns]
    return out


#: The column of `sanctions_annual` for the share of trials with a block.
ANY_BLOCK = "share of trials with a block in the horizon"


def sanctions_annual(sanctions: pd.DataFrame, results: Results | None = None) -> pd.DataFrame:
    """The report's sanctions table, per contract: the policy years' average exposed premium and blocked
    losses, the largest year's exposed limit (each an annual figure, USD m), and the share of trials
    with any block in the horizon. Given the run's `results` (with its contracts' exposure), each figure
    but the limit (fixed by the terms) has its Monte Carlo standard error in ``<column> standard_error``
    (`metrics.sanctions_standard_errors`: of the trials' averages over their years)."""
    years = sanctions[sanctions["year"] != metrics.HORIZON_TOTAL]
    by = years.groupby("contract", sort=False)
    out = by[["exposed_premium", "mean_blocked_delayed", "mean_blocked_permanent"]].mean()
    out.insert(1, "exposed_limit", by["exposed_limit"].max())
    horizon = sanctions[sanctions["year"] == metrics.HORIZON_TOTAL].set_index("contract")
    out[ANY_BLOCK] = horizon["prob_any_block"]
    if results is not None and set(results.contract_ids) <= set(results.contract_exposure):
        errors = metrics.sanctions_standard_errors(results.contracts, results.contract_exposure)
        errors = errors.rename(columns={"prob_any_block": ANY_BLOCK}).reindex(out.index)
        for col in errors.columns:
            out[f"{col} standard_error"] = errors[col]
    return out


def _sanctions_cells(table: pd.DataFrame) -> pd.DataFrame:
    """`sanctions_annual` for the page: "mean ± standard error" cells where it has the errors."""
    errors = [c for c in table.columns if c.endswith(" standard_error")]
    means = table.drop(columns=errors)
    named = table[errors].rename(columns=lambda c: c.removesuffix(" standard_error"))
    return _with_errors(means, named)


# ---------------------------------------------------------------------------------------- sections
_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto;
       max-width: 1180px; padding: 0 24px 48px; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #1f77b4; padding-bottom: 4px; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.6em; }
p.meta, p.note { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.85em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 3px 9px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
img.figure { max-width: 100%; height: auto; display: block; margin: 0.5em 0 1em; }
.grid { display: flex; flex-wrap: wrap; gap: 8px 24px; }
.grid > div { flex: 1 1 520px; min-width: 0; }
nav ul { columns: 2; font-size: 0.9em; }
ul.notes { font-size: 0.9em; color: #444; }
"""


def _scenario_section(run: Run, by_name: Mapping[str, Run]) -> str:
    r = run.results
    m = run.manifest
    base = _baseline_of(run, by_name)
    last = r.start_year + r.n_years - 1
    scenario_doc = m.get("scenario") or {}
    parts = [f'<section id="scenario-{html.escape(run.name, quote=True)}">']
    parts.append(f"<h2>{html.escape(run.name)}: {html.escape(r.scenario_name)}</h2>")
    description = scenario_doc.get("description")
    if description:
        parts.append(f"<p>{html.escape(str(description))}</p>")
    parts.append(
        '<p class="meta">'
        + html.escape(
            f"{r.n_trials:,} trials × {r.n_years} policy years ({r.horizon}), seed {r.seed}; "
            f"scenario file {m.get('scenario_file') or '–'}; run hash {str(m.get('run_hash') or '–')[:16]}; "
            f"riskmodel {m.get('package_version', '–')}, numpy {m.get('numpy_version', '–')}; "
            f"finished {m.get('finished') or '–'}."
        )
        + _compared_with(run, base)
        + "</p>"
    )
    perils = perils_sentence(scenario_doc, r)
    if perils:
        parts.append(f'<p class="note">{html.escape(perils)}</p>')
    summary = r.summary()
    verdict = (
        "every figure converged"
        if bool(summary["converged"].all())
        else "a figure marked “no” has a standard error above 5% of its value: it needs more trials"
    )
    contracts = contracts_table(r, summary, m)
    if not contracts.empty:
        parts.append(
            _table(
                contracts,
                caption=f"Contracts: expected loss, premium and reinstatement premium are annual averages "
                f"over {r.horizon} (USD m at our participation) with Monte Carlo standard errors; "
                "the premium is the one the portfolio file states, or for a rated line (the IG GXL lines) "
                "its rate times the modelled base of each trial-year; the reinstatement premium is what "
                "the losses earn. The loss ratio is the expected loss over the premium plus the "
                "reinstatement premium (the shipped example book's premiums are illustrative, not market "
                "rates). The 1-in-200 is the annual aggregate loss (AEP) of the policy year where it is "
                "largest"
                + (f", the largest of the {r.n_years} policy years' estimates" if r.n_years > 1 else "")
                + f" ({verdict}); where it is the full limit (or another amount that many policy "
                "years lose exactly) it says so, with the share of policy years that reach it, in place of "
                "a standard error of 0. Beside it, the 1-in-200 with the policy years pooled: the 99.5% "
                "quantile of a policy year's loss over every policy year of every trial together"
                + (
                    ", of no one year and not biased up by taking the largest of several estimates"
                    if r.n_years > 1
                    else " (with one policy year, the same figure)"
                )
                + "; its standard error counts a trial's policy years as one draw (they share its "
                "climate factor and joins), not as independent years",
            )
        )
    others = summary[~summary.index.isin(_contract_figures(r))]
    # (annual averages, as the caption says, of no one year and without notes: columns to say it are noise)
    needless = ["year", *(["year_basis"] if others["year_basis"].eq(ANNUAL_AVERAGE).all() else [])]
    needless += ["note"] if others["note"].eq("").all() else []
    others = others.drop(columns=needless)
    parts.append(_table(others, caption="Who pays and how often: annual averages with standard errors"))
    if r.calibration_caveat:
        parts.append(f'<p class="meta">{html.escape(r.calibration_caveat)}</p>')

    if base is not None and base.results.n_trials == r.n_trials:
        cmp = run.comparison(base)
        table = cmp.table()
        keep = [f for f in table.index if not f.startswith("base:")]
        caveat = "".join(f"; note: {m}" for m in cmp.mismatches())
        parts.append(
            _table(
                _comparison_cells(table.loc[keep, [*COMPARISON_SHOWN, "note"]]).rename(
                    columns={"scenario": run.name, "baseline": base.name}
                ),
                table_id=f"against-{run.name}",
                caption=f"Against {base.name}: mean annual difference ({run.name} − {base.name}) with its "
                "common-random-number standard error, and the standard error it would have with "
                f"independent seeds ({COMPARISON_BASIS}){caveat}",
            )
        )

    joiners, tests = joiners_table(r)
    if not joiners.empty:
        parts.append(
            _table(
                joiners,
                caption=f"As more states join: the trials grouped by the number of candidate states that "
                f"are members of a scheme by {last}, with each group's annual averages over the horizon "
                "(mean ± standard error) and the annual TVaR of the first figure: of one policy year's "
                "figure, every policy year of the group's trials pooled (all the years, where the headline "
                "1-in-200 annual loss is the largest single year's), where at least 20 of the group's trials "
                "have a policy year beyond its quantile. The groups are "
                "what happened in this scenario's trials, not separate scenarios: many joins come with a "
                "high geopolitical factor. Whether the groups share one mean (a permutation test of the "
                "trials) and whether each figure rises or falls with the number of joiners (Spearman's rank "
                f"correlation ρ: a trend where p < 0.05 and |ρ| ≥ {TREND_RHO:g}, a weak one where p < 0.05 "
                "and |ρ| is smaller): "
                f"{tests or 'not testable'}.",
            )
        )

    figures: list[str] = []
    if "portfolio" in r.contracts:
        # (a baseline without a portfolio has no curve to draw beside it)
        # (nor a baseline of another horizon, whose return periods count other years)
        base_ep = (
            base.results
            if base is not None
            and "portfolio" in base.results.contracts
            and base.results.horizon == r.horizon
            else None
        )
        # the annual basis of the 1-in-200 first: a policy year's loss, in the year of the headline's
        # figure (the baseline in the same year); the horizon's curves beside it
        figures.append(
            _figure(
                _on_axes(plots.plot_ep, r, "portfolio", base_ep, plots.WORST_YEAR),
                f"{run.name}: EP curves of the portfolio, policy year "
                f"{plots.worst_policy_year(r)} (a policy year's loss)",
            )
        )
        if r.n_years > 1:
            figures.append(
                _figure(
                    _on_axes(plots.plot_ep, r, "portfolio", base_ep, None),  # (None: the horizon)
                    f"{run.name}: EP curves of the portfolio over the horizon {r.horizon} (return periods "
                    "in horizons)",
                )
            )
        if base is not None and base.results.n_trials == r.n_trials:
            n_rows = 2 * len(r.contracts)
            figures.append(
                _figure(
                    _on_axes(plots.plot_deltas, cmp, names=(run.name, base.name)),
                    f"{run.name}: differences from {base.name}",
                    (9.0, 1.4 + 0.3 * n_rows),
                )
            )
    if r.contract_ids:
        figures.append(
            _figure(
                lambda fig: plots.plot_contracts(r, fig=fig),
                f"{run.name}: contracts",
                (10.0, 1.6 + 0.45 * len(r.contract_ids)),
            )
        )
    figures.append(_figure(_on_axes(plots.plot_ledger, r), f"{run.name}: who pays", (9.0, 4.8)))
    if not r.adoption().empty:
        figures.append(_figure(_on_axes(plots.plot_adoption, r), f"{run.name}: who joins, and when"))
    if not r.market().empty:
        figures.append(_figure(_on_axes(plots.plot_market, r), f"{run.name}: tonnage by P&I provider"))
    parts.append('<div class="grid">' + "".join(f"<div>{f}</div>" for f in figures) + "</div>")

    if "portfolio" in r.contracts:
        if r.n_years > 1:
            _, year, basis = r.annual_tail("portfolio")
            # (a figure the same in every policy year is no selection: no bias to state)
            worst = (
                "the same in every policy year"
                if basis == EVERY_YEAR_ALIKE
                else f"{year}'s; when the years are alike, the largest of {r.n_years} estimates is biased "
                f"up, {_worst_year_bias_words([r.n_years])} (the mean of the largest of {r.n_years} "
                "independent like estimates; a trial's years share its draws, which lowers it); "
                "the contracts table gives beside it the 1-in-200 with the policy years pooled, which the "
                "choice does not bias"
            )
            parts.append(
                _table(
                    _ep_by_year_cells(ep_by_year(r)),
                    table_id=f"ep-by-year-{run.name}",
                    caption="Portfolio EP by policy year, a policy year's loss (AEP: the year's ceded loss; "
                    "OEP: its largest event), return periods in years (USD m): each figure with its 95% "
                    "order-statistic interval [lower, upper], as in the EP table (“–”: too few trials "
                    "beyond it to bound it). The headline 1-in-200 annual loss is the largest of the "
                    f"{r.n_years} policy years' AEP at 200 years, {worst}",
                )
            )
        parts.append(
            _table(
                ep_extract(r, "portfolio", None),  # (None: the horizon)
                caption=f"Portfolio EP over the horizon {r.horizon} (AEP: sum of the policy "
                "years; OEP: largest event), with 95% order-statistic intervals"
                + (
                    f"; a return period counts horizons of {r.n_years} years, not policy years: not the "
                    "basis of the 1-in-200 annual loss"
                    if r.n_years > 1
                    else ""
                ),
            )
        )
    parts.append(
        _table(
            ledger_table(r),
            table_id=f"who-pays-{run.name}",
            caption="Who pays, in the whole market: mean amount borne per policy year and on average a "
            "year (mean), USD m, ± its Monte Carlo standard error (of the average: over the trials, whose "
            "policy years are not independent draws); a figure without ± is the same in every trial",
        )
    )
    comparable = base if base is not None and base.results.n_trials == r.n_trials else None
    by_class = damage_by_class_table(r, None if comparable is None else comparable.results)
    if not by_class.empty:
        against = ""
        if comparable is not None:
            paired = run.comparison(comparable).shares_random_numbers
            against = (
                f", beside {comparable.name}'s and the difference ({run.name} − {comparable.name}) ± its "
                + (
                    "common-random-number standard error"
                    if paired
                    else "standard error (not paired: another seed or horizon, so that of independent runs)"
                )
            )
        parts.append(
            _table(
                by_class.rename(
                    columns={"scenario": run.name, "baseline": getattr(comparable, "name", None)}
                ),
                table_id=f"damage-by-class-{run.name}",
                caption="Damage by the P&I class of the tanker that causes it (every head of damage: "
                "pollution, statutory, wreck, hull, the other ship's hull, infrastructure and crew; the "
                f"whole market at 100%), USD m a year ± its Monte Carlo standard error{against}. An "
                "insolvent scheme's members stay in its class here (docs/model.md §7). "
                f"{BY_CLASS_NEEDS_EVENTS}",
            )
        )
    if run.sanctions is not None and not run.sanctions.empty:
        parts.append(
            _table(
                _sanctions_cells(sanctions_annual(run.sanctions, r)),
                table_id=f"sanctions-{run.name}",
                caption=f"Sanctions exposure, annual figures over the horizon {r.horizon}: "
                "premium from and limit on sanctioned or at-risk tonnage (the limit: the largest "
                "year's, fixed by the terms: no Monte Carlo error), ceded losses blocked by sanctions "
                "clauses (the policy years' average, USD m), and the share of trials with any blocked "
                "ceded loss in the horizon, ± their Monte Carlo standard errors (over the trials; a "
                "figure without ± is the same in every trial). At-risk sources are "
                "those at risk by construction: a scheme, its reinsurer and hull cover, and domestic "
                "insurers; Western covers of price-cap trade or of tankers designated later are not "
                "counted here (their blocked claims are, below and in the contracts' blocks)",
            )
        )
    exposure = r.sanctions_exposure()
    if not exposure.empty:
        parts.append(
            _table(
                _with_errors(exposure, r.sanctions_exposure_standard_errors()),
                table_id=f"sanctions-market-{run.name}",
                caption="Sanctions in the market by policy year: claims blocked at the direct links and "
                "in the portfolio (USD m), shadow share of tanker tonnage, designated share of the shadow "
                "fleet, detentions a year; means over the trials ± their Monte Carlo standard errors (a "
                "figure without ± is the same in every trial)",
            )
        )
    finances = r.scheme_finances()
    if not finances.empty:
        parts.extend(f'<p class="note">{html.escape(line)}</p>' for line in scheme_solvency_words(r))
        parts.append(
            _table(
                finances,
                table_id=f"schemes-{run.name}",
                caption=SCHEMES_CAPTION,
            )
        )
    if r.notes:
        parts.append(
            '<h3>Notes</h3><ul class="notes">'
            + "".join(f"<li>{html.escape(n)}</li>" for n in r.notes)
            + "</ul>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _order(runs: list[Run]) -> list[Run]:
    """Baselines first (runs that others are compared with), then the rest by name."""
    bases = {run.baseline_run for run in runs}
    return sorted(runs, key=lambda run: (run.name not in bases, run.name))


def render_report(
    runs: Iterable[Run], title: str = "riskmodel report", unfinished: Iterable[tuple[str, str]] = ()
) -> str:
    """The report page (HTML text) for the given runs; see the module docstring for its content."""
    ordered = _order(list(runs))
    if not ordered:
        raise ValueError("a report needs at least one run")
    by_name = {run.name: run for run in ordered}
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">Generated {generated} by riskmodel {html.escape(riskmodel.__version__)}. '
        "Money in USD millions: contract and portfolio figures at the reinsurer's participation, "
        "market figures (who pays, sanctions in the market) for the whole market; ± is one Monte Carlo "
        "standard error; "
        "each scenario is compared with the run its section names (its baseline, or the scenario it "
        "extends), on common random numbers (the same trials).</p>",
    ]
    missing = list(unfinished)
    if missing:
        head.append(
            '<p class="note">Runs left out (rerun the batch to redo them): '
            + html.escape(_left_out(missing))
            + "</p>"
        )
    nav = (
        "".join(
            f'<li><a href="#scenario-{html.escape(run.name, quote=True)}">{html.escape(run.name)}</a>: '
            f"{html.escape(run.results.scenario_name)}</li>"
            for run in ordered
        )
        + '<li><a href="#glossary">Glossary</a>: the money basis and the payer columns</li>'
    )
    chosen = [  # (runs whose 1-in-200 is the largest of their years': one the same in each is no choice)
        run.results.n_years
        for run in ordered
        if "portfolio" in run.results.contracts and run.results.annual_tail()[2] != EVERY_YEAR_ALIKE
    ]
    bias = _worst_year_bias_words(chosen)
    if bias:
        bias = f"when the years are alike, the largest of several estimates is biased up, {bias}; "
    body = [
        f"<nav><ul>{nav}</ul></nav>",
        "<h2>Headline figures by scenario</h2>",
        _table(
            headline_table(ordered, by_name),
            table_id="headline",
            caption="Portfolio figures, annual averages over the horizon (the premium with its "
            "reinstatement premium), and the 1-in-200 annual loss (AEP, a policy year's ceded loss): the "
            "largest of the policy years' 1-in-200 estimates, in the year named (± its standard error; "
            f"{bias}each year's is in the scenario's EP table by policy year), and beside it the 1-in-200 "
            "with every policy year of every trial pooled, which that choice does not bias (± its standard "
            "error, a trial's policy years counted as one draw); the difference is from the run named "
            "in “compared with” (the scenario's baseline, or the scenario it extends), with its "
            "common-random-number standard error. The charts below are of a policy year's loss, each "
            "scenario in the policy year of its 1-in-200; the TVaR 99.5% is on the 1-in-200's basis, the "
            "mean of the worst 0.5% of a policy year's ceded loss in the year where it is largest (no "
            "difference is given for it: the paired bootstrap is of the quantile only)",
        ),
    ]
    leaving = ig_exit_rows(ordered, by_name)
    if not leaving.empty:
        body.append(
            _table(
                leaving,
                table_id="leaving-ig",
                caption="Tonnage and premium leaving the IG: annual averages over the horizon ± their Monte "
                "Carlo standard errors (a figure without ± is the same in every trial), the whole market at "
                "100% (not our share), and the difference from "
                "the run named in “compared with” with its common-random-number standard error. The IG GXL "
                "premium base and the IG-entered tonnage count every IG-entered ship (tankers and the "
                "non-tanker entries); the Western hull premium base and the tonnage by P&I class count the "
                f"model's tankers only. {IG_EXIT_READING}",
            )
        )
    with_portfolio = {run.name: run.results for run in ordered if "portfolio" in run.results.contracts}
    if with_portfolio:
        body.append(
            '<div class="grid">'
            + "".join(
                "<div>"
                + _figure(
                    _on_axes(plots.plot_scenarios_ep, with_portfolio, "portfolio", ep, plots.WORST_YEAR),
                    f"portfolio {ep} by scenario, a policy year's loss (each in the year of its 1-in-200)",
                )
                + "</div>"
                for ep in ("AEP", "OEP")
            )
            + "</div>"
        )
    body += [_scenario_section(run, by_name) for run in ordered]
    body += [
        '<h2 id="glossary">Glossary</h2>',
        _table(glossary_table(), table_id="glossary-terms", caption="The money basis and the payer columns"),
    ]
    return "\n".join([*head, *body, "</body></html>"]) + "\n"
