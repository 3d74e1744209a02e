"""Plots of simulation results for notebooks and the HTML report (matplotlib).

In: a `Results` (and, where a chart compares, a baseline `Results` or a `Comparison`). Out: the matplotlib
`Axes` drawn on (or the `Figure`, for the two-panel `plot_contracts`). Each function draws on the ``ax``
(or ``fig``) it is given, else on a new pyplot figure; none calls ``show``, so all run under the Agg
backend. Money is in USD millions, tonnage in million GT, years are policy-year labels (2026, ...).

- `plot_ep`: OEP and AEP against return period (log axis) with confidence bands, against a baseline: of
  one policy year (by default ``year=WORST_YEAR``: the year of the summary's 1-in-200 annual loss) or,
  when asked (``year=None``), the horizon.
- `plot_scenarios_ep`: one EP type of several scenarios on one chart (by default each in the policy year
  of its own 1-in-200, as `plot_ep` and `ep_curves`, whose curves these are).
- `plot_ledger`: who pays, stacked by payer per policy year.
- `plot_adoption`: probability that each candidate state is a member of its scheme, by year.
- `plot_market`: tanker tonnage by P&I provider class, stacked per policy year.
- `plot_contracts`: per contract, expected loss against premium, and the 1-in-200 loss.
- `plot_tail_contributions`: which contracts drive the portfolio's tail: each one's contribution to its
  TVaR beside the contract's own TVaR.
- `plot_deltas`: a scenario's differences from the run it is compared with, with their common-random-number
  error bars.
- `plot_swing`: a tornado of a one-at-a-time sweep's swings (`riskmodel.batch.SweepTable.swing`), with
  their common-random-number error bars.

The numbers drawn are the ones the `Results` tables report (`ep_curve`, `ledger`, `adoption`, `market`,
`summary`), so a chart and its table never disagree.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from riskmodel import metrics
from riskmodel.arguments import shown
from riskmodel.results import POOLED_TAIL_UNIT, Results, UnknownContractError

if TYPE_CHECKING:
    from riskmodel.results import Comparison

__all__ = [
    "CLASS_LABELS",
    "WORST_YEAR",
    "close",
    "contract_figures",
    "ep_curves",
    "plot_adoption",
    "plot_contracts",
    "plot_deltas",
    "plot_ep",
    "plot_ledger",
    "plot_market",
    "plot_scenarios_ep",
    "plot_swing",
    "plot_tail_contributions",
    "return_period_unit",
    "worst_policy_year",
]

#: Readable names of the P&I provider classes (docs/architecture.md); schemes are labelled by id.
CLASS_LABELS: dict[str, str] = {
    "ig": "IG clubs",
    "western_fixed": "Western fixed-premium P&I",
    "domestic": "domestic insurers",
    "none": "uninsured / opaque",
}
_CLASS_COLOURS: dict[str, str] = {
    "ig": "#1f77b4",
    "western_fixed": "#9ecae1",
    "domestic": "#ff7f0e",
    "none": "#7f7f7f",
}
_SCHEME_COLOURS = ("#d62728", "#9467bd", "#8c564b", "#e377c2")
_EP_COLOURS = {"OEP": "#1f77b4", "AEP": "#d62728"}
_EP_TICKS = (2, 5, 10, 25, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
#: The return period marked on EP charts: Solvency II's one-year 99.5% on a chart of policy years; on a
#: horizon's chart it counts horizons (the mark says which).
MARKED_RETURN_PERIOD = 200.0
#: EP curves stop where fewer than this many trials lie beyond the quantile: further out, the loss is
#: one of the few largest trials and its upper confidence bound does not exist.
MIN_TRIALS_BEYOND = 5
_MAX_RETURN_PERIOD = 10_000.0
#: The ``year`` of the EP functions that picks the policy year of the summary's 1-in-200 annual loss
#: (`worst_policy_year`): the annual basis of the headline figure, on one chart with its bands.
WORST_YEAR = "worst"
#: What the ``year`` of the EP functions may be besides a policy year, for the message of a wrong one.
_OTHER_YEARS = f"None for the horizon, or {WORST_YEAR!r} for the policy year of the 1-in-200 annual loss"


# ------------------------------------------------------------------------------------------ helpers
def _axes(ax: Axes | None, figsize: tuple[float, float] = (8.0, 4.5)) -> Axes:
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _title(ax: Axes, text: str) -> None:
    """The chart's title, wrapped to the figure's width: a long scenario name ("RV pool (Russia-Venezuela
    insurance system, 2026)") would otherwise run off both sides of a figure whose legend sits outside
    the axes (matplotlib centres a title over the axes, and the figure's edge cuts what passes it)."""
    ax.set_title(text, wrap=True)


def _tidy(ax: Axes) -> None:
    """Light grid behind the data, no top and right frame."""
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _year_ticks(ax: Axes, years: np.ndarray) -> None:
    ax.xaxis.set_major_locator(FixedLocator(list(years)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(v)}"))


def _legend_outside(ax: Axes, reverse: bool = False) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if reverse:
        handles, labels = handles[::-1], labels[::-1]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)


def _period(results: Results, year: int | None) -> tuple[str, int | None]:
    """(readable period, policy-year index or None for the horizon); checks ``year`` (`Results._year_index`:
    an int policy year of the run)."""
    if year is None:
        return f"horizon {results.horizon}", None
    index = results._year_index(year, none=_OTHER_YEARS)
    return f"policy year {results.start_year + index}", index


def worst_policy_year(results: Results, contract: str = "portfolio") -> int:
    """The policy year (a label such as 2026) of a contract's 1-in-200 annual loss as `Results.summary`
    gives it: the year whose 99.5% quantile of the annual ceded loss is the largest of the policy years'
    (`Results.annual_tail`; the first of years that tie, whose ``year_basis`` the summary calls "every policy
    year alike" when all do).

    >>> import numpy as np, pandas as pd
    >>> from riskmodel.results import Results
    >>> loss = np.array([[0.0, 5.0], [1.0, 2.0], [2.0, 9.0], [3.0, 1.0]])
    >>> r = Results("x", 2026, 2, 4, 1, {"xl": {"loss": loss}}, {}, {}, (), (), pd.DataFrame())
    >>> worst_policy_year(r, "xl")  # the 99.5% quantiles of the years: 3 and 9
    2027
    """
    return results.annual_tail(contract)[1]  # (an unknown contract: the error that names the run's)


def _policy_year(results: Results, contract: str, year: int | str | None) -> int | None:
    """A policy-year label (an int), None for the horizon, from a ``year`` argument: `WORST_YEAR`
    resolved, any other checked as `Results._year_index` checks a policy year (an int of the run's years;
    another string, a float or a year outside the run is an error naming them)."""
    if year is None:
        return None
    if isinstance(year, str) and year == WORST_YEAR:
        return worst_policy_year(results, contract)
    return results.start_year + results._year_index(year, none=_OTHER_YEARS)


def _return_periods(n_trials: int) -> np.ndarray:
    top = min(max(n_trials / MIN_TRIALS_BEYOND, 2.0), _MAX_RETURN_PERIOD)
    grid = np.geomspace(1.5, top, 60)
    marks = [t for t in metrics.DEFAULT_RETURN_PERIODS if t <= top]
    return np.unique(np.concatenate([grid, marks]))


def ep_curves(
    results: Results,
    contract: str = "portfolio",
    year: int | str | None = WORST_YEAR,
    return_periods: Sequence[float] | None = None,
    conf: float = 0.95,
) -> pd.DataFrame:
    """The OEP and AEP curves `plot_ep` draws, as a long frame.

    Parameters
    ----------
    results : the run.
    contract : a contract id or ``"portfolio"``.
    year : by default `WORST_YEAR`, the policy year of the contract's 1-in-200 annual loss
        (`worst_policy_year`: the year of the summary's headline figure), as `plot_ep` draws it; a
        policy-year label (e.g. 2027) for that year's curves; None for the horizon, where the AEP is the
        sum of the policy years of each trial and the OEP its largest event (as the EPT's year −1).
    return_periods : in policy years (in horizons for the horizon of a run of several years); default a
        log-spaced grid from 1.5 to n_trials / 5 (at most 10,000), with the EPT's standard return periods.
    conf : confidence level of the order-statistic interval of each loss.

    Returns
    -------
    Columns ``ep_type`` ("OEP" or "AEP"), ``return_period``, ``loss``, ``ci_lower``, ``ci_upper`` (USD m),
    from `riskmodel.metrics.ep_curve`, the intervals of the EPT (`Results.ep_table`, whose rows of a
    policy year are these); an infinite interval end (too few trials) is NaN.
    """
    c = results._contract(contract)  # (the lookup of the run's tables: an unknown id names the run's)
    _, index = _period(results, _policy_year(results, contract, year))
    if index is None:
        aep, oep = c["loss"].sum(axis=1), c["max_event_loss"].max(axis=1)
    else:
        aep, oep = c["loss"][:, index], c["max_event_loss"][:, index]
    rp = _return_periods(results.n_trials) if return_periods is None else np.asarray(return_periods, float)
    frames = []
    for name, x in (("OEP", oep), ("AEP", aep)):
        curve = metrics.ep_curve(x, rp, conf)[["return_period", "loss", "ci_lower", "ci_upper"]]
        curve.insert(0, "ep_type", name)
        frames.append(curve)
    out = pd.concat(frames, ignore_index=True)
    for col in ("ci_lower", "ci_upper"):
        out[col] = out[col].where(np.isfinite(out[col]))
    return out


def _counted(results: Results, year: int | None) -> str:
    """What a return period counts, in one word: ``years`` or ``horizons``."""
    return "years" if year is not None or results.n_years == 1 else "horizons"


def return_period_unit(results: Results, year: int | None) -> str:
    """What a return period counts: policy years, or (for a horizon of several years) horizons."""
    return "years" if _counted(results, year) == "years" else f"horizons of {results.n_years} years"


def _log_return_period_axis(ax: Axes, top: float, unit: str) -> None:
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator([t for t in _EP_TICKS if t <= top * 1.01]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(f"return period ({unit}, log scale)")


def _loss_limits(ax: Axes) -> None:
    """From 0 to a little above the highest curve: the far ends of the bands (the few largest trials)
    would otherwise flatten every curve."""
    curves = [ln.get_ydata() for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    highest = max((float(np.nanmax(y)) for y in curves if len(y)), default=0.0)
    ax.set_ylim(0.0, 1.3 * highest if highest > 0 else 1.0)


def _mark_return_period(ax: Axes, counted: str | None) -> None:
    """A dotted line at 1 in 200, named in what the return periods count (``years`` or ``horizons``;
    None for runs that count different things)."""
    ax.axvline(MARKED_RETURN_PERIOD, color="0.4", linestyle=":", linewidth=1, label="_1 in 200")
    ax.text(
        MARKED_RETURN_PERIOD,
        0.98,
        " 1 in 200" + (f" {counted}" if counted else ""),
        transform=ax.get_xaxis_transform(),
        va="top",
        fontsize=8,
        color="0.35",
    )


# -------------------------------------------------------------------------------------------- EP
def plot_ep(
    results: Results,
    contract: str = "portfolio",
    baseline: Results | None = None,
    year: int | str | None = WORST_YEAR,
    *,
    ax: Axes | None = None,
    conf: float = 0.95,
    return_periods: Sequence[float] | None = None,
) -> Axes:
    """OEP and AEP of a contract against return period (log axis), with confidence bands.

    Parameters
    ----------
    results : the run; its ``baseline`` attribute is used when ``baseline`` is not given.
    contract : a contract id or ``"portfolio"``.
    baseline : a baseline run (a `Results`) of the same contract, drawn dashed without bands (its
        uncertainty about the *difference* is the paired standard error of `riskmodel.compare`, not the
        overlap of bands).
        A baseline curve that is the scenario's (the same loss at every return period: a change that
        does not reach this contract's tail), or within `HIDDEN_GAP` (1%) of the chart's height of it at
        every return period, would hide under it: its legend entry says so, and by how much at most.
    year : by default `WORST_YEAR`, the policy year of the contract's 1-in-200 annual loss: the annual
        basis of the summary's headline figure, as the report draws it (the title names the year and says
        so; a baseline is drawn in the same year); a policy-year label (an int) for another year; None for
        the horizon, whose AEP is the sum of its policy years (see `ep_curves`), only when asked for.
    ax : the axes to draw on (default: a new figure).
    conf : confidence level of the bands (order-statistic intervals of each quantile).
    return_periods : the return periods to evaluate (default: see `ep_curves`).

    Returns
    -------
    The Axes: one solid line per EP type (labels ``OEP``/``AEP``, prefixed by the scenario name when a
    baseline is drawn), a band per line, dashed baseline lines (not drawn, with a warning, for a baseline
    of another horizon, or without the policy year drawn; labelled "... (under the solid line: the same
    curve)" or "... (under the solid line, within USD <gap>m)" where they hide under the scenario's), a
    dotted mark at 1 in 200 years or horizons.
    The y axis is
    the loss in USD m, the x axis the return period (log) in policy years, or for the horizon of a
    run of several years in horizons (`return_period_unit`).
    """
    if baseline is not None and not isinstance(baseline, Results):
        raise TypeError(
            "baseline must be a Results (another run of the contract: riskmodel.simulate(...) or "
            "riskmodel.store.load_results(folder)), or None for the run's own baseline if it has one, "
            f"got {shown(baseline)}"
        )
    baseline = baseline if baseline is not None else results.baseline
    worst = isinstance(year, str)
    year = _policy_year(results, contract, year)
    label, _ = _period(results, year)
    ax = _axes(ax)
    if worst:
        label += " (the policy year of its largest 1-in-200 annual loss)"
    elif year is None and results.n_years > 1:
        label += f" (AEP: the sum of its {results.n_years} policy years)"
    curves = ep_curves(results, contract, year, return_periods, conf)
    prefix = f"{results.scenario_name}: " if baseline is not None else ""
    for name, g in curves.groupby("ep_type", sort=False):
        colour = _EP_COLOURS[str(name)]
        ax.plot(g["return_period"], g["loss"], color=colour, linewidth=2, label=f"{prefix}{name}")
        ax.fill_between(
            g["return_period"],
            g["ci_lower"],
            g["ci_upper"],
            color=colour,
            alpha=0.18,
            linewidth=0,
            label=f"_{name} {conf:.0%} interval",
        )
    if baseline is not None and year is None and baseline.horizon != results.horizon:
        warnings.warn(
            f"plot_ep: the baseline {baseline.scenario_name!r} has another horizon ({baseline.horizon} "
            f"against {results.horizon}): its curves would count other years, so they are not drawn",
            UserWarning,
            stacklevel=2,
        )
        baseline = None
    if baseline is not None and year is not None and year not in baseline.years:
        warnings.warn(
            f"plot_ep: the baseline {baseline.scenario_name!r} has no policy year {year} (its years are "
            f"{baseline.horizon}): its curves are not drawn",
            UserWarning,
            stacklevel=2,
        )
        baseline = None
    gaps = []  # (the baseline's line, the largest gap to the scenario's curve of its EP type)
    if baseline is not None:
        base = ep_curves(baseline, contract, year, curves["return_period"].unique(), conf)
        for name, g in base.groupby("ep_type", sort=False):
            (line,) = ax.plot(
                g["return_period"],
                g["loss"],
                color=_EP_COLOURS[str(name)],
                linewidth=1.5,
                linestyle="--",
                label=f"{baseline.scenario_name}: {name}",
            )
            own = curves.loc[curves["ep_type"] == name, "loss"].to_numpy()
            gap = np.abs(g["loss"].to_numpy() - own)
            gaps.append((line, float(np.nanmax(gap)) if np.isfinite(gap).any() else 0.0))
    top = float(curves["return_period"].max())
    if top >= MARKED_RETURN_PERIOD:
        _mark_return_period(ax, _counted(results, year))
    _log_return_period_axis(ax, top, return_period_unit(results, year))
    ax.set_ylabel("loss (USD m)")
    _loss_limits(ax)
    for line, gap in gaps:
        _say_when_hidden(line, gap, ax.get_ylim()[1])
    _title(ax, f"{results.scenario_name}: {contract}, {label}\nbands: {conf:.0%} confidence interval")
    _tidy(ax)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return ax


#: A baseline's EP curve closer than this share of the chart's height to the scenario's at every return
#: period lies under it, out of sight (the lines are 2 and 1.5 points wide): its legend entry says so.
HIDDEN_GAP = 0.01


def _say_when_hidden(line: Line2D, gap: float, height: float) -> None:
    """Add to a baseline curve's legend label that it lies under the scenario's solid line of its colour:
    "(under the solid line: the same curve)" for a gap of 0 (the same loss at every return period), else
    "(under the solid line, within USD <gap>m)" when the largest gap is under `HIDDEN_GAP` of the chart's
    `height`. (Short: the labels already carry both runs' names, which can be long.)"""
    if gap == 0:
        line.set_label(f"{line.get_label()} (under the solid line: the same curve)")
    elif gap < HIDDEN_GAP * height:
        line.set_label(f"{line.get_label()} (under the solid line, within USD {gap:,.2g}m)")


def plot_scenarios_ep(
    runs: Mapping[str, Results],
    contract: str = "portfolio",
    ep_type: str = "AEP",
    year: int | str | None = WORST_YEAR,
    *,
    ax: Axes | None = None,
    conf: float = 0.95,
) -> Axes:
    """One EP type (``"AEP"`` or ``"OEP"``) of several runs on one chart, one line and band per run.

    ``runs`` maps a label (e.g. the scenario's folder name) to its `Results`; runs lacking ``contract``
    are skipped, and a contract no run has is an `UnknownContractError` naming those they have.
    ``year``: by default `WORST_YEAR`, each run in the policy year of its own 1-in-200 annual loss (the
    summary's; `plot_ep`'s default), named in its legend label ("rv_pool (2026)"); a policy-year label
    for that year of every run; None for the horizon. Returns the Axes (loss in USD m against return
    period, log axis).
    """
    if ep_type not in _EP_COLOURS:
        raise ValueError(f"ep_type must be 'AEP' or 'OEP', got {ep_type!r}")
    if not runs:
        raise ValueError("plot_scenarios_ep needs at least one run, got none")
    if not any(contract in res.contracts for res in runs.values()):
        # (else an empty chart, with matplotlib's "No artists with labels" warning the only word)
        from riskmodel.scenario.errors import suggestion

        known = list(dict.fromkeys(c for res in runs.values() for c in res.contracts))
        they = ", ".join(known) or "none (no run has a portfolio)"
        raise UnknownContractError(
            f"no run has contract {contract!r}; they have: {they}{suggestion(contract, known)}"
        )
    ax = _axes(ax)
    colours = plt.get_cmap("tab10")
    top = 2.0
    period, units, counted = "", set(), set()
    for i, (name, res) in enumerate(runs.items()):
        if contract not in res.contracts:
            continue
        its_year = _policy_year(res, contract, year)
        period, _ = _period(res, its_year)
        units.add(return_period_unit(res, its_year))
        counted.add(_counted(res, its_year))
        c = ep_curves(res, contract, its_year, conf=conf)
        g = c[c["ep_type"] == ep_type]
        colour = colours(i % 10)
        label = f"{name} ({its_year})" if isinstance(year, str) else name
        ax.plot(g["return_period"], g["loss"], color=colour, linewidth=2, label=label)
        ax.fill_between(
            g["return_period"], g["ci_lower"], g["ci_upper"], color=colour, alpha=0.12, linewidth=0
        )
        top = max(top, float(g["return_period"].max()))
    unit = " or ".join(sorted(units)) or "years"
    if top >= MARKED_RETURN_PERIOD:
        # (horizons of different lengths count different things: the mark then names none)
        _mark_return_period(ax, counted.pop() if len(units) == 1 else None)
    _log_return_period_axis(ax, top, unit)
    ax.set_ylabel("loss (USD m)")
    _loss_limits(ax)
    if isinstance(year, str):
        period = "a policy year's loss, each in the year of its largest 1-in-200 (in the legend)"
    _title(ax, f"{ep_type} of {contract} by scenario, {period}\nbands: {conf:.0%} confidence interval")
    _tidy(ax)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return ax


# ---------------------------------------------------------------------------------------- ledger
def plot_ledger(results: Results, *, ax: Axes | None = None, top: int = 8) -> Axes:
    """Who pays: mean amount borne by each payer per policy year, stacked bars (USD m a year).

    The ``top`` payers by mean over the horizon get their own colour, largest at the bottom; the rest are
    summed as "other payers". Payers that never pay are left out. The bars' heights are
    `Results.ledger()`; their totals are the mean damage of a year.

    Returns the Axes: one bar per (payer shown, year), in ``ax.containers`` one container per payer.
    """
    ax = _axes(ax, (9.0, 4.8))
    ledger = results.ledger()
    years = results.years
    ledger = ledger[ledger["mean"] > 0]
    shown = ledger.iloc[:top]
    rest = ledger.iloc[top:]
    rows = {str(p): shown.loc[p, list(years)].to_numpy(float) for p in shown.index}
    if len(rest):
        rows[f"other payers ({len(rest)})"] = rest[list(years)].to_numpy(float).sum(axis=0)
    colours = plt.get_cmap("tab20")
    bottom = np.zeros(len(years))
    for i, (payer, heights) in enumerate(rows.items()):
        colour = "0.75" if payer.startswith("other payers") else colours(i % 20)
        ax.bar(years, heights, bottom=bottom, width=0.7, color=colour, label=payer)
        bottom = bottom + heights
    if not rows:
        ax.text(0.5, 0.5, "no payments in this run", ha="center", va="center", transform=ax.transAxes)
    _year_ticks(ax, years)
    if bottom.max(initial=0.0) > 0:
        ax.set_ylim(0.0, 1.08 * bottom.max())
    ax.set_xlabel("policy year")
    ax.set_ylabel("mean amount paid (USD m a year)")
    _title(ax, f"{results.scenario_name}: who pays for incidents")
    _tidy(ax)
    if rows:
        _legend_outside(ax, reverse=True)
    return ax


# -------------------------------------------------------------------------------------- adoption
def plot_adoption(results: Results, *, ax: Axes | None = None, scheme: str | None = None) -> Axes:
    """Probability that each candidate state is a member of its scheme, by policy year.

    One line per candidate (founders, members from the start, are left out), from `Results.adoption()`;
    the legend gives each state's probability in the last year, highest first. ``scheme`` keeps one
    scheme's candidates. Returns the Axes (probability 0–1 against policy year); a run without an
    alternative scheme gets an empty chart saying so.
    """
    ax = _axes(ax)
    table = results.adoption()
    years = results.years
    if not table.empty:
        candidates = ~results.slots["founder"].to_numpy(bool)
        table = table[candidates]
        if scheme is not None:
            if scheme not in results.scheme_ids:
                raise KeyError(f"unknown scheme {scheme!r}; the run has: {', '.join(results.scheme_ids)}")
            table = table[table.index.get_level_values("scheme") == scheme]
    if table.empty:
        ax.text(
            0.5, 0.5, "no candidate states in this scenario", ha="center", va="center", transform=ax.transAxes
        )
    else:
        table = table.sort_values(table.columns[-1], ascending=False, kind="stable")
        several = table.index.get_level_values("scheme").nunique() > 1
        colours = plt.get_cmap("tab20")
        for i, ((sid, state), row) in enumerate(table.iterrows()):
            name = f"{sid}: {state}" if several else str(state)
            ax.plot(
                years,
                row.to_numpy(float),
                marker="o",
                markersize=3,
                color=colours(i % 20),
                label=f"{name} ({row.iloc[-1]:.0%})",
            )
        _legend_outside(ax)
    _year_ticks(ax, years)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("policy year")
    ax.set_ylabel("probability of membership (share of trials)")
    which = f" {scheme}" if scheme else ""
    _title(ax, f"{results.scenario_name}: who joins the scheme{which}, and when")
    _tidy(ax)
    return ax


# ---------------------------------------------------------------------------------------- market
def plot_market(results: Results, *, ax: Axes | None = None) -> Axes:
    """Mean tanker tonnage by P&I provider class per policy year, stacked bars (million GT).

    Bars from `Results.market()`, one container per class in the run's class order (IG at the bottom).
    Returns the Axes.
    """
    ax = _axes(ax)
    market = results.market()
    years = results.years
    if market.empty:
        ax.text(0.5, 0.5, "the run holds no market tonnage", ha="center", va="center", transform=ax.transAxes)
    bottom = np.zeros(len(years))
    schemes = iter(_SCHEME_COLOURS * 4)
    for cls in market.columns:
        heights = market[cls].to_numpy(float)
        colour = _CLASS_COLOURS.get(cls) or next(schemes)
        label = CLASS_LABELS.get(cls) or cls.replace("scheme:", "scheme ")
        ax.bar(years, heights, bottom=bottom, width=0.7, color=colour, label=label)
        bottom = bottom + heights
    _year_ticks(ax, years)
    if bottom.max(initial=0.0) > 0:
        ax.set_ylim(0.0, 1.08 * bottom.max())
    ax.set_xlabel("policy year")
    ax.set_ylabel("tanker tonnage (million GT)")
    _title(ax, f"{results.scenario_name}: tonnage by P&I provider")
    _tidy(ax)
    if not market.empty:
        _legend_outside(ax, reverse=True)
    return ax


# ------------------------------------------------------------------------------------- contracts
def contract_figures(
    results: Results, year: int | None = None, include_portfolio: bool = False
) -> pd.DataFrame:
    """Per contract: expected annual loss, premium (with reinstatements), loss ratio and 1-in-200 loss.

    With ``year`` None the figures are means over the horizon's policy years and the 1-in-200 is the
    annual loss of the policy year where it is largest (`metrics.worst_year`, as in `Results.summary`);
    with a policy-year label, that year's. USD m; index ``contract``.
    """
    _, index = _period(results, year)
    ids = list(results.contract_ids) + (["portfolio"] if include_portfolio else [])
    rows = []
    for cid in ids:
        c = results.contracts[cid]
        pick = (lambda a: a.mean(axis=1)) if index is None else (lambda a, i=index: a[:, i])
        loss = pick(c["loss"])
        premium = pick(c["premium"] + c["reinstatement_premium"])
        el, prem = float(loss.mean()), float(premium.mean())
        if index is None:
            tail = metrics.worst_year(c["loss"], 0.995).value
        else:
            tail = float(metrics.var(loss, 0.995))
        rows.append(
            {
                "contract": cid,
                "expected_loss": el,
                "premium": prem,
                "loss_ratio": el / prem if prem > 0 else np.nan,
                "loss_1_in_200": tail,
            }
        )
    cols = ["contract", "expected_loss", "premium", "loss_ratio", "loss_1_in_200"]
    return pd.DataFrame(rows, columns=cols).set_index("contract")


def plot_contracts(
    results: Results, *, fig: Figure | None = None, year: int | None = None, include_portfolio: bool = False
) -> Figure:
    """Per contract: expected loss against premium (left), and the 1-in-200 loss (right).

    Horizontal bars from `contract_figures` (USD m a year), contracts top to bottom in portfolio order;
    the loss ratio is written beside each premium bar. Returns the Figure with two Axes (left: two bar
    containers, expected loss and premium; right: one, the 1-in-200 loss).
    """
    table = contract_figures(results, year, include_portfolio)
    if fig is None:
        fig = plt.figure(figsize=(10.0, 1.2 + 0.45 * max(len(table), 1)), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True, width_ratios=(1.4, 1.0))
    period, _ = _period(results, year)
    y = np.arange(len(table))[::-1]
    h = 0.38
    left.barh(y + h / 2, table["expected_loss"], height=h, color="#d62728", label="expected loss")
    left.barh(y - h / 2, table["premium"], height=h, color="#2ca02c", label="premium (incl. reinstatements)")
    for yi, prem, lr in zip(y, table["premium"], table["loss_ratio"], strict=True):
        if np.isfinite(lr):
            left.text(prem, yi - h / 2, f"  LR {lr:.0%}", va="center", fontsize=7, color="0.3")
    right.barh(y, table["loss_1_in_200"], height=0.6, color="#9467bd", label="1-in-200 loss")
    left.set_yticks(y, list(table.index))
    left.set_xlabel("USD m a year")
    right.set_xlabel("USD m")
    _title(left, f"expected loss and premium ({period})")
    which = "largest of the policy years'" if year is None else period
    _title(right, f"1-in-200 annual loss ({which})")
    for a in (left, right):
        a.set_xlim(left=0)
        a.xaxis.set_major_locator(MaxNLocator(5))
        _tidy(a)
    left.legend(loc="lower right", frameon=False, fontsize=8)
    if table.empty:
        left.text(0.5, 0.5, "no contracts in this run", ha="center", va="center", transform=left.transAxes)
    fig.suptitle(f"{results.scenario_name}: contracts", wrap=True)
    return fig


def plot_tail_contributions(
    results: Results,
    level: float = 0.995,
    *,
    year: int | None = None,
    ax: Axes | None = None,
    z: float = 1.96,
) -> Axes:
    """Which contracts drive the portfolio's tail: each contract's contribution to the portfolio's TVaR
    at `level` (a bar, ± z SE) beside its own TVaR at `level` (an outline), from
    `Results.tail_contributions` (every policy year pooled, or policy year `year`), contracts top to
    bottom in portfolio order; the gap between a bar and its outline is what the rest of the book
    diversifies of that contract. Returns the Axes (USD m in a policy year)."""
    t = results.tail_contributions(level, year=year)
    total = t.loc["portfolio"]
    t = t.drop("portfolio")
    ax = _axes(ax, (8.0, 1.4 + 0.35 * max(len(t), 1)))
    y = np.arange(len(t))[::-1]
    ax.barh(
        y, t["standalone_tvar"], height=0.7, fill=False, edgecolor="0.45", label="the contract's own TVaR"
    )
    ax.barh(
        y, t["contribution"], height=0.45, color="#9467bd", label="its contribution to the portfolio's TVaR"
    )
    ax.errorbar(
        t["contribution"],
        y,
        xerr=z * t["contribution_standard_error"],
        fmt="none",
        ecolor="black",
        capsize=2,
        label=f"± {z:g} SE",
    )
    unseen = set(t.attrs.get("unseen_in_tail", ()))  # (no error bar: NaN, not an error of 0)
    ax.set_yticks(y, [f"{c} (losses, none near the tail: no error)" if c in unseen else c for c in t.index])
    ax.set_xlim(left=0)
    pooled = year is None and results.n_years > 1
    which = f"policy years {t.attrs['years']} pooled" if pooled else f"policy year {t.attrs['years']}"
    ax.set_xlabel(f"{POOLED_TAIL_UNIT}; {which}", wrap=True)  # (the summary's words: whose figure it is)
    _title(
        ax,
        f"{results.scenario_name}: what each contract brings to the portfolio's TVaR {100 * level:g}% of "
        f"{total['contribution']:,.1f} ± {total['contribution_standard_error']:,.1f}",
    )
    _tidy(ax)
    _legend_outside(ax)
    return ax


# ---------------------------------------------------------------------------------------- deltas
def plot_deltas(
    comparison: Comparison,
    figures: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    z: float = 1.96,
    names: tuple[str, str] | None = None,
) -> Axes:
    """The difference of each figure between a scenario and the run it is compared with (its baseline, or
    the scenario it extends), with its common-random-number error bar (± z SE).

    ``figures`` are row names of `Comparison.table()` (default: every contract's ceded loss and premium,
    the premium with its reinstatement premium). The thin grey error bar beside it is what the same
    difference would carry with independent seeds. ``names`` are the two runs' labels (the report's run
    folders, ``("spill_stress", "rv_pool")``; default their scenario names): the title and the axis
    ("spill_stress − rv_pool") name the comparator, which need not be the batch's baseline.

    The axis is in the figures' unit (the table's ``unit``, whose figures they are set aside: "USD m a
    year", "million GT", "spills a year"; money a year and a 1-in-200 of a policy year both named); figures
    of different units (money, tonnage, counts) are a `ValueError` naming each unit's, to be drawn apart. A
    difference whose standard error is infinite (too few trials to bound it) or none (one trial) has no
    error bar: a marker on it, and its label says so. A contract one run's portfolio lacks is labelled
    "not written in <run>". Returns the Axes.
    """
    table = comparison.table()
    if figures is None:
        figures = [f for f in table.index if f.endswith((": ceded loss", ": premium"))]
    missing = [f for f in figures if f not in table.index]
    if missing:
        raise KeyError(f"not in the comparison: {', '.join(missing)}; it has: {', '.join(table.index)}")
    t = table.loc[list(figures)]
    unit = _deltas_unit(t["unit"])
    ax = _axes(ax, (8.0, 1.2 + 0.35 * max(len(t), 1)))
    y = np.arange(len(t))[::-1]
    ax.barh(y, t["difference"], height=0.6, color="#6baed6", label="difference")
    ax.errorbar(
        t["difference"],
        y,
        xerr=z * t["standard_error"],
        fmt="none",
        ecolor="black",
        capsize=3,
        label=f"± {z:g} SE, common random numbers",
    )
    ax.errorbar(
        t["difference"],
        y - 0.2,
        xerr=z * t["independent_standard_error"],
        fmt="none",
        ecolor="0.6",
        capsize=2,
        linewidth=0.8,
        label=f"± {z:g} SE, had the seeds been independent",
    )
    a, b = names or (comparison.scenario.scenario_name, comparison.baseline.scenario_name)
    se = t["standard_error"].to_numpy(dtype=float)
    unbounded = ~np.isfinite(se)
    if unbounded.any():  # (matplotlib drops an infinite error bar without a word)
        ax.plot(
            t["difference"].to_numpy()[unbounded],
            y[unbounded],
            marker="D",
            markerfacecolor="none",
            markeredgecolor="black",
            linestyle="none",
            label="no error bar: too few trials for a standard error",
        )
    lacking = {f: run for run, fs in t.attrs.get("not_written", {}).items() for f in fs}
    labels = []
    for f, error in zip(t.index, se, strict=True):
        notes = []
        if np.isinf(error):
            notes.append("s.e. ∞: too few trials, no error bar")
        elif np.isnan(error):
            notes.append("no s.e.: one trial, no error bar")
        if f in lacking:
            notes.append(f"not written in {a if lacking[f] == 'scenario' else b}")
        labels.append(f"{f} ({'; '.join(notes)})" if notes else f)
    ax.axvline(0.0, color="0.2", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(f"{a} − {b} ({unit})", wrap=True)
    _title(ax, f"{a} against {b}")
    _tidy(ax)
    _legend_outside(ax)
    return ax


def plot_swing(
    swing: pd.DataFrame, metric: str, *, ax: Axes | None = None, z: float = 1.96, unit: str = "USD m a year"
) -> Axes:
    """A tornado chart of a one-at-a-time sweep: each key's swing of one `metric` (a mean metric of the
    sweep, ``aal:portfolio``, ``payer:uncompensated``: the ``<metric>_swing`` column of
    `riskmodel.batch.SweepTable.swing` or of ``swing.csv``) as a horizontal bar, with its
    common-random-number error bar (± z SE), the largest swing at the top whatever the table's order. A
    bar is labelled by its key as the terminal's swing table names it (`riskmodel.batch.key_name`: the
    last part, the state of a ``--joiners`` sweep, unless another key shares it) and its values ("from →
    to"). `unit` names the axis (the metric's unit: "USD m a year" for money, "spills a year" for a
    count). A swing whose standard error is infinite or none has no error bar (matplotlib would drop it
    without a word), and one that could not be computed (points not paired: the table's note says why) no
    bar: the label says which. Returns the Axes.

    >>> import pandas as pd
    >>> swing = pd.DataFrame({"key": ["s.c.IRN", "s.c.CUB"], "from": ["never", "never"], "to": ["1", "1"],
    ...     "aal:portfolio_swing": [0.5, -2.0], "aal:portfolio_swing_se": [0.1, 0.2]})
    >>> ax = plot_swing(swing, "aal:portfolio")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['IRN (never → 1)', 'CUB (never → 1)']
    >>> close(ax)
    """
    from riskmodel.batch import key_name

    column = f"{metric}_swing"
    if column not in swing:
        have = [c.removesuffix("_swing") for c in swing.columns if c.endswith("_swing")]
        raise KeyError(f"no swing of {metric!r} in the table; it has: {', '.join(have) or 'none'}")
    t = swing.assign(_size=swing[column].abs()).sort_values("_size", na_position="first", kind="stable")
    y = np.arange(len(t))  # (the largest last: at the top)
    ax = _axes(ax, (8.0, 1.2 + 0.35 * max(len(t), 1)))
    values = t[column].to_numpy(dtype=float)
    se = t[f"{column}_se"].to_numpy(dtype=float)
    ax.barh(y, values, height=0.6, color=np.where(values < 0, "#fc9272", "#6baed6"), label="swing")
    ax.errorbar(
        values,
        y,
        xerr=np.where(np.isfinite(se), z * se, 0.0),
        fmt="none",
        ecolor="black",
        capsize=3,
        label=f"± {z:g} SE, common random numbers",
    )
    keys = [str(k) for k in swing["key"]]
    labels = []
    for key, a, b, value, error in zip(t["key"], t["from"], t["to"], values, se, strict=True):
        label = f"{key_name(str(key), keys)} ({a} → {b})"
        if not np.isfinite(value):
            label += " (not paired: no swing)"
        elif not np.isfinite(error):
            label += " (no error bar: s.e. ∞ or none)"
        labels.append(label)
    ax.axvline(0.0, color="0.2", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(
        f"swing of {metric}: the key's last value − its first (of one value: − the reference) ({unit})",
        wrap=True,
    )
    _title(ax, f"One key at a time: swing of {metric}")
    _tidy(ax)
    _legend_outside(ax)
    return ax


def _deltas_unit(units: pd.Series) -> str:
    """The axis unit of `plot_deltas`'s rows: their units (`figure_unit`) without whose figure they are,
    one each ("USD m a year; USD m in its worst policy year"); `ValueError` for rows of more than one
    quantity (money, tonnage, a count), which one axis cannot carry."""
    plain = [u.split(" (")[0] or "no unit" for u in units]
    quantity = ["USD m" if u.startswith("USD m") else u for u in plain]
    if len(set(quantity)) > 1:
        groups = {
            q: [f for f, k in zip(units.index, quantity, strict=True) if k == q]
            for q in dict.fromkeys(quantity)
        }
        count = {2: "two", 3: "three", 4: "four"}.get(len(groups), str(len(groups)))
        listed = ", ".join(f"{q} ({', '.join(fs)})" for q, fs in groups.items())
        raise ValueError(
            f"plot_deltas draws figures of one unit on one axis, and these are of {count}: {listed}; plot "
            "each unit's figures apart"
        )
    return "; ".join(dict.fromkeys(plain)) or "no figures"


def close(fig_or_ax: Figure | Axes) -> None:
    """Close the pyplot figure of a chart (the report renders many and keeps none)."""
    fig = fig_or_ax if isinstance(fig_or_ax, Figure) else fig_or_ax.figure
    plt.close(fig)
