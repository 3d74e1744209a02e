"""Tonnage and premium leaving the International Group: the block of figures that the report's headline
section and each run's summary.md show, so that a reader need not look them up in comparison.csv.

In: a `Results` (its ``base:*`` premium and tonnage bases and its ``tonnage_gt``) and, where the run is
compared with another, the `Comparison.table` of the two. Out: `ig_exit_table`, one row per figure of
`IG_EXIT_FIGURES` and per P&I class of the tanker tonnage: its label, which says whether it counts the
model's tankers only or every IG-entered ship (docs/model.md §3, `market.premium_bases`), its unit
(`results.figure_unit`), the run's annual average over the horizon ± its Monte Carlo standard error, and
the difference from the other run ± its common-random-number standard error (the comparison's rows). An
error that rests on one trial has its note beside it, by the rule of the summary and the comparison
(`display.dominant_trial_words`; a difference's is its comparison row's ``note``). Every figure is the
whole market's, at 100%, not the reinsurer's share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.display import dominant_trial_words, fixed, fixed_error
from riskmodel.results import TONNAGE_UNIT, Results, figure_unit

__all__ = ["IG_EXIT_FIGURES", "IG_EXIT_READING", "IG_EXIT_TITLE", "ig_exit_table", "tonnage_label"]

#: The block's title, in the report and in summary.md.
IG_EXIT_TITLE = "Tonnage and premium leaving the IG"

#: The premium and tonnage bases of the block, in its order, each with its label: the one declaration of
#: what each is of. The GXL premium base is C₀ × (E / E₀)^0.3 of the IG-entered GT E, which counts the
#: non-tanker entries (1.08bn GT) beside the tankers; the Western hull premium base is of tankers alone.
IG_EXIT_FIGURES: tuple[tuple[str, str], ...] = (
    ("base:ig_gxl_premium", "IG GXL premium base (the GXL programme's cost), all IG-entered ships"),
    ("base:ig_entered_gt", "IG-entered tonnage, all IG-entered ships (tankers and non-tanker entries)"),
    ("base:hm_western_premium", "Western hull premium base, tankers only (with IG or fixed-premium P&I)"),
)


#: How to read the block, beside its caption in the report and summary.md (an underwriter read the
#: GXL base's difference as what the leaving tankers paid, and looked for an insolvent scheme's members).
IG_EXIT_READING = (
    "The IG GXL premium base is the programme's cost, which moves with the IG-entered tonnage by "
    "`world.gxl_elasticity` (0.3 by default: below 1, it falls less than the tonnage that leaves, the "
    "clubs' other members paying more), so a fall in it is not what the leaving tankers paid. An insolvent "
    "scheme's members stay in the scheme's P&I class here (the market stage does not see insolvency, "
    "docs/model.md §7), uninsured in the waterfall."
)


def tonnage_label(pi_class: str) -> str:
    """The block's label of the tanker tonnage of one P&I class (the comparison's ``tonnage:<class>``).

    >>> tonnage_label("ig")
    'tanker tonnage with P&I class ig, tankers only'
    """
    return f"tanker tonnage with P&I class {pi_class}, tankers only"


def _noted(cell: str, note: object) -> str:
    """A cell with its one-trial note in brackets after it (none for "", which `read_table` gives a
    comparison.csv written before the note column, or NaN, which a plain `pandas.read_csv` gives)."""
    return f"{cell} ({note})" if isinstance(note, str) and note else cell


def _run_figures(results: Results) -> dict[str, np.ndarray]:
    """The block's figures a run has, by their comparison name: (n_trials, n_years) each, tonnage in
    million GT."""
    out = {}
    for name, _ in IG_EXIT_FIGURES:
        x = results.year_arrays.get(name)
        if x is not None and x.ndim == 2:
            out[name] = x / 1e6 if figure_unit(name) == TONNAGE_UNIT else x
    tonnage = results.year_arrays.get("tonnage_gt")
    if tonnage is not None:
        for i, cls in enumerate(results.class_names):
            out[f"tonnage:{cls}"] = tonnage[:, :, i] / 1e6
    return out


def ig_exit_table(
    results: Results, comparison: pd.DataFrame | None = None, compared_with: str | None = None
) -> pd.DataFrame:
    """The block of `results`: indexed by ``figure`` (the label: `IG_EXIT_FIGURES`, `tonnage_label`),
    columns ``unit`` and ``annual average`` ("mean ± standard error", `Results.annual_mean`; the mean
    alone for a figure the same in every trial, an error of exactly 0), and with a
    `comparison` (the `Comparison.table` of `results` against the run named `compared_with`)
    ``difference from <compared_with>`` ("difference ± its common-random-number standard error"). A
    tonnage class only the other run has is a row of 0 here. Empty for a run without the world model.
    An error that one trial holds more than half the variance of (from 1,000 trials) has its note in
    brackets after it, as summary.md and the report's comparison write it: the average's by
    `display.dominant_trial_words` of the trials' annual averages (as `Results.summary`), the
    difference's its comparison row's ``note`` (`Comparison.table`).

    >>> import numpy as np, pandas as pd
    >>> gt = np.array([[1.4e9, 1.2e9], [1.3e9, 1.3e9]])  # trials' averages 1,300 and 1,300 million GT
    >>> r = Results("x", 2026, 2, 2, 1, {}, {"base:ig_entered_gt": gt}, {}, (), (), pd.DataFrame())
    >>> ig_exit_table(r).to_dict("records")
    [{'unit': 'million GT', 'annual average': '1,300.000'}]
    """
    figures = _run_figures(results)
    labels = dict(IG_EXIT_FIGURES)
    extra = [] if comparison is None else [f for f in comparison.index if f.startswith("tonnage:")]
    names = [n for n, _ in IG_EXIT_FIGURES if n in figures]
    names += [n for n in figures if n.startswith("tonnage:")]
    names += [n for n in extra if n not in figures]
    rows = []
    for name in names:
        label = labels.get(name) or tonnage_label(name.removeprefix("tonnage:"))
        mean, se = results.annual_mean(figures[name]) if name in figures else (0.0, 0.0)
        average = fixed(mean) if se == 0 else f"{fixed(mean)} ± {fixed_error(se, mean)}"
        average = _noted(average, dominant_trial_words(figures[name].mean(axis=1)) if name in figures else "")
        row = {"figure": label, "unit": figure_unit(name), "annual average": average}
        if comparison is not None:
            cell = "–"
            if name in comparison.index:
                d = comparison.loc[name]
                level = max(abs(float(d["scenario"])), abs(float(d["baseline"])), abs(float(d["difference"])))
                cell = (
                    f"{fixed(d['difference'], sign=True)} ± {fixed_error(float(d['standard_error']), level)}"
                )
                cell = _noted(cell, d.get("note"))
            row[f"difference from {compared_with}"] = cell
        rows.append(row)
    columns = ["figure", "unit", "annual average"]
    columns += [] if comparison is None else [f"difference from {compared_with}"]
    return pd.DataFrame(rows, columns=columns).set_index("figure")
